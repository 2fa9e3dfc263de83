#include "session/log_verdict.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace pfnscan {

AddressMap address_map_for(const KernelLayout& layout) {
  AddressMap map;
  map.from_dump = true;
  map.vmemmap_base = layout.vmemmap_base;
  map.struct_page_size = layout.page_struct_size ? layout.page_struct_size : 64;
  map.direct_map_base = layout.direct_map_base;
  map.max_pfn = layout.max_pfn();
  map.page_flags = layout.page_flags;
  return map;
}

std::vector<SectionUsageProblem> usage_problems_for(const KernelLayout& layout, const SectionTable& sections) {
  std::vector<SectionUsageProblem> out;
  for (const auto& s : sections.sections)
    if (!s.usage_problem.empty())
      out.push_back({s.nr, layout.section_start_pfn(s.nr), layout.section_start_pfn(s.nr + 1), s.online, s.usage_problem});
  return out;
}

namespace {

LogVerdict judge_lines(const std::vector<OopsInputLine>& lines, const DumpFacts& dump) {
  return judge_incidents(parse_oopses(lines), address_map_for(dump.layout), dump.scan.findings, dump.scan.observations,
                         dump.layout.version, usage_problems_for(dump.layout, dump.sections));
}

}  // namespace

LogVerdict judge_dump_log(Target& target, const DumpFacts& dump) {
  auto log = read_kernel_log(target);
  if (!log) {
    LogVerdict v;
    v.log_available = false;
    v.notes.push_back("no kernel log: " + log.error().describe());
    return v;
  }
  LogVerdict v = judge_lines(lines_from_log(*log), dump);
  v.log_source = log->layout;
  for (const auto& n : log->notes) v.notes.push_back("kernel log: " + n);
  if (!dump.layout.direct_map_base)
    v.notes.push_back("direct-map addresses were not mapped to pfns (page_offset_base unknown without symbols)");
  return v;
}

LogVerdict judge_text_against_dump(std::string_view text, std::string source_name, const DumpFacts& dump) {
  LogVerdict v = judge_lines(lines_from_text(text), dump);
  v.log_source = std::move(source_name);
  return v;
}

LogVerdict judge_log_text(std::string_view text, std::string source_name) {
  LogVerdict v = judge_incidents(parse_oopses(lines_from_text(text)), AddressMap{}, {}, {}, std::nullopt);
  v.log_source = std::move(source_name);
  return v;
}

}  // namespace pfnscan
