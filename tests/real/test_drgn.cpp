// drgn 0.0.22 (it opens the makedumpfile dumps) as a witness, and pfnscan's drgn integration.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <sstream>

#include "harness.hpp"
#include "real_common.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace real;

namespace {

// drgn (0.0.22 opens the makedumpfile dumps): the zone of sampled pfns read through drgn's own
// pfn_to_page() and debug info equals the zone pfnscan reports.
// pfnscan's drgn integration (plugin/drgn) on every dump drgn 0.0.22 opens: the findings equal
// the CLI's, and the struct page objects it returns are the right ones by drgn's own helpers.
TEST(RealDumpDrgn, IntegrationEqualsCliAndItsPagesAreRight) {
  for (const auto& x : expectations()) {
    std::string dump = dumps_dir() + "/" + x.file + ".mdf31";
    auto d = e2e::run({"env", std::string("PFNSCAN_LIB=") + PFNSCAN_LIB, "/usr/bin/python3", PFNSCAN_DRGN_CHECK, PFNSCAN_DRGN_MODULE,
                       dump, vmlinux_for(x.series)});
    ASSERT_EQ(d.exit_code, 0) << x.file << d.err;
    json got = json::parse(d.out);
    auto cli = e2e::scan(dump, {"--vmlinux", vmlinux_for(x.series)});
    ASSERT_TRUE(cli.json.is_object()) << cli.err;
    const json& report = got.at("report");
    EXPECT_EQ(report.at("findings"), cli.json.at("findings")) << x.file;
    EXPECT_EQ(report.at("sections"), cli.json.at("sections")) << x.file;
    EXPECT_EQ(report.at("verdict").at("overall"), cli.json.at("verdict").at("overall")) << x.file;
    EXPECT_EQ(report.at("input").at("kind"), "drgn");
    EXPECT_EQ(got.at("exit_code"), cli.exit_code) << x.file;
    std::map<uint64_t, std::string> cli_zone;
    for (const auto& f : cli.json.at("findings")) cli_zone[f.at("start_pfn")] = f.at("evidence").at("zone_name");
    std::size_t checked = 0;
    for (const auto& p : got.at("pages")) {
      EXPECT_EQ(p.at("drgn_pfn"), p.at("pfn")) << x.file << " " << p.dump();
      for (const auto& f : cli.json.at("findings"))
        if (p.at("pfn") >= f.at("start_pfn") && p.at("pfn") < f.at("end_pfn")) {
          EXPECT_EQ(p.at("zone"), f.at("evidence").at("zone_name")) << x.file << " " << p.dump();
          ++checked;
        }
    }
    EXPECT_EQ(checked, 3 * cli.json.at("findings").size()) << x.file;
  }
  // As a drgn script: the same JSON as the CLI's findings.
  std::string dump = dumps_dir() + "/6.1-fsdax-bound.mdf31";
  auto s = e2e::run({"env", std::string("PFNSCAN_LIB=") + PFNSCAN_LIB, "drgn", "-q", "-c", dump, "-s", vmlinux_for("6.1"),
                     PFNSCAN_DRGN_MODULE, "--json"});
  EXPECT_EQ(s.exit_code, 7) << s.err;  // latent findings (6.1 has the fixed function), as the CLI's exit code
  json script = json::parse(s.out.substr(s.out.find('{')), nullptr, false);
  ASSERT_TRUE(script.is_object()) << s.out << s.err;
  auto cli = e2e::scan(dump, {"--vmlinux", vmlinux_for("6.1")});
  EXPECT_EQ(script.at("findings"), cli.json.at("findings"));
}

TEST(RealDumpDrgn, ZonesOfSampledPfnsEqualDrgns) {
  for (const auto& x : expectations()) {
    if (x.ranges.empty()) continue;
    std::string dump = dumps_dir() + "/" + x.file + ".mdf31";
    std::vector<uint64_t> pfns;
    for (const auto& w : x.ranges) pfns.insert(pfns.end(), {w.start, w.start + (w.end - w.start) / 3, w.end - 1});
    std::vector<std::string> argv = {"/usr/bin/python3", PFNSCAN_DRGN_ZONES, dump, vmlinux_for(x.series)};
    for (uint64_t p : pfns) argv.push_back(fmt::format("{:#x}", p));
    auto d = e2e::run(argv);
    ASSERT_EQ(d.exit_code, 0) << d.err;
    json drgn_zones = json::parse(d.out);
    for (uint64_t p : pfns) {
      auto r = e2e::scan(dump, {"--vmlinux", vmlinux_for(x.series), "--pfns", fmt::format("{:#x}-{:#x}", p, p + 1)});
      ASSERT_TRUE(r.json.is_object()) << r.err;
      ASSERT_EQ(r.json.at("findings").size(), 1u) << x.file << " pfn " << p;
      EXPECT_EQ(r.json.at("findings")[0].at("evidence").at("zone_name"), drgn_zones.at(fmt::format("{:#x}", p)))
          << x.file << " pfn " << fmt::format("{:#x}", p);
    }
  }
}

}  // namespace
