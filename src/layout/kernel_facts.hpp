// Every kernel-version difference pfnscan knows, in one place. Each rule cites the commit and
// release it follows. The layout resolver asks these only when the dump's own type information
// (DWARF, BTF) cannot answer; answers carry whether they are certain.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/kernel_version.hpp"
#include "layout/kernel_layout.hpp"

namespace pfnscan::facts {

template <typename T>
struct Answer {
  T value;
  std::string why;       // the rule, with its commit
  bool certain = true;
};

// First and last series the built-in table covers without type information.
bool builtin_covers(const KernelVersion& v);

Answer<bool> has_subsections(const KernelVersion& v);
// SECTION_* bits of the macro era (before 6.0) and, for 6.0+, the enum as built with
// CONFIG_ZONE_DEVICE=y (uncertain: the config decides).
Answer<SectionFlagBits> section_flag_bits(const KernelVersion& v);
// Offset of subsection_map in struct mem_section_usage: 0, or 16 behind an rcu_head since
// 5ec8e8ea8b77 and its stable backports.
Answer<uint64_t> subsection_map_offset(const KernelVersion& v);
Answer<bool> fixed_pfn_to_online_page(const KernelVersion& v);
Answer<bool> memmap_direct_map_quirk(const KernelVersion& v);
// Offset of mem_section.usage (v5.3+) and of page.pgmap (all versions): stable on x86_64.
Answer<uint64_t> mem_section_usage_offset();
Answer<uint64_t> page_pgmap_offset();
// enum zone_type of the usual distro x86_64 config (DMA, DMA32, NORMAL, MOVABLE, DEVICE).
struct ZoneEnum {
  int max_nr_zones;
  int zone_device;
};
Answer<ZoneEnum> distro_zone_enum();
// The zone enums a distro-like x86_64 config can have, the distro one first: with and without
// ZONE_DEVICE, and with an extra zone. The zone probe tries them against boot RAM.
std::initializer_list<ZoneEnum> zone_enum_candidates();

// The page->flags fields (include/linux/page-flags-layout.h): with SPARSEMEM_VMEMMAP there is no
// section field, the node field is at the top and the zone field, order_base_2(MAX_NR_ZONES)
// bits wide, right under it.
PageFlagLayout page_flag_layout(unsigned nodes_shift, ZoneEnum zones);
std::string describe_zones_pgshift(const PageFlagLayout& layout);

// x86_64 kernel addresses: the upper half, from the direct map up (4- and 5-level paging).
bool is_kernel_address(uint64_t address);
// struct uts_namespace: where `name` sits when VMCOREINFO does not say (OFFSET(uts_namespace.name)
// appears in 6.x). The resolver verifies the choice against OSRELEASE.
std::initializer_list<uint64_t> uts_name_offset_candidates();

std::string zone_name(int index, int zone_device, int max_nr_zones);

constexpr uint64_t kPagePoisonPattern = ~uint64_t{0};  // PAGE_POISON_PATTERN, f165b378bbdf (v4.17)

// Log-side defaults, for judging oops text without a dump (`pfnscan explain`): what the kernel
// would use if nothing moved it. Never used when a dump is at hand.
// Where the vmemmap starts on an architecture when nothing randomised it; nullopt (with the
// reason) where the text alone cannot say.
Answer<std::optional<uint64_t>> no_dump_vmemmap_base(std::string_view arch);
// page->flags of the usual distro x86_64 config (NODES_SHIFT 10, five zones, SPARSEMEM_VMEMMAP).
Answer<PageFlagLayout> distro_page_flag_layout();

}  // namespace pfnscan::facts
