// KernelLayout: every offset, size and constant the walk needs, each recorded with where it
// came from. Resolved from type information, VMCOREINFO and the kernel facts (resolve.hpp), then
// settled against the dump itself (settle.hpp); from then on it is only read, and the walk never
// looks at versions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/kernel_version.hpp"
#include "base/provenance.hpp"

namespace pfnscan {

struct SectionFlagBits {
  int present = 0;
  int has_mem_map = 1;
  int online = -1;       // -1: the kernel has no such bit
  int early = -1;
  int taint_zone_device = -1;
  int map_last_bit = 2;  // bits below this are flags; the rest is the encoded memmap
  uint64_t mask() const { return ~((uint64_t{1} << map_last_bit) - 1); }
  static bool test(uint64_t raw, int bit) { return bit >= 0 && ((raw >> bit) & 1); }
};

struct PageFlagLayout {
  unsigned zones_pgshift = 0;
  unsigned zones_width = 0;
  unsigned nodes_pgshift = 0;
  unsigned nodes_width = 0;
  int max_nr_zones = 0;
  int zone_device = -1;                    // -1: CONFIG_ZONE_DEVICE is off
  std::vector<std::string> zone_names;     // index -> "DMA", "DMA32", ...
  unsigned zone_of(uint64_t flags) const {
    return zones_width ? static_cast<unsigned>((flags >> zones_pgshift) & ((uint64_t{1} << zones_width) - 1)) : 0;
  }
  unsigned node_of(uint64_t flags) const {
    return nodes_width ? static_cast<unsigned>((flags >> nodes_pgshift) & ((uint64_t{1} << nodes_width) - 1)) : 0;
  }
  std::string zone_name(unsigned zone) const {
    return zone < zone_names.size() ? zone_names[zone] : std::string("invalid");
  }
};

// A doubt the report must show: about one fact (settling that fact removes it), or free-standing.
struct Uncertainty {
  std::optional<FactId> fact;
  std::string text;
};

struct KernelLayout {
  std::string release;
  std::string uts_version;       // "" if it could not be read
  KernelVersion version;
  std::string arch = "x86_64";

  uint64_t page_size = 4096;
  unsigned page_shift = 12;
  unsigned section_size_bits = 27;
  unsigned max_physmem_bits = 46;
  unsigned subsection_shift = 21;          // SUBSECTION_SHIFT, every architecture
  uint64_t pages_per_section() const { return uint64_t{1} << (section_size_bits - page_shift); }
  uint64_t pages_per_subsection() const { return uint64_t{1} << (subsection_shift - page_shift); }
  unsigned subsections_per_section() const { return 1u << (section_size_bits - subsection_shift); }
  std::size_t subsection_map_words() const { return (subsections_per_section() + 63) / 64; }
  uint64_t nr_mem_sections() const { return uint64_t{1} << (max_physmem_bits - section_size_bits); }
  uint64_t max_pfn() const { return uint64_t{1} << (max_physmem_bits - page_shift); }
  uint64_t section_start_pfn(uint64_t nr) const { return nr << (section_size_bits - page_shift); }

  // mem_section root
  uint64_t mem_section_symbol = 0;   // SYMBOL(mem_section): root-pointer array (EXTREME) or the static array
  bool sparsemem_extreme = true;
  uint64_t nr_section_roots = 0;     // LENGTH(mem_section)
  uint64_t sections_per_root = 0;
  uint64_t mem_section_size = 0;     // sizeof(struct mem_section)
  uint64_t off_section_mem_map = 0;
  std::optional<uint64_t> off_usage;             // absent before v5.3
  std::optional<uint64_t> off_subsection_map;    // within mem_section_usage
  SectionFlagBits section_flags;

  // struct page
  uint64_t page_struct_size = 64;
  uint64_t off_page_flags = 0;
  std::optional<uint64_t> off_page_pgmap;
  PageFlagLayout page_flags;

  // Where the kernel put its maps (settled from the dump).
  std::optional<uint64_t> vmemmap_base;      // struct page of pfn = vmemmap_base + pfn * page_struct_size
  std::optional<uint64_t> direct_map_base;   // page_offset_base

  // Behaviour of the dumped kernel
  bool has_fixed_pfn_to_online_page = false;
  std::string fixed_function_evidence;
  bool memmap_direct_map_quirk = false;   // 5.3-5.5 and 5.4.y sparse_add_section() pfn_to_kaddr bug
  bool vmemmap = true;

  std::vector<FactRecord> provenance;
  std::vector<Uncertainty> uncertainties;  // what the report must say it could not be sure of, in order

  void record(FactId id, std::string value, Source source, std::string detail, bool certain = true);
  // A doubt that is not about one recorded fact (or a second one about it).
  void doubt(std::string text, std::optional<FactId> about = std::nullopt);
  const FactRecord* fact(FactId id) const;
  bool certain(FactId id) const;
  // What the dump showed replaces a guess: the fact takes the new value and source and becomes
  // certain, and its doubts go.
  void settle(FactId id, std::string value, Source source, std::string detail);
  std::vector<std::string> uncertainty_texts() const;
};

}  // namespace pfnscan
