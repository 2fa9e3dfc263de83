// pfnscan against real kernels: dumps of Debian's 6.1 (bookworm) and 5.10 (bullseye) cloud kernels
// booted under QEMU with legacy pmem colliding with RAM in section 1 (scripts/real-dumps). The
// findings asserted are the ones the layout implies (expectations.json). Pfns, flags and bitmaps
// only: KASLR moves every address each boot.
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
    EXPECT_EQ(fact_source(r.json, "type_information"), with_vmlinux ? "dwarf" : (six && mode == "none" ? "btf" : "builtin")) << label;
    // Both kernels carry the rcu_head of 5ec8e8ea8b77 (6.1.76+, 5.10.210+).
    for (const auto& p : r.json.at("provenance")) {
      if (p.at("id") == "subsection_map_offset") {
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
      EXPECT_EQ(r.exit_code, x.exit_code) << label;
    }
    // The verdict: the sysrq panics are unrelated to the flagged pfns; the other dumps were taken
    // by QEMU from running guests and their logs hold no oops.
    const json& v = r.json.at("verdict");
    EXPECT_TRUE(v.at("log_available").get<bool>()) << label << v.dump();
    EXPECT_EQ(v.at("log_source"), "printk_ringbuffer") << label;
    if (x.panic) {
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

std::vector<std::tuple<Expectation, std::string>> cases() {
  std::vector<std::tuple<Expectation, std::string>> out;
  for (const auto& x : expectations())
    for (const char* f : {"elf", "kdump", "mdf31"}) out.emplace_back(x, f);
  return out;
}

}  // namespace

namespace real {
INSTANTIATE_TEST_SUITE_P(Debian, RealDump, ::testing::ValuesIn(cases()), [](const auto& p) { return e2e::test_name(std::get<0>(p.param).file + "_" + std::get<1>(p.param)); });
}  // namespace real
