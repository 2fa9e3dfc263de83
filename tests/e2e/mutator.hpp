// A deterministic mutator of whole dump files: from a seed, damage a dump the way disks, copies
// and crashing kernels do — flipped bytes, truncations, 8-byte fields set to 0, all ones or huge
// values — aimed at the parts readers trust most: the headers, the VMCOREINFO values, the kdump
// page descriptors, and anywhere at random.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace e2e {

struct Mutation {
  std::vector<uint8_t> bytes;
  std::string what;   // "flip 3 bytes of the ELF headers", "truncate at 40%", ...
};

// The same (dump, seed) always gives the same mutant.
Mutation mutate(const std::vector<uint8_t>& dump, uint64_t seed);

// A run of the real binary with a wall-time bound; its peak RSS is measured.
struct BoundedRun {
  int exit_code = -1;      // 128 + signal when killed
  bool timed_out = false;
  long max_rss_kib = 0;
  std::string out, err;
  double seconds = 0;
};
BoundedRun run_bounded(const std::vector<std::string>& argv, double timeout_seconds);

}  // namespace e2e
