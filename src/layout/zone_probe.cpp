// Checks the page->flags zone layout against pages whose zone is known by address, for kernels
// whose zone enum comes from the built-in table's distro assumption: on x86_64, RAM below 16 MiB
// is ZONE_DMA (0), below 4 GiB ZONE_DMA32 (1), above it ZONE_NORMAL or ZONE_MOVABLE.
#include <fmt/format.h>

#include <algorithm>

#include "layout/kernel_facts.hpp"
#include "layout/settle.hpp"

namespace pfnscan {
namespace {

constexpr uint64_t kDmaEnd = 0x1000;      // 16 MiB
constexpr uint64_t kDma32End = 0x100000;  // 4 GiB
constexpr unsigned kMaxSamples = 96;

struct Sample {
  uint64_t pfn;
  uint64_t flags;
};

bool expected_zone(uint64_t pfn, unsigned zone) {
  if (pfn < kDmaEnd) return zone == 0;
  if (pfn < kDma32End) return zone == 1;
  return zone == 2 || zone == 3;  // NORMAL or MOVABLE
}

// First struct page of valid subsections of online boot sections, spread over the sections.
std::vector<Sample> sample_boot_pages(Target& target, const KernelLayout& L, const SectionSnapshot& snapshot) {
  std::vector<const RawSection*> boot;
  for (const auto& s : snapshot.sections) {
    SectionBits b = decode_section_bits(s.raw, L.section_flags);
    if (b.online && b.has_mem_map && (b.early || L.section_flags.early < 0) && s.usage_problem.empty() && L.off_subsection_map &&
        subsection_map_at(s, *L.off_subsection_map, L))
      boot.push_back(&s);
  }
  std::vector<Sample> samples;
  const unsigned nsub = L.subsections_per_section();
  const std::size_t step = std::max<std::size_t>(1, boot.size() * 4 / kMaxSamples);
  for (std::size_t i = 0; i < boot.size() && samples.size() < kMaxSamples; i += step) {
    const RawSection& s = *boot[i];
    const std::vector<uint64_t> map = *subsection_map_at(s, *L.off_subsection_map, L);
    const uint64_t memmap = L.vmemmap_base.value_or(decode_section_bits(s.raw, L.section_flags).encoded_memmap);
    for (unsigned sub : {1u, nsub / 2, nsub - 1, 0u}) {
      if (!((map[sub / 64] >> (sub % 64)) & 1)) continue;
      uint64_t pfn = L.section_start_pfn(s.nr) + sub * L.pages_per_subsection() + L.pages_per_subsection() / 2;
      auto flags = target.read_u64(AddressSpace::kernel_virtual, memmap + pfn * L.page_struct_size + L.off_page_flags);
      if (!flags || *flags == facts::kPagePoisonPattern) continue;
      samples.push_back({pfn, *flags});
    }
  }
  return samples;
}

bool decodes_every_sample(const PageFlagLayout& l, const std::vector<Sample>& samples) {
  return std::all_of(samples.begin(), samples.end(), [&](const Sample& s) {
    unsigned zone = l.zone_of(s.flags);
    // A device page in a valid subsection is fine; it is what we are looking for.
    return expected_zone(s.pfn, zone) || static_cast<int>(zone) == l.zone_device;
  });
}

}  // namespace

void probe_zone_enum(Target& target, KernelLayout& L, const SectionSnapshot& snapshot) {
  std::vector<Sample> samples = sample_boot_pages(target, L, snapshot);
  if (samples.empty()) return;  // no struct page of boot RAM could be sampled: the assumption stands
  std::vector<facts::ZoneEnum> candidates = {{L.page_flags.max_nr_zones, L.page_flags.zone_device}};
  for (facts::ZoneEnum c : facts::zone_enum_candidates()) candidates.push_back(c);
  for (const facts::ZoneEnum& c : candidates) {
    PageFlagLayout l = facts::page_flag_layout(L.page_flags.nodes_width, c);
    if (!decodes_every_sample(l, samples)) continue;
    L.page_flags = l;
    L.settle(FactId::zone_enum, fmt::format("__MAX_NR_ZONES {}, ZONE_DEVICE {}", c.max_nr_zones, c.zone_device), Source::probe,
             fmt::format("{} sampled struct pages of boot RAM decode to their zone by address (DMA below 16 MiB, "
                         "DMA32 below 4 GiB, Normal/Movable above) with __MAX_NR_ZONES {}, ZONE_DEVICE {}",
                         samples.size(), c.max_nr_zones, c.zone_device));
    L.settle(FactId::zones_pgshift, std::to_string(l.zones_pgshift), Source::derived, facts::describe_zones_pgshift(l));
    return;
  }
  L.doubt(fmt::format("enum zone_type: {} sampled struct pages of boot RAM fit no known zone layout", samples.size()), FactId::zone_enum);
}

}  // namespace pfnscan
