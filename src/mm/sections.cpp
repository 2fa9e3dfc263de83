#include "mm/sections.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>

namespace pfnscan {

const char* memmap_check_name(MemmapCheck check) {
  switch (check) {
    case MemmapCheck::ok: return "ok";
    case MemmapCheck::quirk_corrected: return "pfn_to_kaddr_quirk";
    case MemmapCheck::mismatch: return "mismatch";
    case MemmapCheck::no_memmap: return "no_memmap";
  }
  return "unknown";
}

bool is_kernel_address(uint64_t address) { return address >= 0xff00000000000000ULL; }

std::vector<std::string> SectionState::flag_names() const {
  std::vector<std::string> out;
  if (present) out.emplace_back("present");
  if (has_mem_map) out.emplace_back("has_mem_map");
  if (online) out.emplace_back("online");
  if (early) out.emplace_back("early");
  if (taint_zone_device) out.emplace_back("zone_device_taint");
  return out;
}

namespace {


void decode_flags(SectionState& s, const SectionFlagBits& b) {
  auto bit = [&](int n) { return n >= 0 && ((s.raw >> n) & 1); };
  s.flag_bits = s.raw & ~b.mask();
  s.encoded_memmap = s.raw & b.mask();
  s.present = bit(b.present);
  s.has_mem_map = bit(b.has_mem_map);
  s.online = bit(b.online);
  s.early = bit(b.early);
  s.taint_zone_device = bit(b.taint_zone_device);
}

// Chooses between subsection_map at 0 and behind a 16-byte rcu_head by what the usage structures
// hold: an rcu_head of a live mem_section_usage is all zeros (boot usage is never freed), while a
// section with memory always has a valid subsection, so the map word is never zero.
std::optional<uint64_t> probe_subsection_map_offset(const std::vector<std::vector<uint64_t>>& usage_words) {
  int votes_rcu = 0, votes_plain = 0;
  for (const auto& w : usage_words) {
    if (w.size() < 3) continue;
    if (w[0] == 0 && w[1] == 0 && w[2] != 0) ++votes_rcu;
    else if (w[0] != 0) ++votes_plain;
  }
  if (votes_rcu > 0 && votes_plain == 0) return 16;
  if (votes_plain > 0 && votes_rcu == 0) return 0;
  return std::nullopt;
}

}  // namespace

Result<SectionTable> walk_sections(Target& target, KernelLayout& L, std::optional<uint64_t> vmemmap_hint) {
  SectionTable table;
  uint64_t excluded = 0;
  const uint64_t per_root = L.sections_per_root;
  const uint64_t nr_limit = L.nr_mem_sections();

  // 1. Locate the struct mem_section of every root.
  std::vector<std::pair<uint64_t, uint64_t>> root_bases;  // (first section nr, address of its array)
  if (L.sparsemem_extreme) {
    std::vector<uint64_t> roots(L.nr_section_roots);
    auto st = target.read_kernel_data(L.mem_section_symbol, std::as_writable_bytes(std::span(roots)), excluded);
    if (!st)
      return std::move(st.error()).with_context(
          fmt::format("reading the mem_section root array ({} pointers at {:#x})", L.nr_section_roots, L.mem_section_symbol));
    for (uint64_t i = 0; i < roots.size(); ++i) {
      if (roots[i] == 0) continue;
      if (!is_kernel_address(roots[i])) {
        table.errors.push_back(fmt::format("mem_section root {} holds {:#x}, not a kernel address; its {} sections skipped",
                                           i, roots[i], per_root));
        continue;
      }
      root_bases.emplace_back(i * per_root, roots[i]);
    }
  } else {
    root_bases.emplace_back(0, L.mem_section_symbol);
  }
  table.roots_present = root_bases.size();

  // 2. Read each root's sections.
  const std::size_t per_read = L.sparsemem_extreme ? per_root : std::min<uint64_t>(nr_limit, L.nr_section_roots);
  std::vector<std::vector<uint64_t>> usage_words;
  for (auto [first_nr, base] : root_bases) {
    std::vector<std::byte> bytes(per_read * L.mem_section_size);
    auto st = target.read_kernel_data(base, bytes, excluded);
    if (!st) {
      table.errors.push_back(
          fmt::format("sections {}..{}: {}", first_nr, first_nr + per_read - 1,
                      std::move(st.error()).with_context(fmt::format("reading the section array at {:#x}", base)).describe()));
      continue;
    }
    for (std::size_t i = 0; i < per_read; ++i) {
      uint64_t raw = 0;
      std::memcpy(&raw, bytes.data() + i * L.mem_section_size + L.off_section_mem_map, 8);
      if (raw == 0) continue;
      SectionState s;
      s.nr = first_nr + i;
      s.address = base + i * L.mem_section_size;
      s.raw = raw;
      decode_flags(s, L.section_flags);
      if (L.off_usage) std::memcpy(&s.usage, bytes.data() + i * L.mem_section_size + *L.off_usage, 8);
      table.sections.push_back(std::move(s));
    }
  }

  // 3. Subsection maps.
  const unsigned nsub = L.subsections_per_section();
  const std::size_t words = (nsub + 63) / 64;
  if (L.off_usage && L.off_subsection_map) {
    bool offset_certain = true;
    for (const auto& f : L.provenance)
      if (f.name == "mem_section_usage.subsection_map offset") offset_certain = f.certain;
    std::vector<std::vector<uint64_t>> raw_usage(table.sections.size());
    const std::size_t probe_words = 2 + words;  // enough for both candidate layouts
    for (std::size_t k = 0; k < table.sections.size(); ++k) {
      SectionState& s = table.sections[k];
      if (!s.has_mem_map) continue;
      if (s.usage == 0) {
        s.usage_problem = "usage pointer is NULL";
        continue;
      }
      if (!is_kernel_address(s.usage)) {
        s.usage_problem = fmt::format("usage pointer {:#x} is not a kernel address", s.usage);
        continue;
      }
      std::vector<uint64_t> w(probe_words);
      auto st = target.read_kernel_data(s.usage, std::as_writable_bytes(std::span(w)), excluded);
      if (!st) {
        s.usage_problem = fmt::format("mem_section_usage at {:#x} is unreadable: {}", s.usage, st.error().describe());
        continue;
      }
      raw_usage[k] = std::move(w);
    }
    uint64_t offset = *L.off_subsection_map;
    if (!offset_certain) {
      if (auto probed = probe_subsection_map_offset(raw_usage)) {
        std::erase_if(L.uncertainties, [](const std::string& u) { return u.starts_with("mem_section_usage.subsection_map offset"); });
        for (auto& f : L.provenance)
          if (f.name == "mem_section_usage.subsection_map offset") {
            f.value = std::to_string(*probed);
            f.source = Source::probe;
            f.detail = *probed == 16 ? "usage structures begin with a zero rcu_head (5ec8e8ea8b77 backport present)"
                                     : "usage structures begin with a non-zero subsection map (no rcu_head)";
            f.certain = true;
          }
        offset = *probed;
        L.off_subsection_map = offset;
      } else {
        table.notes.push_back("the usage structures do not tell whether an rcu_head precedes subsection_map");
      }
    }
    for (std::size_t k = 0; k < table.sections.size(); ++k) {
      SectionState& s = table.sections[k];
      if (raw_usage[k].empty()) {
        if (!s.usage_problem.empty() && s.online)
          table.errors.push_back(fmt::format("section {}: {}; its subsections cannot be judged", s.nr, s.usage_problem));
        continue;
      }
      std::vector<uint64_t> map(words);
      if (offset % 8 == 0 && offset / 8 + words <= raw_usage[k].size()) {
        std::copy_n(raw_usage[k].begin() + static_cast<std::ptrdiff_t>(offset / 8), words, map.begin());
      } else {
        auto st = target.read_kernel_data(s.usage + offset, std::as_writable_bytes(std::span(map)), excluded);
        if (!st) {
          s.usage_problem = "subsection_map unreadable: " + st.error().describe();
          if (s.online) table.errors.push_back(fmt::format("section {}: {}", s.nr, s.usage_problem));
          continue;
        }
      }
      if (nsub % 64) map.back() &= (uint64_t{1} << (nsub % 64)) - 1;
      s.subsection_words = std::move(map);
      s.subsections_known = true;
    }
  }

  // 4. Memmap decode and its sanity check. On SPARSEMEM_VMEMMAP every section encodes the same
  // value, vmemmap_base (sparse_encode_mem_map() stores memmap - section_start_pfn).
  std::map<uint64_t, int> votes_early, votes_all;
  for (const auto& s : table.sections) {
    if (!s.has_mem_map || !is_kernel_address(s.encoded_memmap)) continue;
    ++votes_all[s.encoded_memmap];
    if (s.early) ++votes_early[s.encoded_memmap];
  }
  // Ties go to the higher address: kernel_randomize_memory() keeps vmemmap above vmalloc and the
  // direct map, where a 5.3-5.5/5.4.y pfn_to_kaddr() encoding points.
  auto winner = [](const std::map<uint64_t, int>& m) -> std::optional<uint64_t> {
    std::optional<uint64_t> best;
    int n = 0;
    for (auto [v, c] : m)
      if (c >= n) best = v, n = c;
    return best;
  };
  if (vmemmap_hint) {
    table.vmemmap_base = *vmemmap_hint;
    table.vmemmap_source = "vmemmap_base variable";
  } else if (auto w = winner(votes_early)) {
    table.vmemmap_base = *w;
    table.vmemmap_source = "decoded memmap of boot (early) sections";
  } else if (auto w2 = winner(votes_all)) {
    table.vmemmap_base = *w2;
    table.vmemmap_source = "decoded memmap shared by most sections";
  }
  for (auto& s : table.sections) {
    if (!s.has_mem_map) {
      s.memmap_check = MemmapCheck::no_memmap;
      continue;
    }
    if (!table.vmemmap_base) {
      s.memmap = s.encoded_memmap;
      s.memmap_check = MemmapCheck::mismatch;
      s.memmap_detail = "no vmemmap base could be established";
      continue;
    }
    s.memmap = *table.vmemmap_base;
    if (s.encoded_memmap == *table.vmemmap_base) {
      s.memmap_check = MemmapCheck::ok;
    } else if (L.memmap_direct_map_quirk) {
      s.memmap_check = MemmapCheck::quirk_corrected;
      s.memmap_detail = fmt::format("decodes to {:#x}, a direct-map address (sparse_add_section() used pfn_to_kaddr() "
                                    "on 5.3-5.5/5.4.y); struct pages read at vmemmap {:#x} + pfn",
                                    s.encoded_memmap + (s.nr << (L.section_size_bits - L.page_shift)) * L.page_struct_size,
                                    *table.vmemmap_base);
    } else {
      s.memmap_check = MemmapCheck::mismatch;
      s.memmap_detail = fmt::format("decodes to base {:#x}, not the vmemmap base {:#x}; struct pages read at vmemmap + pfn, "
                                    "as the kernel's pfn_to_page() does",
                                    s.encoded_memmap, *table.vmemmap_base);
    }
  }
  if (excluded)
    table.notes.push_back(fmt::format("{} page(s) of kernel data were filtered out of the dump and read as zeros "
                                      "(makedumpfile drops only zero pages of kernel data)",
                                      excluded));
  if (table.sections.empty() && table.errors.empty())
    return Error(Errc::corrupt, "the mem_section table holds no present section");
  if (table.sections.empty())
    return Error(Errc::corrupt, "no section could be read: " + table.errors.front());
  return table;
}

}  // namespace pfnscan
