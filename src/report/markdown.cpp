#include "report/markdown.hpp"

#include <fmt/format.h>

namespace pfnscan::report {

std::string md_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '|' || c == '*' || c == '_' || c == '`' || c == '<' || c == '>') o += '\\';
    o += c;
  }
  return o;
}

namespace {

std::string verdict_markdown(const LogVerdict& v) {
  std::string out = fmt::format("**Verdict: {}.**", verdict_name(v.overall));
  if (v.incidents.empty()) return out + " No oops, BUG or panic in the kernel log.\n";
  out += "\n\n";
  for (std::size_t i = 0; i < v.incidents.size(); ++i) {
    const Incident& inc = v.incidents[i];
    const IncidentVerdict& iv = v.verdicts[i];
    out += fmt::format("{}. **{}** — {} (`{}`)\n", i + 1, verdict_name(iv.verdict), md_escape(inc.title), incident_kind_name(inc.kind));
    for (const auto& e : iv.evidence) out += "   - " + md_escape(e) + "\n";
    for (const auto& u : iv.undecided) out += "   - undecided: " + md_escape(u) + "\n";
  }
  return out;
}

std::string ranges_markdown(const ScanReport& r) {
  std::string out = "\n| start pfn | end pfn (excl.) | pfns | section | category | old returns | fixed returns |\n";
  out += "|---|---|---:|---:|---|---|---|\n";
  for (const auto& f : r.findings)
    out += fmt::format("| {:#x} | {:#x} | {} | {} | {} | {} | {} |\n", f.start_pfn, f.end_pfn, f.pfns(), f.section,
                       md_escape(category_name(f.category)), f.old_returns_page ? "page" : "null", f.fixed_returns_page ? "page" : "null");
  if (r.findings.empty()) out += "| – | – | 0 | – | none | – | – |\n";
  return out;
}

}  // namespace

std::string render_markdown(const ScanReport& r, const std::string& dump_path) {
  std::string out = "## pfnscan: pre-5.12 `pfn_to_online_page()` and ZONE_DEVICE / poisoned struct pages\n\n";
  out += fmt::format("**Summary.** {} range(s), {} pfns where the pre-5.12 `pfn_to_online_page()` returns a ZONE_DEVICE, "
                     "stale or poisoned page{}.\n\n",
                     r.findings.size(), r.total_pfns(), r.partial() ? " (**partial** scan)" : "");
  if (r.latent())
    out += "**Latent.** This kernel has the fixed `pfn_to_online_page()`: these pfns cannot hurt it; they would on a "
           "pre-5.12 kernel with the same memory.\n\n";
  out += verdict_markdown(r.verdict);
  out += ranges_markdown(r);
  out += "\n**Kernel and tools.**\n\n";
  out += fmt::format("- kernel: `{}` ({}), {}\n", r.kernel.release, md_escape(r.kernel.version),
                     r.kernel.has_fixed_pfn_to_online_page ? "has the fixed function" : "has the pre-5.12 function");
  out += fmt::format("- pfnscan {} ({} scan, report schema {})\n", r.tool_version, r.full ? "full" : "quick", r.schema_version);
  out += fmt::format("- input: {} ({})\n", md_escape(r.input.path), md_escape(r.input.format));
  for (const auto& u : r.uncertainties) out += "- uncertain: " + md_escape(u) + "\n";
  out += "\n**How to reproduce.**\n\n```\n";
  out += fmt::format("pfnscan scan {}{} --json > result.json\npfnscan report result.json --format md\n```\n", dump_path,
                     r.full ? " --full" : "");
  return out;
}

}  // namespace pfnscan::report
