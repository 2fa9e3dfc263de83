// An SVG map of a scan: one row per present section, its subsections coloured valid, invalid or
// offline, and the flagged pfn ranges on top.
#pragma once

#include <string>

#include "report/model.hpp"

namespace pfnscan::report {

std::string render_svg(const ScanReport& report);
std::string xml_escape(const std::string& s);

}  // namespace pfnscan::report
