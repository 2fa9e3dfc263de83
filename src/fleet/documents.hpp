// Reports people attach to bugs, from a saved result: `pfnscan scan --json` output, one batch
// record, or a whole batch results file (README "Bug reports").
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "fleet/record.hpp"
#include "report/model.hpp"

namespace pfnscan {

struct ReportInput {
  std::optional<report::ScanReport> scan;  // one dump's report (none for a whole batch)
  std::optional<BatchRecord> record;       // the batch record around it, if any
  std::vector<BatchRecord> batch;          // every record of a results file
};

// `select` picks one dump of a results file (its path, or its file name).
Result<ReportInput> load_report_input(const std::string& path, const std::string& select);

void redact(ReportInput& input, const std::string& host);

std::string render_markdown(const ReportInput& input);
std::string render_html(const ReportInput& input);

}  // namespace pfnscan
