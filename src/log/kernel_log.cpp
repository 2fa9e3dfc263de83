// The kernel log as crash's `log` prints it. Reading it from the dump: printk_readers.cpp.
#include "log/kernel_log.hpp"

#include <cctype>
#include <fmt/format.h>

namespace pfnscan {

std::string render_log(const KernelLog& log, const LogFormat& format) {
  std::string out;
  for (const auto& r : log.records) {
    if (r.dataless) {  // crash skips the prefix too
      out += '\n';
      continue;
    }
    std::string prefix;
    if (format.timestamps)
      prefix += fmt::format("[{:5}.{:06}] ", r.ts_nsec / 1000000000, r.ts_nsec % 1000000000 / 1000);
    if (format.caller && r.caller_id)
      prefix += fmt::format("[{:>6}] ", fmt::format("{}{}", (*r.caller_id & 0x80000000u) ? 'C' : 'T', *r.caller_id & 0x7fffffffu));
    if (format.levels) prefix += fmt::format("<{:x}>", r.level);
    out += prefix;
    const std::string indent(prefix.size(), ' ');
    for (char c : r.text) {
      if (c == '\n') out += "\n" + indent;
      else if (std::isprint(static_cast<unsigned char>(c)) || std::isspace(static_cast<unsigned char>(c))) out += c;
      else out += '.';
    }
    out += '\n';
  }
  return out;
}

}  // namespace pfnscan
