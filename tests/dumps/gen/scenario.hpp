// A synthetic dump, described: the kernel profile and what happened to memory, in kernel terms
// (boot RAM, memremap of a device range, memunmap with or without poisoning, hot-add, offline),
// plus the findings expected by construction.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
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
  std::string text;          // may hold {page:PFN} / {direct:PFN}: the machine fills in its addresses
  std::optional<uint32_t> caller_id;  // bit 31: CPU
  bool cont = false;         // a KERN_CONT fragment the cont buffer did not merge (log_buf: own record)
  bool dataless = false;     // ringbuffer: a descriptor without a text block (NO_LPOS), as a failed reserve leaves
};

// Kernel log text as dmesg/crash print it: "[ 1.234567] text", optionally "<N>" before the
// timestamp, "[  T123]"/"[  C1]" after it, and "<c>" before the text for a continuation
// fragment. Lines without a timestamp follow the previous one by 1 us.
std::vector<LogRecord> parse_log_text(const std::string& text);

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
  std::string log_layout;           // "", "ringbuffer" or "log_buf": overrides the profile's layout
  bool log_caller_ids = false;      // log_buf records carry caller_id (CONFIG_PRINTK_CALLER, v5.1+)
  unsigned printk_count_bits_claimed = 0;  // nonzero: desc_ring.count_bits says so (a huge log_buf_len=)
  // A ring that has wrapped: the first record's descriptor id (ids past the descriptor count wrap
  // around the descriptor array) and its text's logical position (blocks that do not fit before
  // the end of the text ring start again at its beginning). log_buf: where the first record sits;
  // the kernel's zero-length record marks the wrap to the start.
  uint64_t printk_first_id = 0;
  uint64_t printk_text_start = 0;
  uint64_t log_buf_start = 0;
  nlohmann::json expect;
};

// Throws std::runtime_error with the offending field.
Scenario parse_scenario(const nlohmann::json& j);
Scenario load_scenario(const std::string& path);

}  // namespace dumpgen
