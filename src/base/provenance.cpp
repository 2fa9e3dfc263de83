#include "base/provenance.hpp"

#include <array>

namespace pfnscan {
namespace {

struct FactInfo {
  const char* key;
  const char* name;
  const char* unit;
};

constexpr std::array kFacts = {
#define FACT(id, name, unit) FactInfo{#id, name, unit},
#include "base/facts.def"
#undef FACT
};

constexpr std::array kSources = {Source::dwarf, Source::btf,     Source::target, Source::vmcoreinfo,
                                 Source::builtin, Source::probe, Source::derived};

}  // namespace

const char* source_name(Source source) {
  switch (source) {
    case Source::dwarf: return "dwarf";
    case Source::btf: return "btf";
    case Source::target: return "target";
    case Source::vmcoreinfo: return "vmcoreinfo";
    case Source::builtin: return "builtin";
    case Source::probe: return "probe";
    case Source::derived: return "derived";
  }
  return "unknown";
}

std::optional<Source> source_from_name(std::string_view name) {
  for (Source s : kSources)
    if (name == source_name(s)) return s;
  return std::nullopt;
}

const char* fact_key(FactId id) { return kFacts[static_cast<std::size_t>(id)].key; }
const char* fact_name(FactId id) { return kFacts[static_cast<std::size_t>(id)].name; }
const char* fact_unit(FactId id) { return kFacts[static_cast<std::size_t>(id)].unit; }

std::optional<FactId> fact_from_key(std::string_view key) {
  for (std::size_t i = 0; i < kFacts.size(); ++i)
    if (key == kFacts[i].key) return static_cast<FactId>(i);
  return std::nullopt;
}

}  // namespace pfnscan
