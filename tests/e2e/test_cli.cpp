// What a user relies on at the command line: a wrong input or a wrong command is an error with
// the documented exit code and a line that says what was wrong, never a clean result.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness.hpp"

namespace fs = std::filesystem;

namespace {

void expect_error(const e2e::RunResult& r, int code, const std::string& says) {
  EXPECT_EQ(r.exit_code, code) << r.out << r.err;
  EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
  EXPECT_LE(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;
}

}  // namespace

TEST(Cli, VersionNamesTheToolAndWithVerboseItsLibraries) {
  auto r = e2e::run({PFNSCAN_BIN, "--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::string("pfnscan ") + PFNSCAN_VERSION_STRING + "\n");
  auto v = e2e::run({PFNSCAN_BIN, "--version", "-v"});
  for (const char* lib : {"libkdumpfile 0.5", "libdw 0.", "libbpf v1."}) EXPECT_NE(v.out.find(lib), std::string::npos) << v.out;
}

TEST(Cli, AnUnknownCommandIsNamed) {
  expect_error(e2e::run({PFNSCAN_BIN, "scna", "x"}), 3, "unknown command 'scna'");
}

TEST(Cli, BatchWithoutDumpsOrWithAMissingPathFails) {
  const std::string dir = e2e::work_dir() + "/cli-batch";
  fs::create_directories(dir);
  std::ofstream(dir + "/notes.txt") << "hello";
  expect_error(e2e::run({PFNSCAN_BIN, "batch", dir, "-o", dir + "/r.jsonl", "-q"}), 2, "no dump found in " + dir + " (1 file(s) skipped");
  expect_error(e2e::run({PFNSCAN_BIN, "batch", dir + "/nope", "-o", dir + "/r.jsonl", "-q"}), 2, dir + "/nope: no such file");
  EXPECT_FALSE(fs::exists(dir + "/r.jsonl"));
}

TEST(Cli, SummaryAndReportRefuseFilesThatAreNotTheirInput) {
  const std::string dir = e2e::work_dir() + "/cli-docs";
  fs::create_directories(dir);
  std::ofstream(dir + "/readme.txt") << "# not a results file\nhello\n";
  expect_error(e2e::run({PFNSCAN_BIN, "summary", dir + "/readme.txt"}), 2, "is not a pfnscan results file");
  expect_error(e2e::run({PFNSCAN_BIN, "report", dir + "/readme.txt"}), 2, "is not pfnscan JSON");
  auto scan = e2e::scan(e2e::make_dump("collision-mapped-5.10", "kdump-zlib"), {});
  std::ofstream(dir + "/result.json") << scan.out;
  expect_error(e2e::run({PFNSCAN_BIN, "report", dir + "/result.json", "--host", "db-17"}), 3, "--host names the host to redact");
}

TEST(Cli, AnAbsentSectionIsAUsageError) {
  auto r = e2e::scan(e2e::make_dump("collision-mapped-5.10", "kdump-zlib"), {"--section", "7"});
  expect_error(r, 3, "section 7 is not present in this dump (present: 0, 1)");
  EXPECT_TRUE(r.out.empty());
}
