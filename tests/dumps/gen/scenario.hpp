// A synthetic dump, described: the kernel profile and what happened to memory, in kernel terms
// (boot RAM, memremap of a device range, memunmap with or without poisoning, hot-add, offline),
// plus the findings expected by construction.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "profile.hpp"

namespace dumpgen {

struct Op {
  std::string op;         // boot_ram memremap memunmap hotplug_ram offline_section present_only
                          // poison_pages set_usage set_root set_raw
  uint64_t start = 0;     // pfn
  uint64_t end = 0;       // pfn, exclusive
  uint64_t section = 0;
  uint64_t root = 0;
  uint64_t value = 0;
  bool poison = false;
  bool online = true;
};

struct LogRecord {
  uint64_t ts_nsec = 0;
  int level = 6;
  int facility = 0;
  std::string text;
};

struct Scenario {
  std::string name;
  std::string description;
  Profile profile;
  std::string release;
  std::string uts_version;
  int mem_section_size = 32;
  bool sparsemem_extreme = true;
  bool numa = true;
  uint64_t kaslr_seed = 1;
  std::string hole_memmap = "init";   // struct pages of holes in boot sections: init | zero | poison
  std::vector<Op> ops;
  nlohmann::json vmcoreinfo_override = nlohmann::json::object();  // KEY -> value, or null to drop
  bool vmcoreinfo_garbage = false;
  std::vector<LogRecord> log;       // the kernel log; a default boot log when the scenario has none
  nlohmann::json expect;
};

// Throws std::runtime_error with the offending field.
Scenario parse_scenario(const nlohmann::json& j);
Scenario load_scenario(const std::string& path);

}  // namespace dumpgen
