#include "machine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>

namespace dumpgen {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kPagesPerSection = 32768;   // SECTION_SIZE_BITS 27
constexpr uint64_t kPagesPerSub = 512;         // SUBSECTION_SHIFT 21
constexpr uint64_t kStructPage = 64;
constexpr uint64_t kStartKernelMap = 0xffffffff80000000ULL;
constexpr uint64_t kKernelLinkVa = 0xffffffff81000000ULL;
constexpr uint64_t kImagePhys = 0x1000000;     // 16 MiB, the compiled-in physical start
constexpr uint64_t kImageSize = 32ULL << 20;
constexpr uint64_t kDataPhys = 0x3000000;      // kernel allocations (memblock, slab) from 48 MiB
constexpr int kPgReserved = 12;
constexpr unsigned kNodesShift = 10;
constexpr unsigned kLastCpupidWidth = 21;      // 8 + NR_CPUS_BITS 13 (Debian: NR_CPUS 8192)

// Offsets inside the kernel image.
constexpr uint64_t kOffTopPgt = 0x10000;
constexpr uint64_t kOffUts = 0x20000;
constexpr uint64_t kOffVars = 0x21000;         // vmemmap_base, page_offset_base, mem_section
constexpr uint64_t kOffNodeData = 0x22000;
constexpr uint64_t kOffFunc = 0x2000;          // pfn_to_online_page text
constexpr uint64_t kOffKallsyms = 0x30000;
constexpr uint64_t kOffBtf = 0x100000;
constexpr uint64_t kOffLog = 0xc00000;          // printk buffers (__log_buf, printk_rb_static, ...)
constexpr uint64_t kOffStaticSections = 0x1000000;

struct Section {
  bool present = false, has_mem_map = false, online = false, early = false, taint = false;
  uint64_t submap = 0;
  uint64_t usage_phys = 0;          // 0: NULL
  std::optional<uint64_t> raw_override;
  std::optional<uint64_t> usage_override;
  uint64_t memmap_chunk = 0;        // early: 2 MiB physical chunk
  std::map<unsigned, uint64_t> sub_memmap;  // non-early: subsection -> 32 KiB physical
  std::optional<uint64_t> quirk_memmap;     // 5.4 pfn_to_kaddr encoding
};

class Machine {
 public:
  Machine(const Scenario& s, const MachineOptions& o) : s_(s), o_(o), p_(s.profile) {
    uint64_t seed = s.kaslr_seed;
    kaslr_offset_ = 0x1e000000 + (seed % 64) * 0x200000;
    page_offset_base_ = 0xffff888000000000ULL + ((seed * 7) % 400) * (1ULL << 30);
    vmemmap_base_ = 0xffffea0000000000ULL - ((seed * 13) % 200 + 1) * (1ULL << 30);
    ktext_va_ = kKernelLinkVa + kaslr_offset_;
    phys_base_ = static_cast<int64_t>(kImagePhys) - static_cast<int64_t>(ktext_va_ - kStartKernelMap);
    data_next_ = kDataPhys;
  }

  MemoryImage build() {
    for (const auto& op : s_.ops)
      if (op.op == "boot_ram") add_ram(op.start, op.end);
    if (ram_.empty()) throw std::runtime_error("scenario has no boot_ram");
    boot();
    for (const auto& op : s_.ops) apply(op);
    lay_out();
    check_allocations_in_ram();
    MemoryImage img;
    img.pages = std::move(mem_);
    img.ram = merged_ram();
    img.vmcoreinfo = vmcoreinfo();
    img.release = s_.release;
    img.ktext_va = ktext_va_;
    img.kimage_phys = kImagePhys;
    img.kimage_size = kImageSize;
    img.page_offset_base = page_offset_base_;
    return img;
  }

 private:
  const Scenario& s_;
  const MachineOptions& o_;
  const Profile& p_;
  uint64_t kaslr_offset_, page_offset_base_, vmemmap_base_, ktext_va_;
  int64_t phys_base_;
  uint64_t data_next_;
  std::vector<std::pair<uint64_t, uint64_t>> ram_;      // pfn ranges
  std::vector<std::pair<uint64_t, uint64_t>> devices_;  // pfn ranges ever mapped
  std::map<uint64_t, Section> sections_;
  std::map<uint64_t, PageBytes> mem_;
  std::vector<std::pair<uint64_t, uint64_t>> allocations_;
  uint64_t max_pfn_ = 0;
  uint64_t pgmap_va_ = 0;

  // --- physical memory ---------------------------------------------------------------------------
  uint8_t* at(uint64_t phys) {
    auto& page = mem_[phys / kPage];
    return page.data() + phys % kPage;
  }
  void write(uint64_t phys, const void* data, uint64_t len) {
    const auto* b = static_cast<const uint8_t*>(data);
    while (len) {
      uint64_t chunk = std::min(len, kPage - phys % kPage);
      std::memcpy(at(phys), b, chunk);
      phys += chunk, b += chunk, len -= chunk;
    }
  }
  void write_u64(uint64_t phys, uint64_t v) { write(phys, &v, 8); }
  void fill(uint64_t phys, uint8_t byte, uint64_t len) {
    while (len) {
      uint64_t chunk = std::min(len, kPage - phys % kPage);
      std::memset(at(phys), byte, chunk);
      phys += chunk, len -= chunk;
    }
  }
  // Kernel allocations come from boot RAM only: a request that does not fit in the current RAM
  // range moves on to the next one, like memblock skipping holes.
  uint64_t alloc(uint64_t size, uint64_t align) {
    data_next_ = (data_next_ + align - 1) / align * align;
    for (int tries = 0; tries < 1024; ++tries) {
      bool fits = false;
      std::optional<uint64_t> next_start;
      for (auto [a, b] : ram_) {
        if (data_next_ >= a * kPage && data_next_ + size <= b * kPage) fits = true;
        if (a * kPage > data_next_ && (!next_start || a * kPage < *next_start)) next_start = a * kPage;
      }
      if (fits || !next_start) break;
      data_next_ = (*next_start + align - 1) / align * align;
    }
    uint64_t a = data_next_;
    data_next_ += size;
    allocations_.emplace_back(a, data_next_);
    fill(a, 0, size);
    return a;
  }
  uint64_t direct_va(uint64_t phys) const { return page_offset_base_ + phys; }
  uint64_t image_va(uint64_t off) const { return ktext_va_ + off; }
  uint64_t image_phys(uint64_t off) const { return kImagePhys + off; }

  void add_ram(uint64_t start, uint64_t end) {
    if (end <= start) throw std::runtime_error("empty RAM range");
    ram_.emplace_back(start, end);
    max_pfn_ = std::max(max_pfn_, end);
  }
  bool is_ram(uint64_t pfn) const {
    for (auto [a, b] : ram_)
      if (pfn >= a && pfn < b) return true;
    return false;
  }
  std::vector<std::pair<uint64_t, uint64_t>> merged_ram() const {
    auto r = ram_;
    std::sort(r.begin(), r.end());
    std::vector<std::pair<uint64_t, uint64_t>> out;
    for (auto [a, b] : r) {
      if (!out.empty() && a <= out.back().second) out.back().second = std::max(out.back().second, b);
      else out.emplace_back(a, b);
    }
    for (auto& [a, b] : out) a *= kPage, b *= kPage;
    return out;
  }
  void check_allocations_in_ram() const {
    auto ram = merged_ram();
    for (auto [a, b] : allocations_) {
      bool inside = false;
      for (auto [ra, rb] : ram) inside |= a >= ra && b <= rb;
      if (!inside)
        throw std::runtime_error(fmt::format("kernel data at {:#x}-{:#x} is outside boot RAM: give the scenario more RAM", a, b));
    }
  }

  // --- struct pages ------------------------------------------------------------------------------
  unsigned zone_for_ram(uint64_t pfn) const { return pfn < 0x1000 ? 0 : (pfn < 0x100000 ? 1 : 2); }
  uint64_t page_flags(unsigned zone, unsigned node, uint64_t low_bits) const {
    unsigned nodes = s_.numa ? kNodesShift : 0;
    unsigned zshift = 64 - nodes - p_.zones_shift();
    uint64_t cpupid = ((uint64_t{1} << kLastCpupidWidth) - 1) << (zshift - kLastCpupidWidth);
    uint64_t f = (uint64_t{zone} << zshift) | cpupid | low_bits;
    if (nodes) f |= uint64_t{node} << (64 - nodes);
    return f;
  }
  std::optional<uint64_t> struct_page_phys(uint64_t pfn) {
    auto it = sections_.find(pfn / kPagesPerSection);
    if (it == sections_.end()) return std::nullopt;
    Section& sec = it->second;
    uint64_t idx = pfn % kPagesPerSection;
    if (sec.memmap_chunk) return sec.memmap_chunk + idx * kStructPage;
    auto sub = sec.sub_memmap.find(static_cast<unsigned>(idx / kPagesPerSub));
    if (sub == sec.sub_memmap.end()) return std::nullopt;
    return sub->second + (idx % kPagesPerSub) * kStructPage;
  }
  void write_struct_page(uint64_t pfn, uint64_t flags, uint64_t word1, int refcount) {
    auto pa = struct_page_phys(pfn);
    if (!pa) throw std::runtime_error(fmt::format("no memmap for pfn {:#x}", pfn));
    uint8_t page[kStructPage] = {};
    std::memcpy(page, &flags, 8);
    std::memcpy(page + 8, &word1, 8);
    int32_t mapcount = -1;
    std::memcpy(page + 48, &mapcount, 4);
    std::memcpy(page + 52, &refcount, 4);
    write(*pa, page, kStructPage);
  }
  void init_ram_page(uint64_t pfn) {
    uint64_t self = vmemmap_base_ + pfn * kStructPage + 8;  // empty lru list points to itself
    write_struct_page(pfn, page_flags(zone_for_ram(pfn), 0, 0), self, 1);
  }

  // --- operations ---------------------------------------------------------------------------------
  void require_subsection_aligned(const Op& op) const {
    if (op.start % kPagesPerSub || op.end % kPagesPerSub || op.end <= op.start)
      throw std::runtime_error(fmt::format("{} {:#x}-{:#x}: ranges must be subsection (512-pfn) aligned", op.op, op.start, op.end));
  }
  void set_sub_bits(Section& sec, uint64_t nr, uint64_t start, uint64_t end, bool set) {
    uint64_t first = std::max(start, nr * kPagesPerSection), last = std::min(end, (nr + 1) * kPagesPerSection);
    for (uint64_t pfn = first; pfn < last; pfn += kPagesPerSub) {
      uint64_t bit = uint64_t{1} << ((pfn % kPagesPerSection) / kPagesPerSub);
      sec.submap = set ? sec.submap | bit : sec.submap & ~bit;
    }
  }
  void populate_subsections(Section& sec, uint64_t nr, uint64_t start, uint64_t end) {
    if (sec.memmap_chunk) return;
    uint64_t first = std::max(start, nr * kPagesPerSection), last = std::min(end, (nr + 1) * kPagesPerSection);
    for (uint64_t pfn = first; pfn < last; pfn += kPagesPerSub) {
      unsigned sub = static_cast<unsigned>((pfn % kPagesPerSection) / kPagesPerSub);
      if (!sec.sub_memmap.count(sub)) sec.sub_memmap[sub] = alloc(kPagesPerSub * kStructPage, kPage);
    }
  }

  void boot() {
    std::set<uint64_t> nrs;
    for (auto [a, b] : ram_)
      for (uint64_t nr = a / kPagesPerSection; nr <= (b - 1) / kPagesPerSection; ++nr) nrs.insert(nr);
    // One per-node array of usage structures, as sparse_init_nid() allocates.
    uint64_t usage_array = alloc(nrs.size() * p_.usage_size(), 64);
    uint64_t k = 0;
    for (uint64_t nr : nrs) {
      Section& sec = sections_[nr];
      sec.present = sec.has_mem_map = sec.online = true;
      sec.early = p_.bit_early >= 0;
      sec.usage_phys = usage_array + (k++) * p_.usage_size();
      sec.memmap_chunk = alloc(kPagesPerSection * kStructPage, 2ULL << 20);  // boot memmap: 2 MiB pages
      for (auto [a, b] : ram_) set_sub_bits(sec, nr, a, b, true);
      for (uint64_t pfn = nr * kPagesPerSection; pfn < (nr + 1) * kPagesPerSection; ++pfn) {
        if (is_ram(pfn)) init_ram_page(pfn);
        else if (s_.hole_memmap == "init") write_struct_page(pfn, page_flags(zone_for_ram(pfn), 0, 1ULL << kPgReserved), 0, 1);
        else if (s_.hole_memmap == "poison") fill(*struct_page_phys(pfn), 0xff, kStructPage);
        // "zero": left as allocated (zeros)
      }
    }
  }

  void apply(const Op& op) {
    if (op.op == "boot_ram") return;
    if (op.op == "memremap") return memremap(op);
    if (op.op == "memunmap") return memunmap(op);
    if (op.op == "hotplug_ram") return hotplug_ram(op);
    if (op.op == "offline_section") {
      sections_.at(op.section).online = false;
      return;
    }
    if (op.op == "present_only") {
      Section& sec = sections_[op.section];
      sec = Section{};
      sec.present = true;  // SECTION_MARKED_PRESENT with the nid encoding (node 0), no memmap yet
      return;
    }
    if (op.op == "drop_memmap") {
      // Damage, not a kernel state: the vmemmap of valid subsections of a hot-added section is
      // gone (what a reader that cannot map them sees).
      require_subsection_aligned(op);
      for (uint64_t pfn = op.start; pfn < op.end; pfn += kPagesPerSub)
        sections_.at(pfn / kPagesPerSection).sub_memmap.erase(static_cast<unsigned>((pfn % kPagesPerSection) / kPagesPerSub));
      return;
    }
    if (op.op == "poison_pages") {
      for (uint64_t pfn = op.start; pfn < op.end; ++pfn)
        if (auto pa = struct_page_phys(pfn)) fill(*pa, 0xff, kStructPage);
      return;
    }
    if (op.op == "set_usage") {
      sections_.at(op.section).usage_override = op.value;
      return;
    }
    if (op.op == "set_raw") {
      sections_[op.section].raw_override = op.value;
      return;
    }
    if (op.op == "set_root") {
      root_overrides_[op.root] = op.value;
      return;
    }
    throw std::runtime_error("unknown memory op " + op.op);
  }

  // sparse_add_section(): a section that did not exist is created (present, with a memmap, its
  // own usage); the subsections of [start, end) get a memmap and their bits.
  Section& add_subsections(uint64_t nr, uint64_t start, uint64_t end) {
    bool created = !sections_.count(nr);
    Section& sec = sections_[nr];
    if (created) {
      sec.present = sec.has_mem_map = true;
      sec.usage_phys = alloc(p_.usage_size(), 64);
    }
    populate_subsections(sec, nr, start, end);
    set_sub_bits(sec, nr, start, end, true);
    return sec;
  }

  void memremap(const Op& op) {
    require_subsection_aligned(op);
    if (!p_.zone_device) throw std::runtime_error("memremap needs a profile with CONFIG_ZONE_DEVICE");
    devices_.emplace_back(op.start, op.end);
    max_pfn_ = std::max(max_pfn_, op.end);
    if (!pgmap_va_) {
      uint64_t pa = alloc(64, 64);
      uint64_t type = 2;  // MEMORY_DEVICE_FS_DAX (5.x numbering)
      write_u64(pa, type);
      write_u64(pa + 16, op.start * kPage);
      write_u64(pa + 24, op.end * kPage - 1);
      pgmap_va_ = direct_va(pa);
    }
    for (uint64_t nr = op.start / kPagesPerSection; nr <= (op.end - 1) / kPagesPerSection; ++nr) {
      Section& sec = add_subsections(nr, op.start, op.end);
      uint64_t section_start = nr * kPagesPerSection;
      // 5.3-5.5 / 5.4.y: sparse_add_section() "aligns" the memmap with pfn_to_kaddr() when the
      // hot-add does not begin at the section start.
      if (p_.memmap_quirk && op.start > section_start && op.start < section_start + kPagesPerSection)
        sec.quirk_memmap = page_offset_base_ + section_start * kPage - section_start * kStructPage;
    }
    for (uint64_t pfn = op.start; pfn < op.end; ++pfn)
      write_struct_page(pfn, page_flags(static_cast<unsigned>(p_.zone_device_index()), 0, 1ULL << kPgReserved), pgmap_va_, 1);
    if (p_.bit_taint >= 0) {  // section_taint_zone_device() (1f90a3477df3, v5.12)
      if (op.start % kPagesPerSection) sections_.at(op.start / kPagesPerSection).taint = true;
      if (op.end % kPagesPerSection) sections_.at(op.end / kPagesPerSection).taint = true;
    }
  }

  void memunmap(const Op& op) {
    require_subsection_aligned(op);
    // remove_pfn_range_from_zone() -> page_init_poison() with CONFIG_DEBUG_VM (5.5+).
    if (op.poison)
      for (uint64_t pfn = op.start; pfn < op.end; ++pfn)
        if (auto pa = struct_page_phys(pfn)) fill(*pa, 0xff, kStructPage);
    for (uint64_t nr = op.start / kPagesPerSection; nr <= (op.end - 1) / kPagesPerSection; ++nr) {
      Section& sec = sections_.at(nr);
      set_sub_bits(sec, nr, op.start, op.end, false);
      if (sec.early) continue;  // the memmap of early sections is never depopulated
      uint64_t first = std::max(op.start, nr * kPagesPerSection), last = std::min(op.end, (nr + 1) * kPagesPerSection);
      for (uint64_t pfn = first; pfn < last; pfn += kPagesPerSub)
        sec.sub_memmap.erase(static_cast<unsigned>((pfn % kPagesPerSection) / kPagesPerSub));
      if (sec.submap == 0) sections_.erase(nr);  // section_deactivate(): empty section is cleared
    }
  }

  void hotplug_ram(const Op& op) {
    require_subsection_aligned(op);
    ram_.emplace_back(op.start, op.end);
    max_pfn_ = std::max(max_pfn_, op.end);
    for (uint64_t nr = op.start / kPagesPerSection; nr <= (op.end - 1) / kPagesPerSection; ++nr) {
      Section& sec = add_subsections(nr, op.start, op.end);
      if (op.online) sec.online = true;
    }
    for (uint64_t pfn = op.start; pfn < op.end; ++pfn) init_ram_page(pfn);
  }

  std::map<uint64_t, uint64_t> root_overrides_;

  // --- page tables ---------------------------------------------------------------------------------
  uint64_t table(uint64_t parent_pa, unsigned index) {
    uint64_t entry = 0;
    std::memcpy(&entry, at(parent_pa + index * 8), 8);
    if (entry & 1) return entry & 0x000ffffffffff000ULL;
    uint64_t pa = alloc(kPage, kPage);
    write_u64(parent_pa + index * 8, pa | 0x63);
    return pa;
  }
  void map(uint64_t va, uint64_t pa, bool huge) {
    uint64_t pgd = image_phys(kOffTopPgt);
    uint64_t pud = table(pgd, (va >> 39) & 511);
    uint64_t pmd = table(pud, (va >> 30) & 511);
    if (huge) {
      write_u64(pmd + ((va >> 21) & 511) * 8, pa | 0xe3);
      return;
    }
    uint64_t pte = table(pmd, (va >> 21) & 511);
    write_u64(pte + ((va >> 12) & 511) * 8, pa | 0x63);
  }

  // --- the kernel's view, written out ---------------------------------------------------------------
  uint64_t section_raw(uint64_t nr, const Section& sec) const {
    if (sec.raw_override) return *sec.raw_override;
    uint64_t raw = 0;
    if (sec.present) raw |= 1;
    if (!sec.has_mem_map) return raw;  // early-boot nid encoding, node 0
    raw |= 2;
    if (sec.online) raw |= 1ULL << p_.bit_online;
    if (sec.early && p_.bit_early >= 0) raw |= 1ULL << p_.bit_early;
    if (sec.taint && p_.bit_taint >= 0) raw |= 1ULL << p_.bit_taint;
    uint64_t encoded = sec.quirk_memmap ? *sec.quirk_memmap : vmemmap_base_;
    (void)nr;
    return raw | encoded;
  }

  uint64_t roots_ = 0;
  uint64_t per_root_ = 0;
  uint64_t mem_section_symbol_ = 0;

  void lay_out() {
    // Root array and roots (SPARSEMEM_EXTREME, 83e3c48729d9 v4.15), or the static array.
    const uint64_t nr_sections = 1ULL << 19;  // MAX_PHYSMEM_BITS 46 - SECTION_SIZE_BITS 27
    per_root_ = s_.sparsemem_extreme ? kPage / static_cast<uint64_t>(s_.mem_section_size) : 1;
    roots_ = nr_sections / per_root_;
    std::map<uint64_t, uint64_t> root_pa;
    if (s_.sparsemem_extreme) {
      uint64_t array = alloc(roots_ * 8, kPage);
      mem_section_symbol_ = direct_va(array);
      for (const auto& [nr, sec] : sections_) {
        uint64_t r = nr / per_root_;
        if (!root_pa.count(r)) {
          root_pa[r] = alloc(kPage, kPage);
          write_u64(array + r * 8, direct_va(root_pa[r]));
        }
      }
      for (auto [r, v] : root_overrides_) write_u64(array + r * 8, v);
      write_u64(image_phys(kOffVars + 16), mem_section_symbol_);
    } else {
      mem_section_symbol_ = image_va(kOffStaticSections);
    }
    for (const auto& [nr, sec] : sections_) {
      uint64_t pa = s_.sparsemem_extreme ? root_pa[nr / per_root_] + (nr % per_root_) * s_.mem_section_size
                                         : image_phys(kOffStaticSections) + nr * s_.mem_section_size;
      write_u64(pa, section_raw(nr, sec));
      uint64_t usage_va = sec.usage_phys ? direct_va(sec.usage_phys) : 0;
      if (sec.usage_override) usage_va = *sec.usage_override;
      write_u64(pa + 8, usage_va);
      if (sec.usage_phys) {
        write_u64(sec.usage_phys + p_.usage_subsection_map_offset(), sec.submap);
        fill(sec.usage_phys + p_.usage_subsection_map_offset() + 8, 0x11, 32);  // pageblock migratetypes
      }
    }
    // Page tables: kernel text, the direct map (2 MiB pages over all memory), vmemmap.
    for (uint64_t off = 0; off < kImageSize; off += 2ULL << 20) map(image_va(off), image_phys(off), true);
    uint64_t top = (max_pfn_ * kPage + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
    for (uint64_t pa = 0; pa < top; pa += 2ULL << 20) map(direct_va(pa), pa, true);
    for (const auto& [nr, sec] : sections_) {
      uint64_t va = vmemmap_base_ + nr * kPagesPerSection * kStructPage;
      if (sec.memmap_chunk) {
        map(va, sec.memmap_chunk, true);
        continue;
      }
      for (auto [sub, pa] : sec.sub_memmap)
        for (uint64_t off = 0; off < kPagesPerSub * kStructPage; off += kPage)
          map(va + sub * kPagesPerSub * kStructPage + off, pa + off, false);
    }
    // Variables the kernel keeps (CONFIG_DYNAMIC_MEMORY_LAYOUT).
    write_u64(image_phys(kOffVars), vmemmap_base_);
    write_u64(image_phys(kOffVars + 8), page_offset_base_);
    // init_uts_ns
    const char* fields[6] = {"Linux", "pfnscan-test", s_.release.c_str(), s_.uts_version.c_str(), "x86_64", "(none)"};
    for (int i = 0; i < 6; ++i)
      write(image_phys(kOffUts + p_.uts_name_offset + static_cast<uint64_t>(i) * 65), fields[i],
            std::min<std::size_t>(std::strlen(fields[i]), 64));
    if (p_.kallsyms_in_vmcoreinfo) write_kallsyms_and_btf();
    const bool ringbuffer = s_.log_layout.empty() ? p_.printk_ringbuffer : s_.log_layout == "ringbuffer";
    if (ringbuffer) write_printk_ringbuffer();
    else write_log_buf();
  }

  // --- the kernel log ---------------------------------------------------------------------------
  std::vector<std::pair<std::string, std::string>> log_lines_;

  // {page:PFN} -> the struct page address of PFN as %px prints it; {direct:PFN} -> its direct-map address.
  std::string fill_addresses(std::string text) const {
    for (const char* kind : {"{page:", "{direct:"}) {
      std::size_t at;
      while ((at = text.find(kind)) != std::string::npos) {
        std::size_t close = text.find('}', at);
        if (close == std::string::npos) throw std::runtime_error("unterminated placeholder in log text");
        std::size_t colon = text.find(':', at);
        uint64_t pfn = std::stoull(text.substr(colon + 1, close - colon - 1), nullptr, 0);
        uint64_t addr = kind[1] == 'p' ? vmemmap_base_ + pfn * kStructPage : direct_va(pfn * kPage);
        text.replace(at, close - at + 1, fmt::format("{:016x}", addr));
      }
    }
    return text;
  }
  std::vector<LogRecord> filled_log() const {
    std::vector<LogRecord> log = s_.log;
    for (auto& r : log) r.text = fill_addresses(r.text);
    return log;
  }

  // Pre-5.10: variable-length struct printk_log records in __log_buf (kernel/printk/printk.c).
  void write_log_buf() {
    const uint64_t buf_len = 1 << 17;
    const uint64_t buf = image_phys(kOffLog + 0x1000);
    // struct printk_log: 16 bytes, 20 with caller_id (v5.1+, CONFIG_PRINTK_CALLER); packed, aligned(4)
    const uint64_t hdr = s_.log_caller_ids ? 20 : 16;
    const auto log = filled_log();
    if (s_.log_buf_start % 4 || s_.log_buf_start >= buf_len) throw std::runtime_error("log_buf_start must be 4-aligned and inside log_buf");
    uint64_t idx = s_.log_buf_start;
    bool wrapped = false;
    for (std::size_t i = 0; i < log.size(); ++i) {
      const auto& r = log[i];
      uint64_t len = (hdr + r.text.size() + 3) & ~uint64_t{3};  // LOG_ALIGN 4
      if (idx + len + hdr > buf_len && !wrapped && s_.log_buf_start) {  // log_store(): a zero header, then from 0
        uint8_t zero[20] = {};
        write(buf + idx, zero, hdr);
        idx = 0;
        wrapped = true;
      }
      if (idx + len + hdr > buf_len || (wrapped && idx + len + hdr > s_.log_buf_start))
        throw std::runtime_error("log too long for the synthetic log_buf");
      uint8_t h[20] = {};
      std::memcpy(h, &r.ts_nsec, 8);
      uint16_t l16 = static_cast<uint16_t>(len), t16 = static_cast<uint16_t>(r.text.size());
      std::memcpy(h + 8, &l16, 2);
      std::memcpy(h + 10, &t16, 2);
      h[14] = static_cast<uint8_t>(r.facility);
      // LOG_NEWLINE unless the next record continues this line; LOG_CONT on a continuation
      const bool continued = i + 1 < log.size() && log[i + 1].cont;
      h[15] = static_cast<uint8_t>((continued ? 0 : 0x2) | (r.cont ? 0x8 : 0) | (r.level << 5));
      if (s_.log_caller_ids) {
        uint32_t c = r.caller_id.value_or(1);
        std::memcpy(h + 16, &c, 4);
      }
      write(buf + idx, h, hdr);
      write(buf + idx + hdr, r.text.data(), r.text.size());
      idx += len;
    }
    const uint64_t vars = image_phys(kOffLog);
    write_u64(vars, image_va(kOffLog + 0x1000));  // char *log_buf = __log_buf
    uint32_t u32s[4] = {static_cast<uint32_t>(buf_len), static_cast<uint32_t>(s_.log_buf_start), static_cast<uint32_t>(idx), 0};
    write(vars + 8, &u32s[0], 4);    // log_buf_len
    write(vars + 12, &u32s[1], 4);   // log_first_idx
    write(vars + 16, &u32s[2], 4);   // log_next_idx
    write(vars + 20, &u32s[3], 4);   // clear_idx
    auto sym = [&](uint64_t off) { return fmt::format("{:x}", image_va(kOffLog) + off); };
    log_lines_ = {{"SYMBOL(log_buf)", sym(0)},        {"SYMBOL(log_buf_len)", sym(8)},
                  {"SYMBOL(log_first_idx)", sym(12)}, {"SYMBOL(clear_idx)", sym(20)},
                  {"SYMBOL(log_next_idx)", sym(16)},  {"SIZE(printk_log)", std::to_string(hdr)},
                  {"OFFSET(printk_log.ts_nsec)", "0"}, {"OFFSET(printk_log.len)", "8"},
                  {"OFFSET(printk_log.text_len)", "10"}, {"OFFSET(printk_log.dict_len)", "12"}};
    if (s_.log_caller_ids) log_lines_.push_back({"OFFSET(printk_log.caller_id)", "16"});
  }

  // 5.10+: the lockless printk ringbuffer (896fbe20b4e2), kernel/printk/printk_ringbuffer.h.
  void write_printk_ringbuffer() {
    const unsigned count_bits = 8, size_bits = 16;
    const uint64_t count = 1u << count_bits, size = 1u << size_bits;
    const uint64_t rb = image_phys(kOffLog);                 // struct printk_ringbuffer printk_rb_static
    const uint64_t prb_var = rb + 0x100;                      // struct printk_ringbuffer *prb
    const uint64_t clear_seq = rb + 0x200;
    const uint64_t descs = rb + 0x1000, infos = descs + count * 24, text = rb + 0x10000;
    // v5.10+: a KERN_CONT fragment extends the caller's last record (prb_reserve_in_last)
    std::vector<LogRecord> log;
    for (auto& r : filled_log()) {
      if (r.cont && !log.empty()) log.back().text += r.text;
      else log.push_back(r);
    }
    if (log.size() > count) throw std::runtime_error("log too long for the synthetic ringbuffer");
    uint64_t lpos = s_.printk_text_start;
    for (std::size_t k = 0; k < log.size(); ++k) {
      const auto& r = log[k];
      const uint64_t id = s_.printk_first_id + k;
      uint64_t blk = (8 + r.text.size() + 7) & ~uint64_t{7};
      uint64_t begin = lpos, next = lpos + blk, at = lpos % size;
      if (at + blk > size) {  // data_alloc(): a block that would cross the end starts at data[0]
        next = lpos + (size - at) + blk;
        at = 0;
      }
      if (next - s_.printk_text_start > size) throw std::runtime_error("log too long for the synthetic text ring");
      if (r.dataless) {
        begin = next = 0x3;  // NO_LPOS: no text block
      } else {
        write_u64(text + at, id);
        write(text + at + 8, r.text.data(), r.text.size());
        lpos = next;
      }
      uint64_t d = descs + (id % count) * 24;
      write_u64(d, (uint64_t{2} << 62) | id);  // desc_finalized
      write_u64(d + 8, begin);
      write_u64(d + 16, next);
      uint64_t in = infos + (id % count) * 88;
      write_u64(in, id);  // seq
      write_u64(in + 8, r.ts_nsec);
      uint16_t tl = static_cast<uint16_t>(r.dataless ? 0 : r.text.size());
      write(in + 16, &tl, 2);
      uint8_t fac = static_cast<uint8_t>(r.facility), fl = static_cast<uint8_t>(0x2 | (r.level << 5));
      write(in + 18, &fac, 1);
      write(in + 19, &fl, 1);
      uint32_t caller = r.caller_id.value_or(1);  // the ringbuffer always records the caller
      write(in + 20, &caller, 4);
    }
    uint32_t cb = s_.printk_count_bits_claimed ? s_.printk_count_bits_claimed : count_bits, sb = size_bits;
    write(rb, &cb, 4);                              // desc_ring.count_bits
    write_u64(rb + 8, image_va(kOffLog + 0x1000));  // desc_ring.descs
    write_u64(rb + 16, image_va(kOffLog + 0x1000 + count * 24));  // desc_ring.infos
    write_u64(rb + 24, s_.printk_first_id + (log.empty() ? 0 : log.size() - 1));  // desc_ring.head_id
    write_u64(rb + 32, s_.printk_first_id);                                       // desc_ring.tail_id
    write(rb + 40, &sb, 4);                         // text_data_ring.size_bits
    write_u64(rb + 48, image_va(kOffLog + 0x10000));// text_data_ring.data
    write_u64(rb + 56, lpos);                       // head_lpos
    write_u64(rb + 64, s_.printk_text_start);       // tail_lpos
    write_u64(prb_var, image_va(kOffLog));
    (void)clear_seq;
    auto va = [&](uint64_t pa) { return fmt::format("{:x}", ktext_va_ + (pa - kImagePhys)); };
    log_lines_ = {
        {"SYMBOL(prb)", va(prb_var)}, {"SYMBOL(printk_rb_static)", va(rb)}, {"SYMBOL(clear_seq)", va(clear_seq)},
        {"SIZE(printk_ringbuffer)", "80"}, {"OFFSET(printk_ringbuffer.desc_ring)", "0"},
        {"OFFSET(printk_ringbuffer.text_data_ring)", "40"}, {"OFFSET(printk_ringbuffer.fail)", "72"},
        {"SIZE(prb_desc_ring)", "40"}, {"OFFSET(prb_desc_ring.count_bits)", "0"}, {"OFFSET(prb_desc_ring.descs)", "8"},
        {"OFFSET(prb_desc_ring.infos)", "16"}, {"OFFSET(prb_desc_ring.head_id)", "24"},
        {"OFFSET(prb_desc_ring.tail_id)", "32"}, {"SIZE(prb_desc)", "24"}, {"OFFSET(prb_desc.state_var)", "0"},
        {"OFFSET(prb_desc.text_blk_lpos)", "8"}, {"SIZE(prb_data_blk_lpos)", "16"},
        {"OFFSET(prb_data_blk_lpos.begin)", "0"}, {"OFFSET(prb_data_blk_lpos.next)", "8"},
        {"SIZE(printk_info)", "88"}, {"OFFSET(printk_info.seq)", "0"}, {"OFFSET(printk_info.ts_nsec)", "8"},
        {"OFFSET(printk_info.text_len)", "16"}, {"OFFSET(printk_info.caller_id)", "20"},
        {"OFFSET(printk_info.dev_info)", "24"}, {"SIZE(dev_printk_info)", "64"},
        {"OFFSET(dev_printk_info.subsystem)", "0"}, {"LENGTH(printk_info_subsystem)", "16"},
        {"OFFSET(dev_printk_info.device)", "16"}, {"LENGTH(printk_info_device)", "48"},
        {"SIZE(prb_data_ring)", "32"}, {"OFFSET(prb_data_ring.size_bits)", "0"}, {"OFFSET(prb_data_ring.data)", "8"},
        {"OFFSET(prb_data_ring.head_lpos)", "16"}, {"OFFSET(prb_data_ring.tail_lpos)", "24"},
        {"SIZE(atomic_long_t)", "8"}, {"OFFSET(atomic_long_t.counter)", "0"}};
    if (p_.latched_clear_seq) {
      log_lines_.push_back({"SIZE(latched_seq)", "24"});
      log_lines_.push_back({"OFFSET(latched_seq.val)", "8"});
    }
  }

  std::vector<std::pair<std::string, uint64_t>> kernel_symbols() const {
    std::vector<std::pair<std::string, uint64_t>> syms = {
        {"T_text", image_va(0)},
        {"T_stext", image_va(0)},
        {"Dinit_top_pgt", image_va(kOffTopPgt)},
        {"Dinit_uts_ns", image_va(kOffUts)},
        {"Dvmemmap_base", image_va(kOffVars)},
        {"Dpage_offset_base", image_va(kOffVars + 8)},
        {"Bmem_section", image_va(kOffVars + 16)},
        {"Dnode_data", image_va(kOffNodeData)},
        {"R__start_BTF", image_va(kOffBtf)},
        {"R__stop_BTF", image_va(kOffBtf + btf_size_)},
    };
    if (p_.fixed_function) syms.push_back({"Tpfn_to_online_page", image_va(kOffFunc)});
    std::sort(syms.begin(), syms.end(), [](auto& a, auto& b) { return a.second < b.second; });
    return syms;
  }
  uint64_t btf_size_ = 0;

  void write_kallsyms_and_btf() {
    std::vector<uint8_t> btf;
    if (!o_.btf_file.empty()) {
      std::ifstream in(o_.btf_file, std::ios::binary);
      if (!in) throw std::runtime_error("cannot read BTF file " + o_.btf_file);
      btf.assign(std::istreambuf_iterator<char>(in), {});
      if (btf.size() > kOffLog - kOffBtf) throw std::runtime_error("BTF blob too large");
      write(image_phys(kOffBtf), btf.data(), btf.size());
    }
    btf_size_ = btf.size();
    auto syms = kernel_symbols();
    // Tables laid out like the kernel's: one-character tokens keep the encoder trivial while the
    // decoder still goes through the token table.
    uint64_t cursor = image_phys(kOffKallsyms);
    auto place = [&](uint64_t size, uint64_t align) {
      cursor = (cursor + align - 1) / align * align;
      uint64_t at_pa = cursor;
      cursor += size;
      return at_pa;
    };
    uint32_t num = static_cast<uint32_t>(syms.size());
    uint64_t num_pa = place(4, 8);
    write(num_pa, &num, 4);
    std::vector<uint8_t> names;
    for (auto& [name, addr] : syms) {
      names.push_back(static_cast<uint8_t>(name.size()));
      names.insert(names.end(), name.begin(), name.end());
    }
    uint64_t names_pa = place(names.size(), 8);
    write(names_pa, names.data(), names.size());
    std::vector<uint8_t> token_table;
    uint16_t token_index[256];
    for (int i = 0; i < 256; ++i) {
      token_index[i] = static_cast<uint16_t>(token_table.size());
      if (i) token_table.push_back(static_cast<uint8_t>(i));
      token_table.push_back(0);
    }
    uint64_t table_pa = place(token_table.size(), 8);
    write(table_pa, token_table.data(), token_table.size());
    uint64_t index_pa = place(sizeof token_index, 8);
    write(index_pa, token_index, sizeof token_index);
    uint64_t relative_base = image_va(0);
    std::vector<int32_t> offsets;
    for (auto& [name, addr] : syms) offsets.push_back(static_cast<int32_t>(static_cast<int64_t>(relative_base) - 1 - static_cast<int64_t>(addr)));
    uint64_t offsets_pa = place(offsets.size() * 4, 8);
    write(offsets_pa, offsets.data(), offsets.size() * 4);
    uint64_t base_pa = place(8, 8);
    write_u64(base_pa, relative_base);
    auto va = [&](uint64_t pa) { return ktext_va_ + (pa - kImagePhys); };
    kallsyms_lines_ = {{"SYMBOL(kallsyms_names)", fmt::format("{:x}", va(names_pa))},
                       {"SYMBOL(kallsyms_num_syms)", fmt::format("{:x}", va(num_pa))},
                       {"SYMBOL(kallsyms_token_table)", fmt::format("{:x}", va(table_pa))},
                       {"SYMBOL(kallsyms_token_index)", fmt::format("{:x}", va(index_pa))},
                       {"SYMBOL(kallsyms_offsets)", fmt::format("{:x}", va(offsets_pa))},
                       {"SYMBOL(kallsyms_relative_base)", fmt::format("{:x}", va(base_pa))}};
  }
  std::vector<std::pair<std::string, std::string>> kallsyms_lines_;

  std::string vmcoreinfo() const {
    std::vector<std::pair<std::string, std::string>> lines;
    auto add = [&](std::string k, std::string v) { lines.emplace_back(std::move(k), std::move(v)); };
    add("OSRELEASE", s_.release);
    add("PAGESIZE", "4096");
    add("SYMBOL(init_uts_ns)", fmt::format("{:x}", image_va(kOffUts)));
    if (p_.uts_name_offset == 0) add("OFFSET(uts_namespace.name)", "0");
    add("SYMBOL(node_online_map)", fmt::format("{:x}", image_va(kOffVars + 64)));
    add("SYMBOL(swapper_pg_dir)", fmt::format("{:x}", image_va(kOffTopPgt)));
    add("SYMBOL(_stext)", fmt::format("{:x}", image_va(0)));
    add("SYMBOL(mem_section)", fmt::format("{:x}", mem_section_symbol_));
    add("LENGTH(mem_section)", std::to_string(roots_));
    add("SIZE(mem_section)", std::to_string(s_.mem_section_size));
    add("OFFSET(mem_section.section_mem_map)", "0");
    if (p_.vmcoreinfo_section_size_bits) add("NUMBER(SECTION_SIZE_BITS)", "27");
    if (p_.vmcoreinfo_max_physmem_bits) add("NUMBER(MAX_PHYSMEM_BITS)", "46");
    add("SIZE(page)", "64");
    add("OFFSET(page.flags)", "0");
    add("OFFSET(page._refcount)", "52");
    add("OFFSET(page.mapping)", "24");
    add("OFFSET(page.lru)", "8");
    add("OFFSET(page._mapcount)", "48");
    add("OFFSET(page.private)", "40");
    add("OFFSET(page.compound_head)", "8");
    add("NUMBER(PG_lru)", "4");
    add("NUMBER(PG_private)", "13");
    add("NUMBER(PG_swapcache)", "10");
    add("NUMBER(PG_swapbacked)", "19");
    add("NUMBER(PG_slab)", "9");
    add("NUMBER(PG_hwpoison)", "23");
    add("NUMBER(PG_head_mask)", "65536");
    add("NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", "-129");
    if (s_.numa) {
      add("SYMBOL(node_data)", fmt::format("{:x}", image_va(kOffNodeData)));
      add("LENGTH(node_data)", std::to_string(1u << kNodesShift));
    }
    add("SYMBOL(init_top_pgt)", fmt::format("{:x}", image_va(kOffTopPgt)));
    add("NUMBER(pgtable_l5_enabled)", "0");
    add("KERNELOFFSET", fmt::format("{:x}", kaslr_offset_));
    add("NUMBER(KERNEL_IMAGE_SIZE)", "1073741824");
    add("NUMBER(phys_base)", std::to_string(phys_base_));
    add("CRASHTIME", "1764072000");
    for (auto& [k, v] : kallsyms_lines_) add(k, v);
    for (auto& [k, v] : log_lines_) add(k, v);
    std::string text;
    for (auto& [k, v] : lines) {
      if (s_.vmcoreinfo_override.contains(k)) {
        const auto& o = s_.vmcoreinfo_override.at(k);
        if (o.is_null()) continue;
        v = o.get<std::string>();
      }
      text += k + "=" + v + "\n";
    }
    for (auto& [k, v] : s_.vmcoreinfo_override.items()) {
      bool known = false;
      for (auto& l : lines) known |= l.first == k;
      if (!known && !v.is_null()) text += k + "=" + v.get<std::string>() + "\n";
    }
    if (s_.vmcoreinfo_garbage) {
      std::string garbage;
      for (std::size_t i = 0; i < text.size(); ++i) garbage.push_back(static_cast<char>((text[i] * 31 + 7) | 0x80));
      return garbage;
    }
    return text;
  }
};

}  // namespace

MemoryImage build_machine(const Scenario& scenario, const MachineOptions& options) {
  Machine m(scenario, options);
  return m.build();
}

}  // namespace dumpgen
