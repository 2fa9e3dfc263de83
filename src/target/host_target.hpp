// A Target over a host debugger's callbacks (capi.h): crash's readmem()/symbol table/gdb types,
// or drgn's Program through ctypes. The core cannot tell it from a vmcore.
#pragma once

#include <memory>

#include "pfnscan/host.h"
#include "target/target.hpp"
#include "target/type_info.hpp"

namespace pfnscan {

// Fails when VMCOREINFO can be neither taken from the host nor read from the kernel.
Result<std::unique_ptr<Target>> open_host_target(const pfnscan_host& host);

}  // namespace pfnscan
