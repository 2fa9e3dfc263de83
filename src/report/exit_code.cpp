#include "report/exit_code.hpp"

namespace pfnscan {

int exit_code_for(const report::ScanReport& r) {
  if (r.partial()) return kExitPartial;
  if (r.findings.empty()) return kExitClean;
  if (r.verdict.overall == Verdict::explained) return kExitExplained;
  return r.latent() ? kExitLatent : kExitFindings;
}

int exit_code_for_error(const Error& e) { return e.code() == Errc::usage ? kExitUsage : kExitUnreadable; }

int exit_code_for(const LogVerdict& verdict) {
  return verdict.overall == Verdict::consistent || verdict.overall == Verdict::explained ? kExitFindings : kExitClean;
}

bool exit_code_has_report(int code) {
  return code == kExitClean || code == kExitFindings || code == kExitPartial || code == kExitExplained || code == kExitLatent;
}

}  // namespace pfnscan
