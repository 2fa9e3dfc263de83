// The oops parser on log text, in every framing a log arrives in: the first byte picks one (as
// is, syslog, netconsole extended, mail-quoted, CRLF, or as a dump's records), the rest is the
// text. Then the verdict without a dump, as `pfnscan explain` gives it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "log/log_lines.hpp"
#include "log/oops.hpp"
#include "log/verdict.hpp"

namespace {

std::string framed(std::string_view text, uint8_t framing) {
  std::string out;
  std::size_t start = 0, n = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    switch (framing % 5) {
      case 1: out += "Nov 25 12:00:00 fleet-host kernel: "; break;
      case 2: out += "6," + std::to_string(n) + "," + std::to_string(1000 + n) + ",-;"; break;
      case 3: out += "> "; break;
      default: break;
    }
    out += line;
    out += framing % 5 == 4 ? "\r\n" : "\n";
    ++n;
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pfnscan;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<OopsInputLine> lines;
  if (data[0] >= 0xf0) {  // a dump's records: one per line, the text as the kernel stored it
    KernelLog log;
    for (std::size_t start = 0; start < text.size();) {
      std::size_t nl = text.find('\n', start);
      LogRecord r;
      r.text = std::string(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
      r.caller_id = static_cast<uint32_t>(start % 3);
      log.records.push_back(std::move(r));
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
    lines = lines_from_log(log);
  } else {
    lines = lines_from_text(framed(text, data[0]));
  }
  auto incidents = parse_oopses(lines);
  auto verdict = judge_incidents(std::move(incidents), AddressMap{}, {}, {}, std::nullopt);
  (void)verdict;
  return 0;
}
