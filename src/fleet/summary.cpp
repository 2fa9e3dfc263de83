#include "fleet/summary.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "report/markdown.hpp"

namespace pfnscan {
namespace {

int attention_rank(const BatchRecord& r) {
  if (r.status == BatchStatus::ok && r.verdict == Verdict::explained) return 0;
  if (r.status == BatchStatus::ok && r.verdict == Verdict::consistent) return 1;
  if (r.status == BatchStatus::timeout || r.status == BatchStatus::limit) return 2;
  if (r.status == BatchStatus::error) return 3;
  if (r.partial) return 4;
  return 9;
}

std::string why(const BatchRecord& r) {
  switch (attention_rank(r)) {
    case 0: return "a panic explained by the findings";
    case 1: return "a panic consistent with this bug";
    case 2:
    case 3: return fmt::format("status {}: {}", batch_status_name(r.status), r.error);
    default: return "partial scan";
  }
}

}  // namespace

FleetSummary summarize(const std::vector<BatchRecord>& records) {
  FleetSummary s;
  s.dumps = records.size();
  std::vector<const BatchRecord*> attention;
  for (const auto& r : records) {
    ++s.by_status[batch_status_name(r.status)];
    if (r.status == BatchStatus::ok) {
      ++s.by_verdict[verdict_name(r.verdict)];
      ++s.by_release[r.kernel_release];
      if (r.summary.ranges > 0) ++s.with_findings;
      for (const auto& [cat, n] : r.summary.by_category) {
        ++s.by_category[cat].first;
        s.by_category[cat].second += n.second;
      }
    }
    if (attention_rank(r) < 9) attention.push_back(&r);
  }
  std::stable_sort(attention.begin(), attention.end(),
                   [](const BatchRecord* a, const BatchRecord* b) { return attention_rank(*a) < attention_rank(*b); });
  for (const auto* r : attention) s.look_first.push_back({r->path, why(*r)});
  return s;
}

nlohmann::json to_json(const FleetSummary& s) {
  nlohmann::json cats = nlohmann::json::object();
  for (const auto& [c, v] : s.by_category) cats[c] = {{"dumps", v.first}, {"pfns", v.second}};
  nlohmann::json first = nlohmann::json::array();
  for (const auto& r : s.look_first) first.push_back({{"path", r.path}, {"why", r.why}});
  return {{"dumps", s.dumps},         {"with_findings", s.with_findings}, {"by_status", s.by_status}, {"by_verdict", s.by_verdict},
          {"by_category", cats},      {"by_release", s.by_release},       {"look_first", first}};
}

std::string render_summary_text(const FleetSummary& s) {
  std::string out = fmt::format("{} dumps, {} with findings\n", s.dumps, s.with_findings);
  auto table = [&](const char* title, const std::map<std::string, uint64_t>& m) {
    if (m.empty()) return;
    out += std::string(title) + ":\n";
    for (const auto& [k, v] : m) out += fmt::format("  {:<42} {:>7}\n", k, v);
  };
  table("status", s.by_status);
  table("verdict", s.by_verdict);
  if (!s.by_category.empty()) {
    out += "category:\n";
    for (const auto& [k, v] : s.by_category) out += fmt::format("  {:<42} {:>7} dumps {:>12} pfns\n", k, v.first, v.second);
  }
  table("kernel release", s.by_release);
  if (!s.look_first.empty()) {
    out += "look at these first:\n";
    std::size_t n = 0;
    for (const auto& r : s.look_first) {
      if (++n > 50) {
        out += fmt::format("  ... and {} more (pfnscan summary --json)\n", s.look_first.size() - 50);
        break;
      }
      out += fmt::format("  {}  ({})\n", r.path, r.why);
    }
  }
  return out;
}

std::string render_summary_markdown(const FleetSummary& s) {
  using report::md_escape;
  std::string out = "## pfnscan fleet scan\n\n";
  out += fmt::format("{} dumps, {} with findings.\n\n", s.dumps, s.with_findings);
  out += "| status | dumps |\n|---|---:|\n";
  for (const auto& [k, v] : s.by_status) out += fmt::format("| {} | {} |\n", k, v);
  out += "\n| verdict | dumps |\n|---|---:|\n";
  for (const auto& [k, v] : s.by_verdict) out += fmt::format("| {} | {} |\n", k, v);
  out += "\n| category | dumps | pfns |\n|---|---:|---:|\n";
  for (const auto& [k, v] : s.by_category) out += fmt::format("| {} | {} | {} |\n", md_escape(k), v.first, v.second);
  out += "\n| kernel release | dumps |\n|---|---:|\n";
  for (const auto& [k, v] : s.by_release) out += fmt::format("| {} | {} |\n", md_escape(k), v);
  out += "\n### Look at these first\n\n";
  for (const auto& r : s.look_first) out += fmt::format("- {} — {}\n", md_escape(r.path), md_escape(r.why));
  if (s.look_first.empty()) out += "Nothing: no explained or consistent panic, no failed scan.\n";
  return out;
}

}  // namespace pfnscan
