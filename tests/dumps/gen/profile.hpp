// Kernel profiles for synthetic dumps: the struct layouts, flag bits and VMCOREINFO contents of
// one kernel family, as the real kernels lay them out (see ../shared/docs/kernel-facts.md).
#pragma once

#include <cstdint>
#include <string>

namespace dumpgen {

struct Profile {
  std::string name;               // "5.4", "5.10", "5.10-rcu", "5.15", "6.1", "6.1-nozd"
  // section_mem_map flag bits
  int bit_online = 2, bit_early = 3, bit_taint = -1, map_last_bit = 4;
  bool flags_enum = false;         // 6.0+: anonymous enum SECTION_*_BIT
  bool usage_rcu_head = false;     // mem_section_usage begins with struct rcu_head (16 bytes)
  bool memmap_quirk = false;       // 5.3-5.5, 5.4.y: pfn_to_kaddr encoding on sub-section add
  bool zone_device = true;         // CONFIG_ZONE_DEVICE
  bool fixed_function = false;     // out-of-line pfn_to_online_page (5.12+)
  bool kallsyms_in_vmcoreinfo = false;  // 6.0+
  bool vmcoreinfo_section_size_bits = true;  // 5.13, 5.12.13, 5.10.46
  bool vmcoreinfo_max_physmem_bits = true;   // 5.9
  uint64_t uts_name_offset = 4;    // 5.x: struct kref first; 6.x: 0
  bool printk_ringbuffer = true;   // 896fbe20b4e2 (v5.10): lockless ringbuffer; before: log_buf records
  bool latched_clear_seq = false;  // clear_seq is a struct latched_seq (6.1), a u64 in 5.10
  int max_nr_zones() const { return zone_device ? 5 : 4; }
  int zone_device_index() const { return zone_device ? 4 : -1; }
  unsigned zones_shift() const { return zone_device ? 3 : 2; }
  uint64_t usage_subsection_map_offset() const { return usage_rcu_head ? 16 : 0; }
  uint64_t usage_size() const { return usage_subsection_map_offset() + 8 + 32; }
};

// Returns false if the name is unknown.
bool profile_by_name(const std::string& name, Profile& out);

// C source with the kernel's struct definitions for this profile, to compile with -g into a
// small DWARF-bearing "vmlinux" (and to feed pahole for BTF).
std::string kernel_types_c(const Profile& p, int mem_section_size, bool sparsemem_extreme);

}  // namespace dumpgen
