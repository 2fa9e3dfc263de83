// Batch scans over a fleet's dumps: finding the dumps, naming each one stably, running each in
// an isolated worker process with time and memory limits, and recording one JSON line per dump
// so that a killed run resumes without losing or repeating anything.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace pfnscan {

// --- inputs -------------------------------------------------------------------------------------

enum class DumpFormat { elf_core, kdump, flattened, unknown };
const char* dump_format_name(DumpFormat f);

// Reads the first bytes only: ELF ET_CORE, "KDUMP   "/"DISKDUMP", makedumpfile's flattened header.
DumpFormat sniff_dump_format(const std::string& path);

struct DumpInput {
  std::string path;
  uint64_t size = 0;
  std::string digest;            // "fnv1a64:<hex>" of the first MiB: headers and the VMCOREINFO note
  DumpFormat format = DumpFormat::unknown;
  std::string dmesg;             // kdump-tools: dmesg.<stamp> next to dump.<stamp>
  std::string identity() const;  // path, size and digest: what resume and merge compare
};

struct InputScan {
  std::vector<DumpInput> dumps;        // sorted by path, no duplicates
  std::vector<std::string> skipped;    // files that are not dumps (with why), for --verbose
  std::vector<std::string> errors;     // inputs that could not be read at all
};

// Inputs: directories (searched recursively), glob patterns, files; "@LIST" reads paths from a
// file, one per line. Only regular files whose magic says dump are taken.
InputScan find_dumps(const std::vector<std::string>& inputs);

Result<DumpInput> describe_dump(const std::string& path);

// --shard I/N: a dump belongs to shard fnv1a64(path) % N; the same on every machine.
bool in_shard(const DumpInput& dump, unsigned index, unsigned count);
Result<std::pair<unsigned, unsigned>> parse_shard(const std::string& text);

uint64_t fnv1a64(const void* data, std::size_t size, uint64_t seed = 0xcbf29ce484222325ull);

// --- results file ---------------------------------------------------------------------------------

// One JSON object per line. A last line without its newline (a run killed mid-write) is not a
// record; open_results() cuts it off before appending.
struct ResultsFile {
  std::vector<nlohmann::json> records;
  std::vector<std::string> problems;   // lines that are not JSON records (named by line number)
  bool had_partial_tail = false;
};
Result<ResultsFile> read_results(const std::string& path);

class ResultsWriter {
 public:
  static Result<ResultsWriter> open(const std::string& path);  // creates or truncates a partial tail
  ResultsWriter(ResultsWriter&&) noexcept;
  ResultsWriter& operator=(ResultsWriter&&) = delete;
  ~ResultsWriter();
  // One write(2) of the whole line with O_APPEND: after a kill the record is there or it is not
  // (a power cut can leave a partial last line, which open() cuts).
  Status append(const nlohmann::json& record);

 private:
  explicit ResultsWriter(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Combines shard outputs; fails naming the first identity recorded twice.
Result<std::vector<nlohmann::json>> merge_results(const std::vector<std::string>& paths);

// Counts by status, category, verdict and kernel release, and the dumps to look at first.
nlohmann::json summarize(const std::vector<nlohmann::json>& records);
std::string render_summary_text(const nlohmann::json& summary);

// --- the run ----------------------------------------------------------------------------------------

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
