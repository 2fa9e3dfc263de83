// The steps of judging one incident, each filling its part of an IncidentVerdict: signatures
// (verdict_signatures.cpp), address ties (verdict_ties.cpp), bug families (verdict_families.cpp);
// verdict.cpp runs them and words the result. Internal to the log layer.
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "log/verdict.hpp"

namespace pfnscan::verdict_detail {

// Registers that can hold a struct page pointer or a pfn: general-purpose ones, without stack,
// frame, TOC and per-CPU pointers (x86 RAX..R15, arm64 x0..x28, powerpc r0 r3..r12 r14..r31,
// s390 r0..r14).
bool is_pointer_register(std::string_view arch, std::string_view name);

// x86_64 without a dump: the default vmemmap region (4-level), for wording only.
bool in_default_vmemmap(uint64_t address);
uint64_t default_vmemmap_base();

// Addresses -> pfns with the dump's layout, and pfns -> findings.
struct Mapper {
  const AddressMap& map;
  const std::vector<Finding>& findings;
  const std::vector<Finding>& observations;
  std::optional<std::pair<std::string, uint64_t>> to_pfn(uint64_t address) const;
  void classify(PfnTie& tie) const;
};

void add_signatures(IncidentVerdict& v, const Incident& inc, const AddressMap& map);
void add_ties(IncidentVerdict& v, const Incident& inc, const Mapper& mapper);

struct FamilyContext {
  std::optional<KernelVersion> release;
  const std::vector<SectionUsageProblem>& usage_problems;
  bool log_unmaps_device_memory = false;  // some incident of the log runs memunmap_pages()
  bool prerelease = false;                // the oops's release is an -rc: a fix of that release may be missing
};
void add_families(IncidentVerdict& v, const Incident& inc, const Mapper& mapper, const FamilyContext& context);

// True if any frame (pc, lr, trace) of the incident is one of `names`; max_depth limits the
// trace frames looked at (the pc and lr always are).
bool has_frame(const Incident& inc, std::initializer_list<std::string_view> names, std::size_t max_depth = ~std::size_t{0});

}  // namespace pfnscan::verdict_detail
