// Since commit 896fbe20b4e2 (v5.10) the lockless printk ringbuffer (facts §9.1): descriptors,
// infos and a text data ring, walked from tail_id to head_id like crash's
// dump_lockless_record_log(). The three arrays are read a window at a time: a ring of 2^20
// descriptors (log_buf_len=32M) is walked without holding its 144 MiB, and only the slots the
// walk visits are read, so a count_bits the dump cannot back costs nothing.
#include <algorithm>
#include <fmt/format.h>

#include "log/printk_readers.hpp"

namespace pfnscan::printk {

namespace {

// log_buf_len tops out at 1 << 25 (LOG_BUF_LEN_MAX) and the ring has one descriptor per
// 2^PRB_AVGBITS (32) bytes of text: 2^20 descriptors at most.
constexpr uint64_t kMaxDescCountBits = 20;
constexpr uint64_t kMaxTextSizeBits = 25;
constexpr uint64_t kMaxStructSize = 4096;
constexpr uint64_t kDescWindow = 256 << 10;
constexpr uint64_t kTextWindow = 1 << 20;
// state_var: 2 state bits on top (DESC_FLAGS_SHIFT = BITS_PER_LONG - 2), the id below.
constexpr uint64_t kIdMask = ~(uint64_t{3} << 62);

struct RingLayout {
  StructLayout rb, desc_ring, data_ring, desc, lpos, info;
};

// A nested structure: its own SIZE() when VMCOREINFO has one, else what is left of the outer one;
// either way it must fit where the outer structure puts it.
Result<uint64_t> nested_size(const VmcoreInfo& vi, std::string_view name, const StructLayout& outer, std::string_view member, uint64_t fallback) {
  const uint64_t at = outer.offset(member);
  const uint64_t size = vi.size(name).value_or(fallback ? fallback : outer.size() - at);
  if (size == 0 || !fits(at, size, outer.size()))
    return Error(Errc::corrupt, fmt::format("VMCOREINFO: struct {} ({} bytes) does not fit at offset {} of a {}-byte structure", name, size, at,
                                            outer.size()));
  return size;
}

Result<RingLayout> ring_layout(const VmcoreInfo& vi) {
  PFNSCAN_TRY_CTX(rb_size, struct_size(vi, "printk_ringbuffer", kMaxStructSize), "the ringbuffer");
  PFNSCAN_TRY_CTX(rb, StructLayout::describe(vi, "printk_ringbuffer", rb_size, {{"desc_ring", 1}, {"text_data_ring", 1}}), "the ringbuffer");
  PFNSCAN_TRY_CTX(dr_size, nested_size(vi, "prb_desc_ring", rb, "desc_ring", 0), "the descriptor ring");
  PFNSCAN_TRY_CTX(desc_ring, StructLayout::describe(vi, "prb_desc_ring", dr_size,
                                                    {{"count_bits", 4}, {"descs", 8}, {"infos", 8}, {"head_id", 8}, {"tail_id", 8}}),
                  "the descriptor ring");
  PFNSCAN_TRY_CTX(tr_size, nested_size(vi, "prb_data_ring", rb, "text_data_ring", 0), "the text ring");
  PFNSCAN_TRY_CTX(data_ring, StructLayout::describe(vi, "prb_data_ring", tr_size, {{"size_bits", 4}, {"data", 8}}), "the text ring");
  PFNSCAN_TRY_CTX(desc_size, struct_size(vi, "prb_desc", kMaxStructSize), "a descriptor");
  const uint64_t lpos_size = vi.size("prb_data_blk_lpos").value_or(16);
  if (lpos_size < 16 || lpos_size > desc_size)
    return Error(Errc::corrupt, fmt::format("VMCOREINFO SIZE(prb_data_blk_lpos) = {} is implausible", lpos_size));
  PFNSCAN_TRY_CTX(desc, StructLayout::describe(vi, "prb_desc", desc_size, {{"state_var", 8}, {"text_blk_lpos", lpos_size}}), "a descriptor");
  PFNSCAN_TRY_CTX(lpos, StructLayout::describe(vi, "prb_data_blk_lpos", lpos_size, {{"begin", 8}, {"next", 8}}), "a descriptor");
  PFNSCAN_TRY_CTX(info_size, struct_size(vi, "printk_info", kMaxStructSize), "a record's info");
  // printk_info { u64 seq; u64 ts_nsec; u16 text_len; u8 facility; u8 flags:5, level:3; u32 caller_id; }:
  // VMCOREINFO names neither facility nor level; they follow text_len, so 4 bytes are read there.
  PFNSCAN_TRY_CTX(info, StructLayout::describe(vi, "printk_info", info_size, {{"seq", 8}, {"ts_nsec", 8}, {"text_len", 4}, {"caller_id", 4, true}}),
                  "a record's info");
  return RingLayout{rb, desc_ring, data_ring, desc, lpos, info};
}

struct Ring {
  uint64_t count = 0, text_size = 0;
  uint64_t descs_va = 0, infos_va = 0, data_va = 0, head_id = 0, tail_id = 0;
};

Result<Ring> ring_header(Target& target, const VmcoreInfo& vi, const RingLayout& L) {
  const auto kv = AddressSpace::kernel_virtual;
  PFNSCAN_TRY_CTX(prb_var, vi.symbol("prb"), "locating the printk ringbuffer");
  PFNSCAN_TRY_CTX(prb, target.read_u64(kv, prb_var), fmt::format("reading the prb pointer at {:#x}", prb_var));
  PFNSCAN_TRY_CTX(rb, target.read_bytes(kv, prb, L.rb.size()), fmt::format("reading struct printk_ringbuffer at {:#x}", prb));
  const uint64_t dr = L.rb.offset("desc_ring"), tr = L.rb.offset("text_data_ring");
  const uint64_t count_bits = field<uint32_t>(rb, dr + L.desc_ring.offset("count_bits"));
  const uint64_t size_bits = field<uint32_t>(rb, tr + L.data_ring.offset("size_bits"));
  if (count_bits > kMaxDescCountBits || size_bits > kMaxTextSizeBits || size_bits < 3)
    return Error(Errc::corrupt, fmt::format("printk ringbuffer at {:#x}: implausible count_bits {} / size_bits {}", prb, count_bits, size_bits));
  Ring ring;
  ring.count = uint64_t{1} << count_bits;
  ring.text_size = uint64_t{1} << size_bits;
  ring.descs_va = field<uint64_t>(rb, dr + L.desc_ring.offset("descs"));
  ring.infos_va = field<uint64_t>(rb, dr + L.desc_ring.offset("infos"));
  ring.data_va = field<uint64_t>(rb, tr + L.data_ring.offset("data"));
  ring.head_id = field<uint64_t>(rb, dr + L.desc_ring.offset("head_id")) & kIdMask;
  ring.tail_id = field<uint64_t>(rb, dr + L.desc_ring.offset("tail_id")) & kIdMask;
  return ring;
}

class RingWalk {
 public:
  RingWalk(Target& target, const RingLayout& layout, const Ring& ring, uint64_t& excluded)
      : L_(layout), ring_(ring), descs_(target, ring.descs_va, ring.count * layout.desc.size(), kDescWindow, excluded),
        infos_(target, ring.infos_va, ring.count * layout.info.size(), kDescWindow, excluded),
        text_(target, ring.data_va, ring.text_size, kTextWindow, excluded) {}

  // One record by descriptor id: appended when committed or finalized, counted as skipped else.
  Status record(uint64_t id, KernelLog& log, uint64_t& skipped) {
    const uint64_t slot = id % ring_.count;
    PFNSCAN_TRY_CTX(d, descs_.bytes(slot * L_.desc.size(), L_.desc.size()), fmt::format("reading printk descriptor {} (id {:#x})", slot, id));
    const uint64_t state_var = field<uint64_t>(d, L_.desc.offset("state_var"));
    const uint64_t state = state_var >> 62;
    if ((state_var & kIdMask) != id || (state != 1 && state != 2)) {  // committed or finalized only
      ++skipped;
      return ok_status();
    }
    const uint64_t lpos = L_.desc.offset("text_blk_lpos");
    uint64_t begin = field<uint64_t>(d, lpos + L_.lpos.offset("begin")) % ring_.text_size;
    const uint64_t next = field<uint64_t>(d, lpos + L_.lpos.offset("next")) % ring_.text_size;
    PFNSCAN_TRY_CTX(in, infos_.bytes(slot * L_.info.size(), L_.info.size()), fmt::format("reading printk_info {} (id {:#x})", slot, id));
    LogRecord r;
    const uint64_t text_len_at = L_.info.offset("text_len");
    r.seq = field<uint64_t>(in, L_.info.offset("seq"));
    r.ts_nsec = field<uint64_t>(in, L_.info.offset("ts_nsec"));
    r.facility = field<uint8_t>(in, text_len_at + 2);
    r.level = field<uint8_t>(in, text_len_at + 3) >> 5;
    if (L_.info.has("caller_id")) r.caller_id = field<uint32_t>(in, L_.info.offset("caller_id"));
    r.dataless = begin == next;
    if (!r.dataless) {
      if (begin > next) begin = 0;  // the block wrapped: its text starts at the beginning of the ring
      begin += 8;                   // skip the block's id
      if (begin <= next) {
        const uint64_t len = std::min<uint64_t>(field<uint16_t>(in, text_len_at), next - begin);
        PFNSCAN_TRY_CTX(text, text_.bytes(begin, len), fmt::format("reading the text of printk record {:#x}", id));
        r.text.assign(reinterpret_cast<const char*>(text.data()), text.size());
      }
    }
    log.records.push_back(std::move(r));
    return ok_status();
  }

 private:
  const RingLayout& L_;
  const Ring& ring_;
  MemoryWindow descs_, infos_, text_;
};

}  // namespace

Result<KernelLog> read_ringbuffer(Target& target, const VmcoreInfo& vi) {
  PFNSCAN_TRY_CTX(layout, ring_layout(vi), "reading the printk ringbuffer's layout from VMCOREINFO");
  PFNSCAN_TRY_CTX(ring, ring_header(target, vi, layout), "reading the printk ringbuffer");
  KernelLog log;
  log.layout = "printk_ringbuffer";
  uint64_t excluded = 0, skipped = 0;
  uint64_t tail = ring.tail_id;
  const uint64_t span = (ring.head_id - tail) & kIdMask;  // records from tail to head, minus one
  if (span >= ring.count) {
    log.notes.push_back(fmt::format("tail_id {:#x} and head_id {:#x} are more than {} records apart: read the last {} only", ring.tail_id,
                                    ring.head_id, ring.count, ring.count));
    tail = (ring.head_id - (ring.count - 1)) & kIdMask;
  }
  RingWalk walk(target, layout, ring, excluded);
  for (uint64_t id = tail, steps = 0; steps < ring.count; id = (id + 1) & kIdMask, ++steps) {
    if (auto st = walk.record(id, log, skipped); !st) {
      if (log.records.empty() && skipped == 0) return std::move(st.error()).with_context("reading the printk ringbuffer");
      log.notes.push_back(fmt::format("stopped after {} record(s): {}", log.records.size(), st.error().describe()));
      break;
    }
    if (id == ring.head_id) break;
  }
  if (excluded)
    log.notes.insert(log.notes.begin(), fmt::format("{} zero page(s) of the ring were filtered out of the dump: read as zeros", excluded));
  if (skipped)
    log.notes.push_back(fmt::format("{} descriptor(s) between tail and head not committed (still being written, or reused): "
                                    "skipped, as crash and makedumpfile do",
                                    skipped));
  return log;
}

}  // namespace pfnscan::printk
