// One dump's line in a batch results file (README "Fleet"): who the dump is, how its worker
// ended, the headline of its report, and the report itself (the scan's JSON, carried verbatim).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "log/verdict.hpp"
#include "mm/judge.hpp"
#include "report/model.hpp"

namespace pfnscan {

enum class BatchStatus { ok, error, timeout, limit };
const char* batch_status_name(BatchStatus s);

struct RecordRange {
  uint64_t start_pfn = 0, end_pfn = 0, section = 0;
  Category category{};
};

struct RecordSummary {
  uint64_t ranges = 0, pfns = 0;
  std::string risk = "none";   // "none", "at_risk", "latent" (the kernel has the fixed function)
  std::map<std::string, std::pair<uint64_t, uint64_t>> by_category;  // category -> (ranges, pfns)
};

struct BatchRecord {
  std::string identity, path, digest, format, dmesg;
  uint64_t size = 0;
  BatchStatus status = BatchStatus::error;
  std::optional<int> exit_code;            // absent when the worker was killed
  double seconds = 0;
  int64_t max_rss_kib = 0;
  std::string error;                       // status other than ok: why
  // status ok: the report's headline, and the report.
  std::string kernel_release;
  RecordSummary summary;
  std::vector<RecordRange> findings;
  Verdict verdict = Verdict::no_panic;
  bool partial = false;
  nlohmann::json result;                   // the worker's report (null unless ok)

  Result<report::ScanReport> report() const;   // the report, read into the model
};

// The headline of a record from its report.
void summarize_into(BatchRecord& record, const report::ScanReport& report);

nlohmann::json to_json(const BatchRecord& record);
Result<BatchRecord> batch_record_from_json(const nlohmann::json& j, const std::string& what);

}  // namespace pfnscan
