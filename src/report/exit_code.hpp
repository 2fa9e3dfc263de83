// Exit codes (README "Exit codes"): one enum for every command and front end.
#pragma once

#include "base/result.hpp"
#include "log/verdict.hpp"
#include "report/model.hpp"

namespace pfnscan {

enum ExitCode : int {
  kExitClean = 0,        // scanned completely, nothing found
  kExitFindings = 1,     // findings present
  kExitUnreadable = 2,   // input unreadable or corrupt: no report
  kExitUsage = 3,        // usage error
  kExitPartial = 4,      // part of the dump could not be read: the report is partial
  kExitExplained = 5,    // findings present, and an oops in the dump's log is explained by them
  kExitOutOfMemory = 6,  // ran out of memory (a batch worker under its --memory limit): no report
  kExitLatent = 7,       // findings present, but the kernel has the fixed function: latent, not at risk
};

int exit_code_for(const report::ScanReport& report);
int exit_code_for_error(const Error& error);  // usage errors 3, everything else 2
// `explain`: 0 no oops or only unrelated ones, 1 an oops consistent with this bug.
int exit_code_for(const LogVerdict& verdict);
// The exit codes with which a scan produced a report (a batch records those as "ok").
bool exit_code_has_report(int code);

}  // namespace pfnscan
