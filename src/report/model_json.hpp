// The report model as JSON (schema 1): written by every `--json`, read back from saved reports,
// batch records and results files.
#pragma once

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "report/json_io.hpp"
#include "report/model.hpp"

namespace pfnscan::report {

nlohmann::json to_json(const ScanReport& report);

// A saved report (or a batch record's "result"); fails naming the first field that is missing
// or of the wrong type.
Result<ScanReport> scan_report_from_json(const nlohmann::json& j, const std::string& what = "report");
ScanReport read_scan_report(const In& in);   // for readers of documents that embed a report

// The verdict part, read back (incidents with their verdict, title, kind, evidence, walker, ...).
LogVerdict read_verdict(const In& in);

}  // namespace pfnscan::report
