// Checks the page->flags zone layout against pages whose zone is known by address. Used when the
// zone enum comes from the built-in table's distro assumption: on x86_64, RAM below 16 MiB is
// ZONE_DMA (0), below 4 GiB ZONE_DMA32 (1), above it ZONE_NORMAL or ZONE_MOVABLE.
#pragma once

#include "layout/kernel_layout.hpp"
#include "mm/sections.hpp"
#include "target/target.hpp"

namespace pfnscan {

struct ZoneProbeResult {
  bool confirmed = false;   // the layout decodes every sample to its expected zone
  bool changed = false;     // another candidate layout did, and was adopted
  unsigned samples = 0;
  std::string detail;
};

// Tries the assumed layout, then the alternatives a distro-like config can have (with and without
// ZONE_DEVICE); records the outcome in layout.provenance.
ZoneProbeResult probe_zone_layout(Target& target, KernelLayout& layout, const SectionTable& sections);

}  // namespace pfnscan
