// Which bug of the section machinery an oops is (bug_families.hpp): the usage race, the altmap
// memmap of memunmap_pages(), pfn_to_online_page()'s ZONE_DEVICE pages, or the uninitialised
// memmap of a hole in an online section; best first.
#include <algorithm>
#include <fmt/format.h>

#include "log/verdict_parts.hpp"

namespace pfnscan::verdict_detail {

bool has_frame(const Incident& inc, std::initializer_list<std::string_view> names, std::size_t max_depth) {
  auto named = [&](const StackFrame& f) { return std::find(names.begin(), names.end(), base_function_name(f.symbol)) != names.end(); };
  if ((inc.rip && named(*inc.rip)) || (inc.lr && named(*inc.lr))) return true;
  for (std::size_t i = 0; i < inc.call_trace.size() && i < max_depth; ++i)
    if (named(inc.call_trace[i])) return true;
  return false;
}

namespace {

bool has_signature(const IncidentVerdict& v, std::string_view s) { return std::find(v.signatures.begin(), v.signatures.end(), s) != v.signatures.end(); }

bool memmap_signature(const IncidentVerdict& v) {
  return has_signature(v, "poisoned_struct_page") || has_signature(v, "all_ones_compound_head") || has_signature(v, "all_ones_node_bits") ||
         has_signature(v, "unmapped_memmap");
}

std::string walker_name(const IncidentVerdict& v) { return v.walker ? std::string(v.walker->walker->function) : std::string(); }

void push(IncidentVerdict& v, std::string_view id, std::string why, const FamilyContext& c) {
  const BugFamily* f = bug_family(id);
  if (!f) return;
  for (const auto& m : v.families)
    if (m.family == f) return;
  FixStatus status = fix_status(id, c.release, walker_name(v));
  // x.y-rcN predates x.y: a fix merged for x.y may or may not be in it
  if (c.prerelease && status == FixStatus::fixed && c.release)
    if (auto first = first_fixed_release(id, walker_name(v)); first && c.release->series(first->first, first->second)) status = FixStatus::unknown;
  v.families.push_back({f, std::move(why), status});
}

// CVE-2023-52489: pfn_section_valid() dereferences ms->usage, which section_deactivate() has
// just freed and set to NULL: a NULL (or near-NULL) fault in pfn_valid() or the walker calling
// it, under compaction or another pfn walk.
bool usage_race(IncidentVerdict& v, const Incident& inc, const Mapper& mapper, const FamilyContext& c) {
  const bool near_null = inc.fault_address && *inc.fault_address < 0x1000;
  const bool site = has_frame(inc, {"pfn_section_valid", "pfn_valid", "__pageblock_pfn_to_page", "pageblock_pfn_to_page", "pfn_to_online_page"}, 2);
  const bool walk = has_frame(inc, {"compact_zone", "compact_zone_order", "isolate_migratepages", "isolate_migratepages_block", "isolate_freepages",
                                    "isolate_freepages_block", "fast_isolate_freepages", "kcompactd_do_work", "kcompactd", "__reset_isolation_suitable",
                                    "__reset_isolation_pfn", "proactive_compact_node", "compact_node", "set_zone_contiguous", "alloc_contig_range"});
  if (!(near_null && site && walk)) return false;
  if (std::find(v.signatures.begin(), v.signatures.end(), "null_section_usage") == v.signatures.end()) v.signatures.push_back("null_section_usage");
  std::string why = fmt::format("a NULL-pointer fault at {:#x} in {} under a pfn walk: pfn_section_valid() reading a NULL ms->usage",
                                *inc.fault_address, faulting_function(inc));
  if (c.log_unmaps_device_memory) why += "; memunmap_pages() runs in another oops of this log";
  push(v, family::kUsageRace, std::move(why), c);
  for (const auto& p : c.usage_problems) {
    SectionTie tie{p.section, p.start_pfn, p.end_pfn, p.online, p.problem, "", 0};
    for (const auto& [name, value] : inc.registers.empty() ? std::map<std::string, uint64_t>{} : inc.registers.front()) {
      if (!is_pointer_register(inc.arch, name)) continue;
      auto as_pfn = mapper.to_pfn(value);
      if ((value >= p.start_pfn && value < p.end_pfn) || (as_pfn && as_pfn->second >= p.start_pfn && as_pfn->second < p.end_pfn)) {
        tie.source = name;
        tie.value = value;
        break;
      }
    }
    v.section_ties.push_back(std::move(tie));
  }
  return true;
}

// 77e080e7680e: memunmap_pages() -> page_to_nid() of the first pfn, inside the altmap reserve.
bool altmap(IncidentVerdict& v, const Incident& inc, const FamilyContext& c) {
  if (!has_frame(inc, {"memunmap_pages", "devm_memremap_pages_release"}, 3)) return false;
  const bool nid_bug = inc.bug_file.find("linux/mm.h") != std::string::npos;
  if (!memmap_signature(v) && !nid_bug) return false;
  if (std::find(v.signatures.begin(), v.signatures.end(), "uninitialised_altmap_memmap") == v.signatures.end())
    v.signatures.push_back("uninitialised_altmap_memmap");
  push(v, family::kAltmap, fmt::format("memunmap_pages() tripped over {}: the altmap reserve's struct pages are never initialised",
                                       nid_bug ? "a page_to_nid() BUG" : "a poisoned struct page"), c);
  return true;
}

// A flagged finding decides for pfn_to_online_page(); a flagged observation (a poisoned or
// bogus-zone page in a valid subsection) for a hole. Without ties the walker and the release do.
void memmap_families(IncidentVerdict& v, const Incident& inc, const FamilyContext& c) {
  const auto finding = std::find_if(v.ties.begin(), v.ties.end(), [](const PfnTie& t) { return t.flagged && !t.observation; });
  const auto observation = std::find_if(v.ties.begin(), v.ties.end(), [](const PfnTie& t) { return t.flagged && t.observation; });
  const bool zone_device = has_signature(v, "zone_device_page");
  const bool pfn_to_online = v.walker && v.walker->walker->calls_pfn_to_online_page;
  // s390 has no ZONE_DEVICE, arm64 only since 5.7 (ARCH_HAS_PTE_DEVMAP; facts §6.2)
  const bool no_zone_device = inc.arch == "s390" || (inc.arch == "arm64" && c.release && !c.release->at_least(5, 7));
  auto zd = [&](std::string why) {
    if (!no_zone_device) push(v, family::kZoneDevice, std::move(why), c);
  };
  auto holes = [&](std::string why) { push(v, family::kHoles, std::move(why), c); };
  if (finding != v.ties.end()) zd(fmt::format("{} is pfn {:#x}, flagged {}", finding->source, finding->pfn, finding->category));
  if (observation != v.ties.end())
    holes(fmt::format("{} is pfn {:#x}, a {} page in a valid subsection", observation->source, observation->pfn, observation->category));
  if (!v.walker || (!memmap_signature(v) && !zone_device)) return;
  const std::string w = walker_name(v);
  const std::string zd_why = fmt::format("{} {} and the oops shows {}", w, pfn_to_online ? "calls pfn_to_online_page()" : "walks pfns",
                                         zone_device ? "a ZONE_DEVICE page" : "a poisoned or uninitialised struct page");
  if (zone_device) return zd(zd_why);
  const auto fix = hole_fix(w);
  const std::string hole_why = fmt::format("{} read a poisoned or uninitialised struct page{}", w,
                                           fix ? fmt::format(" ({})", fix->what) : std::string());
  // a pfn_valid() walker, a release with the fixed pfn_to_online_page(), arm64 (NOMAP holes) or
  // a walk at boot, before any device memory exists: a hole first
  const bool boot = has_frame(inc, {"page_alloc_init_late", "deferred_init_memmap", "memmap_init_zone"});
  const bool hole_first = !pfn_to_online || fix_status(family::kZoneDevice, c.release, w) == FixStatus::fixed || inc.arch == "arm64" || boot;
  if (hole_first) {
    holes(hole_why);
    if (pfn_to_online) zd(zd_why);
  } else {
    zd(zd_why);
    holes(hole_why);
  }
}

}  // namespace

void add_families(IncidentVerdict& v, const Incident& inc, const Mapper& mapper, const FamilyContext& c) {
  usage_race(v, inc, mapper, c);
  const bool flagged = std::any_of(v.ties.begin(), v.ties.end(), [](const PfnTie& t) { return t.flagged; });
  // the altmap reserve's pages are device pages, not a hole: the generic families only if a pfn says so
  if (!altmap(v, inc, c) || flagged) memmap_families(v, inc, c);
}

}  // namespace pfnscan::verdict_detail
