// Finding a dump's vmlinux in a debuginfo tree: by the build id VMCOREINFO records
// (.build-id/ab/cdef....debug, the layout Debian's -dbg packages install) or by release
// (a file named vmlinux-<OSRELEASE>).
#pragma once

#include <optional>
#include <string>

#include "target/vmcoreinfo.hpp"

namespace pfnscan {

struct DebuginfoMatch {
  std::string path;
  std::string by;  // "build id" or "release"
};

std::optional<DebuginfoMatch> find_vmlinux(const std::string& dir, const VmcoreInfo& vmcoreinfo);

}  // namespace pfnscan
