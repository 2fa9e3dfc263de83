#include "log/verdict.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <set>

namespace pfnscan {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::explained: return "explained";
    case Verdict::consistent: return "consistent";
    case Verdict::unrelated: return "unrelated";
    case Verdict::no_panic: return "no-panic";
  }
  return "?";
}

namespace {

// x86_64 defaults (4-level paging) when the dump does not say: used only for wording in `explain`.
constexpr uint64_t kDefaultVmemmapBase = 0xffffea0000000000ull;
constexpr uint64_t kAllOnesCompoundHead = 0xfffffffffffffffeull;  // compound_head 0xff..ff minus its tail bit

const std::set<std::string>& general_registers() {
  static const std::set<std::string> regs = {"RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "R08", "R09", "R10",
                                             "R11", "R12", "R13", "R14", "R15", "R8",  "R9"};
  return regs;
}

struct Mapper {
  const AddressMap& map;
  const std::vector<Finding>& findings;
  const std::vector<Finding>& observations;

  std::optional<std::pair<std::string, uint64_t>> to_pfn(uint64_t address) const {
    if (map.vmemmap_base && address >= *map.vmemmap_base) {
      uint64_t pfn = (address - *map.vmemmap_base) / map.struct_page_size;
      if (pfn < map.max_pfn) return std::make_pair(std::string("struct page (vmemmap)"), pfn);
    }
    if (map.direct_map_base && address >= *map.direct_map_base) {
      uint64_t pfn = (address - *map.direct_map_base) >> 12;
      if (pfn < map.max_pfn) return std::make_pair(std::string("direct map"), pfn);
    }
    return std::nullopt;
  }

  void classify(PfnTie& tie) const {
    for (const auto& f : findings)
      if (tie.pfn >= f.start_pfn && tie.pfn < f.end_pfn) {
        tie.flagged = true;
        tie.category = category_name(f.category);
        return;
      }
    for (const auto& f : observations)
      if (tie.pfn >= f.start_pfn && tie.pfn < f.end_pfn) {
        tie.flagged = true;
        tie.observation = true;
        tie.category = category_name(f.category);
        return;
      }
  }
};

bool in_default_vmemmap(uint64_t a) { return a >= kDefaultVmemmapBase && a < kDefaultVmemmapBase + (uint64_t{1} << 40); }

}  // namespace

LogVerdict judge_incidents(std::vector<Incident> incidents, const AddressMap& map, const std::vector<Finding>& findings,
                           const std::vector<Finding>& observations, std::optional<KernelVersion> release) {
  LogVerdict out;
  Mapper mapper{map, findings, observations};
  for (const Incident& inc : incidents) {
    IncidentVerdict v;
    std::optional<KernelVersion> inc_release = release;
    if (!inc_release && !inc.release.empty()) inc_release = parse_release(inc.release);
    v.walker = find_walker(inc, inc_release);

    // --- signatures that need no page address
    auto add_sig = [&](const std::string& s) {
      if (std::find(v.signatures.begin(), v.signatures.end(), s) == v.signatures.end()) v.signatures.push_back(s);
    };
    for (const auto& p : inc.pages) {
      if (p.poisoned || p.reason.find("PagePoisoned") != std::string::npos || (p.flags && *p.flags == ~uint64_t{0}))
        add_sig("poisoned_struct_page");
      // the zone as dump_page() printed it (5.14+: "zone=N"), else decoded from the flags word
      std::optional<int> zone = p.zone;
      if (!zone && p.flags && *p.flags != ~uint64_t{0} && map.zones_width)
        zone = static_cast<int>((*p.flags >> map.zones_pgshift) & ((uint64_t{1} << map.zones_width) - 1));
      if (zone && map.zone_device >= 0 && *zone == map.zone_device) {
        add_sig("zone_device_page");
        if (!map.from_dump)
          v.undecided.push_back(fmt::format("page flags {} read as ZONE_DEVICE assuming the distro x86_64 page->flags layout "
                                            "(zone in bits {}-{}, ZONE_DEVICE = {}); the dump's layout decides",
                                            p.flags ? fmt::format("{:#x}", *p.flags) : "zone=" + std::to_string(*zone),
                                            map.zones_pgshift, map.zones_pgshift + map.zones_width - 1, map.zone_device));
      }
    }
    if (inc.fault_address && *inc.fault_address == kAllOnesCompoundHead) add_sig("all_ones_compound_head");
    bool near_null = inc.fault_address && *inc.fault_address < 0x10000;
    bool all_ones_register = false;
    if (!inc.registers.empty())
      for (const auto& [name, value] : inc.registers.front())
        if (general_registers().count(name) && value == ~uint64_t{0}) all_ones_register = true;
    bool zone_ubsan = std::any_of(inc.ubsan.begin(), inc.ubsan.end(), [](const std::string& u) {
      return u.find("'zone [") != std::string::npos || u.find("'struct zone [") != std::string::npos ||
             u.find("pglist_data") != std::string::npos;
    });
    if ((near_null && all_ones_register) || zone_ubsan) add_sig("all_ones_node_bits");
    if (inc.fault_address) {
      const uint64_t a = *inc.fault_address;
      bool vmemmap_fault = map.vmemmap_base ? a >= *map.vmemmap_base && (a - *map.vmemmap_base) / map.struct_page_size < map.max_pfn
                                            : in_default_vmemmap(a);
      if (vmemmap_fault && inc.kind == IncidentKind::page_fault) add_sig("unmapped_memmap");
    }

    // --- addresses -> pfns
    auto tie_address = [&](const std::string& source, uint64_t address) {
      if (auto m = mapper.to_pfn(address)) {
        PfnTie t{source, address, m->first, m->second, "", false, false};
        mapper.classify(t);
        v.ties.push_back(t);
      }
    };
    for (const auto& p : inc.pages) {
      v.page_pointers.push_back(p.printed);
      if (p.address) tie_address("page dump", *p.address);
      if (p.pfn) {
        PfnTie t{"page dump", *p.pfn, "pfn", *p.pfn, "", false, false};
        mapper.classify(t);
        v.ties.push_back(t);
      }
      if (p.hashed && !p.pfn)
        v.undecided.push_back(fmt::format("struct page pointer {} is hashed (%p): its pfn cannot be recovered", p.printed));
    }
    if (inc.fault_address && *inc.fault_address != kAllOnesCompoundHead) tie_address("fault address", *inc.fault_address);
    for (std::size_t set = 0; set < inc.registers.size(); ++set)
      for (const auto& [name, value] : inc.registers[set])
        if (general_registers().count(name) || name == "CR2")
          if (!(name == "CR2" && inc.fault_address && value == *inc.fault_address))
            tie_address(set == 0 ? name : fmt::format("{} (frame {})", name, set), value);
    for (uint64_t pfn : inc.pfns_in_text) {
      PfnTie t{"pfn in text", pfn, "pfn", pfn, "", false, false};
      mapper.classify(t);
      v.ties.push_back(t);
    }
    // the same pfn through several registers: keep each source, they are all evidence

    // --- the verdict
    bool flagged = std::any_of(v.ties.begin(), v.ties.end(), [](const PfnTie& t) { return t.flagged; });
    bool poison_or_devmap = !v.signatures.empty();
    if (v.walker && flagged) v.verdict = Verdict::explained;
    else if ((v.walker && poison_or_devmap) || flagged) v.verdict = Verdict::consistent;
    else v.verdict = Verdict::unrelated;

    // --- evidence, in words
    if (v.walker) {
      v.evidence.push_back(fmt::format("pfn walker {} ({}{}) at {} of the trace: {}", v.walker->walker->function, v.walker->walker->file,
                                       v.walker->walker->calls_pfn_to_online_page ? ", calls pfn_to_online_page()" : ", walks with pfn_valid()",
                                       v.walker->depth == 0 ? std::string("the RIP") : fmt::format("frame {}", v.walker->depth),
                                       v.walker->frame));
      if (!v.walker->reliable) v.evidence.push_back("the walker's frame is marked '?' (unreliable)");
      if (!v.walker->in_release)
        v.evidence.push_back(fmt::format("{} does not walk pfns this way in {} (table of known walkers)", v.walker->walker->function,
                                         inc_release ? inc_release->str() : std::string("this release")));
    } else {
      v.evidence.push_back("no known pfn walker in the RIP or the call trace");
    }
    for (const auto& s : v.signatures) v.evidence.push_back("signature: " + s);
    for (const auto& t : v.ties) {
      if (t.flagged)
        v.evidence.push_back(fmt::format("{} {:#x} is {} of pfn {:#x}, flagged {}{}", t.source, t.value, t.via, t.pfn, t.category,
                                         t.observation ? " (observation)" : ""));
    }
    if (!map.from_dump) {
      for (const auto& p : inc.pages) {
        if (p.address && in_default_vmemmap(*p.address))
          v.undecided.push_back(fmt::format("struct page {:#x} would be pfn {:#x} if the vmemmap starts at the default {:#x} "
                                            "(KASLR may move it): the dump decides",
                                            *p.address, (*p.address - kDefaultVmemmapBase) / 64, kDefaultVmemmapBase));
        else if (p.address)
          v.undecided.push_back(fmt::format("struct page {:#x}: its pfn needs the dump's vmemmap base (randomised)", *p.address));
        if (p.pfn) v.undecided.push_back(fmt::format("whether pfn {:#x} is a flagged pfn needs the dump", *p.pfn));
      }
      if (inc.fault_address && in_default_vmemmap(*inc.fault_address))
        v.undecided.push_back(fmt::format("fault address {:#x} lies in the default vmemmap region: pfn {:#x} if the base is not "
                                          "randomised; the dump decides",
                                          *inc.fault_address, (*inc.fault_address - kDefaultVmemmapBase) / 64));
      for (uint64_t pfn : inc.pfns_in_text) v.undecided.push_back(fmt::format("whether pfn {:#x} is a flagged pfn needs the dump", pfn));
      if (v.walker && !poison_or_devmap)
        v.undecided.push_back("a walker without a poison/devmap signature: only the dump's findings can tie it to a device pfn");
      v.undecided.push_back("without the dump no pfn can be checked against findings, so 'explained' is out of reach");
    }
    out.verdicts.push_back(std::move(v));
  }
  out.overall = Verdict::no_panic;
  for (const auto& v : out.verdicts)
    if (out.overall == Verdict::no_panic || static_cast<int>(v.verdict) < static_cast<int>(out.overall)) out.overall = v.verdict;
  out.incidents = std::move(incidents);
  return out;
}

}  // namespace pfnscan
