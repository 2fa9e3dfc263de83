// Fleet and bug-report end to end: a batch over 200 generated dumps (some corrupt, some whose
// worker hangs, some needing more memory than allowed), killed with SIGKILL at random points and
// resumed; shards merged; the Slurm recipe on a one-node cluster; Markdown, SVG and HTML
// reports, rendered and redacted.
#include <gtest/gtest.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <random>
#include <cctype>
#include <set>
#include <sstream>

#include "harness.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<json> records(const std::string& path) {
  std::vector<json> out;
  std::istringstream in(e2e::slurp(path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(json::parse(line));
  return out;
}

// What each dump of the fleet must come out as, by how it was made.
struct Fleet {
  std::string dir;
  std::map<std::string, std::string> status;   // path -> ok / error / timeout / limit
  std::map<std::string, std::string> verdict;  // path -> verdict, for ok dumps
};

const Fleet& fleet() {
  static Fleet the_fleet = [] {
    Fleet f;
    f.dir = e2e::work_dir() + "/fleet";
    fs::remove_all(f.dir);
    struct Base {
      std::string scenario, format, verdict;
    };
    const std::vector<Base> bases = {
        {"collision-mapped-5.10", "kdump-zlib", "no-panic"}, {"collision-mapped-5.10", "elf", "no-panic"},
        {"collision-mapped-5.10", "flat-zlib", "no-panic"},  {"collision-6.1", "kdump-zlib", "no-panic"},
        {"oops-explained-5.10", "kdump-zlib", "explained"},  {"oops-explained-5.4", "kdump-zstd", "explained"},
        {"oops-unrelated-6.1", "kdump-zlib", "unrelated"},   {"oops-consistent-6.1", "kdump-lzo", "consistent"},
        {"quirk-5.4", "kdump-zlib", "no-panic"},
    };
    std::vector<std::pair<std::string, std::string>> made;  // path, verdict
    for (const auto& b : bases) made.emplace_back(e2e::make_dump(b.scenario, b.format), b.verdict);
    // 180 good dumps, kdump-tools style: host-NN/var/crash/<stamp>/dump.<stamp> (+ dmesg.<stamp>)
    for (int i = 0; i < 180; ++i) {
      const auto& [src, verdict] = made[static_cast<std::size_t>(i) % made.size()];
      std::string stamp = fmt::format("2026112{}{:04}", i % 10, i);
      fs::path d = fs::path(f.dir) / fmt::format("host-{:02}", i / 3) / "var/crash" / stamp;
      fs::create_directories(d);
      fs::path dump = d / ("dump." + stamp);
      fs::create_hard_link(src, dump);  // 200 copies would not fit a nearly full disk
      if (i % 4 == 0) std::ofstream(d / ("dmesg." + stamp)) << "[    0.000000] Linux version 5.10.0\n";
      f.status[dump.string()] = "ok";
      f.verdict[dump.string()] = verdict;
    }
    fs::create_directories(fs::path(f.dir) / "odd");
    // 12 corrupt: truncated kdump headers, ELF core headers over garbage
    std::string kd = e2e::slurp(made[0].first), elf = e2e::slurp(made[1].first);
    for (int i = 0; i < 8; ++i) {
      std::string p = fmt::format("{}/odd/truncated-{}.kdump", f.dir, i);
      std::ofstream(p, std::ios::binary) << kd.substr(0, 512 + static_cast<std::size_t>(i) * 700);
      f.status[p] = "error";
    }
    for (int i = 0; i < 4; ++i) {
      std::string p = fmt::format("{}/odd/garbage-{}.elf", f.dir, i);
      std::string g = elf.substr(0, 64);
      std::mt19937 rng(static_cast<unsigned>(i));
      for (int k = 0; k < 20000; ++k) g.push_back(static_cast<char>(rng()));
      std::ofstream(p, std::ios::binary) << g;
      f.status[p] = "error";
    }
    // 4 whose worker hangs, 4 that need more memory than the batch allows
    for (int i = 0; i < 4; ++i) {
      std::string p = fmt::format("{}/odd/hang-{}.kdump", f.dir, i);
      fs::create_hard_link(made[0].first, p);
      f.status[p] = "timeout";
      std::string q = fmt::format("{}/odd/huge-log-{}.kdump", f.dir, i);
      fs::create_hard_link(e2e::make_dump("huge-log-5.10", "kdump-zlib"), q);
      f.status[q] = "limit";
    }
    // not dumps: skipped
    std::ofstream(f.dir + "/odd/README") << "not a dump\n";
    std::ofstream(f.dir + "/odd/notes.json") << "{}\n";
    return f;
  }();
  return the_fleet;
}

// A kernel address as %px or %lx prints it: 16 hex digits from ffff8..., with or without 0x.
std::string find_kernel_address(const std::string& text) {
  auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t i = 0; i + 16 <= text.size(); ++i) {
    if (i > 0 && hex(text[i - 1])) continue;
    if (text.compare(i, 4, "ffff") != 0 && text.compare(i, 4, "FFFF") != 0) continue;
    std::size_t n = 0;
    while (i + n < text.size() && hex(text[i + n])) ++n;
    char fifth = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i + 4])));
    if (n == 16 && (fifth >= '8' || (fifth >= 'a' && fifth <= 'f'))) return text.substr(i, 16);
  }
  return "";
}

std::vector<std::string> batch_argv(const std::string& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {"env", std::string("PFNSCAN_BIN=") + PFNSCAN_BIN, PFNSCAN_BIN, "batch", fleet().dir, "-o", out,
                                   "-j", "2", "--timeout", "4", "--memory", "100M", "--worker", PFNSCAN_FLEET_WORKER, "-q"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return argv;
}

void expect_every_dump_once(const std::string& out) {
  const auto recs = records(out);
  std::map<std::string, int> seen;
  for (const auto& r : recs) ++seen[r.at("path")];
  EXPECT_EQ(recs.size(), fleet().status.size());
  for (const auto& [path, status] : fleet().status) {
    ASSERT_EQ(seen[path], 1) << path;
  }
  for (const auto& r : recs) {
    const std::string path = r.at("path");
    EXPECT_EQ(r.at("status"), fleet().status.at(path)) << path << " " << r.value("error", "");
    if (r.at("status") == "ok") {
      EXPECT_EQ(r.at("verdict"), fleet().verdict.at(path)) << path;
      EXPECT_FALSE(r.at("findings").empty()) << path;
      EXPECT_TRUE(r.at("result").is_object());
    }
    EXPECT_EQ(r.at("identity"), fmt::format("{}|{}|{}", path, r.at("size").get<uint64_t>(), r.at("digest").get<std::string>()));
  }
}

// Records minus what differs between runs (timings, memory).
std::map<std::string, json> comparable(const std::string& out) {
  std::map<std::string, json> m;
  for (auto r : records(out)) {
    r.erase("seconds");
    r.erase("max_rss_kib");
    if (r.contains("result")) r["result"]["stats"].erase("seconds");
    m[r.at("identity")] = r;
  }
  return m;
}

}  // namespace

TEST(Fleet, BatchRecordsEveryDumpOnceWithTheRightStatus) {
  ASSERT_EQ(fleet().status.size(), 200u);
  std::string out = e2e::work_dir() + "/all.jsonl";
  fs::remove(out);
  auto r = e2e::run(batch_argv(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_every_dump_once(out);
  // kdump-tools' dmesg files travel with their dumps
  std::size_t with_dmesg = 0;
  for (const auto& rec : records(out)) with_dmesg += rec.contains("dmesg");
  EXPECT_EQ(with_dmesg, 45u);
  // a second run finds everything recorded and adds nothing
  auto again = e2e::run(batch_argv(out));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(records(out).size(), 200u);
  // the summary counts them
  auto s = e2e::run({PFNSCAN_BIN, "summary", out, "--json"});
  ASSERT_TRUE(s.json.is_object()) << s.err;
  EXPECT_EQ(s.json.at("dumps"), 200);
  EXPECT_EQ(s.json.at("by_status").at("ok"), 180);
  EXPECT_EQ(s.json.at("by_status").at("error"), 12);
  EXPECT_EQ(s.json.at("by_status").at("timeout"), 4);
  EXPECT_EQ(s.json.at("by_status").at("limit"), 4);
  EXPECT_EQ(s.json.at("by_verdict").at("explained"), 40);
  EXPECT_EQ(s.json.at("by_release").size(), 3u);  // 5.4, 5.10, 6.1
  // explained panics first, then consistent, then failures
  ASSERT_GE(s.json.at("look_first").size(), 40u);
  EXPECT_NE(s.json.at("look_first")[0].at("why").get<std::string>().find("explained"), std::string::npos);
  auto text = e2e::run({PFNSCAN_BIN, "summary", out});
  EXPECT_NE(text.out.find("look at these first:"), std::string::npos);
}

TEST(Fleet, KilledAtRandomPointsAndResumedLosesAndRepeatsNothing) {
  std::string out = e2e::work_dir() + "/killed.jsonl";
  fs::remove(out);
  unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> when(0.2, 2.5);
  int kills = 0;
  const std::string scratch = e2e::work_dir() + "/killed-scratch";
  fs::create_directories(scratch);
  for (int round = 0; round < 12; ++round) {
    std::vector<std::string> argv = {"timeout", "-s", "KILL", fmt::format("{:.2f}", when(rng))};
    auto b = batch_argv(out, {"--scratch-dir", scratch});
    argv.insert(argv.end(), b.begin(), b.end());
    auto r = e2e::run(argv);
    if (r.exit_code == 0) break;
    ASSERT_EQ(r.exit_code, 137) << "seed " << seed << ": " << r.err;
    ++kills;
  }
  auto last = e2e::run(batch_argv(out, {"--scratch-dir", scratch}));
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_GE(kills, 2) << "seed " << seed;
  // the killed runs left no files behind (workers' output and rearranged dumps have no names)
  EXPECT_TRUE(fs::is_empty(scratch)) << fs::directory_iterator(scratch)->path();
  expect_every_dump_once(out);
  // the statuses are those of an uninterrupted run
  std::string whole = e2e::work_dir() + "/whole.jsonl";
  fs::remove(whole);
  ASSERT_EQ(e2e::run(batch_argv(whole, {"--scratch-dir", scratch})).exit_code, 0);  // notes name it
  auto a = comparable(out), b = comparable(whole);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [id, rec] : b) EXPECT_EQ(a.at(id), rec) << id << " seed " << seed;
}

TEST(Fleet, ShardsMergedEqualOneRunAndDuplicatesAreRejected) {
  std::string whole = e2e::work_dir() + "/unsharded.jsonl";
  fs::remove(whole);
  ASSERT_EQ(e2e::run(batch_argv(whole)).exit_code, 0);
  std::vector<std::string> shard_files;
  std::size_t total = 0;
  for (int i = 0; i < 3; ++i) {
    std::string s = fmt::format("{}/shard-{}.jsonl", e2e::work_dir(), i);
    fs::remove(s);
    ASSERT_EQ(e2e::run(batch_argv(s, {"--shard", fmt::format("{}/3", i)})).exit_code, 0);
    total += records(s).size();
    EXPECT_GT(records(s).size(), 30u);
    shard_files.push_back(s);
  }
  EXPECT_EQ(total, 200u);
  std::string merged = e2e::work_dir() + "/merged.jsonl";
  std::vector<std::string> argv = {PFNSCAN_BIN, "merge"};
  argv.insert(argv.end(), shard_files.begin(), shard_files.end());
  argv.insert(argv.end(), {"-o", merged});
  auto m = e2e::run(argv);
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(comparable(merged), comparable(whole));
  auto dup = e2e::run({PFNSCAN_BIN, "merge", shard_files[0], shard_files[1], shard_files[0], "-o", merged + ".dup"});
  EXPECT_EQ(dup.exit_code, 2);
  EXPECT_NE(dup.err.find("recorded twice"), std::string::npos) << dup.err;
  EXPECT_EQ(e2e::run({PFNSCAN_BIN, "batch", fleet().dir, "--shard", "3/3"}).exit_code, 3);
}

// The Slurm recipe, for real: a one-node cluster runs scripts/fleet/slurm-array.sh as an array.
TEST(FleetSlurm, ArrayJobMergedEqualsOneLocalRun) {
  std::string whole = e2e::work_dir() + "/local-for-slurm.jsonl";
  fs::remove(whole);
  ASSERT_EQ(e2e::run(batch_argv(whole)).exit_code, 0);
  std::string out = e2e::work_dir() + "/slurm";
  fs::remove_all(out);
  auto r = e2e::run({"env", std::string("PFNSCAN_BIN=") + PFNSCAN_BIN,
                     std::string("PFNSCAN_BATCH_ARGS=--timeout 4 --memory 100M --worker ") + PFNSCAN_FLEET_WORKER, "timeout", "900",
                     PFNSCAN_SLURM_CLUSTER, PFNSCAN_BIN, "4", out, fleet().dir});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << e2e::slurp(out + "/slurm-daemons.log");
  std::size_t shards = 0;
  for (int i = 0; i < 4; ++i) shards += fs::exists(fmt::format("{}/shard-{}.jsonl", out, i));
  EXPECT_EQ(shards, 4u);
  EXPECT_EQ(comparable(out + "/merged.jsonl"), comparable(whole));
}

TEST(Reports, MarkdownMatchesTheGoldenFile) {
  for (const std::string scenario : {"oops-explained-5.10", "collision-6.1"}) {
    auto scan = e2e::scan(e2e::make_dump(scenario, "kdump-zlib"), {});
    ASSERT_TRUE(scan.json.is_object());
    std::string result = e2e::work_dir() + "/" + scenario + ".json";
    std::ofstream(result) << scan.out;
    auto md = e2e::run({PFNSCAN_BIN, "report", result, "--format", "md", "--redact", "--host", "fleet-host-17"});
    ASSERT_EQ(md.exit_code, 0) << md.err;
    std::string golden = std::string(PFNSCAN_GOLDEN_DIR) + "/" + scenario + ".md";
    if (std::getenv("PFNSCAN_UPDATE_GOLDEN")) std::ofstream(golden) << md.out;
    EXPECT_EQ(md.out, e2e::slurp(golden)) << "regenerate with PFNSCAN_UPDATE_GOLDEN=1 after checking the difference";
  }
}

TEST(Reports, SvgIsWellFormedAndDrawsTheFlaggedRanges) {
  auto scan = e2e::scan(e2e::make_dump("collision-6.1", "kdump-zlib"), {});
  std::string result = e2e::work_dir() + "/svg-source.json", svg = e2e::work_dir() + "/map.svg", png = svg + ".png";
  std::ofstream(result) << scan.out;
  ASSERT_EQ(e2e::run({PFNSCAN_BIN, "report", result, "--format", "svg", "-o", svg}).exit_code, 0);
  auto wf = e2e::run({"/usr/bin/python3", "-c", "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
                                                "print(r.tag, len(r.findall('{http://www.w3.org/2000/svg}rect')))", svg});
  ASSERT_EQ(wf.exit_code, 0) << wf.err;
  EXPECT_EQ(wf.out.substr(0, 32), "{http://www.w3.org/2000/svg}svg ");
  auto render = e2e::run({"rsvg-convert", svg, "-o", png});
  ASSERT_EQ(render.exit_code, 0) << render.err;
  auto px = e2e::run({"/usr/bin/python3", PFNSCAN_PNG_COLORS, png, "d62728", "7b3294", "7cc47f", "f4f4f4"});
  ASSERT_EQ(px.exit_code, 0) << px.err;
  json c = json::parse(px.out);
  // collision-6.1: 0xa000-0xd000 ZONE_DEVICE (red) and 0xd000-0x10000 poisoned (purple) in section 1,
  // the latter in invalid subsections (white); four sections of valid online subsections (green)
  EXPECT_GT(c.at("d62728").get<int>(), 500) << px.out;  // beyond the legend swatch (~100 px)
  EXPECT_GT(c.at("7b3294").get<int>(), 500) << px.out;
  EXPECT_GT(c.at("7cc47f").get<int>(), 4 * 64 * 6 * 10) << px.out;
  auto html = e2e::run({PFNSCAN_BIN, "report", result, "--format", "html"});
  ASSERT_EQ(html.exit_code, 0);
  EXPECT_NE(html.out.find("<svg"), std::string::npos);
  EXPECT_NE(html.out.find("zone\\_device\\_in\\_online\\_section"), std::string::npos);
}

TEST(Reports, RedactionLeavesNoKernelAddressPathOrHostInAnyFormat) {
  std::string dump = e2e::make_dump("oops-explained-5.10", "kdump-zlib");
  auto scan = e2e::scan(dump, {"-v"});
  std::string result = e2e::work_dir() + "/redact.json";
  std::ofstream(result) << scan.out;
  // a batch record too, with a host name in its path
  std::string hostdir = e2e::work_dir() + "/redact-fleet/db-prod-host-42/var/crash/1";
  fs::create_directories(hostdir);
  fs::copy_file(dump, hostdir + "/dump.1", fs::copy_options::overwrite_existing);
  std::string jsonl = e2e::work_dir() + "/redact.jsonl";
  fs::remove(jsonl);
  // no address-space limit: this test also runs with the sanitizer build, whose runtime needs terabytes of it
  ASSERT_EQ(e2e::run({PFNSCAN_BIN, "batch", hostdir, "-o", jsonl, "-q", "--memory", "unlimited"}).exit_code, 0);
  ASSERT_EQ(records(jsonl).size(), 1u);
  ASSERT_EQ(records(jsonl)[0].at("status"), "ok") << records(jsonl)[0].dump();
  for (const std::string& input : {result, jsonl}) {
    for (const std::string format : {"md", "svg", "html"}) {
      std::vector<std::string> argv = {PFNSCAN_BIN, "report", input, "--format", format, "--redact", "--host", "db-prod-host-42"};
      if (input == jsonl && format == "svg") argv.insert(argv.end(), {"--dump", "dump.1"});
      auto r = e2e::run(argv);
      ASSERT_EQ(r.exit_code, 0) << input << " " << format << r.err;
      EXPECT_EQ(find_kernel_address(r.out), "") << input << " " << format;
      EXPECT_EQ(r.out.find(e2e::work_dir()), std::string::npos) << input << " " << format;
      EXPECT_EQ(r.out.find("db-prod-host-42"), std::string::npos) << input << " " << format;
      // pfns and sections stay
      EXPECT_NE(r.out.find(format == "svg" ? "section 1" : "0xa000"), std::string::npos) << input << " " << format;
      // and without --redact the kernel addresses are there: the check above can fail
      argv.erase(argv.begin() + 5, argv.begin() + 8);
      auto plain = e2e::run(argv);
      if (format != "svg") {
        EXPECT_NE(find_kernel_address(plain.out), "") << input << " " << format;
      }
    }
  }
}

// The saved kernel log beside a dump, in both distributions' layouts, is judged when the dump's
// own log cannot be read: Debian's kdump-tools (dump.<stamp>, dmesg.<stamp>) and RHEL's and
// Fedora's kdump (<host>-<date>/vmcore, vmcore-dmesg.txt).
TEST(Fleet, SavedLogsOfDebianAndRhelLayoutsAreJudged) {
  const std::string dir = e2e::work_dir() + "/layouts";
  fs::remove_all(dir);
  json scenario = e2e::load_json(e2e::scenario_path("collision-mapped-5.10"));
  scenario["name"] = "no-log-5.10";
  scenario["vmcoreinfo_override"] = {{"SYMBOL(prb)", nullptr}, {"SYMBOL(log_buf)", nullptr}};
  fs::create_directories(dir);
  std::ofstream(dir + "/no-log-5.10.json") << scenario.dump();
  const std::string panic = "[   12.000000] Kernel panic - not syncing: sysrq triggered crash\n";
  const std::vector<std::pair<std::string, std::string>> layouts = {
      {"/var/crash/202612021200/dump.202612021200", "/var/crash/202612021200/dmesg.202612021200"},
      {"/var/crash/127.0.0.1-2026-12-02-12:00:00/vmcore", "/var/crash/127.0.0.1-2026-12-02-12:00:00/vmcore-dmesg.txt"}};
  for (const auto& [dump, dmesg] : layouts) {
    fs::create_directories(fs::path(dir + dump).parent_path());
    auto made = e2e::run({PFNSCAN_MKDUMP_BIN, dir + "/no-log-5.10.json", "-o", dir + dump, "--format", "kdump-zlib"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    std::ofstream(dir + dmesg) << panic;
  }
  const std::string out = dir + "/results.jsonl";
  auto r = e2e::run({PFNSCAN_BIN, "batch", dir + "/var", "-o", out, "-q", "--memory", "unlimited"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto recs = records(out);
  ASSERT_EQ(recs.size(), 2u);
  for (const auto& rec : recs) {
    SCOPED_TRACE(rec.at("path").get<std::string>());
    ASSERT_EQ(rec.at("status"), "ok") << rec.dump();
    EXPECT_TRUE(rec.at("dmesg").get<std::string>().ends_with(rec.at("path").get<std::string>().ends_with("vmcore") ? "vmcore-dmesg.txt"
                                                                                                                    : "dmesg.202612021200"));
    EXPECT_EQ(rec.at("verdict"), "unrelated");
    const json& v = rec.at("result").at("verdict");
    EXPECT_EQ(v.at("log_source"), rec.at("dmesg"));
    EXPECT_NE(v.at("notes").dump().find("judged " + rec.at("dmesg").get<std::string>() + " instead"), std::string::npos) << v.dump();
  }
}
