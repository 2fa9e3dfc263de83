// Kernel log lines as the oops parser reads them: the prefixes a log carries stripped, and text
// that went through mail clients and pastes repaired, each repair remembered on its line so that
// the report can say what was mended.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "log/kernel_log.hpp"

namespace pfnscan {

// What lines_from_text repaired in a line (bit set).
enum LineRepair : uint8_t {
  kRepairCrlf = 1,        // "\r\n" line ends
  kRepairQuote = 2,       // "> " mail quote markers at the start
  kRepairElision = 4,     // "[...]" elisions: lines are missing before this one
  kRepairJoined = 8,      // a first line wrapped after "at" / "virtual", joined with its continuation
  kRepairSoftBreak = 16,  // quoted-printable soft line breaks ("=" at the end) and "=3D" escapes
};
// "CRLF line ends", "mail quote markers", ... one phrase per bit set.
std::vector<std::string> repair_names(uint8_t repairs);

// One input line: text as the kernel printed it (without any timestamp/syslog/caller prefix).
struct OopsInputLine {
  std::string text;                  // bytes, not necessarily UTF-8
  std::optional<uint64_t> ts_nsec;
  std::optional<uint32_t> caller;    // bit 31: CPU
  uint8_t repairs = 0;               // LineRepair bits
};

// Strips syslog / RFC 3339 / journal headers, "<N>" levels, netconsole extended headers,
// "[   1.234567]" timestamps and "[  T123]" caller ids.
OopsInputLine normalize_log_line(std::string_view raw);

// The dump's records, one line per embedded newline (no repairs: the dump's text is intact).
std::vector<OopsInputLine> lines_from_log(const KernelLog& log);

// Log text from a file or a paste: normalized, and repaired where a mail client or an editor
// damaged it (CRLF, quote markers, elisions, a wrapped first line, quoted-printable breaks).
std::vector<OopsInputLine> lines_from_text(std::string_view text);

}  // namespace pfnscan
