#include "mm/live_confirm.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <set>

#include "mm/judge.hpp"
#include "mm/memmap.hpp"

namespace pfnscan {
namespace {

constexpr int kAttempts = 3;

bool same_state(const SectionState& a, const SectionState& b) {
  return a.raw == b.raw && a.usage == b.usage && a.subsection_words == b.subsection_words &&
         a.subsections_known == b.subsections_known;
}

std::set<uint64_t> changed_sections(const SectionTable& before, const SectionTable& after) {
  std::map<uint64_t, const SectionState*> b, a;
  for (const auto& s : before.sections) b[s.nr] = &s;
  for (const auto& s : after.sections) a[s.nr] = &s;
  std::set<uint64_t> changed;
  for (auto [nr, s] : b)
    if (!a.count(nr) || !same_state(*s, *a[nr])) changed.insert(nr);
  for (auto [nr, s] : a)
    if (!b.count(nr)) changed.insert(nr);
  return changed;
}

// A finding is kept only if a second read of its struct pages still gives its category.
std::set<uint64_t> unstable_findings(Target& target, const KernelLayout& layout, const SectionTable& sections,
                                     const std::vector<Finding>& findings) {
  std::set<uint64_t> unstable;
  std::map<uint64_t, const SectionState*> by_nr;
  for (const auto& s : sections.sections) by_nr[s.nr] = &s;
  MemmapReader reader(target, layout);
  for (const auto& f : findings) {
    const SectionState* s = by_nr[f.evidence.section];
    if (!s) {
      unstable.insert(f.evidence.section);
      continue;
    }
    auto pages = reader.read(*s, f.start_pfn, f.pfns());
    for (std::size_t i = 0; i < pages.size(); ++i) {
      uint64_t pfn = f.start_pfn + i;
      unsigned sub = static_cast<unsigned>((pfn % layout.pages_per_section()) / layout.pages_per_subsection());
      PageKind kind = classify_page(pages[i].content, layout.page_flags);
      auto j = judge_pfn(SectionFacts{true, s->online, s->subsection_valid(sub)}, kind);
      if (j.category != f.category) {
        unstable.insert(f.evidence.section);
        break;
      }
    }
  }
  return unstable;
}

bool in(const std::set<uint64_t>& sections, const std::optional<uint64_t>& section) { return section && sections.count(*section); }

// The sections that moved take their new state: their findings, observations and problems are
// the rescan's.
void take_rescan(const std::set<uint64_t>& changed, SectionTable fresh, MemoryScan redo, SectionTable& sections, MemoryScan& scan) {
  auto moved = [&](const Finding& f) { return changed.count(f.evidence.section) > 0; };
  std::erase_if(scan.findings, moved);
  std::erase_if(scan.observations, moved);
  scan.findings.insert(scan.findings.end(), redo.findings.begin(), redo.findings.end());
  scan.observations.insert(scan.observations.end(), redo.observations.begin(), redo.observations.end());
  auto by_pfn = [](const Finding& a, const Finding& b) { return a.start_pfn < b.start_pfn; };
  std::sort(scan.findings.begin(), scan.findings.end(), by_pfn);
  std::sort(scan.observations.begin(), scan.observations.end(), by_pfn);
  std::erase_if(scan.errors, [&](const Problem& p) { return in(changed, p.section); });
  for (auto& p : redo.errors)
    if (in(changed, p.section)) scan.errors.push_back(std::move(p));
  std::erase_if(sections.errors, [&](const Problem& p) { return in(changed, p.section); });
  for (auto& p : fresh.errors)
    if (in(changed, p.section)) sections.errors.push_back(std::move(p));
  sections.sections = std::move(fresh.sections);
  scan.notes.push_back(fmt::format("live: {} section(s) changed while being read and were rescanned", changed.size()));
}

}  // namespace

void confirm_live(Target& target, const KernelLayout& layout, const ScanOptions& options, SectionTable& sections, MemoryScan& scan) {
  std::set<uint64_t> changed;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    auto snapshot = read_section_snapshot(target, layout);
    if (!snapshot) {
      scan.errors.push_back({ProblemKind::live_reread_failed,
                             "re-reading the section table to confirm the live scan failed: " + snapshot.error().describe(),
                             {}, {}, {}, {}});
      return;
    }
    SectionTable fresh = decode_sections(*snapshot, layout);
    changed = changed_sections(sections, fresh);
    for (uint64_t nr : unstable_findings(target, layout, sections, scan.findings)) changed.insert(nr);
    if (changed.empty()) return;
    SectionTable subset = fresh;
    std::erase_if(subset.sections, [&](const SectionState& s) { return !changed.count(s.nr); });
    MemoryScan redo = scan_sections(target, layout, subset, options);
    take_rescan(changed, std::move(fresh), std::move(redo), sections, scan);
  }
  // Still moving after every attempt: say so instead of reporting a guess as certain.
  auto moved = [&](const Finding& f) { return changed.count(f.evidence.section) > 0; };
  std::erase_if(scan.findings, moved);
  std::erase_if(scan.observations, moved);
  for (uint64_t nr : changed)
    scan.errors.push_back(Problem::in_section(ProblemKind::live_unsettled, nr, layout.section_start_pfn(nr), layout.section_start_pfn(nr + 1),
                                              fmt::format("section {} kept changing during the live scan (memory hotplug or a device "
                                                          "being bound?); its pfns are not reported",
                                                          nr)));
}

}  // namespace pfnscan
