// End-to-end harness: builds synthetic dumps and DWARF "vmlinux" files from scenario
// descriptions, runs the real pfnscan binary and parses its JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace e2e {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
  nlohmann::json json;  // parsed stdout when it is JSON
};

std::string work_dir();                       // a per-process scratch directory
std::vector<std::string> scenario_names();    // every tests/dumps/scenarios/*.json
std::string scenario_path(const std::string& name);
nlohmann::json load_json(const std::string& path);
std::string slurp(const std::string& path);     // a whole file; "" if it cannot be read

// Runs a command line (arguments are shell-quoted here) and captures stdout and stderr.
RunResult run(const std::vector<std::string>& argv);

// Writes the dump of a scenario in a format; returns its path. Formats: elf, elf-kexec,
// kdump-{none,zlib,lzo,snappy,zstd}, flat-zlib (flattened), kdump-zlib-d1 (zero pages excluded),
// kdump-qemu (QEMU's damaged header); "+log_buf" / "+ringbuffer" appended picks the printk layout.
std::string make_dump(const std::string& scenario, const std::string& format);
// Compiles the scenario's kernel-like types with -g; returns the vmlinux path.
std::string make_vmlinux(const std::string& scenario);

RunResult scan(const std::string& dump, const std::vector<std::string>& extra);

uint64_t as_u64(const nlohmann::json& v);  // accepts numbers and "0x..." strings
std::string test_name(std::string text);    // a GoogleTest parameter name: [A-Za-z0-9_] only

}  // namespace e2e
