// Bad input never crashes or hangs pfnscan: every case ends with a documented exit code and a
// one-line error that names what was wrong.
#include <gtest/gtest.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>

#include "harness.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// One line on stderr, starting "pfnscan: error:", containing `needle`.
void expect_one_line_error(const e2e::RunResult& r, int exit_code, const std::string& needle) {
  EXPECT_EQ(r.exit_code, exit_code) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("pfnscan: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "wanted '" << needle << "' in: " << r.err;
}

class BadVmcoreinfo : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(BadVmcoreinfo, OneLineErrorAndExitCode) {
  const auto& [name, format] = GetParam();
  json expect = e2e::load_json(e2e::scenario_path(name)).at("expect").at("error");
  std::string dump = e2e::make_dump(name, format);
  for (bool json_out : {false, true}) {
    std::vector<std::string> args;
    auto r = json_out ? e2e::scan(dump, {}) : e2e::run({PFNSCAN_BIN, "scan", dump});
    expect_one_line_error(r, expect.at("exit").get<int>(), expect.at("message").get<std::string>());
  }
}

std::vector<std::tuple<std::string, std::string>> bad_cases() {
  std::vector<std::tuple<std::string, std::string>> out;
  for (const auto& s : e2e::scenario_names())
    if (e2e::load_json(e2e::scenario_path(s)).at("expect").contains("error"))
      for (const char* f : {"elf", "kdump-zlib"}) out.emplace_back(s, f);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Dumps, BadVmcoreinfo, ::testing::ValuesIn(bad_cases()), [](const auto& p) { return e2e::test_name(std::get<0>(p.param) + "_" + std::get<1>(p.param)); });

std::string copy_prefix(const std::string& src, uint64_t bytes, const std::string& name) {
  std::string dst = e2e::work_dir() + "/" + name;
  std::ifstream in(src, std::ios::binary);
  std::ofstream out(dst, std::ios::binary | std::ios::trunc);
  std::vector<char> buf(1 << 20);
  while (bytes > 0 && in) {
    in.read(buf.data(), static_cast<std::streamsize>(std::min<uint64_t>(bytes, buf.size())));
    out.write(buf.data(), in.gcount());
    bytes -= static_cast<uint64_t>(in.gcount());
  }
  return dst;
}

// Truncated at many points: always a clean exit (no signal), a partial report or an error.
TEST(BadFile, TruncatedDumpsNeverCrash) {
  for (const char* format : {"elf", "kdump-zlib", "kdump-zstd", "flat-zlib"}) {
    std::string dump = e2e::make_dump("collision-mapped-5.10", format);
    uint64_t size = fs::file_size(dump);
    for (int percent : {0, 1, 5, 20, 40, 60, 80, 95, 99}) {
      SCOPED_TRACE(fmt::format("{} truncated to {}%", format, percent));
      std::string t = copy_prefix(dump, size * static_cast<uint64_t>(percent) / 100, fmt::format("trunc-{}-{}", format, percent));
      auto r = e2e::scan(t, {});
      EXPECT_LT(r.exit_code, 128) << "killed by a signal";
      EXPECT_TRUE(r.exit_code == 2 || r.exit_code == 4) << r.exit_code << r.err;
      if (r.exit_code == 2) expect_one_line_error(r, 2, t);
      if (r.exit_code == 4) {
        ASSERT_TRUE(r.json.is_object());
        EXPECT_TRUE(r.json.at("partial").get<bool>());
        EXPECT_NE(r.json.at("errors").dump().find("truncated"), std::string::npos) << r.json.at("errors").dump();
      }
    }
  }
}

TEST(BadFile, CorruptHeader) {
  std::string dump = e2e::make_dump("collision-mapped-5.10", "kdump-zlib");
  std::string bad = copy_prefix(dump, fs::file_size(dump), "corrupt-header");
  {
    std::fstream f(bad, std::ios::in | std::ios::out | std::ios::binary);
    std::string junk(64, 'A');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  expect_one_line_error(e2e::scan(bad, {}), 2, "is not a readable dump");
  std::string elf = e2e::make_dump("collision-mapped-5.10", "elf");
  std::string bad_elf = copy_prefix(elf, 1 << 20, "corrupt-phdrs");
  {
    std::fstream f(bad_elf, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(64);  // the program headers
    std::string junk(200, '\xff');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto r = e2e::scan(bad_elf, {});
  EXPECT_LT(r.exit_code, 128);
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST(BadFile, NotADump) {
  std::string empty = e2e::work_dir() + "/empty";
  std::ofstream(empty).close();
  expect_one_line_error(e2e::scan(empty, {}), 2, "too short to be a dump");
  std::string text = e2e::work_dir() + "/text";
  std::ofstream(text) << std::string(8192, 'x');
  expect_one_line_error(e2e::scan(text, {}), 2, "is not a readable dump");
  expect_one_line_error(e2e::scan(e2e::work_dir() + "/does-not-exist", {}), 2, "No such file");
  expect_one_line_error(e2e::scan(e2e::work_dir(), {}), 2, "is not a readable file");
}

TEST(BadFile, WrongVmlinux) {
  std::string dump = e2e::make_dump("collision-mapped-5.10", "elf");
  std::string text = e2e::work_dir() + "/not-elf";
  std::ofstream(text) << "hello";
  expect_one_line_error(e2e::scan(dump, {"--vmlinux", text}), 2, "is not an ELF file");
  // An ELF without DWARF.
  expect_one_line_error(e2e::scan(dump, {"--vmlinux", "/bin/true"}), 2, "has no DWARF");
}

TEST(Usage, ExitCodeThree) {
  EXPECT_EQ(e2e::run({PFNSCAN_BIN}).exit_code, 3);
  EXPECT_EQ(e2e::run({PFNSCAN_BIN, "scan"}).exit_code, 3);
  EXPECT_EQ(e2e::run({PFNSCAN_BIN, "frobnicate"}).exit_code, 3);
  std::string dump = e2e::make_dump("collision-mapped-5.10", "elf");
  auto r = e2e::run({PFNSCAN_BIN, "scan", dump, "--pfns", "banana"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("--pfns takes START-END"), std::string::npos) << r.err;
  EXPECT_EQ(e2e::run({PFNSCAN_BIN, "scan", dump, "--pfns", "0x20-0x10"}).exit_code, 3);
}

TEST(Options, SectionAndPfnRangeRestrictTheScan) {
  std::string dump = e2e::make_dump("rcu-backport-5.10", "elf");
  auto r = e2e::scan(dump, {"--pfns", "0xb000-0xd000"});
  ASSERT_TRUE(r.json.is_object()) << r.err;
  ASSERT_EQ(r.json.at("findings").size(), 2u);
  EXPECT_EQ(r.json.at("findings")[0].at("start_pfn"), 0xb000);
  EXPECT_EQ(r.json.at("findings")[0].at("end_pfn"), 0xc000);
  EXPECT_EQ(r.json.at("findings")[1].at("start_pfn"), 0xc000);
  EXPECT_EQ(r.json.at("findings")[1].at("end_pfn"), 0xd000);
  auto s0 = e2e::scan(dump, {"--section", "0"});
  ASSERT_TRUE(s0.json.is_object());
  EXPECT_TRUE(s0.json.at("findings").empty());
  EXPECT_EQ(s0.exit_code, 0);
}

}  // namespace

namespace {
// The dump the README's first command scans.
TEST(Sample, BundledDumpReportsTheCollision) {
  auto r = e2e::scan(PFNSCAN_SAMPLE_DUMP, {});
  ASSERT_TRUE(r.json.is_object()) << r.err;
  EXPECT_EQ(r.exit_code, 1);
  ASSERT_EQ(r.json.at("findings").size(), 1u);
  EXPECT_EQ(r.json.at("findings")[0].at("start_pfn"), 0xa000);
  EXPECT_EQ(r.json.at("findings")[0].at("end_pfn"), 0x10000);
  EXPECT_EQ(r.json.at("findings")[0].at("category"), "zone_device_in_online_section");
  EXPECT_EQ(r.json.at("kernel").at("release"), "5.10.0-21-cloud-amd64");
}
}  // namespace
