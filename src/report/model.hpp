// The report model: one typed value per scan, the same for every front end. Text, compact text,
// JSON, Markdown, SVG and HTML render from it; the batch record carries it; saved JSON reads back
// into it (from_json). Its JSON is schema 1 (README "JSON report"): new fields may be added,
// renamed or removed ones bump the schema.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/problem.hpp"
#include "base/provenance.hpp"
#include "log/verdict.hpp"
#include "mm/judge.hpp"
#include "mm/sections.hpp"

namespace pfnscan::report {

constexpr int kSchemaVersion = 1;

// A number the JSON writes in hex ("0x..."). --redact can remove it ("<kptr>").
struct Hex {
  uint64_t value = 0;
  bool redacted = false;
};

struct InputInfo {
  std::string kind;                // "vmcore", "kcore", "crash", "drgn"
  std::string path;
  std::string format;
  std::vector<std::string> notes;  // how the input was read
};

struct KernelInfo {
  std::string release;
  std::string version;             // the uts version, "" if unknown
  std::string arch = "x86_64";
  bool has_fixed_pfn_to_online_page = false;
  std::string fixed_function_evidence;
  bool can_hit_bug = false;        // the pre-5.12 function on a 5.3+ kernel
};

struct SectionRow {
  uint64_t nr = 0;
  uint64_t start_pfn = 0, end_pfn = 0;
  std::vector<std::string> flags;                     // "present", "has_mem_map", "online", "early", "zone_device_taint"
  Hex raw_flags;
  std::optional<std::vector<uint64_t>> subsection_map;  // word i holds subsections 64i..64i+63; nullopt: unknown
  Hex usage;
  Hex memmap;
  MemmapCheck memmap_check = MemmapCheck::no_memmap;
  std::string memmap_detail;                          // "" when none
  std::string usage_problem;                          // "" when none
  bool has_flag(const char* flag) const;
  bool subsection_valid(unsigned index) const;
};

struct Evidence {
  uint64_t section = 0;
  std::vector<std::string> section_flags;
  Hex section_raw_flags;
  unsigned subsection_first = 0, subsection_last = 0;
  bool subsection_bit = true;
  Hex struct_page;
  std::optional<Hex> page_flags;  // absent: the struct page is not mapped
  int zone = -1;
  std::string zone_name;
  int node = -1;
  std::optional<Hex> pgmap;       // ZONE_DEVICE pages only
};

struct FindingRow {
  uint64_t start_pfn = 0, end_pfn = 0;   // end exclusive
  uint64_t section = 0;
  Category category{};
  std::string page_kind;                 // "zone_device", "poisoned", "other"
  bool old_returns_page = true;
  bool fixed_returns_page = false;
  Evidence evidence;
  uint64_t pfns() const { return end_pfn - start_pfn; }
};

struct CategoryTotal {
  Category category{};
  uint64_t ranges = 0, pfns = 0;
};

struct LayoutInfo {
  unsigned section_size_bits = 27;
  unsigned max_physmem_bits = 46;
  bool sparsemem_extreme = true;
  uint64_t mem_section_size = 0;
  std::optional<uint64_t> subsection_map_offset;
  int section_map_last_bit = 0;
  int zone_device = -1;
  int max_nr_zones = 0;
  unsigned zones_pgshift = 0;
  unsigned nodes_width = 0;
  std::optional<Hex> vmemmap_base;
};

struct Stats {
  uint64_t sections_present = 0, sections_online = 0, sections_examined = 0;
  uint64_t subsections_sampled = 0, subsections_read = 0;
  uint64_t struct_pages_read = 0, memmap_bytes_read = 0;
  double seconds = 0;
};

struct ScanReport {
  int schema_version = kSchemaVersion;
  std::string tool_version;
  InputInfo input;
  KernelInfo kernel;
  bool full = false;                         // mode "full" / "quick"
  std::vector<Problem> problems;             // non-empty: the report is partial
  std::vector<std::string> notes;
  std::vector<SectionRow> sections;
  std::vector<FindingRow> findings;          // the fixed function answers NULL here: this bug
  std::vector<FindingRow> observations;      // --full only: both functions return a poisoned/garbage page
  std::vector<FactRecord> provenance;
  std::vector<std::string> uncertainties;
  LogVerdict verdict;
  std::optional<Hex> direct_map_base;
  LayoutInfo layout;
  Stats stats;

  bool partial() const { return !problems.empty(); }
  // Findings on a kernel that certainly has the fixed function cannot hurt it: they would matter
  // on a pre-5.12 kernel with the same memory. Where the fix is not certain, they are at risk.
  bool latent() const;
  const char* risk() const;   // "none", "at_risk", "latent"
  uint64_t total_pfns() const;
  std::vector<CategoryTotal> by_category() const;   // in category order, as the summary lists them
  const FactRecord* fact(FactId id) const;
};

}  // namespace pfnscan::report
