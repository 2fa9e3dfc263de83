// VMCOREINFO text from a dump: KEY=value lines, every typed accessor.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "target/vmcoreinfo.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pfnscan;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  VmcoreInfo vi = VmcoreInfo::parse(text);
  for (const auto& [key, value] : vi.entries()) {
    (void)vi.get(key);
    (void)parse_u64(value, 0);
    (void)parse_i64(value);
  }
  for (const char* name : {"mem_section", "init_top_pgt", "_stext", "prb", "log_buf"}) (void)vi.symbol(name);
  for (const char* name : {"mem_section", "page", "printk_info"}) {
    (void)vi.size(name);
    (void)vi.length(name);
  }
  (void)vi.offset("page.flags");
  (void)vi.number("phys_base");
  (void)vi.number("SECTION_SIZE_BITS");
  (void)vi.hex("KERNELOFFSET");
  (void)vi.string("OSRELEASE");
  return 0;
}
