#include "mm/zone_probe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

#include "layout/kernel_facts.hpp"
#include "mm/memmap.hpp"

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

struct Candidate {
  int max_nr_zones;
  int zone_device;
};

PageFlagLayout with_zones(const PageFlagLayout& base, Candidate c) {
  PageFlagLayout l = base;
  l.max_nr_zones = c.max_nr_zones;
  l.zone_device = c.zone_device;
  l.zones_width = c.max_nr_zones <= 1 ? 0 : static_cast<unsigned>(std::bit_width(static_cast<unsigned>(c.max_nr_zones - 1)));
  l.zones_pgshift = 64 - l.nodes_width - l.zones_width;
  l.zone_names.clear();
  for (int z = 0; z < c.max_nr_zones; ++z) l.zone_names.push_back(facts::zone_name(z, c.zone_device, c.max_nr_zones));
  return l;
}

}  // namespace

ZoneProbeResult probe_zone_layout(Target& target, KernelLayout& L, const SectionTable& table) {
  ZoneProbeResult result;
  // First struct page of valid subsections of online boot sections, spread over the sections.
  MemmapReader reader(target, L);
  std::vector<Sample> samples;
  std::vector<const SectionState*> boot;
  for (const auto& s : table.sections)
    if (s.online && s.has_mem_map && (s.early || L.section_flags.early < 0) && s.subsections_known) boot.push_back(&s);
  const unsigned nsub = L.subsections_per_section();
  std::size_t step = std::max<std::size_t>(1, boot.size() * 4 / kMaxSamples);
  for (std::size_t i = 0; i < boot.size() && samples.size() < kMaxSamples; i += step) {
    const SectionState& s = *boot[i];
    for (unsigned sub : {1u, nsub / 2, nsub - 1, 0u}) {
      if (!s.subsection_valid(sub)) continue;
      uint64_t pfn = s.nr * L.pages_per_section() + sub * L.pages_per_subsection() + L.pages_per_subsection() / 2;
      auto page = reader.read(s, pfn, 1);
      if (!page[0].content.mapped || page[0].content.flags == facts::kPagePoisonPattern) continue;
      samples.push_back({pfn, page[0].content.flags});
    }
  }
  result.samples = static_cast<unsigned>(samples.size());
  if (samples.empty()) {
    result.detail = "no struct page of boot RAM could be sampled";
    return result;
  }
  auto fits = [&](const PageFlagLayout& l) {
    unsigned ok = 0;
    for (const auto& s : samples) {
      unsigned zone = l.zone_of(s.flags);
      // A device page in a valid subsection is fine; it is what we are looking for.
      if (expected_zone(s.pfn, zone) || static_cast<int>(zone) == l.zone_device) ++ok;
    }
    return ok;
  };
  const Candidate assumed{L.page_flags.max_nr_zones, L.page_flags.zone_device};
  const Candidate candidates[] = {assumed, {5, 4}, {4, -1}, {6, 5}};
  for (const Candidate& c : candidates) {
    PageFlagLayout l = with_zones(L.page_flags, c);
    unsigned ok = fits(l);
    if (ok != samples.size()) continue;
    result.confirmed = true;
    result.changed = c.max_nr_zones != assumed.max_nr_zones || c.zone_device != assumed.zone_device;
    result.detail = fmt::format("{} sampled struct pages of boot RAM decode to their zone by address (DMA below 16 MiB, "
                                "DMA32 below 4 GiB, Normal/Movable above) with __MAX_NR_ZONES {}, ZONE_DEVICE {}",
                                samples.size(), c.max_nr_zones, c.zone_device);
    L.page_flags = l;
    std::erase_if(L.uncertainties, [](const std::string& u) { return u.starts_with("enum zone_type"); });
    for (auto& f : L.provenance) {
      if (f.name == "enum zone_type") {
        f.value = fmt::format("__MAX_NR_ZONES {}, ZONE_DEVICE {}", c.max_nr_zones, c.zone_device);
        f.source = Source::probe;
        f.detail = result.detail;
        f.certain = true;
      } else if (f.name == "ZONES_PGSHIFT") {
        f.value = std::to_string(l.zones_pgshift);
      }
    }
    return result;
  }
  result.detail = fmt::format("{} sampled struct pages of boot RAM fit no known zone layout", samples.size());
  L.uncertainties.push_back("enum zone_type: " + result.detail);
  return result;
}

}  // namespace pfnscan
