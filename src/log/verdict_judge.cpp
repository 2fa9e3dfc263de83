// Judging a log's incidents: the walker and its loop, signatures, address ties, bug families,
// then the verdict and its words (the steps live in verdict_signatures/ties/families.cpp).
#include <algorithm>
#include <fmt/format.h>

#include "layout/kernel_facts.hpp"
#include "log/verdict.hpp"
#include "log/verdict_parts.hpp"

namespace pfnscan {

using namespace verdict_detail;

namespace {

// The dump's release when there is one, else the oops's own (refined by its build string).
std::optional<KernelVersion> release_of(const Incident& inc, const std::optional<KernelVersion>& dump_release) {
  if (dump_release || inc.release.empty()) return dump_release;
  auto r = parse_release(inc.release);
  if (r) refine_from_uts_version(*r, inc.build);
  return r;
}

Verdict decide(const IncidentVerdict& v) {
  const bool flagged = std::any_of(v.ties.begin(), v.ties.end(), [](const PfnTie& t) { return t.flagged; });
  const bool usage_race = !v.families.empty() && v.families.front().family->id == family::kUsageRace && !v.section_ties.empty();
  if (usage_race || (v.walker && flagged)) return Verdict::explained;
  if ((v.walker && !v.signatures.empty()) || flagged) return Verdict::consistent;
  return Verdict::unrelated;
}

void add_evidence(IncidentVerdict& v, const std::optional<KernelVersion>& release) {
  if (v.walker) {
    const WalkerMatch& w = *v.walker;
    v.evidence.push_back(fmt::format("pfn walker {} ({}{}) at {} of the trace: {}", w.walker->function, w.walker->file,
                                     w.walker->calls_pfn_to_online_page ? ", calls pfn_to_online_page()" : ", walks with pfn_valid()",
                                     w.depth == 0 ? std::string("the RIP") : fmt::format("frame {}", w.depth), w.frame));
    if (!w.reliable) v.evidence.push_back("the walker's frame is marked '?' (unreliable)");
    if (!w.in_release)
      v.evidence.push_back(fmt::format("{} does not walk pfns this way in {} (table of known walkers)", w.walker->function,
                                       release ? release->str() : std::string("this release")));
  } else {
    v.evidence.push_back("no known pfn walker in the RIP or the call trace");
  }
  for (const auto& s : v.signatures) v.evidence.push_back("signature: " + s);
  for (const auto& t : v.ties)
    if (t.flagged)
      v.evidence.push_back(fmt::format("{} {:#x} is {} of pfn {:#x}, flagged {}{}", t.source, t.value, t.via, t.pfn, t.category,
                                       t.observation ? " (observation)" : ""));
  for (const auto& t : v.section_ties)
    v.evidence.push_back(fmt::format("section {} (pfns {:#x}-{:#x}, {}) has no usage in the dump: {}{}", t.section, t.start_pfn, t.end_pfn,
                                     t.online ? "online" : "not online", t.problem,
                                     t.source.empty() ? "" : fmt::format("; {} {:#x} lies in it", t.source, t.value)));
}

// What the text alone cannot settle, and what the dump would.
void no_dump_undecided(IncidentVerdict& v, const Incident& inc) {
  const bool x86 = inc.arch.empty() || inc.arch == "x86_64";
  const uint64_t base = default_vmemmap_base();
  bool default_base_used = false;
  for (const auto& p : inc.pages) {
    if (p.address && x86 && in_default_vmemmap(*p.address)) {
      v.undecided.push_back(fmt::format("struct page {:#x} would be pfn {:#x} if the vmemmap starts at the default {:#x} "
                                        "(KASLR may move it): the dump decides",
                                        *p.address, (*p.address - base) / 64, base));
      default_base_used = true;
    } else if (p.address && x86) {
      v.undecided.push_back(fmt::format("struct page {:#x}: its pfn needs the dump's vmemmap base (randomised)", *p.address));
    } else if (p.address) {
      v.undecided.push_back(fmt::format("struct page {:#x}: {}", *p.address, facts::no_dump_vmemmap_base(inc.arch).why));
    }
    if (p.pfn) v.undecided.push_back(fmt::format("whether pfn {:#x} is a flagged pfn needs the dump", *p.pfn));
  }
  if (inc.fault_address && x86 && in_default_vmemmap(*inc.fault_address)) {
    v.undecided.push_back(fmt::format("fault address {:#x} lies in the default vmemmap region: pfn {:#x} if the base is not "
                                      "randomised; the dump decides",
                                      *inc.fault_address, (*inc.fault_address - base) / 64));
    default_base_used = true;
  }
  if (default_base_used && inc.kernel_offset)
    v.undecided.push_back(fmt::format("the oops prints Kernel Offset {:#x}: KASLR was on, and CONFIG_RANDOMIZE_MEMORY then moves the "
                                      "vmemmap too, so the default-base pfns above are most likely wrong",
                                      *inc.kernel_offset));
  if (default_base_used && inc.kernel_offset_disabled)
    v.undecided.push_back("'Kernel Offset: disabled': KASLR was off, so a 4-level x86_64 kernel has its vmemmap at the default base "
                          "and the pfns above hold (5-level paging would move it)");
  for (uint64_t pfn : inc.pfns_in_text) v.undecided.push_back(fmt::format("whether pfn {:#x} is a flagged pfn needs the dump", pfn));
  if (v.walker && v.signatures.empty())
    v.undecided.push_back("a walker without a poison/devmap signature: only the dump's findings can tie it to a device pfn");
  if (!v.families.empty() && v.families.front().family->id == family::kUsageRace)
    v.undecided.push_back("whether a section lost its ms->usage (a ZONE_DEVICE range being unmapped at that moment) needs the dump");
  if (v.families.size() > 1)
    v.undecided.push_back(fmt::format("{} bug families fit; the dump's findings and observations tell them apart", v.families.size()));
  v.undecided.push_back("without the dump no pfn can be checked against findings, so 'explained' is out of reach");
}

}  // namespace

LogVerdict judge_incidents(std::vector<Incident> incidents, const AddressMap& map, const std::vector<Finding>& findings,
                           const std::vector<Finding>& observations, std::optional<KernelVersion> release,
                           const std::vector<SectionUsageProblem>& usage_problems) {
  LogVerdict out;
  const Mapper mapper{map, findings, observations};
  const bool unmaps = std::any_of(incidents.begin(), incidents.end(), [](const Incident& i) {
    return has_frame(i, {"memunmap_pages", "devm_memremap_pages_release", "section_deactivate", "sparse_remove_section"});
  });
  for (const Incident& inc : incidents) {
    IncidentVerdict v;
    const std::optional<KernelVersion> inc_release = release_of(inc, release);
    v.walker = find_walker(inc, inc_release);
    if (v.walker) v.chain = walker_chain(inc, *v.walker);
    v.faulting_function = faulting_function(inc);
    add_signatures(v, inc, map);
    add_ties(v, inc, mapper);
    const bool prerelease = !release && inc.release.find("-rc") != std::string::npos;
    add_families(v, inc, mapper, FamilyContext{inc_release, usage_problems, unmaps, prerelease});
    v.verdict = decide(v);
    add_evidence(v, inc_release);
    if (!map.from_dump) no_dump_undecided(v, inc);
    out.verdicts.push_back(std::move(v));
  }
  out.overall = Verdict::no_panic;
  for (const auto& v : out.verdicts)
    if (out.overall == Verdict::no_panic || static_cast<int>(v.verdict) < static_cast<int>(out.overall)) out.overall = v.verdict;
  out.incidents = std::move(incidents);
  return out;
}

}  // namespace pfnscan
