// The libkdumpfile-backed target: ELF vmcores, compressed kdump files (zlib, lzo, snappy, zstd),
// makedumpfile's flattened format (rearranged on the fly) and /proc/kcore. Nothing else in the
// core includes libkdumpfile.
#pragma once

#include <memory>
#include <string>

#include "target/target.hpp"

namespace pfnscan {

struct KdumpOpenOptions {
  // Where a flattened file is rearranged; the copy is unlinked at once and vanishes on exit.
  std::string scratch_dir = "/tmp";
};

Result<std::unique_ptr<Target>> open_kdump_target(const std::string& path, const KdumpOpenOptions& options = {});

}  // namespace pfnscan
