// Sources: ../shared/docs/kernel-facts.md §1-§2 and §10, and the commit messages cited (read in
// the stable and linux-mm archives); "(unverified)" marks what the table could not confirm.
#include "log/bug_families.hpp"

#include <array>

namespace pfnscan {

const std::vector<BugFamily>& bug_families() {
  static const std::vector<BugFamily> table = {
      {family::kZoneDevice,
       "the pre-5.12 pfn_to_online_page() hands walkers ZONE_DEVICE and invalid-subsection struct pages of online sections",
       "9f605f260594, 9f9b02e5b346, 1f90a3477df3 (v5.12; never backported)",
       "5.3 - 5.11 and every 4.19.y, 5.4.y and 5.10.y", ""},
      {family::kUsageRace,
       "compaction's pfn_valid()/pfn_section_valid() reads ms->usage while memunmap_pages() -> section_deactivate() frees it",
       "5ec8e8ea8b77 \"mm/sparsemem: fix race in accessing memory_section->usage\" (v6.8; backported to 6.7.y, 6.6.15, 6.1.76, "
       "5.10.210); the NULL check \"mm: prevent derefencing NULL ptr in pfn_section_valid()\" followed (6.1.100, 5.10.222)",
       "5.3 (f1eca35a0dc7 introduced ms->usage) - 6.7, and 5.4.y, 5.15.y (5.15.148 unverified) and the LTS releases before "
       "their backport",
       "CVE-2023-52489"},
      {family::kAltmap,
       "memunmap_pages() reads page_to_nid() of the first pfn of a device range, whose altmap-reserve struct page was never "
       "initialised",
       "77e080e7680e \"mm/memunmap: don't access uninitialized memmap in memunmap_pages()\" (v5.4, Cc stable 5.0+; posted for "
       "4.19.y in Jan 2020)",
       "5.0 - 5.3 (Fixes: 2c2a5af6fed2) and 4.19.y before the backport", ""},
      {family::kHoles,
       "a walker reads the uninitialised or poisoned struct pages of a memory hole, a firmware-reserved range or a partially "
       "populated last section inside an online section",
       "per walker: b13bc35193d9 (kmemleak, arm64 NOMAP, v5.0), f52bb98f5ade (arm64 HOLES_IN_ZONE, move_freepages_block), "
       "2830bf6f05fb (s390 valid_zones/removable, v5.0, later reverted), a26ee565b6cd (pagetypeinfo, v5.4), aad5f69bc161 "
       "(/proc/kpageflags, v5.4), e822969cab48 and 4b094b7851bf (memmap initialisation of the last section and of holes, v5.6)",
       "about 4.15 (f7f99100d8d9 stopped zeroing the vmemmap; release unverified) - 5.5, per walker", ""},
  };
  return table;
}

const BugFamily* bug_family(std::string_view id) {
  for (const auto& f : bug_families())
    if (f.id == id) return &f;
  return nullptr;
}

const char* fix_status_name(FixStatus s) {
  switch (s) {
    case FixStatus::fixed: return "fixed";
    case FixStatus::affected: return "affected";
    case FixStatus::not_affected: return "not_affected";
    case FixStatus::unknown: return "unknown";
  }
  return "?";
}

std::optional<HoleFix> hole_fix(std::string_view walker) {
  static constexpr std::array<HoleFix, 10> fixes = {{
      {"kmemleak_scan", "b13bc35193d9 \"mm/hotplug: invalid PFNs from pfn_to_online_page()\" (v5.0)", 5, 0,
       "9f1eb38e0e11 made kmemleak walk with pfn_to_online_page(), which did not check pfn_valid_within() on arm64 NOMAP"},
      {"move_freepages_block", "f52bb98f5ade \"arm64: mm: always enable CONFIG_HOLES_IN_ZONE\" (v4.19-era, unverified)", 4, 19,
       "arm64 NOMAP holes inside a pageblock: VM_BUG_ON in move_freepages()"},
      {"move_freepages", "f52bb98f5ade \"arm64: mm: always enable CONFIG_HOLES_IN_ZONE\" (v4.19-era, unverified)", 4, 19,
       "arm64 NOMAP holes inside a pageblock: VM_BUG_ON in move_freepages()"},
      {"test_pages_in_a_zone", "2830bf6f05fb (v5.0, reverted by 4aa9fc2a435a), then e822969cab48 (v5.6)", 5, 6,
       "s390 memory end not aligned to a section: sysfs valid_zones read poisoned struct pages"},
      {"is_mem_section_removable", "2830bf6f05fb (v5.0, reverted by 4aa9fc2a435a), then e822969cab48 (v5.6)", 5, 6,
       "s390 memory end not aligned to a section: sysfs removable read poisoned struct pages"},
      {"pagetypeinfo_showmixedcount_print", "a26ee565b6cd \"mm/page_owner: don't access uninitialized memmaps when reading "
                                            "/proc/pagetypeinfo\" (v5.4, Cc stable 4.13+)", 5, 4,
       "pfn_valid() walk over memory blocks that were never onlined"},
      {"kpageflags_read", "aad5f69bc161 (v5.4) and e822969cab48 (v5.6)", 5, 6,
       "/proc/kpageflags over an offline block or the uninitialised tail of the last section"},
      {"kpagecount_read", "aad5f69bc161 (v5.4) and e822969cab48 (v5.6)", 5, 6, "/proc/kpagecount, as kpageflags"},
      {"set_zone_contiguous", "4b094b7851bf \"mm/page_alloc.c: initialize memmap of unavailable memory directly\" (v5.6)", 5, 6,
       "__pageblock_pfn_to_page() over holes whose memmap was left uninitialised"},
      {"__pageblock_pfn_to_page", "4b094b7851bf \"mm/page_alloc.c: initialize memmap of unavailable memory directly\" (v5.6)", 5, 6,
       "page_zone() of an uninitialised struct page in a hole"},
  }};
  for (const auto& f : fixes)
    if (f.walker == walker) return f;
  return std::nullopt;
}

namespace {

// 5ec8e8ea8b77 and its stable backports (facts §2.2).
FixStatus usage_race_status(const KernelVersion& v) {
  if (!v.at_least(5, 3)) return FixStatus::not_affected;
  if (v.at_least(6, 8)) return FixStatus::fixed;
  struct Backport { int major, minor, sublevel; };
  static constexpr std::array<Backport, 3> backports = {{{6, 6, 15}, {6, 1, 76}, {5, 10, 210}}};
  for (const auto& b : backports)
    if (v.series(b.major, b.minor)) {
      if (!v.sublevel_known) return FixStatus::unknown;
      return v.sublevel >= b.sublevel ? FixStatus::fixed : FixStatus::affected;
    }
  if (v.series(6, 7) || v.series(5, 15)) return FixStatus::unknown;  // backported, the sublevel is unverified
  return FixStatus::affected;
}

}  // namespace

FixStatus fix_status(std::string_view id, const std::optional<KernelVersion>& release, std::string_view walker) {
  if (!release) return FixStatus::unknown;
  const KernelVersion& v = *release;
  if (id == family::kZoneDevice) return v.at_least(5, 12) ? FixStatus::fixed : FixStatus::affected;
  if (id == family::kUsageRace) return usage_race_status(v);
  if (id == family::kAltmap) {
    if (v.at_least(5, 4)) return FixStatus::fixed;
    if (v.at_least(5, 0)) return FixStatus::affected;
    return v.series(4, 19) ? FixStatus::unknown : FixStatus::not_affected;
  }
  if (id == family::kHoles) {
    auto f = hole_fix(walker);
    if (!f) return FixStatus::unknown;
    return v.at_least(f->major, f->minor) ? FixStatus::fixed : FixStatus::affected;
  }
  return FixStatus::unknown;
}

std::optional<std::pair<int, int>> first_fixed_release(std::string_view id, std::string_view walker) {
  if (id == family::kZoneDevice) return std::make_pair(5, 12);
  if (id == family::kUsageRace) return std::make_pair(6, 8);
  if (id == family::kAltmap) return std::make_pair(5, 4);
  if (id == family::kHoles)
    if (auto f = hole_fix(walker)) return std::make_pair(f->major, f->minor);
  return std::nullopt;
}

}  // namespace pfnscan
