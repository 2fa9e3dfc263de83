// Before v5.10 (facts §9.2): variable-length struct printk_log records in log_buf from
// log_first_idx to log_next_idx; a record of length 0 means "wrap to the start". Read a window
// at a time, every header field checked once against SIZE(printk_log).
#include <algorithm>
#include <fmt/format.h>

#include "log/printk_readers.hpp"

namespace pfnscan::printk {

namespace {

constexpr uint64_t kMaxLogBufLen = uint64_t{1} << 26;  // LOG_BUF_LEN_MAX is 1 << 25
constexpr uint64_t kLogWindow = 1 << 20;
constexpr uint8_t kLogNewline = 2, kLogCont = 8;  // enum log_flags, kernel/printk/printk.c

struct LogBuf {
  uint64_t va = 0, len = 0, first = 0, next = 0;
};

Result<LogBuf> log_buf_header(Target& target, const VmcoreInfo& vi) {
  const auto kv = AddressSpace::kernel_virtual;
  auto sym = [&](const char* name) { return vi.symbol(name); };
  PFNSCAN_TRY_CTX(log_buf_var, sym("log_buf"), "locating log_buf");
  PFNSCAN_TRY_CTX(len_var, sym("log_buf_len"), "locating log_buf");
  PFNSCAN_TRY_CTX(first_var, sym("log_first_idx"), "locating log_buf");
  PFNSCAN_TRY_CTX(next_var, sym("log_next_idx"), "locating log_buf");
  PFNSCAN_TRY_CTX(buf_va, target.read_u64(kv, log_buf_var), fmt::format("reading log_buf at {:#x}", log_buf_var));
  PFNSCAN_TRY_CTX(buf_len, target.read_u32(kv, len_var), fmt::format("reading log_buf_len at {:#x}", len_var));
  PFNSCAN_TRY_CTX(first_idx, target.read_u32(kv, first_var), fmt::format("reading log_first_idx at {:#x}", first_var));
  PFNSCAN_TRY_CTX(next_idx, target.read_u32(kv, next_var), fmt::format("reading log_next_idx at {:#x}", next_var));
  if (buf_len == 0 || buf_len > kMaxLogBufLen || first_idx >= buf_len || next_idx > buf_len)
    return Error(Errc::corrupt, fmt::format("log_buf: implausible log_buf_len {} / log_first_idx {} / log_next_idx {}", buf_len, first_idx, next_idx));
  return LogBuf{buf_va, buf_len, first_idx, next_idx};
}

// The walk over log_buf, one record at a time.
class LogBufWalk {
 public:
  LogBufWalk(Target& target, const StructLayout& layout, const LogBuf& lb, uint64_t& excluded)
      : L_(layout), lb_(lb), buf_(target, lb.va, lb.len, kLogWindow, excluded) {}

  // Reads the record at idx into log; returns where the next one starts, or why the walk stops
  // (as an Error; the caller keeps what was read).
  Result<uint64_t> step(uint64_t idx, KernelLog& log) {
    const uint64_t hdr = L_.size();
    if (!fits(idx, hdr, lb_.len)) return Error(Errc::corrupt, fmt::format("log_buf record header at index {} runs past the buffer", idx));
    PFNSCAN_TRY_CTX(h, buf_.bytes(idx, hdr), fmt::format("reading the {}-byte log_buf at {:#x}", lb_.len, lb_.va));
    const uint16_t len = field<uint16_t>(h, L_.offset("len"));
    if (len == 0) return uint64_t{0};  // "wrap to the start of the buffer"
    if (len < hdr || !fits(idx, len, lb_.len))
      return Error(Errc::corrupt, fmt::format("log_buf record at index {} has impossible length {}", idx, len));
    LogRecord r;
    const uint64_t flags_at = L_.offset("dict_len") + 3;
    r.seq = log.records.size();
    r.ts_nsec = field<uint64_t>(h, L_.offset("ts_nsec"));
    r.facility = field<uint8_t>(h, flags_at - 1);
    const uint8_t flags = field<uint8_t>(h, flags_at);
    r.level = flags >> 5;
    if (L_.has("caller_id")) r.caller_id = field<uint32_t>(h, L_.offset("caller_id"));
    const uint64_t text_len = std::min<uint64_t>(field<uint16_t>(h, L_.offset("text_len")), len - hdr);
    PFNSCAN_TRY_CTX(text, buf_.bytes(idx + hdr, text_len), fmt::format("reading log_buf record {}", log.records.size()));
    r.text.assign(reinterpret_cast<const char*>(text.data()), text.size());
    // A fragment of a continued line that the kernel's cont buffer could not merge (another CPU
    // printed in between) is stored as its own record with LOG_CONT; join it as the kernel would.
    const bool same_caller = log.records.empty() || !r.caller_id || log.records.back().caller_id == r.caller_id;
    if ((flags & kLogCont) && !previous_ended_line_ && !log.records.empty() && same_caller)
      log.records.back().text += r.text;
    else
      log.records.push_back(std::move(r));
    previous_ended_line_ = flags & kLogNewline;
    return idx + len;
  }

 private:
  const StructLayout& L_;
  const LogBuf& lb_;
  MemoryWindow buf_;
  bool previous_ended_line_ = true;
};

}  // namespace

Result<KernelLog> read_log_buf(Target& target, const VmcoreInfo& vi) {
  auto hdr_size = vi.size("printk_log");
  if (!hdr_size) return Error(Errc::missing, "VMCOREINFO lacks SIZE(printk_log) needed for log_buf");
  if (*hdr_size < 16 || *hdr_size > 64) return Error(Errc::corrupt, fmt::format("implausible SIZE(printk_log) {}", *hdr_size));
  // struct printk_log { u64 ts_nsec; u16 len, text_len, dict_len; u8 facility; u8 flags:5, level:3; [u32 caller_id (v5.1+)] }:
  // facility and flags follow dict_len, so 4 bytes are read there.
  PFNSCAN_TRY_CTX(L, StructLayout::describe(vi, "printk_log", *hdr_size, {{"ts_nsec", 8}, {"len", 2}, {"text_len", 2}, {"dict_len", 4}, {"caller_id", 4, true}}),
                  "reading the log_buf record layout from VMCOREINFO");
  PFNSCAN_TRY_CTX(lb, log_buf_header(target, vi), "reading log_buf");
  KernelLog log;
  log.layout = "log_buf";
  uint64_t excluded = 0, idx = lb.first, steps = 0, wraps = 0;
  LogBufWalk walk(target, L, lb, excluded);
  const uint64_t max_steps = lb.len / 4 + 1;
  while (idx != lb.next) {
    if (++steps > max_steps || wraps > 1) {
      log.notes.push_back("log_buf records do not lead from log_first_idx to log_next_idx: stopped");
      break;
    }
    auto next = walk.step(idx, log);
    if (!next) {
      if (log.records.empty() && next.error().code() != Errc::corrupt) return std::move(next.error());
      log.notes.push_back(next.error().code() == Errc::corrupt ? next.error().message() + ": stopped"
                                                               : fmt::format("stopped after {} record(s): {}", log.records.size(), next.error().describe()));
      break;
    }
    if (*next == 0) ++wraps;
    idx = *next;
  }
  if (excluded) log.notes.insert(log.notes.begin(), fmt::format("{} zero page(s) of log_buf were filtered out of the dump: read as zeros", excluded));
  return log;
}

}  // namespace pfnscan::printk
