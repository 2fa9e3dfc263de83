// The kernel-log reader over a target whose memory and VMCOREINFO are the input (memory_target.hpp):
// the printk ringbuffer (SYMBOL(prb)) or log_buf (SYMBOL(log_buf)), then what scan does with the
// log: render it, split it into lines, parse oopses.
#include <cstddef>
#include <cstdint>

#include "log/kernel_log.hpp"
#include "log/oops.hpp"
#include "memory_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [vmcoreinfo, memory] = fuzz::split_input(data, size);
  fuzz::MemoryTarget target(vmcoreinfo, memory);
  auto log = pfnscan::read_kernel_log(target);
  if (!log) return 0;
  (void)pfnscan::render_log(*log, {true, true, true});
  (void)pfnscan::render_log(*log, {});
  (void)pfnscan::parse_oopses(pfnscan::lines_from_log(*log));
  return 0;
}
