// A scan report as Markdown for a bug tracker: summary, verdict with its evidence, the ranges,
// kernel and tool versions, and how to reproduce.
#pragma once

#include <string>

#include "report/model.hpp"

namespace pfnscan::report {

// `dump_path` is the dump to name in "how to reproduce" (a batch record's path, else the input's).
std::string render_markdown(const ScanReport& report, const std::string& dump_path);
std::string md_escape(const std::string& s);

}  // namespace pfnscan::report
