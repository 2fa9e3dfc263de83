// Rendering the report model for people: text for a terminal, crash's compact style, and the
// verdict (also the whole of `explain`). JSON is model_json.hpp.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "log/verdict.hpp"
#include "report/exit_code.hpp"
#include "report/model.hpp"

namespace pfnscan {

constexpr int kJsonSchemaVersion = report::kSchemaVersion;

struct ReportOptions {
  bool verbose = false;     // provenance, notes, every present section
};

std::string render_text(const report::ScanReport& report, const ReportOptions& options);
// crash's style: upper-case headers, columns that fit 80 characters.
std::string render_compact_text(const report::ScanReport& report, const ReportOptions& options);

// The verdict section of `scan` and the whole of `explain`.
std::string render_verdict_text(const LogVerdict& verdict, const ReportOptions& options);
nlohmann::json render_verdict_json(const LogVerdict& verdict);
// A saved report's "verdict" object read back (render -> read -> render is identical); a malformed
// one is an Errc::format error naming the field.
Result<LogVerdict> verdict_from_json(const nlohmann::json& verdict);

std::string hex(uint64_t v);

}  // namespace pfnscan
