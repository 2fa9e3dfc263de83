// crash 8.0.2 as the independent witness of every real dump: its `kmem -n` section table and its
// `log` equal pfnscan's, and pfnscan's crash extension reports what the CLI reports.
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

struct CrashOutput {
  std::string kmem_n, log, plugin_json, plugin_text, session;
  int exit_code = -1;
};

// One crash session per dump answers both `kmem -n` and `log` (a session costs ~8 s).
const CrashOutput& crash_on(const Expectation& x, const std::string& dump) {
  static std::map<std::string, CrashOutput> cache;
  if (auto it = cache.find(dump); it != cache.end()) return it->second;
  std::string base = e2e::work_dir() + "/" + e2e::test_name(fs::path(dump).filename().string());
  std::string cmds = base + ".cmd";
  std::ofstream(cmds) << "kmem -n > " << base << ".kmem-n\nlog > " << base << ".log\n"
                      << "extend " << PFNSCAN_CRASH_EXTENSION << "\npfnscan -j > " << base << ".plugin.json\npfnscan > " << base
                      << ".plugin.txt\nquit\n";
  auto c = e2e::run({"timeout", "600", "crash", "-s", vmlinux_for(x.series), dump, "-i", cmds});
  CrashOutput out{e2e::slurp(base + ".kmem-n"), e2e::slurp(base + ".log"), e2e::slurp(base + ".plugin.json"), e2e::slurp(base + ".plugin.txt"),
                  c.out + c.err, c.exit_code};
  return cache[dump] = out;
}

// crash's `log` and `pfnscan log`, line for line; no vmlinux for pfnscan (VMCOREINFO only).
void expect_log_equals_crash(const CrashOutput& c, const std::string& dump) {
  ASSERT_EQ(c.exit_code, 0) << c.session;
  ASSERT_GT(c.log.size(), 1000u) << c.session;
  auto ours = e2e::run({PFNSCAN_BIN, "log", dump});
  ASSERT_EQ(ours.exit_code, 0) << ours.err;
  EXPECT_EQ(ours.out, c.log);
  auto count = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n'); };
  EXPECT_EQ(count(ours.out), count(c.log));
}

// The crash extension (`extend pfnscan.so; pfnscan -j`) reads through crash and must report what
// the CLI reports with the same vmlinux: findings, section table, verdict.
void expect_plugin_equals_cli(const CrashOutput& c, const std::string& dump, const std::string& vmlinux) {
  ASSERT_FALSE(std::string(PFNSCAN_CRASH_EXTENSION).empty()) << "the crash extension was not built (PFNSCAN_PLUGINS=OFF?)";
  ASSERT_NE(c.session.find("pfnscan.so: shared object loaded"), std::string::npos) << c.session;
  json plugin = json::parse(c.plugin_json, nullptr, false);
  ASSERT_TRUE(plugin.is_object()) << c.plugin_json << c.session;
  auto cli = e2e::scan(dump, {"--vmlinux", vmlinux});
  ASSERT_TRUE(cli.json.is_object()) << cli.err;
  EXPECT_EQ(plugin.at("findings"), cli.json.at("findings"));
  EXPECT_EQ(plugin.at("sections"), cli.json.at("sections"));
  EXPECT_EQ(plugin.at("summary"), cli.json.at("summary"));
  EXPECT_EQ(plugin.at("verdict").at("overall"), cli.json.at("verdict").at("overall"));
  EXPECT_EQ(plugin.at("verdict").at("incidents").size(), cli.json.at("verdict").at("incidents").size());
  EXPECT_EQ(plugin.at("input").at("kind"), "crash");
  EXPECT_EQ(fact_source(plugin, "type_information"), "target");
  // crash-style text: fits 80 columns and names every range
  std::istringstream in(c.plugin_text);
  for (std::string line; std::getline(in, line);) EXPECT_LE(line.size(), 80u) << line;
  for (const auto& f : cli.json.at("findings"))
    EXPECT_NE(c.plugin_text.find(fmt::format("{:#x}", f.at("start_pfn").get<uint64_t>())), std::string::npos) << c.plugin_text;
}

// crash's `kmem -n`: the same sections, state letters and first pfns; and crash's `log`. One
// test, because ctest runs every test in its own process and a crash session costs ~8 s.
TEST_P(RealDump, SectionTableAndLogEqualCrash) {
  const auto& [x, format] = GetParam();
  std::string dump = dumps_dir() + "/" + x.file + "." + format;
  const CrashOutput& crash = crash_on(x, dump);
  ASSERT_EQ(crash.exit_code, 0) << crash.session;
  expect_log_equals_crash(crash, dump);
  expect_plugin_equals_cli(crash, dump, vmlinux_for(x.series));
  e2e::RunResult c;
  c.out = crash.kmem_n;
  std::map<uint64_t, std::string> crash_sections;
  // Rows of `kmem -n`: NR SECTION CODED_MEM_MAP MEM_MAP STATE PFN
  auto digits = [](const std::string& t) { return !t.empty() && t.find_first_not_of("0123456789") == std::string::npos; };
  std::istringstream in(c.out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::vector<std::string> t;
    for (std::string w; ls >> w;) t.push_back(w);
    if (t.size() != 6 || !digits(t[0]) || !digits(t[5]) || t[4].find_first_not_of("PMOED") != std::string::npos ||
        t[1].size() != 16 || t[2].size() != 16 || t[3].size() != 16)
      continue;
    crash_sections[std::stoull(t[0])] = t[4] + " " + t[5];
  }
  ASSERT_FALSE(crash_sections.empty()) << c.out;
  auto r = e2e::scan(dump, {});
  ASSERT_TRUE(r.json.is_object()) << r.err;
  std::map<uint64_t, std::string> ours;
  for (const auto& s : r.json.at("sections")) {
    std::string letters;
    for (const auto& [flag, letter] : std::vector<std::pair<std::string, char>>{
             {"present", 'P'}, {"has_mem_map", 'M'}, {"online", 'O'}, {"early", 'E'}, {"zone_device_taint", 'D'}}) {
      for (const auto& f : s.at("flags"))
        if (f == flag) letters.push_back(letter);
    }
    ours[s.at("nr")] = letters + " " + std::to_string(s.at("start_pfn").get<uint64_t>());
  }
  EXPECT_EQ(ours, crash_sections);
}

}  // namespace
