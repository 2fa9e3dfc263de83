// The kernel log as the dumped kernel left it: printk records read from the lockless ringbuffer
// (v5.10+) or the older log_buf, located and decoded through VMCOREINFO alone (no vmlinux).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "target/target.hpp"

namespace pfnscan {

struct LogRecord {
  uint64_t seq = 0;
  uint64_t ts_nsec = 0;
  int level = 6;
  int facility = 0;
  std::optional<uint32_t> caller_id;  // bit 31 set: CPU number, else a task id
  std::string text;                   // may hold '\n' (one printk of several lines)
  bool dataless = false;              // no text block (FAILED_LPOS / NO_LPOS): crash prints a bare newline
};

struct KernelLog {
  std::string layout;                 // "printk_ringbuffer" or "log_buf"
  std::vector<LogRecord> records;
  std::vector<std::string> notes;     // records skipped and why
};

// Never loops on a dump-supplied count without a cap; fails with the structure and address that
// could not be read.
Result<KernelLog> read_kernel_log(Target& target);

struct LogFormat {
  bool levels = false;   // "<N>" after the timestamp, as crash's `log -m`
  bool caller = false;   // "[    T1] " / "[    C0] ", as the kernel's console with CONFIG_PRINTK_CALLER
  bool timestamps = true;
};

// As crash's `log` prints it: "[%5llu.%06lu] text", embedded newlines indented under the text,
// unprintable bytes as '.'.
std::string render_log(const KernelLog& log, const LogFormat& format);


}  // namespace pfnscan
