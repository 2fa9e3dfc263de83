// Running a batch: each dump scanned by its own worker process, with time and memory limits, one
// record appended per dump, so that a killed run resumes without losing or repeating anything.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "fleet/inputs.hpp"

namespace pfnscan {

struct BatchOptions {
  unsigned jobs = 1;
  double timeout_seconds = 300;
  uint64_t memory_limit = uint64_t{4} << 30;   // RLIMIT_AS of each worker; 0: none
  std::string debuginfo_dir;                    // vmlinux lookup by build id / release (in the worker)
  bool full = false;
  std::string worker;                           // the program run per dump (default: this pfnscan)
  std::string scratch_dir = "/tmp";
  std::function<void(std::size_t done, std::size_t total, double elapsed)> progress;
};

struct BatchStats {
  std::size_t total = 0, skipped_already_recorded = 0, ran = 0;
  double seconds = 0;
  std::vector<double> per_dump_seconds;
};

// Runs every dump not yet in `results_path`, `jobs` at a time, appending one record each.
Result<BatchStats> run_batch(const std::vector<DumpInput>& dumps, const std::string& results_path, const BatchOptions& options);

}  // namespace pfnscan
