#include <fmt/format.h>

#include "report/json_io.hpp"
#include "report/report.hpp"

namespace pfnscan {

namespace {
std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string summary_lines(const report::ScanReport& r) {
  std::string out;
  if (r.findings.empty()) {
    out += fmt::format("pfnscan: no pfn where the pre-5.12 pfn_to_online_page() returns a ZONE_DEVICE, stale or "
                       "poisoned page{}\n",
                       r.partial() ? " (PARTIAL scan: see errors)" : "");
  } else {
    std::string cats;
    for (const auto& c : r.by_category())
      cats += fmt::format("{}{} {} ({} pfns)", cats.empty() ? "" : ", ", c.ranges, category_name(c.category), c.pfns);
    out += fmt::format("pfnscan: {} range(s), {} pfns where the pre-5.12 pfn_to_online_page() returns a wrong page: {}{}\n",
                       r.findings.size(), r.total_pfns(), cats, r.partial() ? " (PARTIAL scan: see errors)" : "");
    if (r.latent())
      out += "latent: this kernel has the fixed pfn_to_online_page(), so these pfns cannot hurt it; they would on a pre-5.12 "
             "kernel with the same memory\n";
  }
  const report::KernelInfo& k = r.kernel;
  out += fmt::format("kernel {} ({}): {}\n", k.release, k.version.empty() ? "uts version unknown" : k.version,
                     k.has_fixed_pfn_to_online_page
                         ? "has the fixed pfn_to_online_page(); the old bug cannot trigger here"
                         : (k.can_hit_bug ? "has the pre-5.12 pfn_to_online_page(): it can hit this bug"
                                          : "predates subsection hotplug (5.3)"));
  out += fmt::format("mode: {}; {} present sections, {} online, {} examined, {} struct pages read\n",
                     r.full ? "full" : "quick", r.stats.sections_present, r.stats.sections_online,
                     r.stats.sections_examined, r.stats.struct_pages_read);
  out += fmt::format("verdict: {} ({})\n", verdict_name(r.verdict.overall),
                     !r.verdict.log_available ? "no kernel log in the dump"
                     : r.verdict.incidents.empty()
                         ? "no oops, BUG or panic in the kernel log"
                         : fmt::format("{} oops/BUG/panic in the kernel log", r.verdict.incidents.size()));
  for (const auto& p : r.problems) out += "error: " + p.message + "\n";
  for (const auto& u : r.uncertainties) out += "uncertain: " + u + "\n";
  return out;
}

// Sections that matter: those with findings, or anomalies; every present one with --verbose.
std::string sections_table(const report::ScanReport& r, const ReportOptions& options) {
  std::string out;
  std::vector<const report::SectionRow*> shown;
  for (const auto& s : r.sections) {
    bool has_finding = false;
    for (const auto& f : r.findings) has_finding |= f.section == s.nr;
    bool anomaly = s.memmap_check == MemmapCheck::mismatch || s.memmap_check == MemmapCheck::quirk_corrected ||
                   !s.usage_problem.empty();
    if (options.verbose || has_finding || anomaly) shown.push_back(&s);
  }
  if (!shown.empty()) {
    out += "\nsections:\n";
    out += fmt::format("  {:>6}  {:<18} {:<40} {:<18} {}\n", "nr", "pfns", "flags", "subsection_map", "memmap");
    for (const report::SectionRow* s : shown) {
      std::string map = "-";
      if (s->subsection_map) {
        map.clear();
        for (std::size_t i = s->subsection_map->size(); i-- > 0;) map += fmt::format("{:016x}", (*s->subsection_map)[i]);
      }
      out += fmt::format("  {:>6}  {:<18} {:<40} {:<18} {}\n", s->nr, fmt::format("{:#x}-{:#x}", s->start_pfn, s->end_pfn),
                         join(s->flags, ","), map, memmap_check_name(s->memmap_check));
      if (!s->memmap_detail.empty()) out += "          memmap: " + s->memmap_detail + "\n";
      if (!s->usage_problem.empty()) out += "          usage: " + s->usage_problem + "\n";
    }
  }
  return out;
}

std::string ranges(const report::ScanReport& r) {
  std::string out;
  if (!r.findings.empty()) {
    out += "\nranges (end exclusive):\n";
    for (const auto& f : r.findings) {
      const report::Evidence& e = f.evidence;
      out += fmt::format("  {:#x}-{:#x} ({} pfns) section {} subsections {}-{} (bit {}): {}\n", f.start_pfn, f.end_pfn,
                         f.pfns(), e.section, e.subsection_first, e.subsection_last, e.subsection_bit ? 1 : 0,
                         category_name(f.category));
      out += fmt::format("      old pfn_to_online_page() -> {} ({}), fixed -> {}\n", f.old_returns_page ? "page" : "NULL", f.page_kind,
                         f.fixed_returns_page ? "page" : "NULL");
      if (e.page_flags)
        out += fmt::format("      struct page {}: flags {:#018x}, zone {} ({}), node {}{}\n", report::hex_text(e.struct_page),
                           e.page_flags->value, e.zone, e.zone_name, e.node, e.pgmap ? ", pgmap " + report::hex_text(*e.pgmap) : "");
      else
        out += fmt::format("      struct page {}: not mapped\n", report::hex_text(e.struct_page));
    }
  }
  return out;
}

std::string observations(const report::ScanReport& r) {
  std::string out;
  if (!r.observations.empty()) {
    out += "\nobservations (both the old and the fixed function return these pages; not this bug, but pfn walkers "
           "will trip over them):\n";
    for (const auto& f : r.observations)
      out += fmt::format("  {:#x}-{:#x} ({} pfns) section {}: {}, flags {}\n", f.start_pfn, f.end_pfn, f.pfns(),
                         f.evidence.section, category_name(f.category),
                         f.evidence.page_flags ? fmt::format("{:#018x}", f.evidence.page_flags->value) : "unmapped");
  } else if (!r.full) {
    out += "\n(poisoned or garbage struct pages that the fixed function also returns are searched with --full)\n";
  }
  return out;
}

std::string verbose_tail(const report::ScanReport& r) {
  std::string out;
  out += fmt::format("\ninput: {} ({})\n", r.input.path, r.input.format);
  for (const auto& n : r.input.notes) out += "  note: " + n + "\n";
  for (const auto& n : r.notes) out += "  note: " + n + "\n";
  const FactRecord* vmemmap = r.fact(FactId::vmemmap_base);
  if (r.layout.vmemmap_base)
    out += fmt::format("vmemmap base {} (from {})\n", report::hex_text(*r.layout.vmemmap_base), vmemmap ? vmemmap->detail : "?");
  const FactRecord* direct = r.fact(FactId::direct_map_base);
  if (r.direct_map_base)
    out += fmt::format("direct map base {} (from {})\n", report::hex_text(*r.direct_map_base), direct ? direct->detail : "?");
  out += "\nprovenance:\n";
  for (const auto& p : r.provenance)
    out += fmt::format("  {:<42} {:<28} [{}{}] {}\n", p.name(), p.value, source_name(p.source), p.certain ? "" : ", uncertain",
                       p.detail);
  return out;
}

}  // namespace

std::string render_text(const report::ScanReport& r, const ReportOptions& options) {
  std::string out = summary_lines(r) + sections_table(r, options) + ranges(r) + observations(r);
  if (!r.verdict.incidents.empty() || (options.verbose && !r.verdict.notes.empty()))
    out += "\n" + render_verdict_text(r.verdict, options);
  if (options.verbose) out += verbose_tail(r);
  return out;
}

}  // namespace pfnscan
