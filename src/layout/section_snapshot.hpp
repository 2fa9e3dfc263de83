// The mem_section table as the dump holds it: the root array, every present section's words and
// the head of its mem_section_usage, read once in as few large reads as the dump allows. The
// layout is settled against it (settle.hpp) and the walk decodes it (mm/sections.hpp); a live
// scan reads it again to see what changed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/problem.hpp"
#include "base/result.hpp"
#include "layout/kernel_layout.hpp"
#include "target/target.hpp"

namespace pfnscan {

struct RawSection {
  uint64_t nr = 0;
  uint64_t address = 0;       // of its struct mem_section
  uint64_t raw = 0;           // section_mem_map
  uint64_t usage = 0;         // the usage pointer (0 before v5.3)
  // The start of *usage: enough for the subsection map behind either candidate offset. Empty when
  // not read: no memmap, no usage in this kernel, or usage_problem says why.
  std::vector<uint64_t> usage_words;
  std::string usage_problem;
};

struct SectionSnapshot {
  std::vector<RawSection> sections;   // present (section_mem_map != 0), ascending nr
  std::vector<Problem> errors;        // roots and section arrays that could not be read
  uint64_t roots_present = 0;
  uint64_t excluded_pages = 0;        // kernel-data pages filtered out of the dump, read as zeros
};

// Fails only when nothing at all can be read.
Result<SectionSnapshot> read_section_snapshot(Target& target, const KernelLayout& layout);

// What the section's flag bits say, and the memmap it encodes (memmap - section start pfn).
struct SectionBits {
  bool present = false, has_mem_map = false, online = false, early = false, taint_zone_device = false;
  uint64_t flag_bits = 0;
  uint64_t encoded_memmap = 0;
};
SectionBits decode_section_bits(uint64_t raw, const SectionFlagBits& bits);

// The subsection map at `offset` of the usage words; nullopt if the words do not reach it.
std::optional<std::vector<uint64_t>> subsection_map_at(const RawSection& section, uint64_t offset, const KernelLayout& layout);

}  // namespace pfnscan
