// Every scenario, in every dump format, through every layout path (DWARF; BTF from the dump or
// the built-in table), in quick and full mode: the findings and section table must equal what
// the scenario says by construction.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "harness.hpp"

using e2e::as_u64;
using nlohmann::json;

namespace {

const std::vector<std::string> kFormats = {"elf",        "elf-kexec",  "kdump-none", "kdump-zlib",    "kdump-lzo",
                                           "kdump-snappy", "kdump-zstd", "flat-zlib", "kdump-zlib-d1", "kdump-qemu"};

std::string finding_key(const json& f) {
  return fmt::format("{:#x}-{:#x} s{} {} {}", as_u64(f.at("start_pfn")), as_u64(f.at("end_pfn")), as_u64(f.at("section")),
                     f.at("category").get<std::string>(), f.at("page_kind").get<std::string>());
}

std::string type_source(const json& report);

void expect_matches(const json& expect, const json& report, const std::string& label) {
  SCOPED_TRACE(label);
  ASSERT_TRUE(report.is_object()) << "no JSON report";
  EXPECT_EQ(report.at("schema_version"), 1);
  std::vector<std::string> want, got;
  for (const auto& f : expect.at("findings")) want.push_back(finding_key(f));
  for (const auto& f : report.at("findings")) got.push_back(finding_key(f));
  EXPECT_EQ(want, got);
  if (expect.contains("sections")) {
    std::vector<std::string> ws, gs;
    for (const auto& s : expect.at("sections"))
      ws.push_back(fmt::format("{} {} {}", as_u64(s.at("nr")), s.at("flags").dump(), s.value("subsection_map", json()).dump()));
    for (const auto& s : report.at("sections"))
      gs.push_back(fmt::format("{} {} {}", s.at("nr").get<uint64_t>(), s.at("flags").dump(), s.at("subsection_map").dump()));
    EXPECT_EQ(ws, gs);
  }
  if (expect.contains("old_and_fixed")) {
    for (const auto& f : report.at("findings")) {
      EXPECT_EQ(f.at("old_returns"), "page");
      EXPECT_EQ(f.at("fixed_returns"), expect.at("old_and_fixed").at(f.at("category").get<std::string>()));
    }
  }
  if (expect.contains("has_fixed_pfn_to_online_page")) {
    EXPECT_EQ(report.at("kernel").at("has_fixed_pfn_to_online_page"), expect.at("has_fixed_pfn_to_online_page"));
  }
  if (expect.contains("memmap_check")) {
    for (const auto& [nr, check] : expect.at("memmap_check").items()) {
      bool found = false;
      for (const auto& s : report.at("sections"))
        if (std::to_string(s.at("nr").get<uint64_t>()) == nr) {
          found = true;
          EXPECT_EQ(s.at("memmap_check"), check) << "section " << nr;
        }
      EXPECT_TRUE(found) << "section " << nr;
    }
  }
  EXPECT_EQ(report.at("partial"), expect.value("partial", false)) << report.at("errors").dump();
  if (expect.contains("errors_contain")) {
    std::string errors = report.at("errors").dump();
    for (const auto& e : expect.at("errors_contain"))
      EXPECT_NE(errors.find(e.get<std::string>()), std::string::npos) << "missing error '" << e << "' in " << errors;
  }
}

int expected_exit(const json& expect) {
  if (expect.value("partial", false)) return 4;
  if (expect.at("findings").empty()) return 0;
  if (expect.contains("verdict") && expect.at("verdict").at("overall") == "explained") return 5;
  return expect.value("has_fixed_pfn_to_online_page", false) ? 7 : 1;  // latent on a fixed kernel
}

std::string type_source(const json& report) {
  for (const auto& p : report.at("provenance"))
    if (p.at("fact") == "type information") return p.at("source");
  return "?";
}

class ScenarioTest : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(ScenarioTest, FindingsMatchConstruction) {
  const auto& [name, format] = GetParam();
  json scenario = e2e::load_json(e2e::scenario_path(name));
  const json& expect = scenario.at("expect");
  std::string dump = e2e::make_dump(name, format);
  std::string vmlinux = e2e::make_vmlinux(name);
  bool six = scenario.at("kernel").at("profile").get<std::string>().rfind("6.", 0) == 0;
  struct Path {
    std::string label;
    std::vector<std::string> args;
    std::string source;
  };
  std::string no_vmlinux = expect.value("no_vmlinux_source", six ? "btf" : "builtin");
  std::vector<Path> paths = {{"dwarf", {"--vmlinux", vmlinux}, "dwarf"}, {"no-vmlinux", {}, no_vmlinux}};
  if (six && scenario.value("builtin_table_applies", true)) paths.push_back({"builtin-table", {"--no-btf"}, "builtin"});
  for (const auto& path : paths) {
    for (bool full : {false, true}) {
      auto args = path.args;
      if (full) args.push_back("--full");
      auto r = e2e::scan(dump, args);
      std::string label = fmt::format("{} {} {} {}", name, format, path.label, full ? "full" : "quick");
      ASSERT_TRUE(r.json.is_object()) << label << ": exit " << r.exit_code << "\n" << r.out << r.err;
      EXPECT_EQ(r.exit_code, expected_exit(expect)) << label << "\n" << r.err;
      EXPECT_EQ(type_source(r.json), path.source) << label;
      EXPECT_EQ(r.json.at("mode"), full ? "full" : "quick");
      expect_matches(expect, r.json, label);
      if (path.source == "builtin") {
        // The distro zone-enum assumption must have been checked on the dump's own struct pages.
        for (const auto& p : r.json.at("provenance")) {
          if (p.at("fact") == "enum zone_type") {
            EXPECT_EQ(p.at("source"), "probe") << label << ": " << p.dump();
          }
        }
        EXPECT_EQ(r.json.at("uncertainties").dump().find("enum zone_type"), std::string::npos) << label;
      }
      if (path.label == "no-vmlinux" && expect.contains("uncertainties_contain")) {
        std::string u = r.json.at("uncertainties").dump();
        for (const auto& e : expect.at("uncertainties_contain"))
          EXPECT_NE(u.find(e.get<std::string>()), std::string::npos) << label << ": missing uncertainty " << e << " in " << u;
      }
    }
  }
}

std::vector<std::tuple<std::string, std::string>> all_cases() {
  std::vector<std::tuple<std::string, std::string>> out;
  for (const auto& s : e2e::scenario_names()) {
    if (e2e::load_json(e2e::scenario_path(s)).at("expect").contains("error")) continue;  // see test_bad_input.cpp
    for (const auto& f : kFormats) out.emplace_back(s, f);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Dumps, ScenarioTest, ::testing::ValuesIn(all_cases()), [](const auto& p) { return e2e::test_name(std::get<0>(p.param) + "_" + std::get<1>(p.param)); });

}  // namespace
