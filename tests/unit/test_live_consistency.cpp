// Live scans read memory that changes under them. A fake live target serves a generated machine
// and changes it while pfnscan reads (a device unbound mid-scan; a section that never settles):
// the result must be the new state or an explicit error, never a torn mix reported as certain.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "image_target.hpp"
#include "machine.hpp"
#include "layout/resolve.hpp"
#include "layout/section_snapshot.hpp"
#include "layout/settle.hpp"
#include "mm/sections.hpp"
#include "report/report.hpp"
#include "session/session.hpp"
#include "scenario.hpp"

using namespace pfnscan;
using testutil::ImageTarget;

namespace {

dumpgen::MemoryImage collision_machine() {
  auto s = dumpgen::parse_scenario(nlohmann::json::parse(R"JSON({
    "name": "live", "kernel": {"profile": "5.10", "release": "5.10.0-21-cloud-amd64",
                               "uts_version": "#1 SMP Debian 5.10.162-1 (2023-01-21)"},
    "memory": [{"op": "boot_ram", "start": "0x100", "end": "0xa000"},
               {"op": "memremap", "start": "0xa000", "end": "0x10000"}]})JSON"));
  return dumpgen::build_machine(s, {});
}

struct SectionAddresses {
  uint64_t usage = 0;
  uint64_t vmemmap = 0;
};

SectionAddresses addresses_of_section(ImageTarget& t, uint64_t nr) {
  auto r = resolve_layout(t, {});
  auto snapshot = read_section_snapshot(t, r->layout);
  SettledLayout settled = settle_layout(t, std::move(r->layout), *r->sources.symbols, *snapshot);
  SectionTable table = decode_sections(*snapshot, settled.layout);
  SectionAddresses a;
  a.vmemmap = settled.layout.vmemmap_base.value_or(0);
  for (const auto& s : table.sections)
    if (s.nr == nr) a.usage = s.usage;
  return a;
}

}  // namespace

TEST(LiveConsistency, StableMemoryGivesTheSameAnswerAsADump) {
  ImageTarget t(collision_machine(), true);
  auto r = run_session(t, {});
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].category, Category::zone_device_in_online_section);
  EXPECT_TRUE(r->problems.empty());
}

TEST(LiveConsistency, DeviceUnboundMidScanIsRescannedInItsNewState) {
  ImageTarget t(collision_machine(), true);
  auto a = addresses_of_section(t, 1);
  ASSERT_NE(a.usage, 0u);
  ASSERT_NE(a.vmemmap, 0u);
  bool unbound = false;
  // The first time pfnscan reads a struct page of the device range, the device is unbound: its
  // subsections go invalid (memunmap_pages) while the struct pages stay.
  t.on_read = [&](uint64_t va, std::size_t) {
    if (!unbound && va >= a.vmemmap + 0xa000 * 64 && va < a.vmemmap + 0x10000 * 64) {
      unbound = true;
      t.write_u64(a.usage, 0xffff);
    }
  };
  auto r = run_session(t, {});
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_TRUE(unbound) << "the test never triggered";
  ASSERT_EQ(r->findings.size(), 1u) << render_text(*r, {});
  EXPECT_EQ(r->findings[0].category, Category::stale_zone_device);
  EXPECT_EQ(r->findings[0].start_pfn, 0xa000u);
  EXPECT_EQ(r->findings[0].end_pfn, 0x10000u);
  EXPECT_TRUE(r->problems.empty());
  bool rescanned = false;
  for (const auto& n : r->notes) rescanned |= n.find("changed while being read and were rescanned") != std::string::npos;
  EXPECT_TRUE(rescanned);
}

TEST(LiveConsistency, ASectionThatNeverSettlesIsReportedNotGuessed) {
  ImageTarget t(collision_machine(), true);
  uint64_t usage = addresses_of_section(t, 1).usage;
  uint64_t flip = 0;
  // Every read of the usage structure sees a different subsection map.
  t.on_read = [&](uint64_t va, std::size_t size) {
    if (usage >= va && usage - va < size) t.write_u64(usage, (++flip % 2) ? 0xffff : ~uint64_t{0});
  };
  auto r = run_session(t, {});
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_TRUE(r->findings.empty()) << render_text(*r, {});
  ASSERT_FALSE(r->problems.empty());
  EXPECT_NE(r->problems[0].message.find("section 1 kept changing during the live scan"), std::string::npos) << r->problems[0].message;
  EXPECT_EQ(exit_code_for(*r), kExitPartial);
}
