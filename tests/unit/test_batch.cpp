// The batch machinery in-process (so it also runs under ASan+UBSan): dump recognition, identity
// and shards, the results file's atomic append and partial-tail recovery, merge, summary,
// redaction.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "fleet/inputs.hpp"
#include "fleet/results_file.hpp"
#include "fleet/summary.hpp"
#include "report/json_io.hpp"
#include "report/redact.hpp"
#include "scratch.hpp"
#include "target/vmcoreinfo.hpp"
#include "types/debuginfo.hpp"

using namespace pfnscan;
namespace fs = std::filesystem;

namespace {
std::string tmpdir() { return testutil::scratch_dir("pfnscan-unit"); }
void write(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }
std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
BatchRecord rec(const std::string& path, BatchStatus status, Verdict verdict = Verdict::no_panic) {
  BatchRecord r;
  r.identity = path + "|1|fnv1a64:0";
  r.path = path;
  r.status = status;
  r.verdict = verdict;
  r.kernel_release = "5.10.0";
  r.summary = {1, 10, "at_risk", {{"zone_device_in_online_section", {1, 10}}}};
  r.result = nlohmann::json::object();
  return r;
}
std::string line(const BatchRecord& r) { return report::dump_json(to_json(r)) + "\n"; }
}  // namespace

TEST(Batch, RecognisesDumpsByMagicAndSkipsTheRest) {
  std::string d = tmpdir() + "/in";
  fs::create_directories(d + "/var/crash/2026");
  std::string elf(64, '\0');
  elf.replace(0, 4, "\x7f" "ELF");
  elf[4] = 2;
  elf[16] = 4;  // ET_CORE
  write(d + "/core.elf", elf);
  std::string exe = elf;
  exe[16] = 2;  // ET_EXEC: a vmlinux is not a dump
  write(d + "/vmlinux", exe);
  write(d + "/var/crash/2026/dump.2026", std::string("KDUMP   ") + std::string(100, 'x'));
  write(d + "/var/crash/2026/dmesg.2026", "[ 0.0] hello\n");
  write(d + "/flat", std::string("makedumpfile\0\0\0\0", 16) + std::string(100, 'y'));
  // RHEL/Fedora kdump: /var/crash/<host>-<date>/vmcore with vmcore-dmesg.txt
  fs::create_directories(d + "/var/crash/127.0.0.1-2026-11-30-12:00:00");
  write(d + "/var/crash/127.0.0.1-2026-11-30-12:00:00/vmcore", std::string("KDUMP   ") + std::string(100, 'z'));
  write(d + "/var/crash/127.0.0.1-2026-11-30-12:00:00/vmcore-dmesg.txt", "[ 0.0] hello\n");
  write(d + "/notes.txt", "hello");
  auto found = find_dumps({d});
  ASSERT_EQ(found.dumps.size(), 4u);
  EXPECT_EQ(found.dumps[0].format, DumpFormat::elf_core);
  EXPECT_EQ(found.dumps[1].format, DumpFormat::flattened);
  EXPECT_EQ(found.dumps[2].format, DumpFormat::kdump);
  EXPECT_EQ(found.dumps[2].dmesg, d + "/var/crash/127.0.0.1-2026-11-30-12:00:00/vmcore-dmesg.txt");
  EXPECT_EQ(found.dumps[3].format, DumpFormat::kdump);
  EXPECT_EQ(found.dumps[3].dmesg, d + "/var/crash/2026/dmesg.2026");
  EXPECT_EQ(found.skipped.size(), 4u);  // vmlinux, the two dmesg files, notes
  // the same input twice, or through a glob and a list, is one dump
  write(tmpdir() + "/list", d + "/core.elf\n" + d + "/core.elf\n");
  auto again = find_dumps({d + "/*.elf", "@" + tmpdir() + "/list"});
  EXPECT_EQ(again.dumps.size(), 1u);
  auto missing = find_dumps({tmpdir() + "/nope"});
  EXPECT_EQ(missing.errors.size(), 1u);
  // identity changes with the content
  auto before = describe_dump(d + "/core.elf");
  elf[40] = 1;
  write(d + "/core.elf", elf);
  auto after = describe_dump(d + "/core.elf");
  ASSERT_TRUE(before && after);
  EXPECT_NE(before->identity(), after->identity());
}

TEST(Batch, ShardsPartitionTheInputDeterministically) {
  std::vector<DumpInput> dumps(1000);
  for (std::size_t i = 0; i < dumps.size(); ++i) dumps[i].path = "/var/crash/host-" + std::to_string(i) + "/dump";
  std::size_t total = 0;
  for (unsigned s = 0; s < 7; ++s) {
    std::size_t n = 0;
    for (const auto& d : dumps) n += in_shard(d, s, 7);
    EXPECT_GT(n, 100u);
    total += n;
  }
  EXPECT_EQ(total, dumps.size());
  EXPECT_TRUE(parse_shard("2/4"));
  EXPECT_FALSE(parse_shard("4/4"));
  EXPECT_FALSE(parse_shard("x"));
  EXPECT_FALSE(parse_shard("1/0"));
}

TEST(Batch, ResultsFileSurvivesAKillMidWrite) {
  std::string path = tmpdir() + "/results.jsonl";
  fs::remove(path);
  {
    auto w = ResultsWriter::open(path);
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->append(rec("/a", BatchStatus::ok)));
    ASSERT_TRUE(w->append(rec("/b", BatchStatus::error)));
  }
  // a killed run left half a line
  std::string text = read(path);
  write(path, text + "{\"identity\": \"/c|1|f");
  auto r = read_results(path);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->records.size(), 2u);
  EXPECT_TRUE(r->had_partial_tail);
  {
    auto w = ResultsWriter::open(path);  // cuts the tail
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->append(rec("/c", BatchStatus::timeout)));
  }
  r = read_results(path);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->records.size(), 3u);
  EXPECT_FALSE(r->had_partial_tail);
  EXPECT_TRUE(r->problems.empty());
  write(tmpdir() + "/junk.jsonl", "not json\n{\"x\":1}\n");
  auto junk = read_results(tmpdir() + "/junk.jsonl");
  ASSERT_TRUE(junk);
  EXPECT_EQ(junk->problems.size(), 2u);
}

TEST(Batch, MergeRejectsDuplicatesAndSummaryRanksWhatNeedsAHuman) {
  std::string a = tmpdir() + "/m-a.jsonl", b = tmpdir() + "/m-b.jsonl";
  write(a, line(rec("/x", BatchStatus::ok, Verdict::explained)) + line(rec("/y", BatchStatus::limit)));
  write(b, line(rec("/z", BatchStatus::ok, Verdict::consistent)));
  auto merged = merge_results({a, b});
  ASSERT_TRUE(merged);
  ASSERT_EQ(merged->size(), 3u);
  EXPECT_EQ((*merged)[0].path, "/x");
  auto dup = merge_results({a, b, a});
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().describe().find("recorded twice"), std::string::npos);
  auto s = to_json(summarize(*merged));
  EXPECT_EQ(s.at("dumps"), 3);
  EXPECT_EQ(s.at("by_status").at("ok"), 2);
  EXPECT_EQ(s.at("by_category").at("zone_device_in_online_section").at("pfns"), 20);
  ASSERT_EQ(s.at("look_first").size(), 3u);
  EXPECT_EQ(s.at("look_first")[0].at("path"), "/x");  // explained
  EXPECT_EQ(s.at("look_first")[1].at("path"), "/z");  // consistent
  EXPECT_EQ(s.at("look_first")[2].at("path"), "/y");  // limit
  EXPECT_NE(render_summary_text(summarize(*merged)).find("look at these first"), std::string::npos);
}

TEST(Batch, RedactionKeepsPfnsAndDropsAddressesPathsAndHosts) {
  using namespace report;
  EXPECT_EQ(redact_path("/var/crash/db-17/dump.1"), "<path>/dump.1");
  EXPECT_EQ(redact_host_text("page dump 0xffffea0000284000 is struct page of pfn 0xa100 on db-17, see /srv/dumps/db-17/x", "db-17"),
            "page dump <kptr> is struct page of pfn 0xa100 on <host>, see <path>/x");
  EXPECT_EQ(redact_kernel_text("ffff888012345678 and 00000000deadbeef"), "<kptr> and 00000000deadbeef");
  EXPECT_EQ(redact_hex({40960, false}).value, 40960u);
  EXPECT_TRUE(redact_hex({0xffffea0000284000, false}).redacted);
  EXPECT_EQ(redact_kernel_text("vmlinux /usr/lib/debug/vmlinux-5.10"), "vmlinux <path>/vmlinux-5.10");
}

TEST(Batch, DebuginfoFindsTheVmlinuxByBuildIdThenByRelease) {
  std::string d = tmpdir() + "/debug";
  fs::create_directories(d + "/pkg-a/usr/lib/debug/.build-id/ab");
  fs::create_directories(d + "/pkg-b/usr/lib/debug/boot");
  write(d + "/pkg-a/usr/lib/debug/.build-id/ab/cdef0123.debug", "x");
  write(d + "/pkg-b/usr/lib/debug/boot/vmlinux-5.10.0-32-cloud-amd64", "y");
  auto by_id = find_vmlinux(d, VmcoreInfo::parse("OSRELEASE=5.10.0-32-cloud-amd64\nBUILD-ID=abcdef0123\n"));
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->by, "build id");
  EXPECT_EQ(by_id->path, d + "/pkg-a/usr/lib/debug/.build-id/ab/cdef0123.debug");
  auto by_release = find_vmlinux(d, VmcoreInfo::parse("OSRELEASE=5.10.0-32-cloud-amd64\nBUILD-ID=ffff\n"));
  ASSERT_TRUE(by_release);
  EXPECT_EQ(by_release->by, "release");
  EXPECT_FALSE(find_vmlinux(d, VmcoreInfo::parse("OSRELEASE=6.1.0-9-amd64\n")));
}
