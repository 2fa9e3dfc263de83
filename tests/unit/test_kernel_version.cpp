#include <gtest/gtest.h>

#include "base/kernel_version.hpp"

using namespace pfnscan;

TEST(KernelVersion, UpstreamReleasesAreExact) {
  auto v = parse_release("5.10.209");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->str(), "5.10.209");
  EXPECT_TRUE(v->sublevel_known);
  auto w = parse_release("6.12.0");
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->sublevel_known);
  EXPECT_EQ(w->minor, 12);
}

TEST(KernelVersion, DistroReleasesHideTheSublevel) {
  for (const char* r : {"5.10.0-28-cloud-amd64", "6.1.0-18-amd64", "5.4.0-150-generic", "5.15.0-91-generic"}) {
    auto v = parse_release(r);
    ASSERT_TRUE(v) << r;
    EXPECT_FALSE(v->sublevel_known) << r;
  }
  auto rhel = parse_release("5.14.0-362.8.1.el9_3.x86_64");
  ASSERT_TRUE(rhel);
  EXPECT_EQ(rhel->major, 5);
  EXPECT_EQ(rhel->minor, 14);
}

TEST(KernelVersion, UtsVersionRefinesDebianSublevel) {
  auto v = *parse_release("5.10.0-28-cloud-amd64");
  EXPECT_TRUE(refine_from_uts_version(v, "#1 SMP Debian 5.10.209-2 (2024-01-31)"));
  EXPECT_EQ(v.str(), "5.10.209");
  EXPECT_TRUE(v.at_least(5, 10, 209));
  EXPECT_FALSE(v.at_least(5, 10, 210));
  auto w = *parse_release("6.1.0-18-amd64");
  EXPECT_TRUE(refine_from_uts_version(w, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1~bpo11+1 (2024-02-01)"));
  EXPECT_EQ(w.sublevel, 76);
  auto u = *parse_release("5.4.0-150-generic");
  EXPECT_FALSE(refine_from_uts_version(u, "#167-Ubuntu SMP Mon May 15 17:35:05 UTC 2023"));
  EXPECT_FALSE(u.sublevel_known);
  // A different series in the version string is not ours.
  auto x = *parse_release("5.10.0-1-amd64");
  EXPECT_FALSE(refine_from_uts_version(x, "#1 SMP Debian 6.1.76-1"));
}

TEST(KernelVersion, RejectsGarbage) {
  EXPECT_FALSE(parse_release(""));
  EXPECT_FALSE(parse_release("linux"));
  EXPECT_FALSE(parse_release("5"));
  EXPECT_FALSE(parse_release("5.10.0 with spaces"));
}
