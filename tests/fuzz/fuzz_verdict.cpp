// The verdict and its rendering over the parser's incidents: the first 32 bytes choose a dump
// (vmemmap and direct-map bases, findings, observations, sections without usage) or none, the
// rest is log text. Text (plain and verbose) and JSON are rendered, the JSON is dumped (bytes
// that are not UTF-8 replaced, as the report layer does) and read back: reading must succeed and
// give the same JSON, or the target traps.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "log/log_lines.hpp"
#include "log/oops.hpp"
#include "log/verdict.hpp"
#include "report/report.hpp"

namespace {

uint64_t word(const uint8_t* p) {
  uint64_t v = 0;
  std::memcpy(&v, p, sizeof v);
  return v;
}

struct DumpSide {
  pfnscan::AddressMap map;
  std::vector<pfnscan::Finding> findings, observations;
  std::vector<pfnscan::SectionUsageProblem> usage;
  bool verbose = false;
};

// 32 control bytes: flags, then three words (vmemmap base, direct-map base, a pfn range).
DumpSide dump_side(const uint8_t* c) {
  DumpSide d;
  const uint8_t flags = c[0];
  d.verbose = flags & 0x10;
  if (!(flags & 1)) return d;
  d.map.from_dump = true;
  d.map.vmemmap_base = 0xffff000000000000ull | (word(c + 1) & 0x0000ffffffe00000ull);
  if (flags & 0x20) d.map.direct_map_base = 0xffff000000000000ull | (word(c + 9) & 0x0000ffffc0000000ull);
  d.map.page_flags.zones_pgshift = c[17] % 61;
  d.map.page_flags.zones_width = c[18] % 4;
  d.map.page_flags.zone_device = static_cast<int>(c[19] % 6) - 1;
  const uint64_t start = word(c + 20) & 0xffffffff, length = (c[28] | (uint64_t{c[29]} << 8)) + 1;
  pfnscan::Finding f;
  f.start_pfn = start;
  f.end_pfn = start + length;
  f.category = static_cast<pfnscan::Category>(c[30] % 7);
  if (flags & 2) d.findings.push_back(f);
  if (flags & 4) d.observations.push_back(f);
  if (flags & 8) d.usage.push_back({start >> 15, start & ~uint64_t{0x7fff}, (start & ~uint64_t{0x7fff}) + 0x8000, bool(c[31] & 1), "usage pointer is NULL"});
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pfnscan;
  if (size < 32) return 0;
  DumpSide d = dump_side(data);
  const std::string_view text(reinterpret_cast<const char*>(data) + 32, size - 32);
  LogVerdict v = judge_incidents(parse_oopses(lines_from_text(text)), d.map, d.findings, d.observations, std::nullopt, d.usage);
  (void)render_verdict_text(v, ReportOptions{d.verbose});
  const nlohmann::json j = render_verdict_json(v);
  (void)j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  auto back = verdict_from_json(j);
  if (!back || render_verdict_json(*back) != j) __builtin_trap();
  return 0;
}
