// The report model survives its own JSON: every scenario's report, written and read back, writes
// the same JSON again; and a saved report with a wrong field is refused naming the field.
#include <gtest/gtest.h>

#include <filesystem>

#include "image_target.hpp"
#include "report/model_json.hpp"
#include "report/redact.hpp"
#include "session/session.hpp"

using namespace pfnscan;
using testutil::ImageTarget;

namespace {

std::vector<std::string> scenario_names() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(PFNSCAN_SCENARIO_DIR)) {
    std::string n = e.path().stem().string();
    if (n.rfind("bad-", 0) != 0 && e.path().extension() == ".json") names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  return names;
}

report::ScanReport scan_of(const std::string& name, bool full) {
  ImageTarget t(testutil::scenario_machine(name));
  SessionOptions o;
  o.scan.full = full;
  auto r = run_session(t, o);
  if (!r) throw std::runtime_error(name + ": " + r.error().describe());
  return std::move(*r);
}

}  // namespace

TEST(ReportModel, EveryScenarioRoundTripsThroughItsJson) {
  std::size_t with_findings = 0, with_incidents = 0, partial = 0;
  for (const auto& name : scenario_names()) {
    for (bool full : {false, true}) {
      report::ScanReport r = scan_of(name, full);
      nlohmann::json j = report::to_json(r);
      auto back = report::scan_report_from_json(j);
      ASSERT_TRUE(back) << name << ": " << back.error().describe();
      nlohmann::json again = report::to_json(*back);
      // The verdict is read back as far as documents and summaries use it.
      j.erase("verdict");
      again.erase("verdict");
      EXPECT_EQ(j, again) << name;
      EXPECT_EQ(back->verdict.overall, r.verdict.overall) << name;
      EXPECT_EQ(back->verdict.incidents.size(), r.verdict.incidents.size()) << name;
      with_findings += !r.findings.empty();
      with_incidents += !r.verdict.incidents.empty();
      partial += r.partial();
    }
  }
  // The round trip covered reports with findings, oopses and problems.
  EXPECT_GT(with_findings, 10u);
  EXPECT_GT(with_incidents, 4u);
  EXPECT_GT(partial, 2u);
}

TEST(ReportModel, AWrongFieldIsRefusedByItsPath) {
  nlohmann::json j = report::to_json(scan_of("collision-mapped-5.10", false));
  j["findings"][0]["evidence"]["struct_page"] = 12;
  auto r = report::scan_report_from_json(j, "saved.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), Errc::format);
  EXPECT_NE(r.error().describe().find("saved.json.findings[0].evidence.struct_page"), std::string::npos) << r.error().describe();
  j = report::to_json(scan_of("collision-mapped-5.10", false));
  j["sections"][1]["end_pfn"] = "many";
  EXPECT_FALSE(report::scan_report_from_json(j));
  j.erase("sections");
  r = report::scan_report_from_json(j, "saved.json");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().describe().find("saved.json.sections is missing"), std::string::npos);
}

TEST(ReportModel, KernelTextThatIsNotUtf8IsWrittenEscaped) {
  report::ScanReport r = scan_of("collision-mapped-5.10", false);
  r.kernel.version = std::string("#1 SMP \xff\xfe Debian");
  std::string text = report::dump_json(report::to_json(r));
  EXPECT_NE(text.find("#1 SMP \\\\xff\\\\xfe Debian"), std::string::npos);
  auto parsed = report::parse_json(text, "dumped");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->at("kernel").at("version"), "#1 SMP \\xff\\xfe Debian");
}

TEST(ReportModel, RedactionHidesPointersButKeepsPfnsAndTheShape) {
  report::ScanReport r = scan_of("collision-mapped-5.10", false);
  ASSERT_FALSE(r.findings.empty());
  const std::vector<std::string> pointers = {report::hex_text(r.findings[0].evidence.struct_page), report::hex_text(*r.findings[0].evidence.pgmap),
                                             report::hex_text(r.sections[1].usage), report::hex_text(*r.layout.vmemmap_base)};
  report::redact(r, "vm");
  EXPECT_TRUE(r.findings[0].evidence.struct_page.redacted);
  EXPECT_EQ(r.findings[0].start_pfn, 0xa000u);
  EXPECT_EQ(r.sections[1].subsection_map, r.sections[0].subsection_map);  // a bitmap is no pointer
  std::string text = report::dump_json(report::to_json(r));
  for (const auto& p : pointers) EXPECT_EQ(text.find(p), std::string::npos) << p;
  EXPECT_NE(text.find("<kptr>"), std::string::npos);
  // "vm" is the host here: the word "vmemmap" must survive it.
  EXPECT_NE(text.find("vmemmap"), std::string::npos);
  auto back = report::scan_report_from_json(report::parse_json(text, "redacted").value());
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_TRUE(back->findings[0].evidence.struct_page.redacted);
}
