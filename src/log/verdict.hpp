// Tying oopses to findings. Every address an oops prints (struct page pointers, the fault
// address, general-purpose registers, pfns in the text) is turned into a pfn with the dump's
// layout and matched against the findings; the call trace is searched for a known pfn walker and
// its loop; signatures that carry no page address are recognised; the bug family is named with
// its fix. One verdict per oops/panic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/kernel_version.hpp"
#include "layout/kernel_layout.hpp"
#include "log/bug_families.hpp"
#include "log/oops.hpp"
#include "log/walkers.hpp"
#include "mm/findings.hpp"

namespace pfnscan {

enum class Verdict {
  explained,    // a pfn walker touched a flagged pfn (or a usage-race oops met a section without usage)
  consistent,   // a poison/devmap signature and a walker (or a flagged pfn without a known walker), nothing tying it to a flagged pfn
  unrelated,    // an oops or panic with neither
  no_panic,     // the log holds no oops, BUG or panic
};
const char* verdict_name(Verdict v);
std::optional<Verdict> verdict_from_name(std::string_view name);

// How addresses become pfns. Without a dump (`explain`) the bases are unknown and page->flags is
// read with the distro x86_64 layout (facts::distro_page_flag_layout()).
struct AddressMap {
  AddressMap();
  std::optional<uint64_t> vmemmap_base;
  uint64_t struct_page_size = 64;
  std::optional<uint64_t> direct_map_base;   // page_offset_base
  uint64_t max_pfn = uint64_t{1} << (46 - 12);
  PageFlagLayout page_flags;                 // zone field of page->flags, ZONE_DEVICE's index
  bool from_dump = false;
};

// A present section whose mem_section_usage is missing: what a racing section_deactivate()
// leaves behind (CVE-2023-52489). From the dump's section table.
struct SectionUsageProblem {
  uint64_t section = 0;
  uint64_t start_pfn = 0, end_pfn = 0;  // end exclusive
  bool online = false;
  std::string problem;                  // "usage pointer is NULL", "mem_section_usage at 0x... is unreadable: ..."
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

// A usage-race oops tied to a section of the dump without usage.
struct SectionTie {
  uint64_t section = 0;
  uint64_t start_pfn = 0, end_pfn = 0;
  bool online = false;
  std::string problem;
  std::string source;     // the register holding one of its pfns, or "" when only the signature ties it
  uint64_t value = 0;
};

struct FamilyMatch {
  const BugFamily* family = nullptr;
  std::string why;                   // what in the oops points to it
  FixStatus fix = FixStatus::unknown;  // in the oops's release
};

struct IncidentVerdict {
  Verdict verdict = Verdict::unrelated;
  std::optional<WalkerMatch> walker;
  std::vector<std::string> chain;          // the walker's loop, outermost first
  std::string faulting_function;
  std::vector<FamilyMatch> families;       // best first; empty when no known bug fits
  std::vector<std::string> signatures;     // "poisoned_struct_page", "all_ones_compound_head", ...
  std::vector<PfnTie> ties;
  std::vector<SectionTie> section_ties;
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
// usage_problems: the dump's sections without usage (empty without a dump).
LogVerdict judge_incidents(std::vector<Incident> incidents, const AddressMap& map, const std::vector<Finding>& findings,
                           const std::vector<Finding>& observations, std::optional<KernelVersion> release,
                           const std::vector<SectionUsageProblem>& usage_problems = {});

}  // namespace pfnscan
