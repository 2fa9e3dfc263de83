#include "report/model.hpp"

#include <algorithm>
#include <map>

namespace pfnscan::report {

bool SectionRow::has_flag(const char* flag) const { return std::find(flags.begin(), flags.end(), flag) != flags.end(); }

bool SectionRow::subsection_valid(unsigned index) const {
  if (!subsection_map) return true;  // kernels without subsections treat the section as one
  const std::size_t word = index / 64;
  return word < subsection_map->size() && (((*subsection_map)[word] >> (index % 64)) & 1);
}

uint64_t ScanReport::total_pfns() const {
  uint64_t n = 0;
  for (const auto& f : findings) n += f.pfns();
  return n;
}

std::vector<CategoryTotal> ScanReport::by_category() const {
  std::map<Category, CategoryTotal> m;
  for (const auto& f : findings) {
    CategoryTotal& t = m[f.category];
    t.category = f.category;
    ++t.ranges;
    t.pfns += f.pfns();
  }
  std::vector<CategoryTotal> out;
  for (auto& [c, t] : m) out.push_back(t);
  return out;
}

bool ScanReport::latent() const {
  const FactRecord* fixed = fact(FactId::fixed_pfn_to_online_page);
  return !findings.empty() && kernel.has_fixed_pfn_to_online_page && fixed && fixed->certain;
}

const char* ScanReport::risk() const { return findings.empty() ? "none" : latent() ? "latent" : "at_risk"; }

const FactRecord* ScanReport::fact(FactId id) const {
  auto it = std::find_if(provenance.begin(), provenance.end(), [&](const FactRecord& f) { return f.id == id; });
  return it == provenance.end() ? nullptr : &*it;
}

}  // namespace pfnscan::report
