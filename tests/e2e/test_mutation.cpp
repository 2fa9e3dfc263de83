// Hostile input, whole dumps: seeded mutants of generated dumps in every format, scanned by the
// real binary (the ASan build in the sanitizer pass). Every run must end with a documented exit
// code, a few lines of error at most, within a time bound and a memory bound. PFNSCAN_MUTANTS
// sets how many (CI: a few hundred; scripts/mutate.sh runs thousands), PFNSCAN_MUTATION_SEED the
// first seed; a failing mutant is kept with its seed and what was done to it.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <set>
#include <algorithm>
#include <iostream>

#include "harness.hpp"
#include "mutator.hpp"

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kScenarios = {"collision-mapped-5.10", "oops-explained-5.10", "collision-6.1", "rcu-backport-5.10"};
const std::vector<std::string> kFormats = {"elf", "elf-kexec", "kdump-none", "kdump-zlib", "kdump-lzo", "kdump-snappy",
                                           "kdump-zstd", "flat-zlib", "kdump-zlib-d1"};
const std::set<int> kDocumentedExits = {0, 1, 2, 4, 5};   // README "Exit codes"; 6 (out of memory) means unbounded
constexpr double kTimeout = 60;                             // seconds per run, ASan included
constexpr long kMaxRssKib = 1536 * 1024;
constexpr std::size_t kMaxErrorLines = 40;

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 0) : fallback;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Generated dumps are mostly zero pages: write the mutant sparse, as the originals are.
void write_sparse(const std::string& path, const std::vector<uint8_t>& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0) << path;
  constexpr std::size_t kBlock = 4096;
  static const std::vector<uint8_t> zeros(kBlock, 0);
  for (std::size_t off = 0; off < bytes.size(); off += kBlock) {
    const std::size_t n = std::min(kBlock, bytes.size() - off);
    if (n == kBlock && std::memcmp(bytes.data() + off, zeros.data(), kBlock) == 0) continue;
    ASSERT_EQ(::pwrite(fd, bytes.data() + off, n, static_cast<off_t>(off)), static_cast<ssize_t>(n));
  }
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(bytes.size())), 0);
  ::close(fd);
}

std::string check(const e2e::BoundedRun& r, bool json) {
  if (r.timed_out) return fmt::format("no end within {} s", kTimeout);
  if (!kDocumentedExits.count(r.exit_code)) return fmt::format("exit code {}", r.exit_code);
  if (r.max_rss_kib > kMaxRssKib) return fmt::format("peak RSS {} MiB", r.max_rss_kib / 1024);
  const auto lines = static_cast<std::size_t>(std::count(r.err.begin(), r.err.end(), '\n'));
  if (lines > kMaxErrorLines) return fmt::format("{} lines on stderr", lines);
  if (r.exit_code == 2 && r.err.find("pfnscan: error: ") == std::string::npos) return "exit 2 without an error line";
  if (json && r.exit_code != 2 && !nlohmann::json::accept(r.out)) return "a report that is not JSON";
  return "";
}

}  // namespace

TEST(Mutation, EveryMutantEndsWithADocumentedOutcome) {
  const uint64_t count = env_number("PFNSCAN_MUTANTS", 270);
  const uint64_t first_seed = env_number("PFNSCAN_MUTATION_SEED", 20261202);
  std::vector<std::string> bases;
  for (const auto& s : kScenarios)
    for (const auto& f : kFormats)
      if (s.find("6.1") == std::string::npos || f.rfind("elf", 0) != 0) bases.push_back(e2e::make_dump(s, f));  // 6.1 ELF: 435 MB
  const std::string dir = e2e::work_dir() + "/mutants";
  fs::create_directories(dir);
  std::map<int, uint64_t> by_exit;
  uint64_t runs = 0, timeouts = 0;
  std::vector<std::string> failures;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t seed = first_seed + i;
    const std::size_t base = i % bases.size();
    const std::string path = fmt::format("{}/{}.mut{}", dir, fs::path(bases[base]).filename().string(), seed);
    std::string what;
    {
      // Built, written and freed before any run: a worker must not inherit this process's memory.
      e2e::Mutation m = e2e::mutate(read_file(bases[base]), seed);
      write_sparse(path, m.bytes);
      what = m.what;
    }
    // quick scans every time; full scans and the log reader in turn
    std::vector<std::vector<std::string>> commands = {{PFNSCAN_BIN, "scan", path, "--json", "--scratch-dir", dir}};
    if (i % 3 == 1) commands.push_back({PFNSCAN_BIN, "scan", path, "--full", "--json", "--scratch-dir", dir});
    if (i % 3 == 2) commands.push_back({PFNSCAN_BIN, "log", path, "--scratch-dir", dir});
    bool kept = false;
    for (const auto& argv : commands) {
      e2e::BoundedRun r = e2e::run_bounded(argv, kTimeout);
      ++runs;
      ++by_exit[r.exit_code];
      timeouts += r.timed_out;
      std::string why = check(r, std::find(argv.begin(), argv.end(), "--json") != argv.end());
      if (why.empty()) continue;
      kept = true;
      failures.push_back(fmt::format("seed {} ({} of {}): `{} {}`: {}\n{}", seed, what, fs::path(bases[base]).filename().string(),
                                     argv[1], argv.size() > 3 ? argv[3] : "", why, r.err.substr(0, 800)));
    }
    if (!kept) fs::remove(path);
  }
  std::string table;
  for (auto [code, n] : by_exit) table += fmt::format(" exit {}: {}", code, n);
  std::cout << fmt::format("mutation: {} mutants of {} dumps, {} runs;{}; {} timeouts\n", count, bases.size(), runs, table, timeouts);
  for (const auto& f : failures) ADD_FAILURE() << f << "\n(mutant kept in " << dir << ")";
}
