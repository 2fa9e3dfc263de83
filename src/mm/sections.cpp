#include "mm/sections.hpp"

#include <fmt/format.h>

#include "layout/kernel_facts.hpp"

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

std::optional<MemmapCheck> memmap_check_from_name(std::string_view name) {
  for (MemmapCheck c : {MemmapCheck::ok, MemmapCheck::quirk_corrected, MemmapCheck::mismatch, MemmapCheck::no_memmap})
    if (name == memmap_check_name(c)) return c;
  return std::nullopt;
}

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

SectionState from_snapshot(const RawSection& raw, const KernelLayout& L) {
  SectionState s;
  s.nr = raw.nr;
  s.address = raw.address;
  s.raw = raw.raw;
  s.usage = raw.usage;
  s.usage_problem = raw.usage_problem;
  SectionBits b = decode_section_bits(raw.raw, L.section_flags);
  s.flag_bits = b.flag_bits;
  s.encoded_memmap = b.encoded_memmap;
  s.present = b.present;
  s.has_mem_map = b.has_mem_map;
  s.online = b.online;
  s.early = b.early;
  s.taint_zone_device = b.taint_zone_device;
  return s;
}

void decode_subsections(SectionState& s, const RawSection& raw, const KernelLayout& L, SectionTable& table) {
  if (raw.usage_words.empty()) {
    if (!s.usage_problem.empty() && s.online)
      table.errors.push_back(Problem::in_section(ProblemKind::unreadable_usage, s.nr, L.section_start_pfn(s.nr), L.section_start_pfn(s.nr + 1),
                                                 fmt::format("section {}: {}; its subsections cannot be judged", s.nr, s.usage_problem)));
    return;
  }
  auto map = subsection_map_at(raw, *L.off_subsection_map, L);
  if (!map) {
    s.usage_problem = fmt::format("subsection_map unreadable: offset {} is not within the {} words read of mem_section_usage at {:#x}",
                                  *L.off_subsection_map, raw.usage_words.size(), s.usage);
    if (s.online)
      table.errors.push_back(Problem::in_section(ProblemKind::unreadable_usage, s.nr, L.section_start_pfn(s.nr), L.section_start_pfn(s.nr + 1), fmt::format("section {}: {}", s.nr, s.usage_problem)));
    return;
  }
  s.subsection_words = std::move(*map);
  s.subsections_known = true;
}

void check_memmap(SectionState& s, const KernelLayout& L) {
  if (!s.has_mem_map) {
    s.memmap_check = MemmapCheck::no_memmap;
    return;
  }
  if (!L.vmemmap_base) {
    s.memmap = s.encoded_memmap;
    s.memmap_check = MemmapCheck::mismatch;
    s.memmap_detail = "no vmemmap base could be established";
    return;
  }
  s.memmap = *L.vmemmap_base;
  if (s.encoded_memmap == *L.vmemmap_base) {
    s.memmap_check = MemmapCheck::ok;
  } else if (L.memmap_direct_map_quirk) {
    s.memmap_check = MemmapCheck::quirk_corrected;
    s.memmap_detail = fmt::format("decodes to {:#x}, a direct-map address (sparse_add_section() used pfn_to_kaddr() "
                                  "on 5.3-5.5/5.4.y); struct pages read at vmemmap {:#x} + pfn",
                                  s.encoded_memmap + L.section_start_pfn(s.nr) * L.page_struct_size, *L.vmemmap_base);
  } else {
    s.memmap_check = MemmapCheck::mismatch;
    s.memmap_detail = fmt::format("decodes to base {:#x}, not the vmemmap base {:#x}; struct pages read at vmemmap + pfn, "
                                  "as the kernel's pfn_to_page() does",
                                  s.encoded_memmap, *L.vmemmap_base);
  }
}

}  // namespace

SectionTable decode_sections(const SectionSnapshot& snapshot, const KernelLayout& L) {
  SectionTable table;
  table.errors = snapshot.errors;
  table.roots_present = snapshot.roots_present;
  const bool has_usage = L.off_usage && L.off_subsection_map;
  for (const RawSection& raw : snapshot.sections) {
    SectionState s = from_snapshot(raw, L);
    if (has_usage && s.has_mem_map) decode_subsections(s, raw, L, table);
    check_memmap(s, L);
    table.sections.push_back(std::move(s));
  }
  if (snapshot.excluded_pages)
    table.notes.push_back(fmt::format("{} page(s) of kernel data were filtered out of the dump and read as zeros "
                                      "(makedumpfile drops only zero pages of kernel data)",
                                      snapshot.excluded_pages));
  return table;
}

}  // namespace pfnscan
