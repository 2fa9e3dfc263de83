#include "layout/resolve.hpp"

#include <bit>
#include <cstring>
#include <fmt/format.h>

#include "layout/kernel_facts.hpp"

namespace pfnscan {

void KernelLayout::record(std::string name, std::string value, Source source, std::string detail, bool certain) {
  provenance.push_back({std::move(name), std::move(value), source, std::move(detail), certain});
  if (!certain) uncertainties.push_back(provenance.back().name + ": " + provenance.back().detail);
}

namespace {

constexpr std::size_t kUtsFieldLength = 65;  // __NEW_UTS_LEN + 1

// An optional VMCOREINFO entry: absent is fine, present but malformed is an error.
template <typename T>
Result<std::optional<T>> optional_entry(Result<T> r) {
  if (r) return std::optional<T>(*r);
  if (r.error().code() == Errc::missing) return std::optional<T>();
  return std::move(r.error());
}

#define PFNSCAN_OPTIONAL(var, expr)         \
  auto var##_r = optional_entry(expr);      \
  if (!var##_r) return std::move(var##_r.error()); \
  const auto& var = *var##_r

unsigned order_base_2(uint64_t n) { return n <= 1 ? 0 : static_cast<unsigned>(std::bit_width(n - 1)); }

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
      L.record("uts version", L.uts_version, Source::probe,
               fmt::format("init_uts_ns.name at offset {} (its release field equals OSRELEASE)", off));
      return;
    }
  }
}

}  // namespace

Result<ResolvedLayout> resolve_layout(Target& target, const LayoutOptions& options) {
  const VmcoreInfo& vi = target.vmcoreinfo();
  ResolvedLayout r;
  KernelLayout& L = r.layout;

  // --- release and version -------------------------------------------------------------------
  auto release = vi.string("OSRELEASE");
  if (!release) return std::move(release.error());
  L.release = *release;
  L.record("release", L.release, Source::vmcoreinfo, "OSRELEASE");
  auto parsed = parse_release(L.release);
  if (!parsed) return Error(Errc::corrupt, fmt::format("VMCOREINFO OSRELEASE '{}' is not a kernel release", L.release));
  L.version = *parsed;
  read_uts_version(target, L);
  if (!L.version.sublevel_known && !L.uts_version.empty()) refine_from_uts_version(L.version, L.uts_version);
  L.record("kernel version", L.version.str(), L.version.sublevel_known ? Source::probe : Source::vmcoreinfo,
           L.version.sublevel_known ? "sublevel from " + L.version.sublevel_source
                                    : "OSRELEASE hides the stable sublevel and the uts version did not name it");

  if (auto ps = vi.get("PAGESIZE")) {
    auto v = parse_u64(*ps, 10);
    if (!v || *v != 4096)
      return Error(Errc::unsupported, fmt::format("PAGESIZE={} (x86_64 uses 4096-byte pages)", *ps));
  }
  L.record("page size", "4096", Source::vmcoreinfo, "PAGESIZE");

  // --- type information: DWARF, a front end's, BTF from a file or the dump, else the built-in table
  auto sources = open_type_sources(target, options);
  if (!sources) return std::move(sources.error());
  r.sources = std::move(*sources);
  for (auto& f : r.sources.facts) L.provenance.push_back(std::move(f));
  r.sources.facts.clear();
  for (auto& u : r.sources.uncertainties) L.uncertainties.push_back(std::move(u));
  r.sources.uncertainties.clear();
  const TypeInfo* const type_info = r.sources.types;
  struct {
    const TypeInfo* info;
    std::string name() const { return info ? info->origin() : "none"; }
  } types{type_info};
  const Source ts = types.info ? types.info->source() : Source::builtin;
  const std::string tname = types.name();
  if (!types.info && !facts::builtin_covers(L.version))
    return Error(Errc::unsupported,
                 fmt::format("no type information for kernel {} and the built-in table covers 5.3 to 6.12 only; "
                             "give --vmlinux (the kernel's debug vmlinux)",
                             L.release));
  L.record("type information", types.info ? tname : "built-in table", ts, "");

  // --- sections and memory model -------------------------------------------------------------
  PFNSCAN_OPTIONAL(section_bits, vi.number("SECTION_SIZE_BITS"));
  if (const auto& b = section_bits) {
    if (*b < 21 || *b > 40) return Error(Errc::corrupt, fmt::format("NUMBER(SECTION_SIZE_BITS)={} is impossible", *b));
    L.section_size_bits = static_cast<unsigned>(*b);
    L.record("SECTION_SIZE_BITS", std::to_string(*b), Source::vmcoreinfo, "NUMBER(SECTION_SIZE_BITS)");
  } else {
    L.record("SECTION_SIZE_BITS", "27", Source::builtin, "x86_64 value in every version (before 4f5aecdff25f, v5.13, VMCOREINFO lacks it)");
  }
  PFNSCAN_OPTIONAL(physmem_bits, vi.number("MAX_PHYSMEM_BITS"));
  PFNSCAN_OPTIONAL(l5, vi.number("pgtable_l5_enabled"));
  if (const auto& b = physmem_bits) {
    if (*b < static_cast<int64_t>(L.section_size_bits) || *b > 52)
      return Error(Errc::corrupt, fmt::format("NUMBER(MAX_PHYSMEM_BITS)={} is impossible", *b));
    L.max_physmem_bits = static_cast<unsigned>(*b);
    L.record("MAX_PHYSMEM_BITS", std::to_string(*b), Source::vmcoreinfo, "NUMBER(MAX_PHYSMEM_BITS)");
  } else {
    L.max_physmem_bits = l5.value_or(0) != 0 ? 52 : 46;
    L.record("MAX_PHYSMEM_BITS", std::to_string(L.max_physmem_bits), Source::derived,
             "x86_64: 52 with 5-level paging, else 46 (NUMBER(pgtable_l5_enabled))");
  }

  auto ms = vi.symbol("mem_section");
  if (!ms) return std::move(ms.error()).with_context("locating the section root (is this a SPARSEMEM kernel?)");
  L.mem_section_symbol = *ms;
  auto roots = vi.length("mem_section");
  if (!roots) return std::move(roots.error());
  auto ms_size = vi.size("mem_section");
  if (!ms_size) return std::move(ms_size.error());
  if (*ms_size != 16 && *ms_size != 32)
    return Error(Errc::corrupt, fmt::format("SIZE(mem_section)={} (x86_64 kernels use 16 or 32)", *ms_size));
  L.mem_section_size = *ms_size;
  L.record("sizeof(struct mem_section)", std::to_string(*ms_size), Source::vmcoreinfo, "SIZE(mem_section)");
  if (types.info) {
    if (auto s = types.info->struct_size("mem_section"); s && *s != *ms_size)
      L.uncertainties.push_back(fmt::format("{} says struct mem_section is {} bytes, VMCOREINFO says {}; trusted VMCOREINFO",
                                            tname, *s, *ms_size));
  }
  uint64_t nr_sections = L.nr_mem_sections();
  std::optional<bool> is_pointer = types.info ? types.info->variable_is_pointer("mem_section") : std::nullopt;
  if (is_pointer) {
    L.sparsemem_extreme = *is_pointer;
    L.record("SPARSEMEM_EXTREME", *is_pointer ? "yes" : "no", ts,
             "type of the mem_section variable (pointer since 83e3c48729d9, v4.15)");
  } else if (*roots == nr_sections) {
    L.sparsemem_extreme = false;
    L.record("SPARSEMEM_EXTREME", "no", Source::derived, "LENGTH(mem_section) equals NR_MEM_SECTIONS (static array)");
  } else {
    L.sparsemem_extreme = true;
    L.record("SPARSEMEM_EXTREME", "yes", Source::derived, "LENGTH(mem_section) is less than NR_MEM_SECTIONS");
  }
  L.sections_per_root = L.sparsemem_extreme ? L.page_size / L.mem_section_size : 1;
  uint64_t expected_roots = (nr_sections + L.sections_per_root - 1) / L.sections_per_root;
  if (*roots == 0 || *roots > expected_roots)
    return Error(Errc::corrupt, fmt::format("LENGTH(mem_section)={} is impossible: at most {} roots of {} sections "
                                            "for {} sections",
                                            *roots, expected_roots, L.sections_per_root, nr_sections));
  L.nr_section_roots = *roots;
  L.record("NR_SECTION_ROOTS", std::to_string(*roots), Source::vmcoreinfo, "LENGTH(mem_section)");

  PFNSCAN_OPTIONAL(off_map, vi.offset("mem_section.section_mem_map"));
  L.off_section_mem_map = off_map.value_or(0);
  if (L.off_section_mem_map + 8 > L.mem_section_size)
    return Error(Errc::corrupt, fmt::format("OFFSET(mem_section.section_mem_map)={} lies outside the structure", L.off_section_mem_map));
  L.record("mem_section.section_mem_map offset", std::to_string(L.off_section_mem_map),
           vi.has("OFFSET(mem_section.section_mem_map)") ? Source::vmcoreinfo : Source::builtin, "");

  auto subs = facts::has_subsections(L.version);
  if (types.info) {
    L.off_usage = types.info->member_offset("mem_section", "usage");
    L.record("mem_section.usage offset", L.off_usage ? std::to_string(*L.off_usage) : "absent", ts,
             "struct mem_section member usage (f1eca35a0dc7, v5.3)");
    if (L.off_usage) {
      L.off_subsection_map = types.info->member_offset("mem_section_usage", "subsection_map");
      L.record("mem_section_usage.subsection_map offset",
               L.off_subsection_map ? std::to_string(*L.off_subsection_map) : "absent", ts,
               "struct mem_section_usage member subsection_map");
    }
  } else if (subs.value) {
    auto u = facts::mem_section_usage_offset();
    L.off_usage = u.value;
    L.record("mem_section.usage offset", std::to_string(u.value), Source::builtin, u.why);
    auto sm = facts::subsection_map_offset(L.version);
    L.off_subsection_map = sm.value;
    // An uncertain offset is settled by the section walk, which looks at what the usage
    // structures hold; the record below is replaced then.
    L.record("mem_section_usage.subsection_map offset", std::to_string(sm.value), Source::builtin, sm.why, sm.certain);
  }

  // --- section flag bits ----------------------------------------------------------------------
  if (types.info && types.info->enumerator("SECTION_MAP_LAST_BIT")) {
    // Since ed7802dd48f7 (v6.0) the flags are an enum; read it instead of assuming.
    SectionFlagBits b;
    auto e = [&](const char* n) { return types.info->enumerator(n); };
    b.present = static_cast<int>(e("SECTION_MARKED_PRESENT_BIT").value_or(0));
    b.has_mem_map = static_cast<int>(e("SECTION_HAS_MEM_MAP_BIT").value_or(1));
    b.online = static_cast<int>(e("SECTION_IS_ONLINE_BIT").value_or(-1));
    b.early = static_cast<int>(e("SECTION_IS_EARLY_BIT").value_or(-1));
    b.taint_zone_device = static_cast<int>(e("SECTION_TAINT_ZONE_DEVICE_BIT").value_or(-1));
    b.map_last_bit = static_cast<int>(*e("SECTION_MAP_LAST_BIT"));
    if (b.map_last_bit < 2 || b.map_last_bit > 12)
      return Error(Errc::corrupt, fmt::format("{} gives SECTION_MAP_LAST_BIT={}", tname, b.map_last_bit));
    L.section_flags = b;
    L.record("section flag bits", fmt::format("last bit {}, taint bit {}", b.map_last_bit, b.taint_zone_device), ts,
             "enum of SECTION_*_BIT (ed7802dd48f7, v6.0)");
  } else {
    auto fb = facts::section_flag_bits(L.version);
    // Type information without the enum means the macro era; if it shows usage, it is 5.3+.
    bool certain = fb.certain || (types.info != nullptr && !L.version.at_least(6, 0));
    L.section_flags = fb.value;
    L.record("section flag bits", fmt::format("last bit {}, taint bit {}", fb.value.map_last_bit, fb.value.taint_zone_device),
             Source::builtin, fb.why, certain);
  }

  // --- struct page ------------------------------------------------------------------------------
  PFNSCAN_OPTIONAL(page_size, vi.size("page"));
  if (page_size) {
    L.page_struct_size = *page_size;
    L.record("sizeof(struct page)", std::to_string(*page_size), Source::vmcoreinfo, "SIZE(page)");
  } else if (types.info && types.info->struct_size("page")) {
    L.page_struct_size = *types.info->struct_size("page");
    L.record("sizeof(struct page)", std::to_string(L.page_struct_size), ts, "struct page");
  } else {
    L.record("sizeof(struct page)", "64", Source::builtin, "x86_64 struct page without debug options");
  }
  if (L.page_struct_size < 32 || L.page_struct_size > 256 || L.page_struct_size % 8)
    return Error(Errc::corrupt, fmt::format("sizeof(struct page)={} is impossible", L.page_struct_size));
  PFNSCAN_OPTIONAL(off_flags, vi.offset("page.flags"));
  L.off_page_flags = off_flags.value_or(0);
  if (L.off_page_flags + 8 > L.page_struct_size)
    return Error(Errc::corrupt, fmt::format("OFFSET(page.flags)={} lies outside struct page", L.off_page_flags));
  L.record("page.flags offset", std::to_string(L.off_page_flags), vi.has("OFFSET(page.flags)") ? Source::vmcoreinfo : Source::builtin, "");
  if (types.info) {
    L.off_page_pgmap = types.info->member_offset("page", "pgmap");
    L.record("page.pgmap offset", L.off_page_pgmap ? std::to_string(*L.off_page_pgmap) : "absent", ts,
             "struct page, ZONE_DEVICE union member pgmap");
  } else {
    auto p = facts::page_pgmap_offset();
    L.off_page_pgmap = p.value;
    L.record("page.pgmap offset", std::to_string(p.value), Source::builtin, p.why);
  }

  // --- zones and page->flags fields --------------------------------------------------------------
  PageFlagLayout& pf = L.page_flags;
  if (types.info && types.info->enumerator("__MAX_NR_ZONES")) {
    pf.max_nr_zones = static_cast<int>(*types.info->enumerator("__MAX_NR_ZONES"));
    pf.zone_device = static_cast<int>(types.info->enumerator("ZONE_DEVICE").value_or(-1));
    L.record("enum zone_type", fmt::format("__MAX_NR_ZONES {}, ZONE_DEVICE {}", pf.max_nr_zones, pf.zone_device), ts,
             "enumerators of enum zone_type");
  } else {
    auto z = facts::distro_zone_enum();
    pf.max_nr_zones = z.value.max_nr_zones;
    pf.zone_device = z.value.zone_device;
    L.record("enum zone_type", fmt::format("__MAX_NR_ZONES {}, ZONE_DEVICE {}", pf.max_nr_zones, pf.zone_device),
             Source::builtin, z.why, z.certain);
  }
  if (pf.max_nr_zones < 1 || pf.max_nr_zones > 8 || pf.zone_device >= pf.max_nr_zones)
    return Error(Errc::corrupt, fmt::format("enum zone_type is impossible (__MAX_NR_ZONES {}, ZONE_DEVICE {})",
                                            pf.max_nr_zones, pf.zone_device));
  for (int z = 0; z < pf.max_nr_zones; ++z) pf.zone_names.push_back(facts::zone_name(z, pf.zone_device, pf.max_nr_zones));
  unsigned nodes_shift = 0;
  PFNSCAN_OPTIONAL(node_data, vi.length("node_data"));
  if (const auto& n = node_data) {
    if (*n == 0 || *n > 4096 || std::popcount(*n) != 1)
      return Error(Errc::corrupt, fmt::format("LENGTH(node_data)={} is not a power of two up to 4096", *n));
    nodes_shift = static_cast<unsigned>(std::countr_zero(*n));
    L.record("NODES_SHIFT", std::to_string(nodes_shift), Source::vmcoreinfo, "log2(LENGTH(node_data)) = MAX_NUMNODES");
  } else {
    L.record("NODES_SHIFT", "0", Source::derived, "no node_data in VMCOREINFO: a non-NUMA kernel");
  }
  pf.zones_width = order_base_2(static_cast<uint64_t>(pf.max_nr_zones));
  pf.nodes_width = nodes_shift;
  // With SPARSEMEM_VMEMMAP the section field is absent from page->flags, the node field is at the
  // top and the zone field right under it (include/linux/page-flags-layout.h).
  pf.nodes_pgshift = nodes_shift ? 64 - nodes_shift : 0;
  pf.zones_pgshift = 64 - nodes_shift - pf.zones_width;
  L.record("ZONES_PGSHIFT", std::to_string(pf.zones_pgshift), Source::derived,
           fmt::format("64 - NODES_SHIFT {} - ZONES_SHIFT {} (SPARSEMEM_VMEMMAP: no section field)", nodes_shift, pf.zones_width));

  // --- behaviour of the kernel ---------------------------------------------------------------------
  auto fixed = facts::fixed_pfn_to_online_page(L.version);
  if (r.sources.symbols->has_symbol_table()) {
    // The fixed function is out of line (9f605f260594, v5.12); the old one is a macro with no
    // symbol. A symbol therefore also detects private backports.
    auto hit = r.sources.symbols->find("pfn_to_online_page");
    L.has_fixed_pfn_to_online_page = hit.has_value();
    L.fixed_function_evidence = hit ? "the symbol pfn_to_online_page exists in " + hit->from +
                                          " (out of line since 9f605f260594, v5.12)"
                                    : "no pfn_to_online_page symbol: the pre-5.12 macro";
    L.record("fixed pfn_to_online_page()", hit ? "yes" : "no", Source::probe, L.fixed_function_evidence);
  } else {
    L.has_fixed_pfn_to_online_page = fixed.value;
    L.fixed_function_evidence = fixed.why + " (by version; no symbol table to check for a backport)";
    L.record("fixed pfn_to_online_page()", fixed.value ? "yes" : "no", Source::builtin, L.fixed_function_evidence);
  }
  auto quirk = facts::memmap_direct_map_quirk(L.version);
  L.memmap_direct_map_quirk = quirk.value;
  L.record("direct-map memmap encoding quirk", quirk.value ? "possible" : "no", Source::builtin, quirk.why);
  return r;
}

}  // namespace pfnscan
