// The report as crash users read output: short upper-case headers, fixed columns within 80
// characters, one line per section and per range.
#include <fmt/format.h>

#include "report/report.hpp"

namespace pfnscan {

namespace {
std::string state_letters(const report::SectionRow& s) {  // as crash's `kmem -n`
  std::string l;
  if (s.has_flag("present")) l += 'P';
  if (s.has_flag("has_mem_map")) l += 'M';
  if (s.has_flag("online")) l += 'O';
  if (s.has_flag("early")) l += 'E';
  if (s.has_flag("zone_device_taint")) l += 'D';
  return l;
}
}  // namespace

std::string render_compact_text(const report::ScanReport& r, const ReportOptions& options) {
  std::string out;
  out += fmt::format("PFNSCAN: {} range(s), {} pfns where the pre-5.12 pfn_to_online_page()\n", r.findings.size(), r.total_pfns());
  out += "         returns a ZONE_DEVICE, stale or poisoned page";
  out += r.partial() ? " (PARTIAL)\n" : r.latent() ? " (LATENT)\n" : "\n";
  out += fmt::format(" KERNEL: {}\n", r.kernel.release);
  out += fmt::format("         {}\n", r.kernel.has_fixed_pfn_to_online_page ? "fixed pfn_to_online_page(): the old bug cannot trigger"
                                    : r.kernel.can_hit_bug                    ? "pre-5.12 pfn_to_online_page(): can hit this bug"
                                                                              : "predates subsection hotplug (5.3)");
  out += fmt::format("   MODE: {} ({} online sections, {} struct pages read)\n", r.full ? "full" : "quick", r.stats.sections_online,
                     r.stats.struct_pages_read);
  out += fmt::format("VERDICT: {}{}\n", verdict_name(r.verdict.overall),
                     r.verdict.incidents.empty() ? "" : fmt::format(" ({} oops/panic in the log)", r.verdict.incidents.size()));
  for (const auto& p : r.problems) out += "  ERROR: " + p.message + "\n";
  for (const auto& u : r.uncertainties) out += "UNSURE: " + u + "\n";

  out += fmt::format("\n{:>6}  {:<10} {:<10} {:<6} {:<16}  {}\n", "NR", "START_PFN", "END_PFN", "STATE", "SUBSECTION_MAP", "MEMMAP");
  for (const auto& s : r.sections) {
    bool has_finding = false;
    for (const auto& f : r.findings) has_finding |= f.section == s.nr;
    if (!options.verbose && !has_finding && s.memmap_check != MemmapCheck::mismatch && s.memmap_check != MemmapCheck::quirk_corrected &&
        s.usage_problem.empty())
      continue;
    std::string map = "-";
    if (s.subsection_map) {
      map.clear();
      for (std::size_t i = s.subsection_map->size(); i-- > 0;) map += fmt::format("{:x}", (*s.subsection_map)[i]);
    }
    if (map.size() > 16) map = map.substr(0, 15) + "+";
    out += fmt::format("{:>6}  {:<10} {:<10} {:<6} {:<16}  {}\n", s.nr, fmt::format("{:#x}", s.start_pfn), fmt::format("{:#x}", s.end_pfn),
                       state_letters(s), map, memmap_check_name(s.memmap_check));
  }
  if (!r.findings.empty()) {
    out += fmt::format("\n{:<10} {:<10} {:>7} {:>5}  {}\n", "START_PFN", "END_PFN", "PFNS", "SEC", "CATEGORY");
    for (const auto& f : r.findings)
      out += fmt::format("{:<10} {:<10} {:>7} {:>5}  {}\n", fmt::format("{:#x}", f.start_pfn), fmt::format("{:#x}", f.end_pfn), f.pfns(),
                         f.section, category_name(f.category));
  }
  if (!r.observations.empty()) {
    out += "\nOBSERVATIONS (the fixed function returns these too):\n";
    for (const auto& f : r.observations)
      out += fmt::format("{:<10} {:<10} {:>7} {:>5}  {}\n", fmt::format("{:#x}", f.start_pfn), fmt::format("{:#x}", f.end_pfn), f.pfns(),
                         f.section, category_name(f.category));
  }
  for (std::size_t i = 0; i < r.verdict.incidents.size(); ++i) {
    const Incident& inc = r.verdict.incidents[i];
    const IncidentVerdict& v = r.verdict.verdicts[i];
    std::string title = inc.title.size() > 58 ? inc.title.substr(0, 57) + "+" : inc.title;
    out += fmt::format("\n  PANIC: #{} {}: {}\n", i + 1, verdict_name(v.verdict), title);
    if (v.walker) out += fmt::format(" WALKER: {}\n", v.walker->frame);
    for (const auto& s : v.signatures) out += fmt::format("   SIGN: {}\n", s);
    for (const auto& t : v.ties)
      if (t.flagged) out += fmt::format("    PFN: {:#x} ({} {:#x}): {}\n", t.pfn, t.source, t.value, t.category);
  }
  if (options.verbose) {
    out += "\nPROVENANCE:\n";
    for (const auto& p : r.provenance)
      out += fmt::format("  {:<40} {:<20} {}\n", std::string_view(p.name()).size() > 40 ? std::string(p.name()).substr(0, 39) + "+" : std::string(p.name()),
                         p.value.size() > 20 ? p.value.substr(0, 19) + "+" : p.value, source_name(p.source));
  }
  return out;
}

}  // namespace pfnscan
