// Resolving the layout: release and version, type information (types/type_sources.hpp), and
// every offset, size and constant the walk needs, from DWARF/BTF/the front end, VMCOREINFO and,
// where those are silent, the kernel facts. What only the dump's memory can tell is settled
// afterwards (settle.hpp).
#pragma once

#include "base/result.hpp"
#include "layout/kernel_layout.hpp"
#include "target/target.hpp"
#include "types/type_sources.hpp"

namespace pfnscan {

using LayoutOptions = TypeSourceOptions;

struct ResolvedLayout {
  KernelLayout layout;
  TypeSources sources;
};

Result<ResolvedLayout> resolve_layout(Target& target, const LayoutOptions& options);

}  // namespace pfnscan
