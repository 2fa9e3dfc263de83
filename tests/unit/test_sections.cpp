// The section table and the memmap reader on generated machines: what the snapshot reads, what
// decoding makes of it, and how the reader copes with pages that cannot be read.
#include <gtest/gtest.h>

#include "image_target.hpp"
#include "layout/resolve.hpp"
#include "layout/section_snapshot.hpp"
#include "layout/settle.hpp"
#include "mm/memmap.hpp"
#include "mm/sections.hpp"

using namespace pfnscan;
using testutil::ImageTarget;
using testutil::scenario_machine;

namespace {

struct Walked {
  SettledLayout settled;
  SectionSnapshot snapshot;
  SectionTable table;
};

Walked walk(ImageTarget& t) {
  auto r = resolve_layout(t, {});
  if (!r) throw std::runtime_error(r.error().describe());
  auto snapshot = read_section_snapshot(t, r->layout);
  if (!snapshot) throw std::runtime_error(snapshot.error().describe());
  SettledLayout settled = settle_layout(t, r->layout, *r->sources.symbols, *snapshot);
  SectionTable table = decode_sections(*snapshot, settled.layout);
  return {std::move(settled), std::move(*snapshot), std::move(table)};
}

const SectionState& section(const SectionTable& t, uint64_t nr) {
  for (const auto& s : t.sections)
    if (s.nr == nr) return s;
  throw std::runtime_error("no section " + std::to_string(nr));
}

}  // namespace

TEST(Sections, BootAndDeviceSectionsDecodeAsTheKernelLeftThem) {
  ImageTarget t(scenario_machine("rcu-backport-5.10"));
  Walked w = walk(t);
  ASSERT_EQ(w.table.sections.size(), 2u);
  EXPECT_TRUE(w.table.errors.empty());
  const SectionState& s1 = section(w.table, 1);
  EXPECT_TRUE(s1.online && s1.early && s1.has_mem_map && s1.present);
  ASSERT_TRUE(s1.subsections_known);
  // 0xa000-0xc000 mapped (subsections 16-23 valid), 0xc000-0x10000 unmapped again: map 0xffffffff.
  EXPECT_EQ(s1.subsection_words, std::vector<uint64_t>{0xffffffffull});
  EXPECT_EQ(s1.memmap_check, MemmapCheck::ok);
  EXPECT_EQ(s1.memmap, *w.settled.layout.vmemmap_base);
}

TEST(Sections, NeighbouringUsageStructuresAreReadTogether) {
  ImageTarget t(scenario_machine("hotadd-partial-5.10"));
  auto r = resolve_layout(t, {});
  ASSERT_TRUE(r);
  const uint64_t before = t.reads;
  auto snapshot = read_section_snapshot(t, r->layout);
  ASSERT_TRUE(snapshot);
  std::size_t with_usage = 0;
  for (const auto& s : snapshot->sections) with_usage += s.usage_words.empty() ? 0 : 1;
  ASSERT_GE(with_usage, 2u);
  // The root array, one array of sections, and fewer usage reads than sections with usage.
  EXPECT_LT(t.reads - before, 2 + with_usage);
}

TEST(Sections, AnUnreadableUsageIsAProblemOfItsSectionOnly) {
  ImageTarget t(scenario_machine("collision-mapped-5.10"));
  auto r = resolve_layout(t, {});
  ASSERT_TRUE(r);
  auto first = read_section_snapshot(t, r->layout);
  ASSERT_TRUE(first);
  uint64_t usage1 = 0;
  for (const auto& s : first->sections)
    if (s.nr == 1) usage1 = s.usage;
  ASSERT_NE(usage1, 0u);
  t.unreadable_pages.insert(usage1 / 4096);
  auto snapshot = read_section_snapshot(t, r->layout);
  ASSERT_TRUE(snapshot);
  SectionTable table = decode_sections(*snapshot, r->layout);
  // Every section whose usage lies in that page has its own problem, naming its pfns.
  ASSERT_FALSE(table.errors.empty());
  bool section1 = false;
  for (const Problem& p : table.errors) {
    EXPECT_EQ(p.kind, ProblemKind::unreadable_usage);
    ASSERT_TRUE(p.section);
    EXPECT_EQ(p.start_pfn, *p.section * 0x8000);
    EXPECT_EQ(p.end_pfn, (*p.section + 1) * 0x8000);
    EXPECT_FALSE(section(table, *p.section).subsections_known);
    section1 |= *p.section == 1;
  }
  EXPECT_TRUE(section1);
}

TEST(Memmap, FailedReadsAreRetriedPageByPageAndOnlyTheirStructPagesAreLost) {
  ImageTarget t(scenario_machine("collision-mapped-5.10"));
  Walked w = walk(t);
  const KernelLayout& L = w.settled.layout;
  const SectionState& s1 = section(w.table, 1);
  MemmapReader reader(t, L);
  // One subsection of struct pages is 32 KiB: 8 pages of memmap. Make the third fail and the
  // fifth read as filtered out of the dump.
  const uint64_t first = 0xa000, count = 512;
  const uint64_t base = reader.struct_page_address(s1, first);
  ASSERT_EQ(base % 4096, 0u);
  t.unreadable_pages.insert(base / 4096 + 2);
  t.excluded_pages.insert(base / 4096 + 4);
  auto pages = reader.read(s1, first, count);
  ASSERT_EQ(pages.size(), count);
  const uint64_t per_page = 4096 / L.page_struct_size;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t page = i / per_page;
    EXPECT_EQ(pages[i].content.mapped, page != 2) << i;
    if (page == 4) {
      EXPECT_EQ(pages[i].content.flags, 0u) << i;
    } else if (page != 2) {
      EXPECT_EQ(L.page_flags.zone_of(pages[i].content.flags), 4u) << i;  // ZONE_DEVICE
    }
  }
  EXPECT_EQ(reader.stats().unmapped_pages, 1u);
  EXPECT_EQ(reader.stats().excluded_pages, 1u);
  EXPECT_EQ(reader.stats().struct_pages_read, count);
}
