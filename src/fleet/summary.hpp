// What a fleet's results say at a glance: counts by status, verdict, category and kernel release,
// and the dumps to look at first.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "fleet/record.hpp"

namespace pfnscan {

struct FleetSummary {
  uint64_t dumps = 0, with_findings = 0;   // with findings on kernels that can hit the bug
  uint64_t with_latent_findings = 0;        // with findings on kernels that have the fixed function
  std::map<std::string, uint64_t> by_status, by_verdict, by_release;
  std::map<std::string, std::pair<uint64_t, uint64_t>> by_category;         // at risk: dumps, pfns
  std::map<std::string, std::pair<uint64_t, uint64_t>> latent_by_category;  // latent: dumps, pfns
  struct LookFirst {
    std::string path, why;
  };
  std::vector<LookFirst> look_first;   // explained, consistent, timeouts/limits, errors, partial
};

FleetSummary summarize(const std::vector<BatchRecord>& records);
nlohmann::json to_json(const FleetSummary& summary);
std::string render_summary_text(const FleetSummary& summary);
std::string render_summary_markdown(const FleetSummary& summary);

}  // namespace pfnscan
