#include "layout/resolve.hpp"

#include <bit>
#include <cstring>
#include <fmt/format.h>

#include "layout/kernel_facts.hpp"

namespace pfnscan {
namespace {

constexpr std::size_t kUtsFieldLength = 65;  // __NEW_UTS_LEN + 1

// An optional VMCOREINFO entry: absent is fine, present but malformed is an error.
template <typename T>
Result<std::optional<T>> optional_entry(Result<T> r) {
  if (r) return std::optional<T>(*r);
  if (r.error().code() == Errc::missing) return std::optional<T>();
  return std::move(r.error());
}

#define PFNSCAN_OPTIONAL(var, expr)                \
  auto var##_r = optional_entry(expr);             \
  if (!var##_r) return std::move(var##_r.error()); \
  const auto& var = *var##_r

// Overflow-safe: a member of `width` bytes at `offset` lies inside a structure of `size` bytes.
bool fits(uint64_t offset, uint64_t width, uint64_t size) { return offset <= size && size - offset >= width; }

std::string cstr_field(const std::vector<std::byte>& bytes, std::size_t offset) {
  std::string out;
  for (std::size_t i = offset; i < offset + kUtsFieldLength && i < bytes.size(); ++i) {
    char c = static_cast<char>(bytes[i]);
    if (c == '\0') break;
    out.push_back(c);
  }
  return out;
}

// Reads init_uts_ns.name.version, choosing the name offset whose release field equals OSRELEASE.
void read_uts_version(Target& target, KernelLayout& L) {
  const VmcoreInfo& vi = target.vmcoreinfo();
  auto base = vi.symbol("init_uts_ns");
  if (!base) return;
  std::vector<uint64_t> candidates;
  if (auto off = vi.offset("uts_namespace.name"); off) candidates.push_back(*off);
  for (uint64_t c : facts::uts_name_offset_candidates()) candidates.push_back(c);
  for (uint64_t off : candidates) {
    auto bytes = target.read_bytes(AddressSpace::kernel_virtual, *base + off, 6 * kUtsFieldLength);
    if (!bytes) return;
    if (cstr_field(*bytes, 2 * kUtsFieldLength) == L.release) {
      L.uts_version = cstr_field(*bytes, 3 * kUtsFieldLength);
      L.record(FactId::uts_version, L.uts_version, Source::probe,
               fmt::format("init_uts_ns.name at offset {} (its release field equals OSRELEASE)", off));
      return;
    }
  }
}

// One pass over the questions the walk needs answered; each step records what it decided.
class Resolver {
 public:
  Resolver(Target& target, ResolvedLayout& r) : target_(target), vi_(target.vmcoreinfo()), r_(r), L(r.layout) {}

  Status release_and_version();
  Status type_information(const LayoutOptions& options);
  Status memory_model();
  Status section_root();
  void section_usage();
  Status section_flag_bits();
  Status struct_page();
  Status zones();
  void behaviour();
  Status check_struct_offsets() const;

 private:
  Target& target_;
  const VmcoreInfo& vi_;
  ResolvedLayout& r_;
  KernelLayout& L;
  const TypeInfo* types_ = nullptr;
  Source ts_ = Source::builtin;     // where type answers come from
  std::string tname_ = "none";
};

Status Resolver::release_and_version() {
  auto release = vi_.string("OSRELEASE");
  if (!release) return std::move(release.error());
  L.release = *release;
  L.record(FactId::release, L.release, Source::vmcoreinfo, "OSRELEASE");
  auto parsed = parse_release(L.release);
  if (!parsed) return Error(Errc::corrupt, fmt::format("VMCOREINFO OSRELEASE '{}' is not a kernel release", L.release));
  L.version = *parsed;
  read_uts_version(target_, L);
  if (!L.version.sublevel_known && !L.uts_version.empty()) refine_from_uts_version(L.version, L.uts_version);
  L.record(FactId::kernel_version, L.version.str(), L.version.sublevel_known ? Source::probe : Source::vmcoreinfo,
           L.version.sublevel_known ? "sublevel from " + L.version.sublevel_source
                                    : "OSRELEASE hides the stable sublevel and the uts version did not name it");
  if (auto ps = vi_.get("PAGESIZE")) {
    auto v = parse_u64(*ps, 10);
    if (!v || *v != 4096) return Error(Errc::unsupported, fmt::format("PAGESIZE={} (x86_64 uses 4096-byte pages)", *ps));
  }
  L.record(FactId::page_size, "4096", Source::vmcoreinfo, "PAGESIZE");
  return ok_status();
}

// DWARF, a front end's, BTF from a file or the dump, else the built-in table.
Status Resolver::type_information(const LayoutOptions& options) {
  auto sources = open_type_sources(target_, options);
  if (!sources) return std::move(sources.error());
  r_.sources = std::move(*sources);
  for (auto& f : r_.sources.facts) L.provenance.push_back(std::move(f));
  r_.sources.facts.clear();
  for (auto& u : r_.sources.uncertainties) L.doubt(std::move(u));
  r_.sources.uncertainties.clear();
  types_ = r_.sources.types;
  if (types_) {
    ts_ = types_->source();
    tname_ = types_->origin();
  }
  if (!types_ && !facts::builtin_covers(L.version))
    return Error(Errc::unsupported,
                 fmt::format("no type information for kernel {} and the built-in table covers 5.3 to 6.12 only; "
                             "give --vmlinux (the kernel's debug vmlinux)",
                             L.release));
  L.record(FactId::type_information, types_ ? tname_ : "built-in table", ts_, "");
  return ok_status();
}

Status Resolver::memory_model() {
  PFNSCAN_OPTIONAL(section_bits, vi_.number("SECTION_SIZE_BITS"));
  if (const auto& b = section_bits) {
    if (*b < 21 || *b > 40) return Error(Errc::corrupt, fmt::format("NUMBER(SECTION_SIZE_BITS)={} is impossible", *b));
    L.section_size_bits = static_cast<unsigned>(*b);
    L.record(FactId::section_size_bits, std::to_string(*b), Source::vmcoreinfo, "NUMBER(SECTION_SIZE_BITS)");
  } else {
    L.record(FactId::section_size_bits, "27", Source::builtin,
             "x86_64 value in every version (before 4f5aecdff25f, v5.13, VMCOREINFO lacks it)");
  }
  PFNSCAN_OPTIONAL(physmem_bits, vi_.number("MAX_PHYSMEM_BITS"));
  PFNSCAN_OPTIONAL(l5, vi_.number("pgtable_l5_enabled"));
  if (const auto& b = physmem_bits) {
    if (*b < static_cast<int64_t>(L.section_size_bits) || *b > 52)
      return Error(Errc::corrupt, fmt::format("NUMBER(MAX_PHYSMEM_BITS)={} is impossible", *b));
    L.max_physmem_bits = static_cast<unsigned>(*b);
    L.record(FactId::max_physmem_bits, std::to_string(*b), Source::vmcoreinfo, "NUMBER(MAX_PHYSMEM_BITS)");
  } else {
    L.max_physmem_bits = l5.value_or(0) != 0 ? 52 : 46;
    L.record(FactId::max_physmem_bits, std::to_string(L.max_physmem_bits), Source::derived,
             "x86_64: 52 with 5-level paging, else 46 (NUMBER(pgtable_l5_enabled))");
  }
  return ok_status();
}

Status Resolver::section_root() {
  auto ms = vi_.symbol("mem_section");
  if (!ms) return std::move(ms.error()).with_context("locating the section root (is this a SPARSEMEM kernel?)");
  L.mem_section_symbol = *ms;
  auto roots = vi_.length("mem_section");
  if (!roots) return std::move(roots.error());
  auto ms_size = vi_.size("mem_section");
  if (!ms_size) return std::move(ms_size.error());
  if (*ms_size != 16 && *ms_size != 32)
    return Error(Errc::corrupt, fmt::format("SIZE(mem_section)={} (x86_64 kernels use 16 or 32)", *ms_size));
  L.mem_section_size = *ms_size;
  L.record(FactId::mem_section_size, std::to_string(*ms_size), Source::vmcoreinfo, "SIZE(mem_section)");
  if (types_)
    if (auto s = types_->struct_size("mem_section"); s && *s != *ms_size)
      L.doubt(fmt::format("{} says struct mem_section is {} bytes, VMCOREINFO says {}; trusted VMCOREINFO", tname_, *s, *ms_size));
  const uint64_t nr_sections = L.nr_mem_sections();
  std::optional<bool> is_pointer = types_ ? types_->variable_is_pointer("mem_section") : std::nullopt;
  if (is_pointer) {
    L.sparsemem_extreme = *is_pointer;
    L.record(FactId::sparsemem_extreme, *is_pointer ? "yes" : "no", ts_, "type of the mem_section variable (pointer since 83e3c48729d9, v4.15)");
  } else {
    L.sparsemem_extreme = *roots != nr_sections;
    L.record(FactId::sparsemem_extreme, L.sparsemem_extreme ? "yes" : "no", Source::derived,
             L.sparsemem_extreme ? "LENGTH(mem_section) is less than NR_MEM_SECTIONS"
                                 : "LENGTH(mem_section) equals NR_MEM_SECTIONS (static array)");
  }
  L.sections_per_root = L.sparsemem_extreme ? L.page_size / L.mem_section_size : 1;
  const uint64_t expected_roots = (nr_sections + L.sections_per_root - 1) / L.sections_per_root;
  if (*roots == 0 || *roots > expected_roots)
    return Error(Errc::corrupt, fmt::format("LENGTH(mem_section)={} is impossible: at most {} roots of {} sections for {} sections",
                                            *roots, expected_roots, L.sections_per_root, nr_sections));
  L.nr_section_roots = *roots;
  L.record(FactId::nr_section_roots, std::to_string(*roots), Source::vmcoreinfo, "LENGTH(mem_section)");
  PFNSCAN_OPTIONAL(off_map, vi_.offset("mem_section.section_mem_map"));
  L.off_section_mem_map = off_map.value_or(0);
  if (!fits(L.off_section_mem_map, 8, L.mem_section_size))
    return Error(Errc::corrupt, fmt::format("OFFSET(mem_section.section_mem_map)={} lies outside the structure", L.off_section_mem_map));
  L.record(FactId::section_mem_map_offset, std::to_string(L.off_section_mem_map),
           vi_.has("OFFSET(mem_section.section_mem_map)") ? Source::vmcoreinfo : Source::builtin, "");
  return ok_status();
}

void Resolver::section_usage() {
  if (types_) {
    L.off_usage = types_->member_offset("mem_section", "usage");
    L.record(FactId::usage_offset, L.off_usage ? std::to_string(*L.off_usage) : "absent", ts_,
             "struct mem_section member usage (f1eca35a0dc7, v5.3)");
    if (L.off_usage) {
      L.off_subsection_map = types_->member_offset("mem_section_usage", "subsection_map");
      L.record(FactId::subsection_map_offset, L.off_subsection_map ? std::to_string(*L.off_subsection_map) : "absent", ts_,
               "struct mem_section_usage member subsection_map");
    }
    return;
  }
  if (!facts::has_subsections(L.version).value) return;
  auto u = facts::mem_section_usage_offset();
  L.off_usage = u.value;
  L.record(FactId::usage_offset, std::to_string(u.value), Source::builtin, u.why);
  // An uncertain offset is settled against what the usage structures hold (settle.hpp).
  auto sm = facts::subsection_map_offset(L.version);
  L.off_subsection_map = sm.value;
  L.record(FactId::subsection_map_offset, std::to_string(sm.value), Source::builtin, sm.why, sm.certain);
}

Status Resolver::section_flag_bits() {
  if (types_ && types_->enumerator("SECTION_MAP_LAST_BIT")) {
    // Since ed7802dd48f7 (v6.0) the flags are an enum; read it instead of assuming.
    SectionFlagBits b;
    auto e = [&](const char* n) { return types_->enumerator(n); };
    b.present = static_cast<int>(e("SECTION_MARKED_PRESENT_BIT").value_or(0));
    b.has_mem_map = static_cast<int>(e("SECTION_HAS_MEM_MAP_BIT").value_or(1));
    b.online = static_cast<int>(e("SECTION_IS_ONLINE_BIT").value_or(-1));
    b.early = static_cast<int>(e("SECTION_IS_EARLY_BIT").value_or(-1));
    b.taint_zone_device = static_cast<int>(e("SECTION_TAINT_ZONE_DEVICE_BIT").value_or(-1));
    b.map_last_bit = static_cast<int>(*e("SECTION_MAP_LAST_BIT"));
    if (b.map_last_bit < 2 || b.map_last_bit > 12)
      return Error(Errc::corrupt, fmt::format("{} gives SECTION_MAP_LAST_BIT={}", tname_, b.map_last_bit));
    for (int bit : {b.present, b.has_mem_map, b.online, b.early, b.taint_zone_device})
      if (bit >= b.map_last_bit)
        return Error(Errc::corrupt, fmt::format("{} gives a section flag bit {} at or above SECTION_MAP_LAST_BIT={}", tname_, bit,
                                                b.map_last_bit));
    L.section_flags = b;
    L.record(FactId::section_flag_bits, fmt::format("last bit {}, taint bit {}", b.map_last_bit, b.taint_zone_device), ts_,
             "enum of SECTION_*_BIT (ed7802dd48f7, v6.0)");
    return ok_status();
  }
  auto fb = facts::section_flag_bits(L.version);
  // Type information without the enum means the macro era; if it shows usage, it is 5.3+.
  bool certain = fb.certain || (types_ != nullptr && !L.version.at_least(6, 0));
  L.section_flags = fb.value;
  L.record(FactId::section_flag_bits, fmt::format("last bit {}, taint bit {}", fb.value.map_last_bit, fb.value.taint_zone_device),
           Source::builtin, fb.why, certain);
  return ok_status();
}

Status Resolver::struct_page() {
  PFNSCAN_OPTIONAL(page_size, vi_.size("page"));
  if (page_size) {
    L.page_struct_size = *page_size;
    L.record(FactId::page_struct_size, std::to_string(*page_size), Source::vmcoreinfo, "SIZE(page)");
  } else if (types_ && types_->struct_size("page")) {
    L.page_struct_size = *types_->struct_size("page");
    L.record(FactId::page_struct_size, std::to_string(L.page_struct_size), ts_, "struct page");
  } else {
    L.record(FactId::page_struct_size, "64", Source::builtin, "x86_64 struct page without debug options");
  }
  if (L.page_struct_size < 32 || L.page_struct_size > 256 || L.page_struct_size % 8)
    return Error(Errc::corrupt, fmt::format("sizeof(struct page)={} is impossible", L.page_struct_size));
  PFNSCAN_OPTIONAL(off_flags, vi_.offset("page.flags"));
  L.off_page_flags = off_flags.value_or(0);
  if (!fits(L.off_page_flags, 8, L.page_struct_size))
    return Error(Errc::corrupt, fmt::format("OFFSET(page.flags)={} lies outside struct page", L.off_page_flags));
  L.record(FactId::page_flags_offset, std::to_string(L.off_page_flags),
           vi_.has("OFFSET(page.flags)") ? Source::vmcoreinfo : Source::builtin, "");
  if (types_) {
    L.off_page_pgmap = types_->member_offset("page", "pgmap");
    L.record(FactId::page_pgmap_offset, L.off_page_pgmap ? std::to_string(*L.off_page_pgmap) : "absent", ts_,
             "struct page, ZONE_DEVICE union member pgmap");
  } else {
    auto p = facts::page_pgmap_offset();
    L.off_page_pgmap = p.value;
    L.record(FactId::page_pgmap_offset, std::to_string(p.value), Source::builtin, p.why);
  }
  return ok_status();
}

Status Resolver::zones() {
  facts::ZoneEnum zones{};
  if (types_ && types_->enumerator("__MAX_NR_ZONES")) {
    zones.max_nr_zones = static_cast<int>(*types_->enumerator("__MAX_NR_ZONES"));
    zones.zone_device = static_cast<int>(types_->enumerator("ZONE_DEVICE").value_or(-1));
    L.record(FactId::zone_enum, fmt::format("__MAX_NR_ZONES {}, ZONE_DEVICE {}", zones.max_nr_zones, zones.zone_device), ts_,
             "enumerators of enum zone_type");
  } else {
    // A distro-config assumption, checked against the dump's boot RAM when the layout is settled.
    auto z = facts::distro_zone_enum();
    zones = z.value;
    L.record(FactId::zone_enum, fmt::format("__MAX_NR_ZONES {}, ZONE_DEVICE {}", zones.max_nr_zones, zones.zone_device),
             Source::builtin, z.why, z.certain);
  }
  if (zones.max_nr_zones < 1 || zones.max_nr_zones > 8 || zones.zone_device >= zones.max_nr_zones)
    return Error(Errc::corrupt, fmt::format("enum zone_type is impossible (__MAX_NR_ZONES {}, ZONE_DEVICE {})",
                                            zones.max_nr_zones, zones.zone_device));
  unsigned nodes_shift = 0;
  PFNSCAN_OPTIONAL(node_data, vi_.length("node_data"));
  if (const auto& n = node_data) {
    if (*n == 0 || *n > 4096 || std::popcount(*n) != 1)
      return Error(Errc::corrupt, fmt::format("LENGTH(node_data)={} is not a power of two up to 4096", *n));
    nodes_shift = static_cast<unsigned>(std::countr_zero(*n));
    L.record(FactId::nodes_shift, std::to_string(nodes_shift), Source::vmcoreinfo, "log2(LENGTH(node_data)) = MAX_NUMNODES");
  } else {
    L.record(FactId::nodes_shift, "0", Source::derived, "no node_data in VMCOREINFO: a non-NUMA kernel");
  }
  L.page_flags = facts::page_flag_layout(nodes_shift, zones);
  L.record(FactId::zones_pgshift, std::to_string(L.page_flags.zones_pgshift), Source::derived,
           facts::describe_zones_pgshift(L.page_flags));
  return ok_status();
}

void Resolver::behaviour() {
  const SymbolResolver& symbols = *r_.sources.symbols;
  if (symbols.has_symbol_table()) {
    // The fixed function is out of line (9f605f260594, v5.12); the old one is a macro with no
    // symbol. A symbol therefore also detects private backports.
    auto hit = symbols.find("pfn_to_online_page");
    L.has_fixed_pfn_to_online_page = hit.has_value();
    L.fixed_function_evidence = hit ? "the symbol pfn_to_online_page exists in " + hit->from + " (out of line since 9f605f260594, v5.12)"
                                    : "no pfn_to_online_page symbol: the pre-5.12 macro";
    L.record(FactId::fixed_pfn_to_online_page, hit ? "yes" : "no", Source::probe, L.fixed_function_evidence);
  } else {
    auto fixed = facts::fixed_pfn_to_online_page(L.version);
    L.has_fixed_pfn_to_online_page = fixed.value;
    L.fixed_function_evidence = fixed.why + " (by version; no symbol table to check for a backport)";
    L.record(FactId::fixed_pfn_to_online_page, fixed.value ? "yes" : "no", Source::builtin, L.fixed_function_evidence);
  }
  auto quirk = facts::memmap_direct_map_quirk(L.version);
  L.memmap_direct_map_quirk = quirk.value;
  L.record(FactId::memmap_quirk, quirk.value ? "possible" : "no", Source::builtin, quirk.why);
}

// Every member the walk reads must lie inside its structure, whoever gave its offset.
Status Resolver::check_struct_offsets() const {
  if (L.off_usage && !fits(*L.off_usage, 8, L.mem_section_size))
    return Error(Errc::corrupt, fmt::format("mem_section.usage at offset {} lies outside struct mem_section ({} bytes)", *L.off_usage,
                                            L.mem_section_size));
  if (L.off_page_pgmap && !fits(*L.off_page_pgmap, 8, L.page_struct_size))
    return Error(Errc::corrupt,
                 fmt::format("page.pgmap at offset {} lies outside struct page ({} bytes)", *L.off_page_pgmap, L.page_struct_size));
  if (L.off_subsection_map && *L.off_subsection_map > 4096)
    return Error(Errc::corrupt, fmt::format("mem_section_usage.subsection_map at offset {} is implausible", *L.off_subsection_map));
  return ok_status();
}

}  // namespace

Result<ResolvedLayout> resolve_layout(Target& target, const LayoutOptions& options) {
  ResolvedLayout r;
  Resolver step(target, r);
  Status st = step.release_and_version();
  if (st) st = step.type_information(options);
  if (st) st = step.memory_model();
  if (st) st = step.section_root();
  if (st) step.section_usage();
  if (st) st = step.section_flag_bits();
  if (st) st = step.struct_page();
  if (st) st = step.zones();
  if (st) step.behaviour();
  if (st) st = step.check_struct_offsets();
  if (!st) return std::move(st.error());
  return r;
}

}  // namespace pfnscan
