// The layout from each source of type information, with its provenance, and settled against the
// dump: generated machines read in memory, so every fact has a known right answer.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "image_target.hpp"
#include "layout/resolve.hpp"
#include "layout/section_snapshot.hpp"
#include "layout/settle.hpp"
#include "type_files.hpp"

using namespace pfnscan;
using testutil::ImageTarget;
using testutil::scenario_machine;

namespace {

const FactRecord& fact(const KernelLayout& L, FactId id) {
  const FactRecord* f = L.fact(id);
  if (!f) throw std::runtime_error(std::string("no fact ") + fact_key(id));
  return *f;
}

SettledLayout settle(ImageTarget& t, ResolvedLayout& r) {
  auto snapshot = read_section_snapshot(t, r.layout);
  if (!snapshot) throw std::runtime_error(snapshot.error().describe());
  return settle_layout(t, r.layout, *r.sources.symbols, *snapshot);
}

}  // namespace

TEST(Layout, VmcoreinfoAndTheBuiltinTableWithoutTypeInformation) {
  ImageTarget t(scenario_machine("collision-mapped-5.10"));
  auto r = resolve_layout(t, {});
  ASSERT_TRUE(r) << r.error().describe();
  const KernelLayout& L = r->layout;
  EXPECT_EQ(fact(L, FactId::type_information).source, Source::builtin);
  EXPECT_EQ(fact(L, FactId::release).value, "5.10.0-21-cloud-amd64");
  EXPECT_EQ(fact(L, FactId::release).source, Source::vmcoreinfo);
  // 5.10.162 from the uts version: before the rcu_head backport (5.10.210).
  EXPECT_EQ(fact(L, FactId::kernel_version).value, "5.10.162");
  EXPECT_EQ(fact(L, FactId::kernel_version).source, Source::probe);
  EXPECT_EQ(L.off_subsection_map, 0u);
  EXPECT_EQ(fact(L, FactId::subsection_map_offset).source, Source::builtin);
  EXPECT_TRUE(fact(L, FactId::subsection_map_offset).certain);
  EXPECT_EQ(L.section_flags.map_last_bit, 4);
  EXPECT_EQ(L.mem_section_size, 32u);
  EXPECT_EQ(L.page_struct_size, 64u);
  // The zone enum is the distro assumption until the dump confirms it.
  EXPECT_EQ(fact(L, FactId::zone_enum).source, Source::builtin);
  EXPECT_FALSE(L.certain(FactId::zone_enum));
  EXPECT_EQ(L.uncertainties.size(), 1u);
  EXPECT_FALSE(L.has_fixed_pfn_to_online_page);
  EXPECT_EQ(fact(L, FactId::fixed_pfn_to_online_page).source, Source::builtin);
}

TEST(Layout, DwarfOfAVmlinuxAnswersTheTypeQuestions) {
  ImageTarget t(scenario_machine("collision-mapped-5.10"));
  LayoutOptions o;
  o.vmlinux = testutil::scenario_vmlinux("collision-mapped-5.10");
  o.allow_dwarf_mismatch = true;  // the test vmlinux has its own build id
  auto r = resolve_layout(t, o);
  ASSERT_TRUE(r) << r.error().describe();
  const KernelLayout& L = r->layout;
  EXPECT_EQ(fact(L, FactId::type_information).source, Source::dwarf);
  EXPECT_EQ(fact(L, FactId::usage_offset).source, Source::dwarf);
  EXPECT_EQ(fact(L, FactId::usage_offset).value, "8");
  EXPECT_EQ(fact(L, FactId::subsection_map_offset).source, Source::dwarf);
  EXPECT_EQ(fact(L, FactId::subsection_map_offset).value, "0");
  EXPECT_EQ(fact(L, FactId::zone_enum).source, Source::dwarf);
  EXPECT_EQ(L.page_flags.zone_device, 4);
  EXPECT_EQ(L.page_flags.max_nr_zones, 5);
  EXPECT_EQ(fact(L, FactId::sparsemem_extreme).source, Source::dwarf);
  EXPECT_TRUE(L.uncertainties.empty()) << L.uncertainties.front().text;
}

TEST(Layout, TheKernelsOwnBtfFoundThroughKallsymsInTheDump) {
  ImageTarget t(scenario_machine("collision-6.1", testutil::scenario_btf("collision-6.1")));
  auto r = resolve_layout(t, {});
  ASSERT_TRUE(r) << r.error().describe();
  const KernelLayout& L = r->layout;
  EXPECT_EQ(fact(L, FactId::type_information).source, Source::btf);
  EXPECT_EQ(fact(L, FactId::kallsyms).source, Source::vmcoreinfo);
  EXPECT_EQ(fact(L, FactId::section_flag_bits).source, Source::btf);
  EXPECT_EQ(L.section_flags.taint_zone_device, 4);
  EXPECT_EQ(L.section_flags.map_last_bit, 5);
  // 6.1 has the fixed function, out of line: kallsyms names it.
  EXPECT_TRUE(L.has_fixed_pfn_to_online_page);
  EXPECT_EQ(fact(L, FactId::fixed_pfn_to_online_page).source, Source::probe);
}

TEST(Layout, NoBtfFallsBackToTheTableAndSaysWhichAssumptionRemains) {
  ImageTarget t(scenario_machine("collision-6.1", testutil::scenario_btf("collision-6.1")));
  LayoutOptions o;
  o.allow_btf = false;
  auto r = resolve_layout(t, o);
  ASSERT_TRUE(r) << r.error().describe();
  EXPECT_EQ(fact(r->layout, FactId::type_information).source, Source::builtin);
  EXPECT_FALSE(r->layout.certain(FactId::section_flag_bits));
}

TEST(Settle, TheUsageStructuresDecideWhereTheSubsectionMapIs) {
  ImageTarget t(scenario_machine("usage-probe-5.10"));
  auto r = resolve_layout(t, {});
  ASSERT_TRUE(r) << r.error().describe();
  ASSERT_FALSE(r->layout.certain(FactId::subsection_map_offset));  // 5.10.0-custom: the sublevel is unknown
  SettledLayout s = settle(t, *r);
  EXPECT_EQ(s.layout.off_subsection_map, 16u);
  EXPECT_EQ(fact(s.layout, FactId::subsection_map_offset).source, Source::probe);
  EXPECT_TRUE(s.layout.certain(FactId::subsection_map_offset));
  for (const auto& u : s.layout.uncertainties) EXPECT_NE(u.fact, FactId::subsection_map_offset) << u.text;
}

TEST(Settle, BootRamConfirmsTheZoneEnumAndTheVmemmapBaseIsDecoded) {
  ImageTarget t(scenario_machine("collision-mapped-5.10"));
  auto r = resolve_layout(t, {});
  ASSERT_TRUE(r);
  SettledLayout s = settle(t, *r);
  EXPECT_EQ(fact(s.layout, FactId::zone_enum).source, Source::probe);
  EXPECT_TRUE(s.layout.uncertainties.empty());
  ASSERT_TRUE(s.layout.vmemmap_base);
  EXPECT_EQ(fact(s.layout, FactId::vmemmap_base).value, fmt::format("{:#x}", *s.layout.vmemmap_base));
  // Without symbols (5.10 has no kallsyms in VMCOREINFO) the direct map stays unknown.
  EXPECT_FALSE(s.layout.direct_map_base);
  EXPECT_EQ(s.layout.fact(FactId::direct_map_base), nullptr);
}

TEST(Settle, AKernelWithoutZoneDeviceIsRecognisedByItsBootRam) {
  // nozd-6.1 has four zones; with --no-btf the table assumes five, and the probe finds four.
  ImageTarget t(scenario_machine("nozd-6.1", testutil::scenario_btf("nozd-6.1")));
  LayoutOptions o;
  o.allow_btf = false;
  auto r = resolve_layout(t, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->layout.page_flags.max_nr_zones, 5);
  SettledLayout s = settle(t, *r);
  EXPECT_EQ(s.layout.page_flags.max_nr_zones, 4);
  EXPECT_EQ(s.layout.page_flags.zone_device, -1);
  EXPECT_EQ(s.layout.page_flags.zones_width, 2u);
  EXPECT_EQ(fact(s.layout, FactId::zones_pgshift).value, std::to_string(s.layout.page_flags.zones_pgshift));
  EXPECT_NE(fact(s.layout, FactId::zones_pgshift).detail.find("ZONES_SHIFT 2"), std::string::npos);
}

TEST(Layout, OffsetsOutsideTheirStructureAreRefusedWithoutWrapping) {
  auto image = scenario_machine("collision-mapped-5.10");
  // OFFSET(page.flags) so large that offset + 8 wraps to a small number.
  std::string& vi = image.vmcoreinfo;
  vi += "OFFSET(page.flags)=18446744073709551615\n";
  ImageTarget t(std::move(image));
  auto r = resolve_layout(t, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::corrupt);
  EXPECT_NE(r.error().describe().find("OFFSET(page.flags)"), std::string::npos) << r.error().describe();
}
