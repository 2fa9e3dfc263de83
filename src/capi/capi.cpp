// The C ABI of capi.h over the session: the CLI's own flow, so the plugins report exactly what
// the CLI reports, with the same fallbacks.
#include "pfnscan/capi.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "report/model_json.hpp"
#include "report/report.hpp"
#include "session/session.hpp"

namespace {

char* dup(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

std::string text_or_empty(const char* s) { return s ? s : ""; }

int run(const pfnscan_host& host, const pfnscan_options& options, char** json_out, char** text_out, char** error_out) {
  using namespace pfnscan;
  auto fail = [&](const std::string& message, int code) {
    if (error_out) *error_out = dup(message);
    return code;
  };
  auto target = open_host(host);
  if (!target) return fail(target.error().describe(), kExitUnreadable);
  SessionOptions so;
  so.scan.full = options.full != 0;
  so.judge_log = options.judge_log != 0;
  so.debuginfo_dir = text_or_empty(options.debuginfo_dir);
  so.dmesg_file = text_or_empty(options.dmesg_file);
  if (options.section >= 0) so.scan.only_section = static_cast<uint64_t>(options.section);
  if (options.pfn_end > options.pfn_start) so.scan.pfn_range = std::make_pair(options.pfn_start, options.pfn_end);
  else if (options.pfn_end != 0) return fail("the pfn range must end above its start", kExitUsage);
  // The host's own types and symbols (Target::types/symbol) come before anything else.
  auto report = run_session(**target, so);
  if (!report) return fail(report.error().describe(), exit_code_for_error(report.error()));
  if (json_out) *json_out = dup(report::dump_json(report::to_json(*report), 2));
  if (text_out) {
    ReportOptions ro{options.verbose != 0};
    *text_out = dup(options.style == 1 ? render_compact_text(*report, ro) : render_text(*report, ro));
  }
  return exit_code_for(*report);
}

}  // namespace

extern "C" {

int pfnscan_run(const pfnscan_host* host, const pfnscan_options* options, char** json_out, char** text_out, char** error_out) {
  if (json_out) *json_out = nullptr;
  if (text_out) *text_out = nullptr;
  if (error_out) *error_out = nullptr;
  if (!host || !options) {
    if (error_out) *error_out = dup("pfnscan_run: host and options are required");
    return pfnscan::kExitUsage;
  }
  try {
    return run(*host, *options, json_out, text_out, error_out);
  } catch (const std::bad_alloc&) {  // nothing may unwind into the host debugger
    if (error_out) *error_out = dup("out of memory");
    return pfnscan::kExitOutOfMemory;
  }
}

void pfnscan_free(char* p) { std::free(p); }

const char* pfnscan_version(void) { return PFNSCAN_VERSION; }

}  // extern "C"
