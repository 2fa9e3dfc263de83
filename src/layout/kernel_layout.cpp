#include "layout/kernel_layout.hpp"

#include <algorithm>

namespace pfnscan {

void KernelLayout::record(FactId id, std::string value, Source source, std::string detail, bool is_certain) {
  provenance.push_back({id, std::move(value), source, std::move(detail), is_certain});
  if (!is_certain) uncertainties.push_back({id, std::string(fact_name(id)) + ": " + provenance.back().detail});
}

void KernelLayout::doubt(std::string text, std::optional<FactId> about) { uncertainties.push_back({about, std::move(text)}); }

const FactRecord* KernelLayout::fact(FactId id) const {
  auto it = std::find_if(provenance.begin(), provenance.end(), [&](const FactRecord& f) { return f.id == id; });
  return it == provenance.end() ? nullptr : &*it;
}

bool KernelLayout::certain(FactId id) const {
  const FactRecord* f = fact(id);
  return !f || f->certain;
}

void KernelLayout::settle(FactId id, std::string value, Source source, std::string detail) {
  std::erase_if(uncertainties, [&](const Uncertainty& u) { return u.fact == id; });
  for (auto& f : provenance)
    if (f.id == id) {
      f = {id, std::move(value), source, std::move(detail), true};
      return;
    }
  provenance.push_back({id, std::move(value), source, std::move(detail), true});
}

std::vector<std::string> KernelLayout::uncertainty_texts() const {
  std::vector<std::string> out;
  for (const auto& u : uncertainties) out.push_back(u.text);
  return out;
}

}  // namespace pfnscan
