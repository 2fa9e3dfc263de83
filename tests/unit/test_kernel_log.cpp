// read_kernel_log() in both printk eras on dumps the generator writes (opened in process through
// libkdumpfile): the lockless ringbuffer (v5.10+) with wrapped descriptor and text rings and
// data-less records, log_buf (before) with a wrap marker and KERN_CONT fragments, makedumpfile's
// excluded zero pages, and VMCOREINFO entries that lie.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "log/kernel_log.hpp"
#include "scenario.hpp"
#include "machine.hpp"
#include "scratch.hpp"
#include "target/kdump_target.hpp"
#include "writers.hpp"

using namespace pfnscan;

namespace {

dumpgen::Scenario scenario(const std::string& profile, const std::string& layout) {
  auto s = dumpgen::parse_scenario(nlohmann::json::parse(fmt::format(R"JSON({{
    "name": "log", "kernel": {{"profile": "{}", "release": "{}", "uts_version": "#1 SMP"}},
    "memory": [{{"op": "boot_ram", "start": "0x100", "end": "0xa000"}}], "log_layout": "{}"}})JSON",
                                                                     profile, profile == "5.4" ? "5.4.0-150-generic" : "5.10.0-21-cloud-amd64", layout)));
  s.log.clear();
  return s;
}

dumpgen::LogRecord rec(uint64_t ts, std::string text, std::optional<uint32_t> caller = std::nullopt, bool cont = false) {
  dumpgen::LogRecord r;
  r.ts_nsec = ts;
  r.text = std::move(text);
  r.caller_id = caller;
  r.cont = cont;
  r.level = 4;
  return r;
}

Result<KernelLog> read(const dumpgen::Scenario& s, bool exclude_zero = false, const std::string& tag = "") {
  static int n = 0;
  std::string path = testutil::scratch_dir("pfnscan-unit") + fmt::format("/log-{}-{}.kdump", tag, ++n);
  dumpgen::WriteOptions w;
  w.exclude_zero_pages = exclude_zero;
  dumpgen::write_kdump(dumpgen::build_machine(s, {}), path, w);
  auto target = open_kdump_target(path);
  if (!target) return std::move(target.error());
  return read_kernel_log(**target);
}

std::vector<std::string> texts(const KernelLog& log) {
  std::vector<std::string> out;
  for (const auto& r : log.records) out.push_back(r.text);
  return out;
}

std::vector<dumpgen::LogRecord> numbered(int count, std::size_t width) {
  std::vector<dumpgen::LogRecord> out;
  for (int i = 0; i < count; ++i) out.push_back(rec(1000000ull * static_cast<uint64_t>(i + 1), fmt::format("line {:03} {}", i, std::string(width, 'x'))));
  return out;
}

}  // namespace

TEST(KernelLog, RingbufferRecordsInOrderWithTheirFields) {
  auto s = scenario("5.10", "ringbuffer");
  s.log = {rec(1500000, "Linux version 5.10.0", 0x80000001u), rec(2000000, "second", 42u), rec(3000123456ull, "third\nwith a newline", 7u)};
  auto log = read(s);
  ASSERT_TRUE(log) << log.error().describe();
  EXPECT_EQ(log->layout, "printk_ringbuffer");
  ASSERT_EQ(log->records.size(), 3u);
  EXPECT_EQ(texts(*log), (std::vector<std::string>{"Linux version 5.10.0", "second", "third\nwith a newline"}));
  EXPECT_EQ(log->records[2].ts_nsec, 3000123456ull);
  EXPECT_EQ(log->records[2].seq, 2u);
  EXPECT_EQ(log->records[0].caller_id, 0x80000001u);
  EXPECT_EQ(log->records[1].level, 4);
  EXPECT_TRUE(log->notes.empty()) << log->notes.front();
  EXPECT_EQ(render_log(*log, {}), "[    0.001500] Linux version 5.10.0\n[    0.002000] second\n[    3.000123] third\n               with a newline\n");
}

TEST(KernelLog, RingbufferThatWrappedBothRings) {
  auto s = scenario("5.10", "ringbuffer");
  // 40 records: ids 3*256+230 .. wrap around the 256-slot descriptor array; the text blocks start
  // 700 bytes before the end of the 64 KiB text ring, so one of them wraps to data[0].
  s.log = numbered(40, 60);
  s.printk_first_id = 3 * 256 + 230;
  s.printk_text_start = 5 * 65536 + 65536 - 700;
  auto log = read(s);
  ASSERT_TRUE(log) << log.error().describe();
  auto want = numbered(40, 60);
  ASSERT_EQ(log->records.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(log->records[i].text, want[i].text) << i;
    EXPECT_EQ(log->records[i].seq, s.printk_first_id + i);
  }
}

TEST(KernelLog, DatalessRecordsAreKeptAndPrintedAsBareNewlines) {
  auto s = scenario("5.10", "ringbuffer");
  s.log = {rec(1000, "before"), rec(2000, ""), rec(3000, "after")};
  s.log[1].dataless = true;
  auto log = read(s);
  ASSERT_TRUE(log) << log.error().describe();
  ASSERT_EQ(log->records.size(), 3u);
  EXPECT_TRUE(log->records[1].dataless);
  EXPECT_FALSE(log->records[0].dataless);
  EXPECT_EQ(render_log(*log, {}), "[    0.000001] before\n\n[    0.000003] after\n");
}

TEST(KernelLog, LogBufJoinsContFragmentsOfTheSameCaller) {
  auto s = scenario("5.4", "log_buf");
  s.log_caller_ids = true;
  s.log = {rec(1000, "Modules linked in: nd_pmem", 5u), rec(1001, " nd_btt", 5u, true), rec(1002, "other CPU", 0x80000002u),
           rec(1003, " libnvdimm", 5u, true), rec(1004, "next line", 5u)};
  auto log = read(s);
  ASSERT_TRUE(log) << log.error().describe();
  EXPECT_EQ(log->layout, "log_buf");
  // the fragment after another caller's line is its own record (the kernel's cont buffer was flushed)
  EXPECT_EQ(texts(*log), (std::vector<std::string>{"Modules linked in: nd_pmem nd_btt", "other CPU", " libnvdimm", "next line"}));
  EXPECT_EQ(log->records[1].caller_id, 0x80000002u);
}

TEST(KernelLog, LogBufThatWrappedToTheStart) {
  auto s = scenario("5.4", "log_buf");
  s.log = numbered(30, 40);
  s.log_buf_start = (1 << 17) - 20 * 68;  // 20 records fit before the end, then the zero-length wrap marker
  auto log = read(s);
  ASSERT_TRUE(log) << log.error().describe();
  EXPECT_EQ(texts(*log).size(), 30u);
  auto want = numbered(30, 40);
  for (std::size_t i = 0; i < want.size() && i < log->records.size(); ++i) EXPECT_EQ(log->records[i].text, want[i].text) << i;
  EXPECT_TRUE(log->notes.empty()) << log->notes.front();
}

TEST(KernelLog, ZeroPagesExcludedByMakedumpfileReadAsZeros) {
  for (const char* layout : {"ringbuffer", "log_buf"}) {
    SCOPED_TRACE(layout);
    auto s = scenario(std::string(layout) == "log_buf" ? "5.4" : "5.10", layout);
    s.log = numbered(12, 20);
    auto full = read(s, false, layout);
    auto filtered = read(s, true, layout);
    ASSERT_TRUE(full && filtered) << (full ? filtered.error().describe() : full.error().describe());
    EXPECT_EQ(texts(*filtered), texts(*full));
    ASSERT_FALSE(filtered->notes.empty());
    EXPECT_NE(filtered->notes.front().find("zero page(s)"), std::string::npos) << filtered->notes.front();
    EXPECT_TRUE(full->notes.empty());
  }
}

TEST(KernelLog, ACountTheDumpCannotBackReadsOnlyTheWrittenSlots) {
  auto s = scenario("5.10", "ringbuffer");
  s.log = numbered(5, 10);
  s.printk_count_bits_claimed = 20;  // log_buf_len=32M would have 2^20 descriptors; the dump holds 256
  auto log = read(s);
  ASSERT_TRUE(log) << log.error().describe();
  EXPECT_EQ(log->records.size(), 5u);
}

TEST(KernelLog, VmcoreinfoOffsetsOutsideTheirStructureAreRefused) {
  struct Case {
    const char* layout;
    const char* key;
    const char* value;
    const char* says;
  };
  const Case cases[] = {
      {"ringbuffer", "OFFSET(printk_info.text_len)", "18446744073709551615", "OFFSET(printk_info.text_len) = 18446744073709551615 does not fit"},
      {"ringbuffer", "OFFSET(printk_info.seq)", "84", "OFFSET(printk_info.seq) = 84 does not fit in struct printk_info (88 bytes)"},
      {"ringbuffer", "OFFSET(prb_desc_ring.tail_id)", "18446744073709551608", "OFFSET(prb_desc_ring.tail_id)"},
      {"ringbuffer", "OFFSET(printk_ringbuffer.text_data_ring)", "70", "struct prb_data_ring (32 bytes) does not fit at offset 70"},
      {"ringbuffer", "SIZE(printk_info)", "0", "SIZE(printk_info) = 0 is implausible"},
      {"ringbuffer", "OFFSET(prb_data_blk_lpos.next)", "9", "OFFSET(prb_data_blk_lpos.next) = 9 does not fit"},
      {"log_buf", "OFFSET(printk_log.len)", "18446744073709551615", "OFFSET(printk_log.len) = 18446744073709551615 does not fit"},
      {"log_buf", "OFFSET(printk_log.dict_len)", "14", "OFFSET(printk_log.dict_len) = 14 does not fit in struct printk_log (16 bytes)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.key) + "=" + c.value);
    auto s = scenario(std::string(c.layout) == "log_buf" ? "5.4" : "5.10", c.layout);
    s.log = numbered(3, 5);
    s.vmcoreinfo_override[c.key] = c.value;
    auto log = read(s);
    ASSERT_FALSE(log);
    EXPECT_EQ(log.error().code(), Errc::corrupt);
    EXPECT_NE(log.error().describe().find(c.says), std::string::npos) << log.error().describe();
  }
}
