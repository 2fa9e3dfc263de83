#include "session/log_verdict.hpp"

#include <fmt/format.h>

namespace pfnscan {

std::vector<OopsInputLine> lines_from_log(const KernelLog& log) {
  std::vector<OopsInputLine> lines;
  for (const auto& r : log.records) {
    std::size_t start = 0;
    while (true) {
      std::size_t nl = r.text.find('\n', start);
      lines.push_back({r.text.substr(start, nl == std::string::npos ? std::string::npos : nl - start), r.ts_nsec, r.caller_id});
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  return lines;
}

std::vector<OopsInputLine> lines_from_text(std::string_view text) {
  std::vector<OopsInputLine> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    lines.push_back(normalize_log_line(line));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

AddressMap address_map_for(const KernelLayout& layout) {
  AddressMap map;
  map.from_dump = true;
  map.vmemmap_base = layout.vmemmap_base;
  map.struct_page_size = layout.page_struct_size ? layout.page_struct_size : 64;
  map.direct_map_base = layout.direct_map_base;
  map.max_pfn = layout.max_pfn();
  map.zone_device = layout.page_flags.zone_device;
  map.zones_pgshift = layout.page_flags.zones_pgshift;
  map.zones_width = layout.page_flags.zones_width;
  return map;
}

LogVerdict judge_dump_log(Target& target, const KernelLayout& layout, const MemoryScan& scan) {
  auto log = read_kernel_log(target);
  if (!log) {
    LogVerdict v;
    v.log_available = false;
    v.notes.push_back("no kernel log: " + log.error().describe());
    return v;
  }
  LogVerdict v = judge_incidents(parse_oopses(lines_from_log(*log)), address_map_for(layout), scan.findings, scan.observations,
                                 layout.version);
  v.log_source = log->layout;
  for (const auto& n : log->notes) v.notes.push_back("kernel log: " + n);
  if (!layout.direct_map_base) v.notes.push_back("direct-map addresses were not mapped to pfns (page_offset_base unknown without symbols)");
  return v;
}

LogVerdict judge_text_against_dump(std::string_view text, std::string source_name, const KernelLayout& layout, const MemoryScan& scan) {
  LogVerdict v = judge_incidents(parse_oopses(lines_from_text(text)), address_map_for(layout), scan.findings, scan.observations,
                                 layout.version);
  v.log_source = std::move(source_name);
  return v;
}

LogVerdict judge_log_text(std::string_view text, std::string source_name) {
  LogVerdict v = judge_incidents(parse_oopses(lines_from_text(text)), AddressMap{}, {}, {}, std::nullopt);
  v.log_source = std::move(source_name);
  return v;
}

}  // namespace pfnscan
