// One self-contained HTML page for a report: the SVG map and the Markdown.
#pragma once

#include <optional>
#include <string>

#include "report/model.hpp"

namespace pfnscan::report {

// `svg_of` is the report the map is drawn for, when there is one (a whole batch has none).
std::string render_html(const std::string& markdown, const ScanReport* svg_of);

}  // namespace pfnscan::report
