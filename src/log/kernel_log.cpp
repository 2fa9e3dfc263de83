// Two layouts, one per era (facts §9):
//  - Since commit 896fbe20b4e2 (v5.10) the lockless printk ringbuffer: descriptors, infos and a
//    text data ring, walked from tail_id to head_id like crash's dump_lockless_record_log().
//  - Before: variable-length struct printk_log records in log_buf from log_first_idx to
//    log_next_idx; a record of length 0 means "wrap to the start".
#include "log/kernel_log.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fmt/format.h>

namespace pfnscan {
namespace {

// log_buf_len tops out at 1 << 25 (LOG_BUF_LEN_MAX) and the ring has one descriptor per
// 2^PRB_AVGBITS (32) bytes of text: 2^20 descriptors at most.
constexpr uint64_t kMaxDescCountBits = 20;
constexpr uint64_t kMaxTextSizeBits = 25;
constexpr uint64_t kMaxLogBufLen = uint64_t{1} << 26;
constexpr uint64_t kMaxStructSize = 4096;

template <typename T>
T load(const std::vector<std::byte>& buf, uint64_t offset) {
  T v{};
  if (offset + sizeof(T) <= buf.size()) std::memcpy(&v, buf.data() + offset, sizeof(T));
  return v;
}

struct Offsets {
  const VmcoreInfo& vi;
  std::vector<std::string> missing;
  uint64_t get(std::string_view what, bool is_size = false) {
    auto r = is_size ? vi.size(what) : vi.offset(what);
    if (!r) {
      missing.emplace_back(is_size ? fmt::format("SIZE({})", what) : fmt::format("OFFSET({})", what));
      return 0;
    }
    return *r;
  }
};

Result<KernelLog> read_ringbuffer(Target& target, const VmcoreInfo& vi) {
  const auto kv = AddressSpace::kernel_virtual;
  Offsets o{vi, {}};
  const uint64_t rb_size = o.get("printk_ringbuffer", true);
  const uint64_t off_desc_ring = o.get("printk_ringbuffer.desc_ring");
  const uint64_t off_text_ring = o.get("printk_ringbuffer.text_data_ring");
  const uint64_t off_count_bits = o.get("prb_desc_ring.count_bits");
  const uint64_t off_descs = o.get("prb_desc_ring.descs");
  const uint64_t off_infos = o.get("prb_desc_ring.infos");
  const uint64_t off_head = o.get("prb_desc_ring.head_id");
  const uint64_t off_tail = o.get("prb_desc_ring.tail_id");
  const uint64_t desc_size = o.get("prb_desc", true);
  const uint64_t off_state = o.get("prb_desc.state_var");
  const uint64_t off_lpos = o.get("prb_desc.text_blk_lpos");
  const uint64_t off_begin = o.get("prb_data_blk_lpos.begin");
  const uint64_t off_next = o.get("prb_data_blk_lpos.next");
  const uint64_t info_size = o.get("printk_info", true);
  const uint64_t off_seq = o.get("printk_info.seq");
  const uint64_t off_ts = o.get("printk_info.ts_nsec");
  const uint64_t off_text_len = o.get("printk_info.text_len");
  const uint64_t off_size_bits = o.get("prb_data_ring.size_bits");
  const uint64_t off_data = o.get("prb_data_ring.data");
  if (!o.missing.empty())
    return Error(Errc::missing, "VMCOREINFO lacks " + o.missing.front() + " needed for the printk ringbuffer");
  // printk_info { u64 seq; u64 ts_nsec; u16 text_len; u8 facility; u8 flags:5, level:3; u32 caller_id; }:
  // VMCOREINFO names neither facility nor level; they follow text_len.
  const uint64_t off_facility = off_text_len + 2, off_flags = off_text_len + 3;
  std::optional<uint64_t> off_caller;
  if (auto c = vi.offset("printk_info.caller_id")) off_caller = *c;
  if (rb_size == 0 || rb_size > kMaxStructSize || desc_size < 24 || desc_size > kMaxStructSize || info_size < 24 ||
      info_size > kMaxStructSize)
    return Error(Errc::corrupt, fmt::format("implausible printk struct sizes in VMCOREINFO (ringbuffer {}, prb_desc {}, printk_info {})",
                                            rb_size, desc_size, info_size));

  PFNSCAN_TRY_CTX(prb_var, vi.symbol("prb"), "locating the printk ringbuffer");
  PFNSCAN_TRY_CTX(prb, target.read_u64(kv, prb_var), fmt::format("reading the prb pointer at {:#x}", prb_var));
  PFNSCAN_TRY_CTX(rb, target.read_bytes(kv, prb, rb_size), fmt::format("reading struct printk_ringbuffer at {:#x}", prb));
  const uint64_t count_bits = load<uint32_t>(rb, off_desc_ring + off_count_bits);
  const uint64_t size_bits = load<uint32_t>(rb, off_text_ring + off_size_bits);
  if (count_bits > kMaxDescCountBits || size_bits > kMaxTextSizeBits || size_bits < 3)
    return Error(Errc::corrupt, fmt::format("printk ringbuffer at {:#x}: implausible count_bits {} / size_bits {}", prb,
                                            count_bits, size_bits));
  const uint64_t count = uint64_t{1} << count_bits, text_size = uint64_t{1} << size_bits;
  const uint64_t descs_va = load<uint64_t>(rb, off_desc_ring + off_descs);
  const uint64_t infos_va = load<uint64_t>(rb, off_desc_ring + off_infos);
  const uint64_t data_va = load<uint64_t>(rb, off_text_ring + off_data);
  const uint64_t head_id = load<uint64_t>(rb, off_desc_ring + off_head);
  const uint64_t tail_id = load<uint64_t>(rb, off_desc_ring + off_tail);
  // The three arrays are held at once (up to 144 MiB for the largest ring the kernel allows).
  uint64_t excluded = 0;
  std::vector<std::byte> descs(count * desc_size), infos(count * info_size), data(text_size);
  if (auto st = target.read_kernel_data(descs_va, descs, excluded); !st)
    return std::move(st.error()).with_context(fmt::format("reading {} printk descriptors at {:#x}", count, descs_va));
  if (auto st = target.read_kernel_data(infos_va, infos, excluded); !st)
    return std::move(st.error()).with_context(fmt::format("reading {} printk_info records at {:#x}", count, infos_va));
  if (auto st = target.read_kernel_data(data_va, data, excluded); !st)
    return std::move(st.error()).with_context(fmt::format("reading the {}-byte printk text ring at {:#x}", text_size, data_va));

  KernelLog log;
  log.layout = "printk_ringbuffer";
  if (excluded) log.notes.push_back(fmt::format("{} zero page(s) of the ring were filtered out of the dump: read as zeros", excluded));
  // state_var: 2 state bits on top (DESC_FLAGS_SHIFT = BITS_PER_LONG - 2), the id below.
  constexpr uint64_t kIdMask = ~(uint64_t{3} << 62);
  uint64_t skipped = 0;
  auto dump_record = [&](uint64_t id) {
    const uint64_t slot = id % count;
    const uint64_t d = slot * desc_size, in = slot * info_size;
    const uint64_t state_var = load<uint64_t>(descs, d + off_state);
    const uint64_t state = state_var >> 62;
    if ((state_var & kIdMask) != id || (state != 1 && state != 2)) {  // committed or finalized only
      ++skipped;
      return;
    }
    LogRecord r;
    r.seq = load<uint64_t>(infos, in + off_seq);
    r.ts_nsec = load<uint64_t>(infos, in + off_ts);
    r.facility = load<uint8_t>(infos, in + off_facility);
    r.level = load<uint8_t>(infos, in + off_flags) >> 5;
    if (off_caller) r.caller_id = load<uint32_t>(infos, in + *off_caller);
    uint64_t text_len = load<uint16_t>(infos, in + off_text_len);
    uint64_t begin = load<uint64_t>(descs, d + off_lpos + off_begin) % text_size;
    const uint64_t next = load<uint64_t>(descs, d + off_lpos + off_next) % text_size;
    r.dataless = begin == next;
    if (!r.dataless) {
      if (begin > next) begin = 0;  // the block wrapped: its text starts at the beginning of the ring
      begin += 8;                   // skip the block's id
      if (begin <= next) {
        text_len = std::min(text_len, next - begin);
        r.text.assign(reinterpret_cast<const char*>(data.data()) + begin, text_len);
      }
    }
    log.records.push_back(std::move(r));
  };
  uint64_t id = tail_id & kIdMask;
  uint64_t steps = 0;
  for (; id != (head_id & kIdMask) && steps <= count; id = (id + 1) & kIdMask, ++steps) dump_record(id);
  if (steps > count) {
    log.notes.push_back(fmt::format("tail_id {:#x} and head_id {:#x} are more than {} records apart: read the last {} only",
                                    tail_id, head_id, count, count));
  } else {
    dump_record(id);
  }
  if (skipped)
    log.notes.push_back(fmt::format("{} descriptor(s) between tail and head not committed (still being written, or reused): "
                                    "skipped, as crash and makedumpfile do",
                                    skipped));
  return log;
}

Result<KernelLog> read_log_buf(Target& target, const VmcoreInfo& vi) {
  const auto kv = AddressSpace::kernel_virtual;
  Offsets o{vi, {}};
  const uint64_t hdr_size = o.get("printk_log", true);
  const uint64_t off_ts = o.get("printk_log.ts_nsec");
  const uint64_t off_len = o.get("printk_log.len");
  const uint64_t off_text_len = o.get("printk_log.text_len");
  const uint64_t off_dict_len = o.get("printk_log.dict_len");
  if (!o.missing.empty()) return Error(Errc::missing, "VMCOREINFO lacks " + o.missing.front() + " needed for log_buf");
  // struct printk_log { u64 ts_nsec; u16 len, text_len, dict_len; u8 facility; u8 flags:5, level:3; ... }
  const uint64_t off_facility = off_dict_len + 2, off_flags = off_dict_len + 3;
  std::optional<uint64_t> off_caller;
  if (auto c = vi.offset("printk_log.caller_id")) off_caller = *c;  // v5.1+ with CONFIG_PRINTK_CALLER
  if (hdr_size < 16 || hdr_size > 64) return Error(Errc::corrupt, fmt::format("implausible SIZE(printk_log) {}", hdr_size));
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
    return Error(Errc::corrupt, fmt::format("log_buf: implausible log_buf_len {} / log_first_idx {} / log_next_idx {}", buf_len,
                                            first_idx, next_idx));
  uint64_t excluded = 0;
  PFNSCAN_TRY_CTX(buf, target.read_kernel_bytes(buf_va, buf_len, excluded), fmt::format("reading the {}-byte log_buf at {:#x}", buf_len, buf_va));

  KernelLog log;
  log.layout = "log_buf";
  if (excluded) log.notes.push_back(fmt::format("{} zero page(s) of log_buf were filtered out of the dump: read as zeros", excluded));
  constexpr uint8_t kLogNewline = 2, kLogCont = 8;  // enum log_flags, kernel/printk/printk.c
  bool previous_ended_line = true;
  uint64_t idx = first_idx;
  uint64_t steps = 0, wraps = 0;
  const uint64_t max_steps = buf_len / 4 + 1;
  while (idx != next_idx) {
    if (++steps > max_steps || wraps > 1) {
      log.notes.push_back("log_buf records do not lead from log_first_idx to log_next_idx: stopped");
      break;
    }
    if (idx + hdr_size > buf_len) {
      log.notes.push_back(fmt::format("log_buf record header at index {} runs past the buffer: stopped", idx));
      break;
    }
    const uint16_t len = load<uint16_t>(buf, idx + off_len);
    if (len == 0) {  // "wrap to the start of the buffer"
      idx = 0;
      ++wraps;
      continue;
    }
    if (len < hdr_size || idx + len > buf_len) {
      log.notes.push_back(fmt::format("log_buf record at index {} has impossible length {}: stopped", idx, len));
      break;
    }
    LogRecord r;
    r.seq = log.records.size();
    r.ts_nsec = load<uint64_t>(buf, idx + off_ts);
    r.facility = load<uint8_t>(buf, idx + off_facility);
    const uint8_t flags = load<uint8_t>(buf, idx + off_flags);
    r.level = flags >> 5;
    if (off_caller) r.caller_id = load<uint32_t>(buf, idx + *off_caller);
    const uint64_t text_len = std::min<uint64_t>(load<uint16_t>(buf, idx + off_text_len), len - hdr_size);
    r.text.assign(reinterpret_cast<const char*>(buf.data()) + idx + hdr_size, text_len);
    // A fragment of a continued line that the kernel's cont buffer could not merge (another CPU
    // printed in between) is stored as its own record with LOG_CONT; join it as the kernel would.
    const bool same_caller = log.records.empty() || !r.caller_id || log.records.back().caller_id == r.caller_id;
    if ((flags & kLogCont) && !previous_ended_line && !log.records.empty() && same_caller)
      log.records.back().text += r.text;
    else
      log.records.push_back(std::move(r));
    previous_ended_line = flags & kLogNewline;
    idx += len;
  }
  return log;
}

}  // namespace

Result<KernelLog> read_kernel_log(Target& target) {
  const VmcoreInfo& vi = target.vmcoreinfo();
  if (vi.has("SYMBOL(prb)")) return read_ringbuffer(target, vi);
  if (vi.has("SYMBOL(log_buf)")) return read_log_buf(target, vi);
  return Error(Errc::missing, "VMCOREINFO names neither prb (v5.10+) nor log_buf: the dump carries no readable kernel log");
}

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
