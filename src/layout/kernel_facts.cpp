#include "layout/kernel_facts.hpp"

#include <bit>
#include <fmt/format.h>

namespace pfnscan::facts {

bool builtin_covers(const KernelVersion& v) { return v.at_least(5, 3) && !v.at_least(6, 13); }

Answer<bool> has_subsections(const KernelVersion& v) {
  // ba72b4c8cf60 "mm/sparsemem: support sub-section hotplug" (v5.3).
  return {v.at_least(5, 3), "subsections since ba72b4c8cf60 (v5.3)"};
}

Answer<SectionFlagBits> section_flag_bits(const KernelVersion& v) {
  SectionFlagBits b;
  b.present = 0;
  b.has_mem_map = 1;
  if (!v.at_least(4, 13)) {
    b.map_last_bit = 2;
    return {b, "PRESENT, HAS_MEM_MAP only (before 2d070eab2e82, v4.13)"};
  }
  // 2d070eab2e82 "mm: consider zone which is not fully populated to have holes" (v4.13).
  b.online = 2;
  if (!v.at_least(5, 3)) {
    b.map_last_bit = 3;
    return {b, "SECTION_IS_ONLINE since 2d070eab2e82 (v4.13); LAST_BIT 1<<3"};
  }
  // 326e1b8f83a4 "mm/sparsemem: introduce a SECTION_IS_EARLY flag" (v5.3).
  b.early = 3;
  if (!v.at_least(5, 12)) {
    b.map_last_bit = 4;
    return {b, "SECTION_IS_EARLY since 326e1b8f83a4 (v5.3); LAST_BIT 1<<4 until v5.12"};
  }
  // 1f90a3477df3 "mm: teach pfn_to_online_page() about ZONE_DEVICE section collisions" (v5.12).
  b.taint_zone_device = 4;
  b.map_last_bit = 5;
  if (!v.at_least(6, 0)) return {b, "SECTION_TAINT_ZONE_DEVICE since 1f90a3477df3 (v5.12); LAST_BIT 1<<5"};
  // ed7802dd48f7 "mm: memory_hotplug: enumerate all supported section flags" (v6.0): the taint
  // bit exists only with CONFIG_ZONE_DEVICE; without type information we assume the distro
  // config (=y). The resolver reads the enum from DWARF/BTF whenever it can.
  return {b, "6.0+ section flag enum (ed7802dd48f7) assuming CONFIG_ZONE_DEVICE=y", false};
}

Answer<uint64_t> subsection_map_offset(const KernelVersion& v) {
  // 5ec8e8ea8b77 "mm/sparsemem: fix race in accessing memory_section->usage" (v6.8) put an
  // rcu_head first; stable backports: 6.7.y, 6.6.15, 6.1.76, 5.15.148 (unverified), 5.10.210.
  // 5.4.y never got it.
  struct Backport {
    int major, minor, sublevel;
    bool verified;
  };
  static constexpr Backport backports[] = {{6, 7, 3, false}, {6, 6, 15, true}, {6, 1, 76, true},
                                           {5, 15, 148, false}, {5, 10, 210, true}};
  const std::string rule = "mem_section_usage.rcu (16 bytes) before subsection_map since 5ec8e8ea8b77 (v6.8)";
  if (v.at_least(6, 8)) return {16, rule};
  for (const auto& b : backports) {
    if (!v.series(b.major, b.minor)) continue;
    std::string where = fmt::format("{}; stable backport in {}.{}.{}{}", rule, b.major, b.minor, b.sublevel,
                                    b.verified ? "" : " (release unverified)");
    if (!v.sublevel_known)
      return {0, where + "; this kernel's stable sublevel is unknown, so the offset is not certain", false};
    return {v.sublevel >= b.sublevel ? uint64_t{16} : uint64_t{0}, where, b.verified};
  }
  return {0, "subsection_map first in mem_section_usage (f1eca35a0dc7, v5.3; no rcu_head backport in this series)"};
}

Answer<bool> fixed_pfn_to_online_page(const KernelVersion& v) {
  // 9f605f260594 / 9f9b02e5b346 / 1f90a3477df3 (v5.12-rc1); never backported to 4.19.y, 5.4.y,
  // 5.10.y; 5.11.y unknown (assumed not).
  bool fixed = v.at_least(5, 12);
  return {fixed,
          fixed ? "pfn_to_online_page() checks subsections and ZONE_DEVICE since 1f90a3477df3 (v5.12)"
                : "pre-5.12 pfn_to_online_page() (never backported to 4.19.y/5.4.y/5.10.y)",
          true};
}

Answer<bool> memmap_direct_map_quirk(const KernelVersion& v) {
  // Between ba72b4c8cf60 (v5.3) and Wei Yang's "mm/sparsemem: get address to page struct instead
  // of address to pfn" (v5.6), sparse_add_section() encoded pfn_to_kaddr() for a section first
  // created by a sub-section hot-add; 5.4.y keeps the bug (5.4.286 checked).
  bool quirk = v.at_least(5, 3) && !v.at_least(5, 6);
  return {quirk, quirk ? "5.3-5.5 and 5.4.y encode a direct-map address for sections created by a sub-section hot-add"
                       : "memmap encoding is pfn_to_page() based"};
}

Answer<uint64_t> mem_section_usage_offset() {
  // f1eca35a0dc7 "mm/sparsemem: introduce struct mem_section_usage" (v5.3): usage replaced
  // pageblock_flags as the second word.
  return {8, "mem_section.usage is the second word since f1eca35a0dc7 (v5.3)"};
}

Answer<uint64_t> page_pgmap_offset() {
  return {8, "struct page ZONE_DEVICE union: pgmap is the word after flags (4.19 .. 6.12)"};
}

Answer<ZoneEnum> distro_zone_enum() {
  return {{5, 4},
          "enum zone_type of x86_64 distro configs (Debian, Ubuntu, RHEL, SUSE): DMA, DMA32, NORMAL, MOVABLE, DEVICE",
          false};
}

std::initializer_list<ZoneEnum> zone_enum_candidates() {
  static constexpr std::initializer_list<ZoneEnum> c = {{5, 4}, {4, -1}, {6, 5}};
  return c;
}

PageFlagLayout page_flag_layout(unsigned nodes_shift, ZoneEnum zones) {
  PageFlagLayout l;
  l.max_nr_zones = zones.max_nr_zones;
  l.zone_device = zones.zone_device;
  l.zones_width = zones.max_nr_zones <= 1 ? 0 : static_cast<unsigned>(std::bit_width(static_cast<unsigned>(zones.max_nr_zones - 1)));
  l.nodes_width = nodes_shift;
  l.nodes_pgshift = nodes_shift ? 64 - nodes_shift : 0;
  l.zones_pgshift = 64 - nodes_shift - l.zones_width;
  for (int z = 0; z < zones.max_nr_zones; ++z) l.zone_names.push_back(zone_name(z, zones.zone_device, zones.max_nr_zones));
  return l;
}

std::string describe_zones_pgshift(const PageFlagLayout& l) {
  return fmt::format("64 - NODES_SHIFT {} - ZONES_SHIFT {} (SPARSEMEM_VMEMMAP: no section field)", l.nodes_width, l.zones_width);
}

bool is_kernel_address(uint64_t address) { return address >= 0xff00000000000000ULL; }

std::initializer_list<uint64_t> uts_name_offset_candidates() {
  // 0 in 6.x (no kref), 4 in 5.x (struct kref first).
  static constexpr std::initializer_list<uint64_t> c = {0, 4, 8};
  return c;
}

std::string zone_name(int index, int zone_device, int max_nr_zones) {
  if (index == zone_device) return "Device";
  if (index >= max_nr_zones) return fmt::format("invalid({})", index);
  // x86_64: DMA, DMA32, NORMAL, MOVABLE, then DEVICE; configs without ZONE_DMA shift the rest.
  static const char* const names5[] = {"DMA", "DMA32", "Normal", "Movable", "Device"};
  int real = zone_device >= 0 ? max_nr_zones - 1 : max_nr_zones;  // zones before DEVICE
  int skip = 4 - real;                                             // missing leading DMA zones
  if (skip < 0) skip = 0;
  int i = index + skip;
  return i >= 0 && i < 4 ? names5[i] : fmt::format("zone{}", index);
}

Answer<std::optional<uint64_t>> no_dump_vmemmap_base(std::string_view arch) {
  if (arch == "x86_64" || arch.empty())
    // Documentation/x86/x86_64/mm.rst: VMEMMAP_START 0xffffea0000000000 with 4-level paging;
    // CONFIG_RANDOMIZE_MEMORY (v4.8/v4.9, facts §11) moves vmemmap_base at boot when KASLR is on.
    return {uint64_t{0xffffea0000000000}, "x86_64 4-level VMEMMAP_START; KASLR (CONFIG_RANDOMIZE_MEMORY) may move it", false};
  if (arch == "arm64")
    // arch/arm64/include/asm/memory.h: vmemmap = VMEMMAP_START - (memstart_addr >> PAGE_SHIFT);
    // VMEMMAP_START follows VA_BITS and the page size, memstart_addr is the RAM base.
    return {std::nullopt, "arm64: VMEMMAP_START depends on VA_BITS and the page size (4K/16K/64K) and struct pages are "
                          "offset by PHYS_OFFSET; the dump's NUMBER(VMEMMAP_START) and NUMBER(PHYS_OFFSET) decide", false};
  if (arch == "powerpc")
    return {std::nullopt, "powerpc book3s64: the vmemmap sits at 0xc00c000000000000 (radix) or 0xf000000000000000 (hash), "
                          "with 64K pages on most distros; the dump decides", false};
  if (arch == "s390")
    return {std::nullopt, "s390: the vmemmap is placed at boot after the identity map and follows the memory size; "
                          "the dump decides", false};
  return {std::nullopt, "unknown architecture: the vmemmap base needs the dump", false};
}

Answer<PageFlagLayout> distro_page_flag_layout() {
  // facts §6.1: with SPARSEMEM_VMEMMAP no section bits; NODES_SHIFT 10 (Debian/Ubuntu/RHEL x86_64)
  // puts the node in bits 54-63, and five zones (ZONES_SHIFT 3) in bits 51-53; ZONE_DEVICE is 4.
  PageFlagLayout l;
  const ZoneEnum zones = distro_zone_enum().value;
  l.nodes_width = 10;
  l.nodes_pgshift = 64 - l.nodes_width;
  l.zones_width = 3;
  l.zones_pgshift = l.nodes_pgshift - l.zones_width;
  l.max_nr_zones = zones.max_nr_zones;
  l.zone_device = zones.zone_device;
  for (int z = 0; z < zones.max_nr_zones; ++z) l.zone_names.push_back(zone_name(z, zones.zone_device, zones.max_nr_zones));
  return {l, "distro x86_64 page->flags: NODES_SHIFT 10, 5 zones, SPARSEMEM_VMEMMAP: zone in bits 51-53, ZONE_DEVICE = 4", false};
}

}  // namespace pfnscan::facts
