// Tying oopses to findings. Every address an oops prints (struct page pointers, the fault
// address, general-purpose registers, pfns in the text) is turned into a pfn with the dump's
// layout and matched against the findings; the call trace is searched for a known pfn walker;
// signatures that carry no page address are recognised. One verdict per oops/panic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mm/findings.hpp"
#include "base/kernel_version.hpp"
#include "log/oops.hpp"
#include "log/walkers.hpp"

namespace pfnscan {

enum class Verdict {
  explained,    // a pfn walker touched a flagged pfn
  consistent,   // a poison/devmap signature and a walker (or a flagged pfn without a known walker), nothing tying it to a flagged pfn
  unrelated,    // an oops or panic with neither
  no_panic,     // the log holds no oops, BUG or panic
};
const char* verdict_name(Verdict v);

// How addresses become pfns. Empty when judging log text alone.
struct AddressMap {
  std::optional<uint64_t> vmemmap_base;
  uint64_t struct_page_size = 64;
  std::optional<uint64_t> direct_map_base;   // page_offset_base
  uint64_t max_pfn = uint64_t{1} << (46 - 12);
  // page->flags zone field; without a dump: the distro x86_64 layout (NODES_SHIFT 10, 5 zones,
  // no section bits with VMEMMAP), so ZONE_DEVICE = 4 in bits 51-53.
  unsigned zones_pgshift = 51;
  unsigned zones_width = 3;
  int zone_device = 4;                       // zone index of ZONE_DEVICE, -1 absent
  bool from_dump = false;
};

struct PfnTie {
  std::string source;     // "page dump", "fault address", "RBX", "pfn in text"
  uint64_t value = 0;     // the address or pfn as printed
  std::string via;        // "struct page (vmemmap)", "direct map", "pfn"
  uint64_t pfn = 0;
  std::string category;   // the finding's category, "" if the pfn is not flagged
  bool flagged = false;
  bool observation = false;  // an observation (--full), not a finding
};

struct IncidentVerdict {
  Verdict verdict = Verdict::unrelated;
  std::optional<WalkerMatch> walker;
  std::vector<std::string> signatures;  // "poisoned_struct_page", "all_ones_compound_head", ...
  std::vector<PfnTie> ties;
  std::vector<std::string> page_pointers;  // struct page pointers as printed (hashed ones too)
  std::vector<std::string> evidence;       // sentences a person reads
  std::vector<std::string> undecided;      // what could not be decided (no dump, hashed pointers, ...)
};

struct LogVerdict {
  Verdict overall = Verdict::no_panic;
  std::vector<Incident> incidents;
  std::vector<IncidentVerdict> verdicts;   // one per incident
  std::string log_source;                  // "printk_ringbuffer", "log_buf", a file name
  std::vector<std::string> notes;          // e.g. why there is no log
  bool log_available = true;
};

// findings/observations may be empty (log alone): then ties cannot be flagged and say so.
LogVerdict judge_incidents(std::vector<Incident> incidents, const AddressMap& map, const std::vector<Finding>& findings,
                           const std::vector<Finding>& observations, std::optional<KernelVersion> release);

}  // namespace pfnscan
