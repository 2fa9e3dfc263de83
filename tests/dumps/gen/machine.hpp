// The synthetic machine: physical memory laid out the way an x86_64 kernel lays it out (4-level
// page tables, direct map, vmemmap, kernel image under KASLR), with the mem_section table,
// usage maps and struct pages that the scenario's memory operations leave behind.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "scenario.hpp"

namespace dumpgen {

using PageBytes = std::array<uint8_t, 4096>;

struct MemoryImage {
  std::map<uint64_t, PageBytes> pages;                    // physical pfn -> contents (absent: zero)
  std::vector<std::pair<uint64_t, uint64_t>> ram;        // physical byte ranges [start, end), sorted, merged
  std::string vmcoreinfo;
  std::string release;
  uint64_t ktext_va = 0;                                  // for kexec-style PT_LOAD p_vaddr
  uint64_t kimage_phys = 0;
  uint64_t kimage_size = 0;
  uint64_t page_offset_base = 0;
};

struct MachineOptions {
  std::string btf_file;    // BTF blob to place between __start_BTF and __stop_BTF (6.x profiles)
};

MemoryImage build_machine(const Scenario& scenario, const MachineOptions& options);

}  // namespace dumpgen
