// Finding a fleet's dumps and naming each one stably: what resume, shards and merge compare.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace pfnscan {

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

}  // namespace pfnscan
