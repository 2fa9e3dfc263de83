// The verdict end to end: synthetic dumps whose kernel log holds oopses in the formats of 5.4,
// 5.10 and 6.1, written in both printk layouts, scanned by the real binary; `pfnscan log` checked
// against makedumpfile --dump-dmesg; `pfnscan explain` on the same log text (plain, syslog and
// netconsole framing) judged without the dump.
#include <gtest/gtest.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>

#include "harness.hpp"

using nlohmann::json;

namespace {

std::vector<std::string> oops_scenarios() {
  std::vector<std::string> out;
  for (const auto& s : e2e::scenario_names())
    if (e2e::load_json(e2e::scenario_path(s)).contains("log_files")) out.push_back(s);
  return out;
}

using Case = std::tuple<std::string, std::string>;  // scenario, dump format (with the printk layout)
class VerdictTest : public ::testing::TestWithParam<Case> {};

void expect_incident(const json& got, const json& want, bool from_dump) {
  std::string want_verdict = want.at("verdict");
  if (!from_dump && want_verdict == "explained") want_verdict = "consistent";  // needs the dump's findings
  EXPECT_EQ(got.at("verdict"), want_verdict);
  EXPECT_EQ(got.at("kind"), want.at("kind"));
  if (want.at("walker").is_null()) EXPECT_TRUE(got.at("walker").is_null()) << got.at("walker");
  else EXPECT_EQ(got.at("walker").at("function"), want.at("walker"));
  EXPECT_EQ(got.at("signatures"), want.at("signatures"));
  EXPECT_EQ(got.at("cpu"), want.at("cpu"));
  EXPECT_EQ(got.at("pid"), want.at("pid"));
  EXPECT_EQ(got.at("comm"), want.at("comm"));
  EXPECT_EQ(got.at("rip").at("symbol"), want.at("rip"));
  EXPECT_EQ(got.at("panic"), want.at("panic"));
  EXPECT_FALSE(got.at("truncated").get<bool>());
  if (want.contains("bug")) {
    EXPECT_EQ(fmt::format("{}:{}", got.at("bug").at("file").get<std::string>(), got.at("bug").at("line").get<int>()), want.at("bug"));
  }
  if (want.contains("fault_address")) {
    EXPECT_EQ(got.at("fault_address"), want.at("fault_address"));
  }
  // the bug family, the walker's loop and the sections without usage, where the scenario names them
  if (want.contains("family")) {
    ASSERT_FALSE(got.at("family").is_null());
    EXPECT_EQ(got.at("family").at("id"), want.at("family"));
  }
  if (want.contains("chain")) {
    EXPECT_EQ(got.at("chain"), want.at("chain"));
  }
  if (want.contains("section_ties")) {
    const json& ties = from_dump ? got.at("section_ties") : json::array();
    ASSERT_EQ(ties.size(), from_dump ? want.at("section_ties").size() : 0u) << got.at("section_ties");
    for (std::size_t i = 0; i < ties.size(); ++i) {
      for (const auto& [k, v] : want.at("section_ties")[i].items()) {
        EXPECT_EQ(ties[i].at(k), v) << k;
      }
    }
  }
  std::set<uint64_t> flagged, want_flagged;
  for (const auto& t : got.at("ties"))
    if (t.at("flagged").get<bool>()) flagged.insert(t.at("pfn").get<uint64_t>());
  if (from_dump) {
    for (const auto& p : want.at("flagged_pfns")) want_flagged.insert(e2e::as_u64(p));
    EXPECT_EQ(flagged, want_flagged);
  } else {
    EXPECT_TRUE(flagged.empty());
    EXPECT_FALSE(got.at("undecided").empty());
  }
}

TEST_P(VerdictTest, ScanJudgesTheOopsInTheDumpsLog) {
  const auto& [scenario, format] = GetParam();
  json expect = e2e::load_json(e2e::scenario_path(scenario)).at("expect");
  std::string dump = e2e::make_dump(scenario, format);
  auto r = e2e::scan(dump, {});
  ASSERT_TRUE(r.json.is_object()) << r.err;
  const json& v = r.json.at("verdict");
  const json& want = expect.at("verdict");
  EXPECT_EQ(v.at("overall"), want.at("overall"));
  EXPECT_TRUE(v.at("log_available").get<bool>());
  EXPECT_EQ(v.at("log_source"), format.find("log_buf") != std::string::npos ? "log_buf" : "printk_ringbuffer");
  ASSERT_EQ(v.at("incidents").size(), want.at("incidents").size()) << v.dump(2);
  for (std::size_t i = 0; i < want.at("incidents").size(); ++i) expect_incident(v.at("incidents")[i], want.at("incidents")[i], true);
  EXPECT_EQ(r.exit_code, want.at("overall") == "explained" ? 5 : expect.value("has_fixed_pfn_to_online_page", false) ? 7 : 1);
  // the text report says the same
  auto text = e2e::run({PFNSCAN_BIN, "scan", dump});
  EXPECT_NE(text.out.find("verdict: " + want.at("overall").get<std::string>()), std::string::npos) << text.out;
}

TEST_P(VerdictTest, LogEqualsMakedumpfileAndExplainAgrees) {
  const auto& [scenario, format] = GetParam();
  json expect = e2e::load_json(e2e::scenario_path(scenario)).at("expect");
  std::string dump = e2e::make_dump(scenario, format);
  auto log = e2e::run({PFNSCAN_BIN, "log", dump});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  if (expect.contains("log_contains")) {
    for (const auto& needle : expect.at("log_contains")) EXPECT_NE(log.out.find(needle.get<std::string>()), std::string::npos) << needle;
  }
  // makedumpfile prints each log_buf record on its own line; it does not join KERN_CONT fragments
  bool has_cont_fragments = expect.contains("log_contains") && format.find("log_buf") != std::string::npos;
  if (format.rfind("elf", 0) == 0 && !has_cont_fragments) {
    std::string out = dump + ".dmesg";
    std::filesystem::remove(out);
    auto m = e2e::run({"makedumpfile", "--dump-dmesg", dump, out});
    ASSERT_EQ(m.exit_code, 0) << m.out << m.err;
    std::string theirs = e2e::slurp(out);
    // makedumpfile adds the caller id when the layout records one: drop "[  T123] " to compare
    std::string ours_lines, their_lines;
    std::istringstream in(theirs);
    for (std::string line; std::getline(in, line);) {
      if (auto close = line.find("] ["); close != std::string::npos && line.find(']', close + 2) != std::string::npos)
        line.erase(close + 1, line.find(']', close + 2) - close);
      their_lines += line + "\n";
    }
    EXPECT_EQ(log.out, their_lines);
  }
  // explain on the same text, framed as dmesg, syslog and netconsole (extended) would frame it
  std::string base = dump + ".log";
  std::ofstream(base) << log.out;
  std::string syslog, netcon;
  std::istringstream in(log.out);
  int seq = 0;
  for (std::string line; std::getline(in, line);) {
    syslog += "Nov 25 12:00:00 fleet-host-17 kernel: " + line + "\n";
    std::string body = line.substr(line.find(']') + 2);
    netcon += fmt::format("6,{},{},-;{}\n", seq, 1000 + seq, body);
    ++seq;
  }
  std::ofstream(base + ".syslog") << syslog;
  std::ofstream(base + ".netconsole") << netcon;
  for (const std::string& file : {base, base + ".syslog", base + ".netconsole"}) {
    auto e = e2e::run({PFNSCAN_BIN, "explain", file, "--json"});
    ASSERT_TRUE(e.json.is_object()) << file << e.err << e.out;
    const json& v = e.json.at("verdict");
    const json& want = expect.at("verdict");
    std::string want_overall = want.at("overall") == "explained" ? "consistent" : want.at("overall").get<std::string>();
    EXPECT_EQ(v.at("overall"), want_overall) << file;
    EXPECT_EQ(e.exit_code, want_overall == "consistent" ? 1 : 0) << file;
    ASSERT_EQ(v.at("incidents").size(), want.at("incidents").size()) << file;
    for (std::size_t i = 0; i < want.at("incidents").size(); ++i) expect_incident(v.at("incidents")[i], want.at("incidents")[i], false);
  }
}

std::vector<Case> verdict_cases() {
  std::vector<Case> out;
  for (const auto& s : oops_scenarios())
    for (const char* f : {"elf+ringbuffer", "elf+log_buf", "kdump-zlib+ringbuffer", "kdump-zlib+log_buf"}) out.emplace_back(s, f);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Oopses, VerdictTest, ::testing::ValuesIn(verdict_cases()),
                         [](const auto& p) { return e2e::test_name(std::get<0>(p.param) + "_" + std::get<1>(p.param)); });

// Every other scenario has a boot log without any oops: "no-panic", and the exit code is the
// scan's own.
TEST(Verdict, BootLogsHaveNoPanic) {
  int checked = 0;
  for (const auto& s : e2e::scenario_names()) {
    json j = e2e::load_json(e2e::scenario_path(s));
    if (j.contains("log_files") || s.rfind("bad-", 0) == 0) continue;
    auto r = e2e::scan(e2e::make_dump(s, "elf"), {});
    ASSERT_TRUE(r.json.is_object()) << s << r.err;
    EXPECT_EQ(r.json.at("verdict").at("overall"), "no-panic") << s;
    EXPECT_TRUE(r.json.at("verdict").at("incidents").empty()) << s;
    EXPECT_NE(r.exit_code, 5) << s;
    ++checked;
  }
  EXPECT_GE(checked, 10);
}

TEST(Verdict, ExplainRefusesDumpsAndMissingFiles) {
  auto missing = e2e::run({PFNSCAN_BIN, "explain", "/nonexistent/console.log"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("cannot open"), std::string::npos);
  auto dump = e2e::run({PFNSCAN_BIN, "explain", e2e::make_dump("collision-6.1", "elf")});
  EXPECT_EQ(dump.exit_code, 2);
  EXPECT_NE(dump.err.find("pfnscan scan"), std::string::npos) << dump.err;
  auto log = e2e::run({PFNSCAN_BIN, "log", "/nonexistent/vmcore"});
  EXPECT_EQ(log.exit_code, 2);
}

}  // namespace
