// pfnscan, its crash extension and its drgn integration on a running kernel, inside the QEMU guest.
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

// `pfnscan live` inside the same guest, in the bound and unbound states: the same findings as the
// dumps of those states, types from /sys/kernel/btf/vmlinux, and nothing opened for writing
// (strace of every open). As another user, a one-line refusal.
TEST(RealLive, MatchesTheDumpsAndOpensNothingWritable) {
  std::string dir = e2e::work_dir() + "/live";
  auto boot = e2e::run({PFNSCAN_MAKE_DUMPS, "--live", PFNSCAN_BIN, dir});
  ASSERT_EQ(boot.exit_code, 0) << boot.out << boot.err;
  std::ifstream out(dir + "/live.out");
  std::vector<json> reports;
  std::string line;
  while (std::getline(out, line))
    if (!line.empty() && line[0] == '{') reports.push_back(json::parse(line));
  ASSERT_EQ(reports.size(), 2u);
  const char* states[] = {"6.1-fsdax-bound", "6.1-fsdax-unbound"};
  for (int i = 0; i < 2; ++i) {
    const json& r = reports[i];
    SCOPED_TRACE(states[i]);
    EXPECT_EQ(r.at("input").at("kind"), "kcore");
    EXPECT_FALSE(r.at("partial").get<bool>()) << r.at("errors").dump();
    EXPECT_EQ(fact_source(r, "type_information"), "btf");
    auto dump = e2e::scan(dumps_dir() + "/" + states[i] + ".elf", {});
    ASSERT_TRUE(dump.json.is_object());
    auto key = [](const json& report) {
      std::vector<std::string> k;
      for (const auto& f : report.at("findings"))
        k.push_back(fmt::format("{}-{} {} {}", f.at("start_pfn").get<uint64_t>(), f.at("end_pfn").get<uint64_t>(),
                                f.at("category").get<std::string>(), f.at("page_kind").get<std::string>()));
      return k;
    };
    EXPECT_EQ(key(r), key(dump.json));
    EXPECT_FALSE(key(r).empty());
  }
  std::ifstream trace(dir + "/live.strace");
  int opens = 0;
  bool saw_kcore = false;
  while (std::getline(trace, line)) {
    if (line.find("open") == std::string::npos && line.find("truncate") == std::string::npos) continue;
    ++opens;
    EXPECT_EQ(line.find("truncate"), std::string::npos) << line;
    for (const char* flag : {"O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"})
      EXPECT_EQ(line.find(flag), std::string::npos) << line;
    saw_kcore |= line.find("\"/proc/kcore\", O_RDONLY") != std::string::npos;
  }
  EXPECT_GT(opens, 10);
  EXPECT_TRUE(saw_kcore);
  std::ifstream console(dir + "/live.console");
  std::stringstream ss;
  ss << console.rdbuf();
  EXPECT_NE(ss.str().find("PFNSCAN-LIVE-NONROOT pfnscan: error: cannot open /proc/kcore: Permission denied (pfnscan live "
                          "must run as root"),
            std::string::npos);
}

// The two plugins on a running kernel (the guest of RealLive, with crash, drgn and pfnscan inside
// and the pmem bound): drgn's integration reports what `pfnscan live` reports. crash reads the
// live kernel through /proc/kcore's segments, which map no ZONE_DEVICE memmap (crash's own `rd`
// fails there too), so the extension cannot judge those pfns: it must say so, pfn range by pfn
// range, and report no finding it did not see, with the same section table.
TEST(RealLiveDebuggers, CrashAndDrgnOnTheRunningKernel) {
  ASSERT_FALSE(std::string(PFNSCAN_CRASH_EXTENSION).empty()) << "the crash extension was not built";
  std::string dir = e2e::work_dir() + "/live-debuggers";
  std::string build = fs::path(PFNSCAN_BIN).parent_path().string();
  auto boot = e2e::run({PFNSCAN_MAKE_DUMPS, "--live-debuggers", build, dir});
  ASSERT_EQ(boot.exit_code, 0) << boot.out << boot.err;
  std::map<std::string, json> reports;
  std::ifstream out(dir + "/live-debuggers.out");
  std::string line, name;
  while (std::getline(out, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();  // the tty's CR LF
    if (line.rfind("== ", 0) == 0) name = line.substr(3);
    else if (!line.empty() && line[0] == '{') reports[name] = json::parse(line);
  }
  const std::string console = e2e::slurp(dir + "/live-debuggers.console");
  ASSERT_EQ(reports.size(), 3u) << console;
  const json &cli = reports.at("cli"), &crash = reports.at("crash"), &drgn = reports.at("drgn");
  ASSERT_FALSE(cli.at("findings").empty()) << cli.dump();
  EXPECT_FALSE(cli.at("partial").get<bool>()) << cli.at("errors").dump();
  // drgn: the same answer
  EXPECT_EQ(drgn.at("input").at("kind"), "drgn");
  EXPECT_EQ(drgn.at("findings"), cli.at("findings"));
  EXPECT_EQ(drgn.at("sections"), cli.at("sections"));
  EXPECT_EQ(drgn.at("summary"), cli.at("summary"));
  EXPECT_FALSE(drgn.at("partial").get<bool>()) << drgn.at("errors").dump();
  // crash: the same sections; the device pfns named as not judged, nothing invented
  EXPECT_NE(console.find("pfnscan.so: shared object loaded"), std::string::npos) << console;
  EXPECT_EQ(crash.at("input").at("kind"), "crash");
  EXPECT_EQ(crash.at("input").at("path"), "/proc/kcore");
  EXPECT_EQ(crash.at("sections"), cli.at("sections"));
  EXPECT_TRUE(crash.at("findings").empty()) << crash.at("findings").dump();
  EXPECT_TRUE(crash.at("partial").get<bool>());
  const std::string errors = crash.at("errors").dump();
  for (const auto& f : cli.at("findings"))
    EXPECT_NE(errors.find(fmt::format("pfns {:#x}-{:#x}", f.at("start_pfn").get<uint64_t>(), f.at("end_pfn").get<uint64_t>())),
              std::string::npos)
        << errors;
}

}  // namespace
