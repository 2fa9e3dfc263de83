#include <gtest/gtest.h>

#include "types/btf_types.hpp"
#include "target/flattened.hpp"
#include "layout/kernel_facts.hpp"

#include <cstring>

using namespace pfnscan;

namespace {
KernelVersion v(int ma, int mi, int sub, bool known = true) {
  KernelVersion k;
  k.major = ma, k.minor = mi, k.sublevel = sub, k.sublevel_known = known;
  return k;
}
}  // namespace

TEST(KernelFacts, SectionFlagBitsPerEra) {
  auto b419 = facts::section_flag_bits(v(4, 19, 304)).value;
  EXPECT_EQ(b419.online, 2);
  EXPECT_EQ(b419.early, -1);
  EXPECT_EQ(b419.map_last_bit, 3);
  auto b54 = facts::section_flag_bits(v(5, 4, 286)).value;
  EXPECT_EQ(b54.early, 3);
  EXPECT_EQ(b54.taint_zone_device, -1);
  EXPECT_EQ(b54.mask(), ~uint64_t{0xf});
  auto b510 = facts::section_flag_bits(v(5, 10, 209));
  EXPECT_EQ(b510.value.map_last_bit, 4);
  EXPECT_TRUE(b510.certain);
  auto b515 = facts::section_flag_bits(v(5, 15, 0)).value;
  EXPECT_EQ(b515.taint_zone_device, 4);
  EXPECT_EQ(b515.mask(), ~uint64_t{0x1f});
  auto b61 = facts::section_flag_bits(v(6, 1, 76));
  EXPECT_FALSE(b61.certain);  // the enum depends on CONFIG_ZONE_DEVICE
}

TEST(KernelFacts, SubsectionMapOffsetFollowsTheRcuBackports) {
  EXPECT_EQ(facts::subsection_map_offset(v(5, 10, 209)).value, 0u);
  EXPECT_EQ(facts::subsection_map_offset(v(5, 10, 210)).value, 16u);
  EXPECT_EQ(facts::subsection_map_offset(v(6, 1, 75)).value, 0u);
  EXPECT_EQ(facts::subsection_map_offset(v(6, 1, 76)).value, 16u);
  EXPECT_EQ(facts::subsection_map_offset(v(6, 6, 15)).value, 16u);
  EXPECT_EQ(facts::subsection_map_offset(v(6, 8, 0)).value, 16u);
  EXPECT_EQ(facts::subsection_map_offset(v(5, 4, 286)).value, 0u);
  EXPECT_TRUE(facts::subsection_map_offset(v(5, 4, 0, false)).certain);  // 5.4.y never got it
  EXPECT_FALSE(facts::subsection_map_offset(v(5, 10, 0, false)).certain);
  EXPECT_FALSE(facts::subsection_map_offset(v(5, 15, 200)).certain);     // backport release unverified
}

TEST(KernelFacts, FixedFunctionAndQuirk) {
  EXPECT_FALSE(facts::fixed_pfn_to_online_page(v(5, 10, 262)).value);
  EXPECT_FALSE(facts::fixed_pfn_to_online_page(v(5, 11, 22)).value);
  EXPECT_TRUE(facts::fixed_pfn_to_online_page(v(5, 12, 0)).value);
  EXPECT_TRUE(facts::memmap_direct_map_quirk(v(5, 4, 286)).value);
  EXPECT_TRUE(facts::memmap_direct_map_quirk(v(5, 3, 0)).value);
  EXPECT_FALSE(facts::memmap_direct_map_quirk(v(5, 6, 0)).value);
  EXPECT_FALSE(facts::memmap_direct_map_quirk(v(5, 10, 0)).value);
  EXPECT_TRUE(facts::builtin_covers(v(5, 3, 0)));
  EXPECT_TRUE(facts::builtin_covers(v(5, 19, 17)));
  EXPECT_FALSE(facts::builtin_covers(v(4, 19, 304)));
}

TEST(KernelFacts, ZoneNames) {
  EXPECT_EQ(facts::zone_name(0, 4, 5), "DMA");
  EXPECT_EQ(facts::zone_name(1, 4, 5), "DMA32");
  EXPECT_EQ(facts::zone_name(4, 4, 5), "Device");
  EXPECT_EQ(facts::zone_name(3, -1, 4), "Movable");
  EXPECT_EQ(facts::zone_name(7, 4, 5), "invalid(7)");
}

TEST(Formats, FlattenedHeader) {
  unsigned char h[64] = {};
  std::memcpy(h, "makedumpfile", 12);
  h[23] = 1;  // type 1, big-endian
  EXPECT_TRUE(is_flattened_header(h, sizeof h));
  h[23] = 2;
  EXPECT_FALSE(is_flattened_header(h, sizeof h));
  EXPECT_FALSE(is_flattened_header(h, 8));
}

TEST(Formats, BtfHeaderValidation) {
  std::vector<std::byte> blob(64, std::byte{0});
  EXPECT_FALSE(validate_btf_header(std::span(blob.data(), 4)));
  EXPECT_FALSE(validate_btf_header(blob));  // magic 0
  uint16_t magic = 0xeB9F;
  std::memcpy(blob.data(), &magic, 2);
  blob[2] = std::byte{1};  // version
  uint32_t hdr_len = 24, type_off = 0, type_len = 1000, str_off = 0, str_len = 0;
  std::memcpy(blob.data() + 4, &hdr_len, 4);
  std::memcpy(blob.data() + 8, &type_off, 4);
  std::memcpy(blob.data() + 12, &type_len, 4);
  std::memcpy(blob.data() + 16, &str_off, 4);
  std::memcpy(blob.data() + 20, &str_len, 4);
  auto st = validate_btf_header(blob);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("outside the blob"), std::string::npos);
  type_len = 8;
  std::memcpy(blob.data() + 12, &type_len, 4);
  EXPECT_TRUE(validate_btf_header(blob));
}
