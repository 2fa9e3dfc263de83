// The generator checked by independent readers: makedumpfile reads the synthetic kernel log in
// both layouts (log_buf records before 5.10, the lockless ringbuffer since) and writes filtered
// kdump files from the synthetic ELF dumps that pfnscan then scans with the same result.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness.hpp"

namespace {

class Makedumpfile : public ::testing::TestWithParam<std::string> {};

TEST_P(Makedumpfile, ReadsTheSyntheticKernelLog) {
  std::string dump = e2e::make_dump(GetParam(), "elf");
  std::string out = dump + ".dmesg";
  std::filesystem::remove(out);
  auto r = e2e::run({"makedumpfile", "--dump-dmesg", dump, out});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto want = e2e::run({PFNSCAN_MKDUMP_BIN, e2e::scenario_path(GetParam()), "--print-log"});
  ASSERT_EQ(want.exit_code, 0);
  ASSERT_FALSE(want.out.empty());
  EXPECT_EQ(e2e::slurp(out), want.out);
}

// makedumpfile -c -d 31 (zlib, every filterable page class excluded) and -l -d 1 (lzo, zero
// pages excluded) of the synthetic ELF: pfnscan must find exactly the scenario's findings.
TEST_P(Makedumpfile, FilteredDumpsScanTheSame) {
  std::string elf = e2e::make_dump(GetParam(), "elf");
  nlohmann::json expect = e2e::load_json(e2e::scenario_path(GetParam())).at("expect");
  for (std::vector<std::string> flags : {std::vector<std::string>{"-c", "-d", "31"}, {"-l", "-d", "1"}}) {
    std::string out = elf + ".mdf" + flags[0] + flags[2];
    std::filesystem::remove(out);
    std::vector<std::string> argv = {"makedumpfile"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.insert(argv.end(), {elf, out});
    auto m = e2e::run(argv);
    ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
    auto r = e2e::scan(out, {});
    ASSERT_TRUE(r.json.is_object()) << r.err;
    ASSERT_EQ(r.json.at("findings").size(), expect.at("findings").size()) << r.out;
    for (std::size_t i = 0; i < expect.at("findings").size(); ++i) {
      const auto& w = expect.at("findings")[i];
      const auto& g = r.json.at("findings")[i];
      EXPECT_EQ(g.at("start_pfn").get<uint64_t>(), e2e::as_u64(w.at("start_pfn")));
      EXPECT_EQ(g.at("end_pfn").get<uint64_t>(), e2e::as_u64(w.at("end_pfn")));
      EXPECT_EQ(g.at("category"), w.at("category"));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Makedumpfile,
                         ::testing::Values("collision-mapped-5.10", "quirk-5.4", "collision-6.1", "hotadd-partial-5.10"),
                         [](const auto& p) { return e2e::test_name(p.param); });

}  // namespace
