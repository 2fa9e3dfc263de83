#include <gtest/gtest.h>

#include "mm/findings.hpp"

using namespace pfnscan;

namespace {
KernelLayout layout() {
  KernelLayout l;
  l.page_flags.max_nr_zones = 5;
  l.page_flags.zone_device = 4;
  l.page_flags.zones_width = 3;
  l.page_flags.zones_pgshift = 51;
  l.page_flags.zone_names = {"DMA", "DMA32", "Normal", "Movable", "Device"};
  l.off_page_pgmap = 8;
  return l;
}
SectionState section(uint64_t nr, uint64_t map) {
  SectionState s;
  s.nr = nr;
  s.present = s.has_mem_map = s.online = s.early = true;
  s.subsections_known = true;
  s.subsection_words = {map};
  return s;
}
StructPage page(uint64_t flags) { return StructPage{{true, flags}, 0xffff888000001000ULL, 0xffffea0000000000ULL}; }
}  // namespace

TEST(FindingBuilder, CollapsesContiguousPfnsOfOneCategory) {
  auto l = layout();
  FindingBuilder b(l);
  auto s1 = section(1, 0xffff);
  SectionFacts valid{true, true, true}, invalid{true, true, false};
  uint64_t device = uint64_t{4} << 51;
  for (uint64_t pfn = 0x9000; pfn < 0xa000; ++pfn) b.add(s1, pfn, page(0), PageKind::normal, judge_pfn(valid, PageKind::normal));
  for (uint64_t pfn = 0xa000; pfn < 0xb000; ++pfn)
    b.add(s1, pfn, page(device), PageKind::zone_device, judge_pfn(invalid, PageKind::zone_device));
  for (uint64_t pfn = 0xb000; pfn < 0xb010; ++pfn)
    b.add(s1, pfn, page(~uint64_t{0}), PageKind::poisoned, judge_pfn(invalid, PageKind::poisoned));
  // A gap, then the same category again: a new range.
  for (uint64_t pfn = 0xb020; pfn < 0xb030; ++pfn)
    b.add(s1, pfn, page(~uint64_t{0}), PageKind::poisoned, judge_pfn(invalid, PageKind::poisoned));
  auto f = b.take_findings();
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].start_pfn, 0xa000u);
  EXPECT_EQ(f[0].end_pfn, 0xb000u);
  EXPECT_EQ(f[0].category, Category::stale_zone_device);
  EXPECT_EQ(f[0].evidence.subsection_first, 16u);
  EXPECT_EQ(f[0].evidence.subsection_last, 23u);
  EXPECT_FALSE(f[0].evidence.subsection_bit);
  EXPECT_EQ(f[0].evidence.zone, 4);
  EXPECT_EQ(f[0].evidence.zone_name, "Device");
  ASSERT_TRUE(f[0].evidence.pgmap);
  EXPECT_EQ(*f[0].evidence.pgmap, 0xffff888000001000ULL);
  EXPECT_EQ(f[0].evidence.section_flags, (std::vector<std::string>{"present", "has_mem_map", "online", "early"}));
  EXPECT_EQ(f[1].pfns(), 0x10u);
  EXPECT_EQ(f[2].start_pfn, 0xb020u);
  EXPECT_TRUE(b.take_observations().empty());
}

TEST(FindingBuilder, RangesBreakAtSectionBoundaries) {
  auto l = layout();
  FindingBuilder b(l);
  auto s1 = section(1, 0), s2 = section(2, 0);
  SectionFacts invalid{true, true, false};
  for (uint64_t pfn = 0xff00; pfn < 0x10000; ++pfn) b.add(s1, pfn, page(0), PageKind::normal, judge_pfn(invalid, PageKind::normal));
  for (uint64_t pfn = 0x10000; pfn < 0x10100; ++pfn) b.add(s2, pfn, page(0), PageKind::normal, judge_pfn(invalid, PageKind::normal));
  auto f = b.take_findings();
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].evidence.section, 1u);
  EXPECT_EQ(f[1].evidence.section, 2u);
}

TEST(FindingBuilder, PagesBothFunctionsReturnAreObservations) {
  auto l = layout();
  FindingBuilder b(l);
  auto s0 = section(0, ~uint64_t{0});
  SectionFacts valid{true, true, true};
  b.add(s0, 0x9f, page(~uint64_t{0}), PageKind::poisoned, judge_pfn(valid, PageKind::poisoned));
  EXPECT_TRUE(b.take_findings().empty());
  auto o = b.take_observations();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].category, Category::poisoned_in_online_section);
  EXPECT_TRUE(o[0].fixed_returns_page);
}

TEST(SectionState, SubsectionHelpers) {
  auto s = section(1, 0xffff);
  EXPECT_TRUE(s.subsection_valid(0));
  EXPECT_TRUE(s.subsection_valid(15));
  EXPECT_FALSE(s.subsection_valid(16));
  EXPECT_FALSE(s.subsection_map_full(64));
  SectionState pre53;
  EXPECT_TRUE(pre53.subsection_valid(40));  // no subsections before v5.3: the section is one unit
}
