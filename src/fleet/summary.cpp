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
      const bool latent = r.summary.risk == "latent";
      if (r.summary.ranges > 0) ++(latent ? s.with_latent_findings : s.with_findings);
      auto& buckets = latent ? s.latent_by_category : s.by_category;
      for (const auto& [cat, n] : r.summary.by_category) {
        ++buckets[cat].first;
        buckets[cat].second += n.second;
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
  auto categories = [](const auto& m) {
    nlohmann::json cats = nlohmann::json::object();
    for (const auto& [c, v] : m) cats[c] = {{"dumps", v.first}, {"pfns", v.second}};
    return cats;
  };
  nlohmann::json first = nlohmann::json::array();
  for (const auto& r : s.look_first) first.push_back({{"path", r.path}, {"why", r.why}});
  return {{"dumps", s.dumps},
          {"with_findings", s.with_findings},
          {"with_latent_findings", s.with_latent_findings},
          {"by_status", s.by_status},
          {"by_verdict", s.by_verdict},
          {"by_category", categories(s.by_category)},
          {"latent_by_category", categories(s.latent_by_category)},
          {"by_release", s.by_release},
          {"look_first", first}};
}

std::string render_summary_text(const FleetSummary& s) {
  std::string out = fmt::format("{} dumps, {} with findings{}\n", s.dumps, s.with_findings,
                                s.with_latent_findings ? fmt::format(", {} with latent findings (fixed kernels)", s.with_latent_findings) : "");
  auto table = [&](const char* title, const std::map<std::string, uint64_t>& m) {
    if (m.empty()) return;
    out += std::string(title) + ":\n";
    for (const auto& [k, v] : m) out += fmt::format("  {:<42} {:>7}\n", k, v);
  };
  table("status", s.by_status);
  table("verdict", s.by_verdict);
  auto categories = [&](const char* title, const auto& m) {
    if (m.empty()) return;
    out += std::string(title) + ":\n";
    for (const auto& [k, v] : m) out += fmt::format("  {:<42} {:>7} dumps {:>12} pfns\n", k, v.first, v.second);
  };
  categories("category", s.by_category);
  categories("latent (kernels with the fixed function)", s.latent_by_category);
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
  out += fmt::format("{} dumps, {} with findings{}.\n\n", s.dumps, s.with_findings,
                     s.with_latent_findings ? fmt::format(", {} with latent findings (kernels with the fixed function)", s.with_latent_findings) : "");
  out += "| status | dumps |\n|---|---:|\n";
  for (const auto& [k, v] : s.by_status) out += fmt::format("| {} | {} |\n", k, v);
  out += "\n| verdict | dumps |\n|---|---:|\n";
  for (const auto& [k, v] : s.by_verdict) out += fmt::format("| {} | {} |\n", k, v);
  out += "\n| category | dumps | pfns |\n|---|---:|---:|\n";
  for (const auto& [k, v] : s.by_category) out += fmt::format("| {} | {} | {} |\n", md_escape(k), v.first, v.second);
  for (const auto& [k, v] : s.latent_by_category) out += fmt::format("| {} (latent) | {} | {} |\n", md_escape(k), v.first, v.second);
  out += "\n| kernel release | dumps |\n|---|---:|\n";
  for (const auto& [k, v] : s.by_release) out += fmt::format("| {} | {} |\n", md_escape(k), v);
  out += "\n### Look at these first\n\n";
  for (const auto& r : s.look_first) out += fmt::format("- {} — {}\n", md_escape(r.path), md_escape(r.why));
  if (s.look_first.empty()) out += "Nothing: no explained or consistent panic, no failed scan.\n";
  return out;
}

}  // namespace pfnscan
