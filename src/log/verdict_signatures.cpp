// Signatures of this bug family that need no page address (facts §7): a poisoned struct page,
// an all-ones compound_head, all-ones node bits, a ZONE_DEVICE zone in a page dump, a fault
// inside the vmemmap.
#include <algorithm>
#include <fmt/format.h>

#include "layout/kernel_facts.hpp"
#include "log/verdict_parts.hpp"

namespace pfnscan::verdict_detail {

namespace {

// compound_head = PAGE_POISON_PATTERN has bit 0 set: the "head" it names is the pattern minus
// its tail bit, and the walker faults there.
constexpr uint64_t kAllOnesCompoundHead = facts::kPagePoisonPattern & ~uint64_t{1};

void add_signature(IncidentVerdict& v, const std::string& s) {
  if (std::find(v.signatures.begin(), v.signatures.end(), s) == v.signatures.end()) v.signatures.push_back(s);
}

void page_signatures(IncidentVerdict& v, const Incident& inc, const AddressMap& map) {
  const PageFlagLayout& layout = map.page_flags;
  for (const auto& p : inc.pages) {
    if (p.poisoned || p.reason.find("PagePoisoned") != std::string::npos || (p.flags && *p.flags == facts::kPagePoisonPattern))
      add_signature(v, "poisoned_struct_page");
    // the zone as dump_page() printed it (5.14+: "zone=N"), else decoded from the flags word
    std::optional<int> zone = p.zone;
    if (!zone && p.flags && *p.flags != facts::kPagePoisonPattern && layout.zones_width) zone = static_cast<int>(layout.zone_of(*p.flags));
    if (!zone || layout.zone_device < 0 || *zone != layout.zone_device) continue;
    add_signature(v, "zone_device_page");
    if (!map.from_dump)
      v.undecided.push_back(fmt::format("page flags {} read as ZONE_DEVICE assuming the distro x86_64 page->flags layout "
                                        "(zone in bits {}-{}, ZONE_DEVICE = {}); the dump's layout decides",
                                        p.flags ? fmt::format("{:#x}", *p.flags) : "zone=" + std::to_string(*zone), layout.zones_pgshift,
                                        layout.zones_pgshift + layout.zones_width - 1, layout.zone_device));
  }
}

bool all_ones_pointer_register(const Incident& inc) {
  if (inc.registers.empty()) return false;
  return std::any_of(inc.registers.front().begin(), inc.registers.front().end(), [&](const auto& r) {
    return is_pointer_register(inc.arch, r.first) && r.second == facts::kPagePoisonPattern;
  });
}

}  // namespace

bool is_pointer_register(std::string_view arch, std::string_view name) {
  static constexpr std::string_view x86[] = {"RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "R08", "R09", "R10", "R11",
                                             "R12", "R13", "R14", "R15", "R8",  "R9"};
  const bool any = arch.empty();
  if ((any || arch == "x86_64") && std::find(std::begin(x86), std::end(x86), name) != std::end(x86)) return true;
  auto number = [&](char prefix) -> std::optional<int> {
    if (name.size() < 2 || name.size() > 3 || name[0] != prefix) return std::nullopt;
    int n = 0;
    for (char c : name.substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + (c - '0');
    }
    return n;
  };
  if (auto x = number('x'); x && (any || arch == "arm64")) return *x <= 28;
  if (auto r = number('r'); r && (any || arch == "powerpc" || arch == "s390")) {
    if (arch == "s390") return *r <= 14;
    return *r <= 31 && *r != 1 && *r != 2 && *r != 13;
  }
  return false;
}

uint64_t default_vmemmap_base() { return facts::no_dump_vmemmap_base("x86_64").value.value_or(0); }

bool in_default_vmemmap(uint64_t a) {
  const uint64_t base = default_vmemmap_base();
  return a >= base && a - base < (uint64_t{1} << 40);
}

void add_signatures(IncidentVerdict& v, const Incident& inc, const AddressMap& map) {
  page_signatures(v, inc, map);
  if (inc.fault_address && *inc.fault_address == kAllOnesCompoundHead) add_signature(v, "all_ones_compound_head");
  const bool near_null = inc.fault_address && *inc.fault_address < 0x10000;
  const bool zone_ubsan = std::any_of(inc.ubsan.begin(), inc.ubsan.end(), [](const std::string& u) {
    return u.find("'zone [") != std::string::npos || u.find("'struct zone [") != std::string::npos || u.find("pglist_data") != std::string::npos;
  });
  if ((near_null && all_ones_pointer_register(inc)) || zone_ubsan) add_signature(v, "all_ones_node_bits");
  if (inc.fault_address && inc.kind == IncidentKind::page_fault) {
    const uint64_t a = *inc.fault_address;
    const bool x86_text = inc.arch.empty() || inc.arch == "x86_64";
    const bool vmemmap_fault = map.vmemmap_base ? a >= *map.vmemmap_base && (a - *map.vmemmap_base) / map.struct_page_size < map.max_pfn
                                                : x86_text && in_default_vmemmap(a);
    if (vmemmap_fault) add_signature(v, "unmapped_memmap");
  }
}

}  // namespace pfnscan::verdict_detail
