// The C ABI of capi.h over the core: open the host target, scan, render. The CLI's own flow,
// so the plugins report exactly what the CLI reports.
#include "pfnscan/capi.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include "target/host_target.hpp"
#include "report/report.hpp"
#include "mm/scan.hpp"

namespace {

char* dup(const std::string& s) {
  char* p = static_cast<char*>(std::malloc(s.size() + 1));
  if (p) std::memcpy(p, s.c_str(), s.size() + 1);
  return p;
}

}  // namespace

extern "C" {

int pfnscan_run(const pfnscan_host* host, const pfnscan_options* options, char** json_out, char** text_out, char** error_out) {
  using namespace pfnscan;
  if (json_out) *json_out = nullptr;
  if (text_out) *text_out = nullptr;
  if (error_out) *error_out = nullptr;
  auto fail = [&](const std::string& message, int code) {
    if (error_out) *error_out = dup(message);
    return code;
  };
  if (!host || !options) return fail("pfnscan_run: host and options are required", kExitUsage);
  auto target = open_host_target(*host);
  if (!target) return fail(target.error().describe(), kExitUnreadable);
  ScanOptions so;
  so.full = options->full != 0;
  so.judge_log = options->judge_log != 0;
  if (options->section >= 0) so.only_section = static_cast<uint64_t>(options->section);
  if (options->pfn_end > options->pfn_start) so.pfn_range = std::make_pair(options->pfn_start, options->pfn_end);
  else if (options->pfn_end != 0) return fail("the pfn range must end above its start", kExitUsage);
  LayoutOptions lo;  // the host's types and symbols (Target::types/symbol) are used before anything else
  auto result = scan_target(**target, lo, so);
  if (!result) return fail(result.error().describe(), exit_code_for_error(result.error()));
  if (json_out) *json_out = dup(render_json(*result).dump(2));
  if (text_out) {
    ReportOptions ro{options->verbose != 0};
    *text_out = dup(options->style == 1 ? render_compact_text(*result, ro) : render_text(*result, ro));
  }
  return exit_code_for(*result);
}

void pfnscan_free(char* p) { std::free(p); }

const char* pfnscan_version(void) { return PFNSCAN_VERSION; }

}  // extern "C"
