#include <gtest/gtest.h>

#include "target/vmcoreinfo.hpp"

using namespace pfnscan;

TEST(VmcoreInfo, ParsesTypedEntries) {
  auto vi = VmcoreInfo::parse(
      "OSRELEASE=6.1.0-18-amd64\nPAGESIZE=4096\nSYMBOL(mem_section)=ffff888100a3c000\nLENGTH(mem_section)=4096\n"
      "SIZE(mem_section)=16\nOFFSET(page.flags)=0\nNUMBER(phys_base)=-67108864\nNUMBER(SECTION_SIZE_BITS)=27\n"
      "KERNELOFFSET=2a000000\nOFFSET(mem_section_usage.subsection_map)=16\n\0\0\0");
  EXPECT_EQ(vi.size(), 10u);
  EXPECT_EQ(*vi.symbol("mem_section"), 0xffff888100a3c000ULL);
  EXPECT_EQ(*vi.length("mem_section"), 4096u);
  EXPECT_EQ(*vi.size("mem_section"), 16u);
  EXPECT_EQ(*vi.offset("page.flags"), 0u);
  EXPECT_EQ(*vi.offset("mem_section_usage.subsection_map"), 16u);
  EXPECT_EQ(*vi.number("phys_base"), -67108864);
  EXPECT_EQ(*vi.number("SECTION_SIZE_BITS"), 27);
  EXPECT_EQ(*vi.hex("KERNELOFFSET"), 0x2a000000u);
  EXPECT_EQ(*vi.string("OSRELEASE"), "6.1.0-18-amd64");
}

TEST(VmcoreInfo, MissingAndMalformedAreDistinctErrors) {
  auto vi = VmcoreInfo::parse("SIZE(page)=sixty-four\nSYMBOL(x)=zz\nnot a line\n=nokey\n");
  EXPECT_EQ(vi.malformed_lines(), 2u);
  EXPECT_EQ(vi.size("page").error().code(), Errc::corrupt);
  EXPECT_NE(vi.size("page").error().message().find("SIZE(page)=sixty-four"), std::string::npos);
  EXPECT_EQ(vi.symbol("x").error().code(), Errc::corrupt);
  EXPECT_EQ(vi.size("mem_section").error().code(), Errc::missing);
  EXPECT_EQ(vi.size("mem_section").error().message(), "VMCOREINFO has no SIZE(mem_section)");
}

TEST(VmcoreInfo, RejectsSignsAndOverflowInUnsignedFields) {
  auto vi = VmcoreInfo::parse("LENGTH(a)=-1\nLENGTH(b)=99999999999999999999999\nLENGTH(c)= 5\n");
  EXPECT_FALSE(vi.length("a"));
  EXPECT_FALSE(vi.length("b"));
  EXPECT_FALSE(vi.length("c"));
}

TEST(VmcoreInfo, GarbageYieldsNothing) {
  std::string garbage(300, '\xff');
  auto vi = VmcoreInfo::parse(garbage);
  EXPECT_TRUE(vi.empty());
  EXPECT_EQ(vi.malformed_lines(), 1u);
}
