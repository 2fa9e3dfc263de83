#include "report/html.hpp"

#include "report/svg.hpp"

namespace pfnscan::report {

std::string render_html(const std::string& markdown, const ScanReport* svg_of) {
  std::string o = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>pfnscan report</title>\n"
                  "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}pre{background:#f6f6f6;padding:1em;"
                  "white-space:pre-wrap}</style></head><body>\n<h1>pfnscan report</h1>\n";
  if (svg_of) o += render_svg(*svg_of);
  o += "<pre>" + xml_escape(markdown) + "</pre>\n</body></html>\n";
  return o;
}

}  // namespace pfnscan::report
