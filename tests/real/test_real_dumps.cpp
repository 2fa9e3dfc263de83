// pfnscan against real kernels: dumps of Debian's 6.1 (bookworm) and 5.10 (bullseye) cloud kernels
// booted under QEMU with legacy pmem colliding with RAM in section 1 (scripts/real-dumps). The
// findings asserted are the ones the layout implies; crash's `kmem -n` and a drgn script are the
// independent witnesses. Pfns, flags and bitmaps only: KASLR moves every address each boot.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <sstream>

#include "harness.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string dumps_dir() {
  const char* d = std::getenv("PFNSCAN_REAL_DUMPS");
  return d ? d : PFNSCAN_REAL_DUMPS_DEFAULT;
}

json manifest() {
  static json m = [] {
    std::string path = dumps_dir() + "/manifest.json";
    if (!fs::exists(path)) throw std::runtime_error("no real dumps at " + dumps_dir() + ": run scripts/real-dumps/make-dumps.sh");
    return e2e::load_json(path);
  }();
  return m;
}

struct Range {
  uint64_t start, end, section;
  std::string category;
};

struct Expectation {
  std::string series;  // "6.1", "5.10"
  std::string file;    // without extension
  std::vector<Range> ranges;
  std::map<uint64_t, std::string> maps;  // section -> subsection_map
  bool raw = false;                      // no ZONE_DEVICE or poisoned page may be returned
};

const std::string kZd = "zone_device_in_online_section";
const std::string kStale = "stale_zone_device_in_invalid_subsection";
const std::string kFull = "0xffffffffffffffff";

std::vector<Expectation> expectations() {
  std::vector<Expectation> e;
  for (std::string s : {"6.1", "5.10"}) {
    e.push_back({s, s + "-fsdax-bound", {{0xa000, 0x10000, 1, kZd}}, {{1, kFull}}, false});
    e.push_back({s, s + "-fsdax-unbound", {{0xa000, 0x10000, 1, kStale}}, {{1, "0xffff"}}, false});
  }
  e.push_back({"6.1", "6.1-raw-raw", {}, {{1, "0xffff"}}, true});
  e.push_back({"6.1", "6.1-panic-panic-bound", {{0xa000, 0x10000, 1, kZd}}, {{1, kFull}}, false});
  e.push_back({"6.1", "6.1-panic-panic-unbound", {{0xa000, 0x10000, 1, kStale}}, {{1, "0xffff"}}, false});
  e.push_back({"6.1", "6.1-across-bound", {{0xe000, 0x10000, 1, kZd}, {0x10000, 0x12000, 2, kZd}}, {{1, kFull}, {2, kFull}}, false});
  e.push_back({"6.1", "6.1-across-unbound", {{0xe000, 0x10000, 1, kStale}, {0x10000, 0x12000, 2, kStale}},
               {{1, "0xffffffffffff"}, {2, "0xffffffffffff0000"}}, false});
  return e;
}

std::string vmlinux_for(const std::string& series) { return manifest().at(series).at("vmlinux"); }

class RealDump : public ::testing::TestWithParam<std::tuple<Expectation, std::string>> {};

TEST_P(RealDump, FindingsAreWhatTheLayoutImplies) {
  const auto& [x, format] = GetParam();
  std::string dump = dumps_dir() + "/" + x.file + "." + format;
  ASSERT_TRUE(fs::exists(dump)) << dump;
  bool six = x.series == "6.1";
  // 6.1 without a vmlinux uses the BTF in the dump; --no-btf makes it take the built-in table,
  // which must place subsection_map behind the rcu_head of 6.1.76+ from the version alone.
  std::vector<std::string> modes = {"vmlinux", "none"};
  if (six) modes.push_back("no-btf");
  for (const std::string& mode : modes) {
    bool with_vmlinux = mode == "vmlinux";
    std::vector<std::string> args;
    if (with_vmlinux) args = {"--vmlinux", vmlinux_for(x.series)};
    if (mode == "no-btf") args = {"--no-btf"};
    auto r = e2e::scan(dump, args);
    std::string label = fmt::format("{} {}", dump, mode);
    ASSERT_TRUE(r.json.is_object()) << label << "\n" << r.err;
    EXPECT_FALSE(r.json.at("partial").get<bool>()) << label << r.json.at("errors").dump();
    EXPECT_EQ(r.json.at("kernel").at("has_fixed_pfn_to_online_page"), six) << label;
    std::string source;
    for (const auto& p : r.json.at("provenance"))
      if (p.at("fact") == "type information") source = p.at("source");
    EXPECT_EQ(source, with_vmlinux ? "dwarf" : (six && mode == "none" ? "btf" : "builtin")) << label;
    // Both kernels carry the rcu_head of 5ec8e8ea8b77 (6.1.76+, 5.10.210+).
    for (const auto& p : r.json.at("provenance")) {
      if (p.at("fact") == "mem_section_usage.subsection_map offset") {
        EXPECT_EQ(p.at("value"), "16") << label;
      }
    }
    if (mode == "no-btf") {
      // The one assumption left: the 6.0+ section-flag enum as built with CONFIG_ZONE_DEVICE=y.
      ASSERT_EQ(r.json.at("uncertainties").size(), 1u) << label << r.json.at("uncertainties").dump();
      EXPECT_NE(r.json.at("uncertainties")[0].get<std::string>().find("CONFIG_ZONE_DEVICE=y"), std::string::npos);
    } else {
      EXPECT_TRUE(r.json.at("uncertainties").empty()) << label << r.json.at("uncertainties").dump();
    }
    if (format == "kdump") {
      // QEMU's kdump-zlib: flattened, with a damaged header that VMCOREINFO overrules.
      std::string notes = r.json.at("input").at("notes").dump();
      EXPECT_NE(notes.find("flattened makedumpfile format"), std::string::npos) << notes;
      EXPECT_NE(notes.find("QEMU leaves the header's utsname empty); trusted VMCOREINFO"), std::string::npos) << notes;
    }
    if (x.raw) {
      for (const auto& f : r.json.at("findings"))
        EXPECT_TRUE(f.at("page_kind") != "zone_device" && f.at("page_kind") != "poisoned") << label << f.dump();
    } else {
      std::vector<std::string> want, got;
      for (const auto& w : x.ranges) want.push_back(fmt::format("{:#x}-{:#x} s{} {}", w.start, w.end, w.section, w.category));
      for (const auto& f : r.json.at("findings"))
        got.push_back(fmt::format("{:#x}-{:#x} s{} {}", f.at("start_pfn").get<uint64_t>(), f.at("end_pfn").get<uint64_t>(),
                                  f.at("section").get<uint64_t>(), f.at("category").get<std::string>()));
      EXPECT_EQ(want, got) << label;
      EXPECT_EQ(r.exit_code, 1) << label;
    }
    // The verdict: the sysrq panics are unrelated to the flagged pfns; the other dumps were taken
    // by QEMU from running guests and their logs hold no oops.
    const json& v = r.json.at("verdict");
    EXPECT_TRUE(v.at("log_available").get<bool>()) << label << v.dump();
    EXPECT_EQ(v.at("log_source"), "printk_ringbuffer") << label;
    if (x.file.find("panic") != std::string::npos) {
      EXPECT_EQ(v.at("overall"), "unrelated") << label;
      ASSERT_EQ(v.at("incidents").size(), 1u) << label << v.dump(2);
      const json& inc = v.at("incidents")[0];
      EXPECT_EQ(inc.at("kind"), "panic");
      EXPECT_EQ(inc.at("panic"), "sysrq triggered crash");
      EXPECT_EQ(inc.at("comm"), "init");
      EXPECT_TRUE(inc.at("walker").is_null());
      bool sysrq = false;
      for (const auto& f : inc.at("call_trace")) sysrq |= f.at("symbol") == "sysrq_handle_crash";
      EXPECT_TRUE(sysrq) << inc.at("call_trace").dump();
    } else {
      EXPECT_EQ(v.at("overall"), "no-panic") << label;
    }
    for (const auto& [nr, map] : x.maps) {
      bool found = false;
      for (const auto& s : r.json.at("sections")) {
        if (s.at("nr") != nr) continue;
        found = true;
        EXPECT_EQ(s.at("subsection_map"), map) << label << " section " << nr;
        std::vector<std::string> flags = s.at("flags");
        std::vector<std::string> want_flags = {"present", "has_mem_map", "online", "early"};
        if (six && !x.raw) want_flags.push_back("zone_device_taint");
        EXPECT_EQ(flags, want_flags) << label << " section " << nr;
        EXPECT_EQ(s.at("memmap_check"), "ok") << label;
      }
      EXPECT_TRUE(found) << label << " section " << nr;
    }
  }
}

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
  for (const auto& p : plugin.at("provenance"))
    if (p.at("fact") == "type information") {
      EXPECT_EQ(p.at("source"), "target");
    }
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

std::vector<std::tuple<Expectation, std::string>> cases() {
  std::vector<std::tuple<Expectation, std::string>> out;
  for (const auto& x : expectations())
    for (const char* f : {"elf", "kdump", "mdf31"}) out.emplace_back(x, f);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Debian, RealDump, ::testing::ValuesIn(cases()), [](const auto& p) { return e2e::test_name(std::get<0>(p.param).file + "_" + std::get<1>(p.param)); });

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
  EXPECT_EQ(s.exit_code, 1) << s.err;  // findings, as the CLI's exit code
  json script = json::parse(s.out.substr(s.out.find('{')), nullptr, false);
  ASSERT_TRUE(script.is_object()) << s.out << s.err;
  auto cli = e2e::scan(dump, {"--vmlinux", vmlinux_for("6.1")});
  EXPECT_EQ(script.at("findings"), cli.json.at("findings"));
}

// pfnscan batch over the real dumps with --debuginfo pointing at the unpacked -dbg packages: each
// dump's worker finds its own kernel's vmlinux (by release: the packages carry no .build-id tree
// here) and reports the same findings as a scan with that vmlinux.
TEST(RealDumpBatch, DebuginfoFindsEachDumpsVmlinux) {
  std::string out = e2e::work_dir() + "/real-batch.jsonl";
  fs::remove(out);
  // the deepest directory holding both kernels' vmlinux files
  fs::path root = fs::path(vmlinux_for("6.1")).parent_path();
  while (fs::path(vmlinux_for("5.10")).string().rfind(root.string() + "/", 0) != 0 && root.has_parent_path() && root != root.root_path())
    root = root.parent_path();
  auto b = e2e::run({PFNSCAN_BIN, "batch", dumps_dir() + "/*.mdf31", "-o", out, "-j", "2", "-q", "--debuginfo", root.string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  std::ifstream in(out);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    json r = json::parse(line);
    ++n;
    ASSERT_EQ(r.at("status"), "ok") << line.substr(0, 400);
    std::string source;
    for (const auto& p : r.at("result").at("provenance"))
      if (p.at("fact") == "type information") source = p.at("source");
    EXPECT_EQ(source, "dwarf") << r.at("path");
    std::string series = r.at("kernel_release").get<std::string>().rfind("6.1", 0) == 0 ? "6.1" : "5.10";
    auto cli = e2e::scan(r.at("path"), {"--vmlinux", vmlinux_for(series)});
    EXPECT_EQ(r.at("result").at("findings"), cli.json.at("findings")) << r.at("path");
  }
  EXPECT_EQ(n, expectations().size());
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
    std::string source;
    for (const auto& p : r.at("provenance"))
      if (p.at("fact") == "type information") source = p.at("source");
    EXPECT_EQ(source, "btf");
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

}  // namespace

namespace {

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
