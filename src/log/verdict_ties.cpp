// Every address an oops printed, turned into a pfn with the dump's layout (a struct page in the
// vmemmap, a direct-map address, a pfn in the text) and matched against the findings.
#include <fmt/format.h>

#include "layout/kernel_facts.hpp"
#include "log/verdict_parts.hpp"

namespace pfnscan::verdict_detail {

std::optional<std::pair<std::string, uint64_t>> Mapper::to_pfn(uint64_t address) const {
  if (map.vmemmap_base && address >= *map.vmemmap_base && map.struct_page_size) {
    uint64_t pfn = (address - *map.vmemmap_base) / map.struct_page_size;
    if (pfn < map.max_pfn) return std::make_pair(std::string("struct page (vmemmap)"), pfn);
  }
  if (map.direct_map_base && address >= *map.direct_map_base) {
    uint64_t pfn = (address - *map.direct_map_base) >> 12;
    if (pfn < map.max_pfn) return std::make_pair(std::string("direct map"), pfn);
  }
  return std::nullopt;
}

void Mapper::classify(PfnTie& tie) const {
  for (const auto& f : findings)
    if (tie.pfn >= f.start_pfn && tie.pfn < f.end_pfn) {
      tie.flagged = true;
      tie.category = category_name(f.category);
      return;
    }
  for (const auto& f : observations)
    if (tie.pfn >= f.start_pfn && tie.pfn < f.end_pfn) {
      tie.flagged = true;
      tie.observation = true;
      tie.category = category_name(f.category);
      return;
    }
}

namespace {

struct Tier {
  IncidentVerdict& v;
  const Mapper& mapper;
  void address(const std::string& source, uint64_t address) {
    if (auto m = mapper.to_pfn(address)) {
      PfnTie t{source, address, m->first, m->second, "", false, false};
      mapper.classify(t);
      v.ties.push_back(t);
    }
  }
  void pfn(const std::string& source, uint64_t pfn) {
    PfnTie t{source, pfn, "pfn", pfn, "", false, false};
    mapper.classify(t);
    v.ties.push_back(t);
  }
};

}  // namespace

void add_ties(IncidentVerdict& v, const Incident& inc, const Mapper& mapper) {
  Tier tier{v, mapper};
  constexpr uint64_t kAllOnesCompoundHead = facts::kPagePoisonPattern & ~uint64_t{1};
  for (const auto& p : inc.pages) {
    v.page_pointers.push_back(p.printed);
    if (p.address) tier.address("page dump", *p.address);
    if (p.pfn) tier.pfn("page dump", *p.pfn);
    if (p.hashed && !p.pfn)
      v.undecided.push_back(fmt::format("struct page pointer {} is hashed (%p): its pfn cannot be recovered", p.printed));
  }
  if (inc.fault_address && *inc.fault_address != kAllOnesCompoundHead) tier.address("fault address", *inc.fault_address);
  for (std::size_t set = 0; set < inc.registers.size(); ++set)
    for (const auto& [name, value] : inc.registers[set])
      if (is_pointer_register(inc.arch, name) || name == "CR2")
        if (!(name == "CR2" && inc.fault_address && value == *inc.fault_address))
          tier.address(set == 0 ? name : fmt::format("{} (frame {})", name, set), value);
  for (uint64_t pfn : inc.pfns_in_text) tier.pfn("pfn in text", pfn);
  // the same pfn through several registers: keep each source, they are all evidence
}

}  // namespace pfnscan::verdict_detail
