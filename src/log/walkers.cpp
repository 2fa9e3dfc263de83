// Walker table from ../shared/docs/kernel-facts.md §10 (checked in 4.19.304, 5.4.286, 5.10.262,
// 6.1.192, 6.12.117). Functions converted to pfn_to_online_page() by David Hildenbrand's "don't
// access uninitialized memmaps" fixes (aad5f69bc161, 641fe2e9387a, 96c804a6ae8c; v5.4-rc, Cc
// stable 4.13+) are listed from 4.19 because 4.19.y carries those backports.
#include "log/walkers.hpp"

#include <algorithm>
#include <array>

namespace pfnscan {

namespace {
constexpr KernelVersion v(int ma, int mi) { return KernelVersion{ma, mi, 0, false, {}}; }
}  // namespace

const std::vector<WalkerInfo>& known_walkers() {
  static const std::vector<WalkerInfo> table = {
      {"kpageflags_read", "fs/proc/page.c", true, v(4, 19), v(0, 0), "aad5f69bc161 (v5.4-rc, backported to 4.19.y)"},
      {"kpagecount_read", "fs/proc/page.c", true, v(4, 19), v(0, 0), "aad5f69bc161"},
      {"kpagecgroup_read", "fs/proc/page.c", true, v(4, 19), v(0, 0), "aad5f69bc161"},
      {"store_soft_offline_page", "drivers/base/memory.c", true, v(4, 19), v(5, 9), "641fe2e9387a; moved into soft_offline_page() in 5.10"},
      {"soft_offline_page_store", "drivers/base/memory.c", true, v(4, 19), v(5, 9), "641fe2e9387a"},
      {"memory_failure", "mm/memory-failure.c", true, v(4, 19), v(0, 0), "96c804a6ae8c"},
      {"soft_offline_page", "mm/memory-failure.c", true, v(5, 10), v(0, 0), "feec24a6139d (v5.10)"},
      {"unpoison_memory", "mm/memory-failure.c", true, v(5, 10), v(0, 0), "v5.10"},
      {"__reset_isolation_suitable", "mm/compaction.c", true, v(4, 19), v(5, 0), "compaction"},
      {"__reset_isolation_pfn", "mm/compaction.c", true, v(5, 1), v(0, 0), "compaction, e332f741a8dd (v5.1)"},
      {"__pageblock_pfn_to_page", "mm/page_alloc.c", true, v(4, 19), v(0, 0), "pageblock_pfn_to_page, set_zone_contiguous, compaction"},
      {"pfn_range_valid_gigantic", "mm/hugetlb.c", true, v(4, 19), v(5, 6), "hugetlb; became pfn_range_valid_contig"},
      {"pfn_range_valid_contig", "mm/page_alloc.c", true, v(5, 7), v(0, 0), "alloc_contig_pages"},
      {"find_smallest_section_pfn", "mm/memory_hotplug.c", true, v(4, 19), v(0, 0), "memory hot-remove"},
      {"find_biggest_section_pfn", "mm/memory_hotplug.c", true, v(4, 19), v(0, 0), "memory hot-remove"},
      {"shrink_zone_span", "mm/memory_hotplug.c", true, v(4, 19), v(5, 4), "memory hot-remove"},
      {"try_offline_memory_block", "mm/memory_hotplug.c", true, v(5, 15), v(0, 0), "memory hot-remove"},
      {"auto_movable_zone_for_pfn", "mm/memory_hotplug.c", true, v(5, 15), v(0, 0), "memory hotplug"},
      {"start_isolate_page_range", "mm/page_isolation.c", true, v(4, 19), v(5, 19), "page isolation"},
      {"unset_migratetype_isolate", "mm/page_isolation.c", true, v(4, 19), v(5, 19), "page isolation"},
      {"isolate_single_pageblock", "mm/page_isolation.c", true, v(6, 0), v(0, 0), "page isolation"},
      {"pagetypeinfo_showmixedcount_print", "mm/page_owner.c", true, v(4, 19), v(0, 0), "/proc/pagetypeinfo"},
      {"pagetypeinfo_showblockcount_print", "mm/vmstat.c", true, v(4, 19), v(0, 0), "/proc/pagetypeinfo"},
      {"kmemleak_scan", "mm/kmemleak.c", true, v(5, 0), v(0, 0), "kmemleak"},
      {"shuffle_valid_page", "mm/shuffle.c", true, v(5, 2), v(0, 0), "page shuffling"},
      {"page_idle_get_page", "mm/page_idle.c", true, v(5, 10), v(6, 1), "/sys/kernel/mm/page_idle"},
      {"page_idle_get_folio", "mm/page_idle.c", true, v(6, 2), v(0, 0), "/sys/kernel/mm/page_idle"},
      {"saveable_page", "kernel/power/snapshot.c", true, v(5, 4), v(0, 0), "hibernation"},
      {"saveable_highmem_page", "kernel/power/snapshot.c", true, v(5, 4), v(0, 0), "hibernation"},
      {"mce_panic", "arch/x86/kernel/cpu/mce/core.c", true, v(5, 4), v(0, 0), "x86 MCE"},
      {"do_machine_check", "arch/x86/kernel/cpu/mce/core.c", true, v(6, 12), v(0, 0), "x86 MCE"},
      {"read_kcore", "fs/proc/kcore.c", true, v(6, 1), v(6, 4), "/proc/kcore KCORE_RAM"},
      {"read_kcore_iter", "fs/proc/kcore.c", true, v(6, 5), v(0, 0), "/proc/kcore KCORE_RAM"},
      {"damon_get_page", "mm/damon/ops-common.c", true, v(5, 15), v(6, 2), "DAMON"},
      {"damon_get_folio", "mm/damon/ops-common.c", true, v(6, 3), v(0, 0), "DAMON"},
      {"split_huge_pages_all", "mm/huge_memory.c", true, v(5, 16), v(0, 0), "debugfs split_huge_pages"},
      // walkers that use pfn_valid()/pfn_to_page() and were implicated in memmap crashes
      {"test_pages_in_a_zone", "mm/memory_hotplug.c", false, v(4, 19), v(0, 0), "sysfs valid_zones"},
      {"is_mem_section_removable", "mm/memory_hotplug.c", false, v(4, 19), v(5, 7), "sysfs removable"},
      {"init_pages_in_zone", "mm/page_owner.c", false, v(4, 19), v(0, 0), "page_owner initialisation"},
      {"read_page_owner", "mm/page_owner.c", false, v(4, 19), v(0, 0), "/sys/kernel/debug/page_owner"},
      {"move_freepages_block", "mm/page_alloc.c", false, v(4, 19), v(0, 0), "page allocator"},
      {"isolate_freepages_block", "mm/compaction.c", false, v(4, 19), v(0, 0), "compaction"},
      {"isolate_migratepages_block", "mm/compaction.c", false, v(4, 19), v(0, 0), "compaction"},
      {"has_unmovable_pages", "mm/page_alloc.c", false, v(4, 19), v(0, 0), "page isolation"},
      {"is_pageblock_removable_nolock", "mm/page_alloc.c", false, v(4, 19), v(5, 7), "sysfs removable"},
      {"memunmap_pages", "mm/memremap.c", false, v(4, 19), v(0, 0), "page_to_nid() of the first pfn"},
      {"set_zone_contiguous", "mm/page_alloc.c", false, v(4, 19), v(0, 0), "through __pageblock_pfn_to_page"},
      {"devm_memremap_pages_release", "kernel/memremap.c", false, v(4, 19), v(5, 2), "memunmap_pages() before its rename"},
      {"move_freepages", "mm/page_alloc.c", false, v(4, 19), v(0, 0), "page allocator, under move_freepages_block"},
  };
  return table;
}

std::string_view base_function_name(std::string_view symbol) {
  std::size_t dot = symbol.find('.');
  return dot == std::string_view::npos ? symbol : symbol.substr(0, dot);
}

namespace {
const WalkerInfo* lookup(std::string_view symbol) {
  std::string_view base = base_function_name(symbol);
  for (const auto& w : known_walkers())
    if (w.function == base) return &w;
  return nullptr;
}

bool walks_in(const WalkerInfo& w, const KernelVersion& release) {
  if (release < w.since && !(release.major == w.since.major && release.minor == w.since.minor)) return false;
  if (w.until.major == 0) return true;
  return release.major < w.until.major || (release.major == w.until.major && release.minor <= w.until.minor);
}
}  // namespace

std::optional<WalkerMatch> find_walker(const Incident& incident, const std::optional<KernelVersion>& release) {
  std::optional<WalkerMatch> unreliable;
  auto consider = [&](const StackFrame& f, std::size_t depth) -> std::optional<WalkerMatch> {
    const WalkerInfo* w = lookup(f.symbol);
    if (!w) return std::nullopt;
    WalkerMatch m{w, f.text(), depth, f.reliable, !release || walks_in(*w, *release)};
    return m;
  };
  if (incident.rip)
    if (auto m = consider(*incident.rip, 0)) return m;
  // arm64/powerpc print the link register; it stands in for the caller when no trace survived
  if (incident.lr && incident.call_trace.empty())
    if (auto m = consider(*incident.lr, 0)) return m;
  for (std::size_t i = 0; i < incident.call_trace.size(); ++i) {
    auto m = consider(incident.call_trace[i], i + 1);
    if (!m) continue;
    if (m->reliable) return m;
    if (!unreliable) unreliable = m;
  }
  return unreliable;
}

namespace {

// Functions that own a pfn loop or enter one: the outer end of a walker chain.
bool loop_owner(std::string_view f) {
  static constexpr std::array<std::string_view, 34> owners = {
      "compact_zone", "compact_zone_order", "kcompactd_do_work", "proactive_compact_node", "compact_node", "set_zone_contiguous",
      "page_alloc_init_late", "memory_failure", "soft_offline_page", "unpoison_memory", "kpageflags_read", "kpagecount_read",
      "kpagecgroup_read", "pagetypeinfo_showmixedcount", "pagetypeinfo_showblockcount", "read_page_owner", "init_page_owner",
      "kmemleak_scan", "show_valid_zones", "show_mem_removable", "offline_pages", "__offline_pages", "memunmap_pages",
      "devm_memremap_pages_release", "alloc_contig_range", "alloc_contig_pages", "page_idle_bitmap_read", "page_idle_bitmap_write",
      "split_huge_pages_all", "swsusp_save", "read_kcore", "read_kcore_iter", "try_offline_memory_block", "__rmqueue"};
  return std::find(owners.begin(), owners.end(), f) != owners.end();
}

}  // namespace

std::vector<std::string> walker_chain(const Incident& incident, const WalkerMatch& walker) {
  // The frames from the walker outwards: depth 0 is the pc, depth n the n-th trace frame.
  std::vector<std::string> outward;
  outward.emplace_back(base_function_name(walker.walker->function));
  if (!loop_owner(outward.back())) {
    for (std::size_t d = walker.depth; d < incident.call_trace.size() && outward.size() < 5; ++d) {
      const StackFrame& f = incident.call_trace[d];
      if (!f.reliable) continue;
      std::string name(base_function_name(f.symbol));
      if (name == outward.back()) continue;
      outward.push_back(name);
      if (loop_owner(name)) break;
    }
    if (!loop_owner(outward.back()) && outward.size() > 2) outward.resize(2);  // no known loop: the walker's caller only
  }
  return {outward.rbegin(), outward.rend()};
}

std::string faulting_function(const Incident& incident) {
  if (incident.rip && !incident.rip->symbol.empty()) return std::string(base_function_name(incident.rip->symbol));
  for (const auto& f : incident.call_trace)
    if (f.reliable) return std::string(base_function_name(f.symbol));
  return "";
}

}  // namespace pfnscan
