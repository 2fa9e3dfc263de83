// Table-driven: every tests/dumps/oops/cases/NAME.txt is judged as `pfnscan explain` judges a
// pasted log, and the verdict JSON is compared with NAME.json (architecture, faulting function,
// walker chain, bug family, ...). A new pasted oops is a new pair of files.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <set>
#include <sstream>

#include "session/log_verdict.hpp"
#include "report/report.hpp"

using nlohmann::json;
using namespace pfnscan;

namespace {

std::string cases_dir() { return std::string(PFNSCAN_OOPS_DIR) + "/cases"; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> case_names() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(cases_dir()))
    if (e.path().extension() == ".json") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool any_contains(const json& strings, const std::string& needle) {
  for (const auto& s : strings)
    if (s.get<std::string>().find(needle) != std::string::npos) return true;
  return false;
}

void expect_incident(const json& got, const json& want) {
  for (const char* key : {"arch", "kind", "verdict", "cpu", "pid", "comm", "faulting_function", "chain", "signatures", "truncated"}) {
    EXPECT_EQ(got.at(key), want.at(key)) << key;
  }
  if (want.contains("fault_address")) {
    EXPECT_EQ(got.at("fault_address"), want.at("fault_address"));
  }
  if (want.at("walker").is_null()) {
    EXPECT_TRUE(got.at("walker").is_null()) << got.at("walker");
  } else {
    EXPECT_EQ(got.at("walker").at("function"), want.at("walker"));
  }
  if (want.at("family").is_null()) {
    EXPECT_TRUE(got.at("family").is_null()) << got.at("family");
  } else {
    ASSERT_FALSE(got.at("family").is_null()) << "no bug family; wanted " << want.at("family");
    EXPECT_EQ(got.at("family").at("id"), want.at("family"));
    EXPECT_FALSE(got.at("family").at("fixed_by").get<std::string>().empty());
    if (want.contains("fix_in_release")) {
      EXPECT_EQ(got.at("family").at("fix_in_release"), want.at("fix_in_release"));
    }
    if (want.contains("why_contains")) {
      EXPECT_NE(got.at("family").at("why").get<std::string>().find(want.at("why_contains").get<std::string>()), std::string::npos) << got.at("family").at("why");
    }
  }
  if (want.contains("families")) {
    json ids = json::array();
    for (const auto& f : got.at("families")) ids.push_back(f.at("id"));
    EXPECT_EQ(ids, want.at("families"));
  }
  if (want.contains("lr")) {
    EXPECT_EQ(got.at("lr").at("symbol"), want.at("lr"));
  }
  if (want.contains("breaking_event")) {
    EXPECT_EQ(got.at("breaking_event").at("symbol"), want.at("breaking_event"));
  }
  if (want.contains("panic")) {
    EXPECT_EQ(got.at("panic"), want.at("panic"));
  }
  if (want.contains("bug")) {
    EXPECT_EQ(got.at("bug").at("file").get<std::string>() + ":" + std::to_string(got.at("bug").at("line").get<int>()), want.at("bug"));
  }
  EXPECT_EQ(got.at("repairs"), want.value("repairs", json::array()));
  if (want.contains("registers")) {
    for (const auto& [name, value] : want.at("registers").items()) EXPECT_EQ(got.at("registers").at(0).at(name), value) << name;
  }
  if (want.contains("undecided_contains")) {
    EXPECT_TRUE(any_contains(got.at("undecided"), want.at("undecided_contains").get<std::string>())) << got.at("undecided").dump(1);
  }
}

class OopsCase : public ::testing::TestWithParam<std::string> {};

TEST_P(OopsCase, ExplainFindsArchFunctionChainAndFamily) {
  const std::string name = GetParam();
  const json want = json::parse(slurp(cases_dir() + "/" + name + ".json"));
  const std::string text = slurp(cases_dir() + "/" + name + ".txt");
  ASSERT_FALSE(text.empty()) << name << ".txt";
  LogVerdict v = judge_log_text(text, name);
  json got = render_verdict_json(v);
  ASSERT_EQ(got.at("incidents").size(), want.at("incidents").size()) << got.dump(1);
  for (std::size_t i = 0; i < want.at("incidents").size(); ++i) {
    SCOPED_TRACE("incident " + std::to_string(i + 1));
    expect_incident(got.at("incidents").at(i), want.at("incidents").at(i));
  }
  // the saved verdict reads back to the same JSON
  auto back = verdict_from_json(got);
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(render_verdict_json(*back), got);
  // and the text report names the same things
  std::string words = render_verdict_text(v, ReportOptions{});
  for (const auto& inc : want.at("incidents")) {
    EXPECT_NE(words.find("arch: " + inc.at("arch").get<std::string>()), std::string::npos) << words;
    if (!inc.at("family").is_null()) {
      EXPECT_NE(words.find("[" + inc.at("family").get<std::string>()), std::string::npos) << words;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, OopsCase, ::testing::ValuesIn(case_names()), [](const auto& p) {
  std::string n = p.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
});

TEST(OopsCases, EveryArchitectureAndEveryFamilyIsCovered) {
  std::set<std::string> arches, families;
  for (const auto& name : case_names()) {
    const json want = json::parse(slurp(cases_dir() + "/" + name + ".json"));  // alive for the loop below
    for (const auto& inc : want.at("incidents")) {
      arches.insert(inc.at("arch").get<std::string>());
      if (!inc.at("family").is_null()) families.insert(inc.at("family").get<std::string>());
    }
  }
  EXPECT_EQ(arches, (std::set<std::string>{"arm64", "powerpc", "s390", "x86_64"}));
  std::set<std::string> all;
  for (const auto& f : bug_families()) all.insert(std::string(f.id));
  for (const auto& f : all) EXPECT_TRUE(families.count(f)) << "no case for family " << f;
}

}  // namespace

namespace {

// A dump's verdict: ties to a finding and an observation, a section without usage.
LogVerdict dump_verdict() {
  const std::string text = slurp(cases_dir() + "/x86-6.1-usage-race.txt") + slurp(cases_dir() + "/x86-4.19-set-zone-contiguous-boot.txt");
  AddressMap map;
  map.from_dump = true;
  map.vmemmap_base = 0xffffea0000000000ull;
  Finding f;
  f.start_pfn = 0;
  f.end_pfn = 0x10;
  f.category = Category::poisoned_in_invalid_subsection;
  Finding o = f;
  o.start_pfn = 0x1080000;
  o.end_pfn = 0x1080400;
  o.category = Category::poisoned_in_online_section;
  std::vector<SectionUsageProblem> usage = {{0x210, 0x1080000, 0x1088000, false, "usage pointer is NULL"}};
  return judge_incidents(parse_oopses(lines_from_text(text)), map, {f}, {o}, std::nullopt, usage);
}

}  // namespace

TEST(VerdictJson, ADumpsVerdictReadsBackToTheSameJson) {
  LogVerdict v = dump_verdict();
  v.log_source = "printk_ringbuffer";
  v.notes = {"kernel log: 3 zero page(s) of the ring were filtered out of the dump: read as zeros"};
  ASSERT_EQ(v.incidents.size(), 2u);
  ASSERT_FALSE(v.verdicts[0].section_ties.empty());
  EXPECT_EQ(v.verdicts[0].verdict, Verdict::explained);
  json first = render_verdict_json(v);
  auto back = verdict_from_json(first);
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(render_verdict_json(*back), first);
  EXPECT_EQ(render_verdict_text(*back, ReportOptions{true}), render_verdict_text(v, ReportOptions{true}));
  EXPECT_EQ(back->verdicts[0].families.front().family, bug_family(family::kUsageRace));
  EXPECT_EQ(back->verdicts[1].walker->walker->function, "__pageblock_pfn_to_page");
}

TEST(VerdictJson, AMalformedVerdictIsAnErrorNamingTheField) {
  const json good = render_verdict_json(dump_verdict());
  struct Case {
    std::function<void(json&)> damage;
    const char* says;
  };
  const Case cases[] = {
      {[](json& j) { j.erase("overall"); }, "overall"},
      {[](json& j) { j["overall"] = "maybe"; }, "unknown overall verdict"},
      {[](json& j) { j["incidents"][0]["fault_address"] = "0xnothex"; }, "'0xnothex' is not a hex number"},
      {[](json& j) { j["incidents"][1]["families"][0]["id"] = "gremlins"; }, "unknown bug family 'gremlins'"},
      {[](json& j) { j["incidents"][1]["walker"]["function"] = "no_such_walker"; }, "walker 'no_such_walker'"},
      {[](json& j) { j["incidents"][0]["kind"] = 7; }, "incident 1"},
      {[](json& j) { j["incidents"][1]["registers"][0]["RAX"] = 12; }, "expected a hex string"},
  };
  for (const auto& c : cases) {
    json j = good;
    c.damage(j);
    auto v = verdict_from_json(j);
    ASSERT_FALSE(v) << c.says;
    EXPECT_EQ(v.error().code(), Errc::format);
    EXPECT_NE(v.error().describe().find(c.says), std::string::npos) << v.error().describe();
  }
}
