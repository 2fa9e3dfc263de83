// Rendering a scan: text for a terminal, JSON (versioned; documented in README.md) for machines.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "mm/scan.hpp"

namespace pfnscan {

constexpr int kJsonSchemaVersion = 1;

struct ReportOptions {
  bool verbose = false;     // provenance, notes, every present section
};

std::string render_text(const ScanResult& result, const ReportOptions& options);
// crash's style: upper-case headers, columns that fit 80 characters.
std::string render_compact_text(const ScanResult& result, const ReportOptions& options);
nlohmann::json render_json(const ScanResult& result);

// The verdict section of `scan` and the whole of `explain`.
std::string render_verdict_text(const LogVerdict& verdict, const ReportOptions& options);
nlohmann::json render_verdict_json(const LogVerdict& verdict);

// Exit codes (README "Exit codes").
enum ExitCode : int {
  kExitClean = 0,        // scanned completely, nothing found
  kExitFindings = 1,     // findings present
  kExitUnreadable = 2,   // input unreadable or corrupt: no report
  kExitUsage = 3,        // usage error
  kExitPartial = 4,      // part of the dump could not be read: the report is partial
  kExitExplained = 5,    // findings present, and an oops in the dump's log is explained by them
};
int exit_code_for(const ScanResult& result);
int exit_code_for_error(const Error& error);  // usage errors 3, everything else 2
// `explain`: 0 no oops or only unrelated ones, 1 an oops consistent with this bug.
int exit_code_for(const LogVerdict& verdict);

std::string hex(uint64_t v);

}  // namespace pfnscan
