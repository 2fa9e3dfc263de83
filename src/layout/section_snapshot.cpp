#include "layout/section_snapshot.hpp"

#include <algorithm>
#include <cstring>
#include <fmt/format.h>

#include "layout/kernel_facts.hpp"

namespace pfnscan {
namespace {

// mem_section_usage structures of one node are allocated together: read neighbours at once.
constexpr uint64_t kUsageRunGap = 4096;
constexpr uint64_t kUsageRunBytes = 64 * 1024;

// Words of the usage head read per section: the subsection map behind a 16-byte rcu_head, or
// wherever type information puts it.
std::size_t usage_head_words(const KernelLayout& L) {
  const std::size_t map_words = L.subsection_map_words();
  std::size_t words = 2 + map_words;
  if (L.off_subsection_map && *L.off_subsection_map % 8 == 0) words = std::max<std::size_t>(words, *L.off_subsection_map / 8 + map_words);
  return words;
}

Status read_roots(Target& target, const KernelLayout& L, SectionSnapshot& snap, std::vector<std::pair<uint64_t, uint64_t>>& bases) {
  if (!L.sparsemem_extreme) {
    bases.emplace_back(0, L.mem_section_symbol);
    return ok_status();
  }
  std::vector<uint64_t> roots(L.nr_section_roots);
  auto st = target.read_kernel_data(L.mem_section_symbol, std::as_writable_bytes(std::span(roots)), snap.excluded_pages);
  if (!st)
    return std::move(st.error()).with_context(
        fmt::format("reading the mem_section root array ({} pointers at {:#x})", L.nr_section_roots, L.mem_section_symbol));
  for (uint64_t i = 0; i < roots.size(); ++i) {
    if (roots[i] == 0) continue;
    if (!facts::is_kernel_address(roots[i])) {
      Problem p{ProblemKind::unreadable_roots,
                fmt::format("mem_section root {} holds {:#x}, not a kernel address; its {} sections skipped", i, roots[i],
                            L.sections_per_root),
                {}, L.section_start_pfn(i * L.sections_per_root), L.section_start_pfn((i + 1) * L.sections_per_root), roots[i]};
      snap.errors.push_back(std::move(p));
      continue;
    }
    bases.emplace_back(i * L.sections_per_root, roots[i]);
  }
  return ok_status();
}

void read_section_arrays(Target& target, const KernelLayout& L, const std::vector<std::pair<uint64_t, uint64_t>>& bases,
                         SectionSnapshot& snap) {
  const std::size_t per_read = L.sparsemem_extreme ? L.sections_per_root : std::min<uint64_t>(L.nr_mem_sections(), L.nr_section_roots);
  std::vector<std::byte> bytes(per_read * L.mem_section_size);
  for (auto [first_nr, base] : bases) {
    auto st = target.read_kernel_data(base, bytes, snap.excluded_pages);
    if (!st) {
      Problem p{ProblemKind::unreadable_sections,
                fmt::format("sections {}..{}: {}", first_nr, first_nr + per_read - 1,
                            std::move(st.error()).with_context(fmt::format("reading the section array at {:#x}", base)).describe()),
                {}, L.section_start_pfn(first_nr), L.section_start_pfn(first_nr + per_read), base};
      snap.errors.push_back(std::move(p));
      continue;
    }
    for (std::size_t i = 0; i < per_read; ++i) {
      const std::byte* entry = bytes.data() + i * L.mem_section_size;
      RawSection s;
      std::memcpy(&s.raw, entry + L.off_section_mem_map, 8);
      if (s.raw == 0) continue;
      s.nr = first_nr + i;
      s.address = base + i * L.mem_section_size;
      if (L.off_usage) std::memcpy(&s.usage, entry + *L.off_usage, 8);
      snap.sections.push_back(std::move(s));
    }
  }
}

void read_one_usage(Target& target, RawSection& s, std::size_t words, uint64_t& excluded) {
  std::vector<uint64_t> w(words);
  auto st = target.read_kernel_data(s.usage, std::as_writable_bytes(std::span(w)), excluded);
  if (!st) {
    s.usage_problem = fmt::format("mem_section_usage at {:#x} is unreadable: {}", s.usage, st.error().describe());
    return;
  }
  s.usage_words = std::move(w);
}

// Heads of the usage structures, neighbours read together; a failed run is read one by one so
// that each section learns its own error.
void read_usage_heads(Target& target, const KernelLayout& L, SectionSnapshot& snap) {
  const std::size_t words = usage_head_words(L);
  const uint64_t head_bytes = words * 8;
  std::vector<RawSection*> todo;
  for (auto& s : snap.sections) {
    if (!decode_section_bits(s.raw, L.section_flags).has_mem_map) continue;
    if (s.usage == 0) s.usage_problem = "usage pointer is NULL";
    else if (!facts::is_kernel_address(s.usage)) s.usage_problem = fmt::format("usage pointer {:#x} is not a kernel address", s.usage);
    else todo.push_back(&s);
  }
  std::sort(todo.begin(), todo.end(), [](const RawSection* a, const RawSection* b) { return a->usage < b->usage; });
  for (std::size_t i = 0; i < todo.size();) {
    std::size_t j = i + 1;
    while (j < todo.size() && todo[j]->usage - todo[j - 1]->usage <= kUsageRunGap &&
           todo[j]->usage - todo[i]->usage + head_bytes <= kUsageRunBytes)
      ++j;
    if (j - i == 1) {
      read_one_usage(target, *todo[i], words, snap.excluded_pages);
      i = j;
      continue;
    }
    const uint64_t start = todo[i]->usage;
    std::vector<std::byte> run(todo[j - 1]->usage - start + head_bytes);
    uint64_t excluded = 0;
    if (target.read_kernel_data(start, run, excluded)) {
      snap.excluded_pages += excluded;
      for (std::size_t k = i; k < j; ++k) {
        todo[k]->usage_words.resize(words);
        std::memcpy(todo[k]->usage_words.data(), run.data() + (todo[k]->usage - start), head_bytes);
      }
    } else {
      for (std::size_t k = i; k < j; ++k) read_one_usage(target, *todo[k], words, snap.excluded_pages);
    }
    i = j;
  }
}

}  // namespace

SectionBits decode_section_bits(uint64_t raw, const SectionFlagBits& b) {
  SectionBits s;
  s.flag_bits = raw & ~b.mask();
  s.encoded_memmap = raw & b.mask();
  s.present = SectionFlagBits::test(raw, b.present);
  s.has_mem_map = SectionFlagBits::test(raw, b.has_mem_map);
  s.online = SectionFlagBits::test(raw, b.online);
  s.early = SectionFlagBits::test(raw, b.early);
  s.taint_zone_device = SectionFlagBits::test(raw, b.taint_zone_device);
  return s;
}

std::optional<std::vector<uint64_t>> subsection_map_at(const RawSection& s, uint64_t offset, const KernelLayout& L) {
  const std::size_t words = L.subsection_map_words();
  if (offset % 8 != 0 || offset / 8 > s.usage_words.size() || s.usage_words.size() - offset / 8 < words) return std::nullopt;
  std::vector<uint64_t> map(s.usage_words.begin() + static_cast<std::ptrdiff_t>(offset / 8),
                            s.usage_words.begin() + static_cast<std::ptrdiff_t>(offset / 8 + words));
  const unsigned nsub = L.subsections_per_section();
  if (nsub % 64) map.back() &= (uint64_t{1} << (nsub % 64)) - 1;
  return map;
}

Result<SectionSnapshot> read_section_snapshot(Target& target, const KernelLayout& L) {
  SectionSnapshot snap;
  std::vector<std::pair<uint64_t, uint64_t>> bases;  // (first section nr, address of its array)
  if (auto st = read_roots(target, L, snap, bases); !st) return std::move(st.error());
  snap.roots_present = bases.size();
  read_section_arrays(target, L, bases, snap);
  if (L.off_usage && L.off_subsection_map) read_usage_heads(target, L, snap);
  if (snap.sections.empty() && snap.errors.empty()) return Error(Errc::corrupt, "the mem_section table holds no present section");
  if (snap.sections.empty()) return Error(Errc::corrupt, "no section could be read: " + snap.errors.front().message);
  return snap;
}

}  // namespace pfnscan
