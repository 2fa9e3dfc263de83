// Settling the layout: the facts only the dump's memory can tell, decided once, before the walk.
//  - the mem_section_usage layout (is there an rcu_head before subsection_map?), when the
//    resolver could not be sure;
//  - the vmemmap base and the direct-map base;
//  - the zone enum, and with it the page->flags layout, when it is the built-in assumption;
// Each decision is recorded in the layout's provenance. From here on the layout is const.
#pragma once

#include <string>
#include <vector>

#include "base/result.hpp"
#include "layout/kernel_layout.hpp"
#include "layout/section_snapshot.hpp"
#include "target/target.hpp"
#include "types/symbols.hpp"

namespace pfnscan {

struct SettledLayout {
  KernelLayout layout;
  std::vector<std::string> notes;   // what the dump could not decide, for the report's notes
};

SettledLayout settle_layout(Target& target, KernelLayout layout, const SymbolResolver& symbols, const SectionSnapshot& snapshot);

// The zone probe (zone_probe.cpp): when the zone enum is the built-in distro assumption, sample
// struct pages of boot RAM, whose zone is known by address, and adopt the candidate enum that
// decodes every sample to its zone.
void probe_zone_enum(Target& target, KernelLayout& layout, const SectionSnapshot& snapshot);

}  // namespace pfnscan
