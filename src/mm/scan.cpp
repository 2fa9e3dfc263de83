#include "mm/scan.hpp"
#include "log/panic_analysis.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <fmt/format.h>
#include <map>

namespace pfnscan {

uint64_t ScanResult::total_pfns() const {
  uint64_t n = 0;
  for (const auto& f : findings) n += f.pfns();
  return n;
}

std::vector<std::pair<Category, CategoryCount>> ScanResult::by_category() const {
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

ScanResult scan_sections(Target& target, const KernelLayout& layout, SectionTable sections, const ScanOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  ScanResult result;
  result.target = target.describe();
  result.layout = layout;
  result.full = options.full;
  result.errors = result.target.damage;
  result.errors.insert(result.errors.end(), sections.errors.begin(), sections.errors.end());
  MemmapReader reader(target, result.layout);
  FindingBuilder builder(result.layout);
  SectionScanner scanner{result.layout, reader, builder, result.stats, options, {}};
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
      result.errors.push_back(fmt::format("section {} is online but has no memmap (raw {:#x})", s.nr, s.raw));
      continue;
    }
    if (!s.subsections_known && !s.usage_problem.empty()) continue;  // already in errors
    scanner.scan(s);
  }
  for (const auto& run : scanner.unreadable)
    result.errors.push_back(fmt::format("section {}: the struct pages of pfns {:#x}-{:#x} (from {:#x}) cannot be read, "
                                        "though their subsections are valid; those pfns are not judged",
                                        run.section, run.first_pfn, run.end_pfn, run.first_address));
  result.findings = builder.take_findings();
  result.observations = builder.take_observations();
  result.stats.memmap = reader.stats();
  if (result.stats.memmap.excluded_pages)
    sections.notes.push_back(fmt::format("{} memmap page(s) were filtered out of the dump and read as zeros",
                                         result.stats.memmap.excluded_pages));
  result.sections = std::move(sections);
  result.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace pfnscan

#include "types/symbols.hpp"
#include "mm/zone_probe.hpp"

namespace pfnscan {

namespace {

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
std::set<uint64_t> unstable_findings(Target& target, const KernelLayout& layout, const ScanResult& r) {
  std::set<uint64_t> unstable;
  std::map<uint64_t, const SectionState*> by_nr;
  for (const auto& s : r.sections.sections) by_nr[s.nr] = &s;
  MemmapReader reader(target, layout);
  for (const auto& f : r.findings) {
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

}  // namespace

void confirm_live(Target& target, const KernelLayout& layout, std::optional<uint64_t> vmemmap_hint,
                  const ScanOptions& options, ScanResult& result) {
  constexpr int kAttempts = 3;
  std::set<uint64_t> changed;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    KernelLayout fresh_layout = layout;
    auto again = walk_sections(target, fresh_layout, vmemmap_hint);
    if (!again) {
      result.errors.push_back("re-reading the section table to confirm the live scan failed: " + again.error().describe());
      return;
    }
    changed = changed_sections(result.sections, *again);
    for (uint64_t nr : unstable_findings(target, layout, result)) changed.insert(nr);
    if (changed.empty()) return;
    // Rescan the sections that moved, from their new state.
    SectionTable subset = *again;
    std::erase_if(subset.sections, [&](const SectionState& s) { return !changed.count(s.nr); });
    ScanResult redo = scan_sections(target, layout, subset, options);
    auto in_changed = [&](const Finding& f) { return changed.count(f.evidence.section) > 0; };
    std::erase_if(result.findings, in_changed);
    std::erase_if(result.observations, in_changed);
    result.findings.insert(result.findings.end(), redo.findings.begin(), redo.findings.end());
    result.observations.insert(result.observations.end(), redo.observations.begin(), redo.observations.end());
    auto by_pfn = [](const Finding& a, const Finding& b) { return a.start_pfn < b.start_pfn; };
    std::sort(result.findings.begin(), result.findings.end(), by_pfn);
    std::sort(result.observations.begin(), result.observations.end(), by_pfn);
    std::vector<std::string> notes = result.sections.notes;
    result.sections = std::move(*again);
    result.sections.notes = notes;
    result.sections.notes.push_back(fmt::format("live: {} section(s) changed while being read and were rescanned", changed.size()));
  }
  // Still moving after every attempt: say so instead of reporting a guess as certain.
  auto in_changed = [&](const Finding& f) { return changed.count(f.evidence.section) > 0; };
  std::erase_if(result.findings, in_changed);
  std::erase_if(result.observations, in_changed);
  for (uint64_t nr : changed)
    result.errors.push_back(fmt::format("section {} kept changing during the live scan (memory hotplug or a device "
                                        "being bound?); its pfns are not reported",
                                        nr));
}

Result<ScanResult> scan_target(Target& target, const LayoutOptions& layout_options, const ScanOptions& options) {
  auto resolved = resolve_layout(target, layout_options);
  if (!resolved) return std::move(resolved.error()).with_context("working out the kernel's layout");
  KernelLayout& layout = resolved->layout;
  std::optional<uint64_t> vmemmap_hint;
  // SYMBOL(vmemmap) (v6.9+) is the value itself; the vmemmap_base variable needs a read.
  if (auto v = target.vmcoreinfo().symbol("vmemmap"); v) vmemmap_hint = *v;
  else if (auto hit = resolved->sources.symbols->find("vmemmap_base"); hit && hit->from != "VMCOREINFO") {
    if (auto value = target.read_u64(AddressSpace::kernel_virtual, hit->address); value && is_kernel_address(*value))
      vmemmap_hint = *value;
  }
  auto table = walk_sections(target, layout, vmemmap_hint);
  if (!table) return std::move(table.error()).with_context("reading the section table");
  if (target.describe().live) table->notes.push_back("live kernel: every section and finding is read twice and "
                                                     "rescanned when it changed in between");
  // The zone enum of the built-in table is a distro-config assumption: check it on the dump.
  for (const auto& f : layout.provenance)
    if (f.name == "enum zone_type" && f.source == Source::builtin) {
      probe_zone_layout(target, layout, *table);
      break;
    }
  ScanResult result = scan_sections(target, layout, std::move(*table), options);
  if (result.target.live) confirm_live(target, layout, vmemmap_hint, options, result);
  // page_offset_base (CONFIG_RANDOMIZE_MEMORY) maps direct-map addresses in an oops to pfns.
  if (auto hit = resolved->sources.symbols->find("page_offset_base"); hit && hit->from != "VMCOREINFO") {
    if (auto value = target.read_u64(AddressSpace::kernel_virtual, hit->address); value && is_kernel_address(*value)) {
      result.direct_map_base = *value;
      result.direct_map_source = "page_offset_base (" + hit->from + ")";
    }
  }
  if (options.judge_log) result.verdict = judge_dump_log(target, result);
  return result;
}

}  // namespace pfnscan
