#include <gtest/gtest.h>

#include "mm/judge.hpp"

using namespace pfnscan;

namespace {
PageFlagLayout debian_layout() {
  PageFlagLayout l;
  l.max_nr_zones = 5;
  l.zone_device = 4;
  l.zones_width = 3;
  l.nodes_width = 10;
  l.nodes_pgshift = 54;
  l.zones_pgshift = 51;
  return l;
}
uint64_t flags_for_zone(uint64_t zone, uint64_t node = 0) { return (zone << 51) | (node << 54) | 0x1000; }
}  // namespace

TEST(Classify, ZonesPoisonAndGarbage) {
  auto l = debian_layout();
  EXPECT_EQ(classify_page({true, flags_for_zone(0)}, l), PageKind::normal);
  EXPECT_EQ(classify_page({true, flags_for_zone(1, 3)}, l), PageKind::normal);
  EXPECT_EQ(classify_page({true, flags_for_zone(4)}, l), PageKind::zone_device);
  EXPECT_EQ(classify_page({true, ~uint64_t{0}}, l), PageKind::poisoned);
  EXPECT_EQ(classify_page({true, flags_for_zone(6)}, l), PageKind::bogus_zone);
  EXPECT_EQ(classify_page({false, 0}, l), PageKind::unmapped);
  EXPECT_EQ(l.zone_of(0x0027ffffc0001000ULL), 4u);  // a ZONE_DEVICE page of the synthetic dumps
}

TEST(Classify, NoZoneDeviceConfig) {
  PageFlagLayout l;
  l.max_nr_zones = 4;
  l.zone_device = -1;
  l.zones_width = 2;
  l.zones_pgshift = 52;
  EXPECT_EQ(classify_page({true, uint64_t{3} << 52}, l), PageKind::normal);
  EXPECT_EQ(classify_page({true, ~uint64_t{0}}, l), PageKind::poisoned);
}

TEST(OldAndFixed, PreFixOnlyLooksAtTheOnlineBit) {
  SectionFacts online_valid{true, true, true}, online_invalid{true, true, false}, offline{true, false, true},
      missing{false, true, true};
  EXPECT_TRUE(old_pfn_to_online_page_returns_page(online_valid));
  EXPECT_TRUE(old_pfn_to_online_page_returns_page(online_invalid));
  EXPECT_FALSE(old_pfn_to_online_page_returns_page(offline));
  EXPECT_FALSE(old_pfn_to_online_page_returns_page(missing));
  EXPECT_TRUE(fixed_pfn_to_online_page_returns_page(online_valid, PageKind::normal));
  EXPECT_FALSE(fixed_pfn_to_online_page_returns_page(online_valid, PageKind::zone_device));
  EXPECT_FALSE(fixed_pfn_to_online_page_returns_page(online_invalid, PageKind::normal));
  EXPECT_FALSE(fixed_pfn_to_online_page_returns_page(offline, PageKind::normal));
  EXPECT_TRUE(fixed_pfn_to_online_page_returns_page(online_valid, PageKind::poisoned));
}

TEST(Categories, EveryCombination) {
  SectionFacts valid{true, true, true}, invalid{true, true, false}, offline{true, false, false};
  struct Case {
    SectionFacts s;
    PageKind k;
    std::optional<Category> want;
    bool fixed_page;
  } cases[] = {
      {valid, PageKind::normal, std::nullopt, true},
      {valid, PageKind::zone_device, Category::zone_device_in_online_section, false},
      {valid, PageKind::poisoned, Category::poisoned_in_online_section, true},
      {valid, PageKind::bogus_zone, Category::bogus_zone_in_online_section, true},
      {valid, PageKind::unmapped, std::nullopt, true},
      {invalid, PageKind::zone_device, Category::stale_zone_device, false},
      {invalid, PageKind::poisoned, Category::poisoned_in_invalid_subsection, false},
      {invalid, PageKind::normal, Category::other_in_invalid_subsection, false},
      {invalid, PageKind::bogus_zone, Category::other_in_invalid_subsection, false},
      {invalid, PageKind::unmapped, Category::unmapped_in_invalid_subsection, false},
      {offline, PageKind::zone_device, std::nullopt, false},
      {offline, PageKind::poisoned, std::nullopt, false},
  };
  for (const auto& c : cases) {
    auto j = judge_pfn(c.s, c.k);
    EXPECT_EQ(j.category, c.want) << static_cast<int>(c.k) << " valid=" << c.s.subsection_valid << " online=" << c.s.online;
    EXPECT_EQ(j.fixed_returns_page, c.fixed_page);
    EXPECT_EQ(j.old_returns_page, c.s.online);
  }
}

TEST(Categories, NamesRoundTrip) {
  for (int c = 0; c <= static_cast<int>(Category::bogus_zone_in_online_section); ++c) {
    auto cat = static_cast<Category>(c);
    EXPECT_EQ(category_from_name(category_name(cat)), cat);
    EXPECT_STRNE(category_description(cat), "");
  }
  EXPECT_FALSE(category_from_name("nonsense"));
  EXPECT_STREQ(page_kind_name(PageKind::zone_device), "zone_device");
  EXPECT_STREQ(page_kind_name(PageKind::poisoned), "poisoned");
  EXPECT_STREQ(page_kind_name(PageKind::unmapped), "other");
  EXPECT_STREQ(page_kind_name(PageKind::bogus_zone), "other");
}

TEST(QuickMode, WhereAFindingIsPossible) {
  QuickEvidence pre_fix{true, false, false, true};
  EXPECT_TRUE(quick_needs_samples(pre_fix));
  EXPECT_FALSE(quick_must_read_valid_subsection(pre_fix));
  pre_fix.samples_normal = false;
  EXPECT_TRUE(quick_must_read_valid_subsection(pre_fix));
  QuickEvidence no_zone_device{false, false, false, false};
  EXPECT_FALSE(quick_needs_samples(no_zone_device));
  EXPECT_FALSE(quick_must_read_valid_subsection(no_zone_device));
  QuickEvidence untainted{true, true, false, false};
  EXPECT_FALSE(quick_needs_samples(untainted));
  EXPECT_FALSE(quick_must_read_valid_subsection(untainted));
  QuickEvidence tainted{true, true, true, true};
  EXPECT_TRUE(quick_must_read_valid_subsection(tainted));
}
