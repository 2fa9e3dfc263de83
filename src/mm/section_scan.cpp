#include "mm/section_scan.hpp"

#include <chrono>
#include <fmt/format.h>
#include <map>

namespace pfnscan {

uint64_t total_pfns(const std::vector<Finding>& findings) {
  uint64_t n = 0;
  for (const auto& f : findings) n += f.pfns();
  return n;
}

std::vector<std::pair<Category, CategoryCount>> count_by_category(const std::vector<Finding>& findings) {
  std::map<Category, CategoryCount> m;
  for (const auto& f : findings) {
    ++m[f.category].ranges;
    m[f.category].pfns += f.pfns();
  }
  return {m.begin(), m.end()};
}

namespace {

struct SectionScanner {
  const KernelLayout& layout;
  MemmapReader& reader;
  FindingBuilder& builder;
  ScanStats& stats;
  const ScanOptions& options;

  bool in_range(uint64_t pfn) const {
    return !options.pfn_range || (pfn >= options.pfn_range->first && pfn < options.pfn_range->second);
  }

  // Struct pages of valid subsections that could not be read: a sane kernel maps every one, so
  // this is the reader's limit (crash on /proc/kcore reads no ZONE_DEVICE memmap) or a damaged
  // dump. Those pfns are not judged, and the report must say so rather than look clean.
  struct UnreadableRun {
    uint64_t section, first_pfn, end_pfn, first_address;
  };
  std::vector<UnreadableRun> unreadable;

  void note_unreadable(const SectionState& s, uint64_t pfn, uint64_t address) {
    if (!unreadable.empty() && unreadable.back().section == s.nr && unreadable.back().end_pfn == pfn) {
      ++unreadable.back().end_pfn;
      return;
    }
    unreadable.push_back({s.nr, pfn, pfn + 1, address});
  }

  void judge_pages(const SectionState& s, uint64_t first, const std::vector<StructPage>& pages, bool valid) {
    SectionFacts facts{true, s.online, valid};
    for (uint64_t i = 0; i < pages.size(); ++i) {
      uint64_t pfn = first + i;
      if (!in_range(pfn)) continue;
      PageKind kind = classify_page(pages[i].content, layout.page_flags);
      if (valid && kind == PageKind::unmapped) {
        note_unreadable(s, pfn, pages[i].address);
        continue;
      }
      builder.add(s, pfn, pages[i], kind, judge_pfn(facts, kind));
    }
  }

  void scan(const SectionState& s) {
    const uint64_t per_sub = layout.pages_per_subsection();
    const uint64_t start = s.nr * layout.pages_per_section();
    const unsigned nsub = layout.subsections_per_section();
    QuickEvidence q;
    q.kernel_has_zone_device = layout.page_flags.zone_device >= 0;
    q.kernel_has_taint_bit = layout.section_flags.taint_zone_device >= 0;
    q.section_tainted = s.taint_zone_device;
    bool examined = false;
    for (unsigned sub = 0; sub < nsub; ++sub) {
      uint64_t first = start + sub * per_sub;
      if (options.pfn_range && (first + per_sub <= options.pfn_range->first || first >= options.pfn_range->second))
        continue;
      bool valid = s.subsection_valid(sub);
      bool read_all = options.full || !valid;
      if (!read_all && quick_needs_samples(q)) {
        auto head = reader.read(s, first, 1);
        auto tail = reader.read(s, first + per_sub - 1, 1);
        ++stats.subsections_sampled;
        examined = true;
        q.samples_normal = classify_page(head[0].content, layout.page_flags) == PageKind::normal &&
                           classify_page(tail[0].content, layout.page_flags) == PageKind::normal;
        read_all = quick_must_read_valid_subsection(q);
      }
      if (!read_all) continue;
      examined = true;
      ++stats.subsections_read;
      judge_pages(s, first, reader.read(s, first, per_sub), valid);
    }
    if (examined) ++stats.sections_examined;
  }
};

}  // namespace

MemoryScan scan_sections(Target& target, const KernelLayout& layout, const SectionTable& sections, const ScanOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  MemoryScan result;
  MemmapReader reader(target, layout);
  FindingBuilder builder(layout);
  SectionScanner scanner{layout, reader, builder, result.stats, options, {}};
  uint64_t online_total = 0, online_done = 0;
  for (const auto& s : sections.sections) online_total += s.online ? 1 : 0;
  for (const auto& s : sections.sections) {
    if (s.online && options.progress) options.progress(online_done++, online_total);
    ++result.stats.sections_present;
    if (!s.online) continue;
    ++result.stats.sections_online;
    if (options.only_section && s.nr != *options.only_section) continue;
    if (!s.has_mem_map) {
      // Online without a memmap cannot happen in a sane kernel: the old function would hand out
      // pointers into nothing. Report, do not guess.
      result.errors.push_back(Problem::in_section(ProblemKind::online_without_memmap, s.nr, layout.section_start_pfn(s.nr),
                                                  layout.section_start_pfn(s.nr + 1),
                                                  fmt::format("section {} is online but has no memmap (raw {:#x})", s.nr, s.raw)));
      continue;
    }
    if (!s.subsections_known && !s.usage_problem.empty()) continue;  // already in the table's errors
    scanner.scan(s);
  }
  for (const auto& run : scanner.unreadable) {
    Problem p{ProblemKind::unreadable_memmap,
              fmt::format("section {}: the struct pages of pfns {:#x}-{:#x} (from {:#x}) cannot be read, "
                          "though their subsections are valid; those pfns are not judged",
                          run.section, run.first_pfn, run.end_pfn, run.first_address),
              run.section, run.first_pfn, run.end_pfn, run.first_address};
    result.errors.push_back(std::move(p));
  }
  result.findings = builder.take_findings();
  result.observations = builder.take_observations();
  result.stats.memmap = reader.stats();
  if (result.stats.memmap.excluded_pages)
    result.notes.push_back(fmt::format("{} memmap page(s) were filtered out of the dump and read as zeros",
                                       result.stats.memmap.excluded_pages));
  result.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace pfnscan
