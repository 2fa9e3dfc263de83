// Reports people attach to bugs, rendered from a saved JSON result (`pfnscan scan --json`, or
// a `pfnscan batch` record, which carries the scan's JSON): Markdown for a tracker, an SVG map of
// the sections, and one self-contained HTML page with both. Redaction happens on the JSON first,
// so every format honours it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/result.hpp"

namespace pfnscan {

// Accepts a scan report, a batch record, or a batch results file's records (JSONL).
struct ReportInput {
  nlohmann::json scan;          // the scan report (null for a whole batch)
  nlohmann::json batch_record;  // the batch record around it, if any
  std::vector<nlohmann::json> batch;  // every record of a results file
};
Result<ReportInput> load_report_input(const std::string& path, const std::string& select_dump);

// Kernel pointers (they reveal the KASLR layout) become "<kptr>", file paths "<path>/name" with
// only the file name kept, host names (hostname, and the host part of syslog-style text)
// "<host>". Pfns, section numbers and sizes stay.
nlohmann::json redact(const nlohmann::json& j, const std::string& host_name);

std::string render_markdown(const ReportInput& in);
std::string render_svg(const nlohmann::json& scan);
std::string render_html(const ReportInput& in);

}  // namespace pfnscan
