#include "layout/settle.hpp"

#include <fmt/format.h>

#include <map>

#include "layout/kernel_facts.hpp"

namespace pfnscan {
namespace {

// Chooses between subsection_map at 0 and behind a 16-byte rcu_head by what the usage structures
// hold: an rcu_head of a live mem_section_usage is all zeros (boot usage is never freed), while a
// section with memory always has a valid subsection, so the map word is never zero.
std::optional<uint64_t> probe_subsection_map_offset(const SectionSnapshot& snapshot) {
  int votes_rcu = 0, votes_plain = 0;
  for (const auto& s : snapshot.sections) {
    const auto& w = s.usage_words;
    if (w.size() < 3) continue;
    if (w[0] == 0 && w[1] == 0 && w[2] != 0) ++votes_rcu;
    else if (w[0] != 0) ++votes_plain;
  }
  if (votes_rcu > 0 && votes_plain == 0) return 16;
  if (votes_plain > 0 && votes_rcu == 0) return 0;
  return std::nullopt;
}

void settle_subsection_map_offset(KernelLayout& L, const SectionSnapshot& snapshot, std::vector<std::string>& notes) {
  if (!L.off_usage || !L.off_subsection_map || L.certain(FactId::subsection_map_offset)) return;
  auto probed = probe_subsection_map_offset(snapshot);
  if (!probed) {
    notes.push_back("the usage structures do not tell whether an rcu_head precedes subsection_map");
    return;
  }
  L.off_subsection_map = *probed;
  L.settle(FactId::subsection_map_offset, std::to_string(*probed), Source::probe,
           *probed == 16 ? "usage structures begin with a zero rcu_head (5ec8e8ea8b77 backport present)"
                         : "usage structures begin with a non-zero subsection map (no rcu_head)");
}

// A kernel variable holding a kernel address, read at a symbol that names the variable itself.
std::optional<std::pair<uint64_t, std::string>> read_pointer_variable(Target& target, const SymbolResolver& symbols,
                                                                      const std::string& name) {
  auto hit = symbols.find(name);
  if (!hit || hit->source == SymbolSource::vmcoreinfo) return std::nullopt;
  auto value = target.read_u64(AddressSpace::kernel_virtual, hit->address);
  if (!value || !facts::is_kernel_address(*value)) return std::nullopt;
  return std::make_pair(*value, hit->from);
}

// On SPARSEMEM_VMEMMAP every section encodes the same value, vmemmap_base (sparse_encode_mem_map()
// stores memmap - section_start_pfn): the base the most boot sections encode wins. Ties go to the
// higher address: kernel_randomize_memory() keeps vmemmap above vmalloc and the direct map, where
// a 5.3-5.5/5.4.y pfn_to_kaddr() encoding points.
std::optional<uint64_t> most_encoded_memmap(const KernelLayout& L, const SectionSnapshot& snapshot, bool early_only) {
  std::map<uint64_t, int> votes;
  for (const auto& s : snapshot.sections) {
    SectionBits b = decode_section_bits(s.raw, L.section_flags);
    if (!b.has_mem_map || !facts::is_kernel_address(b.encoded_memmap) || (early_only && !b.early)) continue;
    ++votes[b.encoded_memmap];
  }
  std::optional<uint64_t> best;
  int n = 0;
  for (auto [value, count] : votes)
    if (count >= n) best = value, n = count;
  return best;
}

void settle_vmemmap_base(Target& target, KernelLayout& L, const SymbolResolver& symbols, const SectionSnapshot& snapshot) {
  std::optional<uint64_t> base;
  Source source = Source::probe;
  std::string detail;
  // SYMBOL(vmemmap) (v6.9+) is the value itself; the vmemmap_base variable needs a read.
  if (auto v = target.vmcoreinfo().symbol("vmemmap"); v) {
    base = *v, source = Source::vmcoreinfo, detail = "vmemmap_base variable";
  } else if (auto var = read_pointer_variable(target, symbols, "vmemmap_base")) {
    base = var->first, detail = "vmemmap_base variable";
  } else if (auto early = most_encoded_memmap(L, snapshot, true)) {
    base = *early, detail = "decoded memmap of boot (early) sections";
  } else if (auto any = most_encoded_memmap(L, snapshot, false)) {
    base = *any, detail = "decoded memmap shared by most sections";
  }
  if (!base) return;
  L.vmemmap_base = *base;
  L.record(FactId::vmemmap_base, fmt::format("{:#x}", *base), source, detail);
}

// page_offset_base (CONFIG_RANDOMIZE_MEMORY) maps direct-map addresses in an oops to pfns.
void settle_direct_map_base(Target& target, KernelLayout& L, const SymbolResolver& symbols) {
  auto var = read_pointer_variable(target, symbols, "page_offset_base");
  if (!var) return;
  L.direct_map_base = var->first;
  L.record(FactId::direct_map_base, fmt::format("{:#x}", var->first), Source::probe, "page_offset_base (" + var->second + ")");
}

}  // namespace

SettledLayout settle_layout(Target& target, KernelLayout layout, const SymbolResolver& symbols, const SectionSnapshot& snapshot) {
  SettledLayout out;
  settle_subsection_map_offset(layout, snapshot, out.notes);
  settle_vmemmap_base(target, layout, symbols, snapshot);
  if (const FactRecord* zones = layout.fact(FactId::zone_enum); zones && zones->source == Source::builtin)
    probe_zone_enum(target, layout, snapshot);
  settle_direct_map_base(target, layout, symbols);
  out.layout = std::move(layout);
  return out;
}

}  // namespace pfnscan
