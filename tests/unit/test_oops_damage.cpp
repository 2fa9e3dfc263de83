// The oops texts of every architecture (tests/dumps/oops/cases, written from each architecture's
// format strings for 4.19 - 6.6), damaged the way mail clients, pastes and consoles damage them:
// quote markers, CRLF, elisions, a wrapped first line, two CPUs interleaved, a log cut short. The
// damaged text must give the same incident as the clean one, and say what was repaired.
#include <gtest/gtest.h>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "session/log_verdict.hpp"

using namespace pfnscan;

namespace {

std::string cases_dir() { return std::string(PFNSCAN_OOPS_DIR) + "/cases"; }

std::string clean_text(const std::string& name) {
  std::ifstream in(cases_dir() + "/" + name + ".txt", std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string t = ss.str(), out;
  for (char c : t)
    if (c != '\r') out += c;
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::string join(const std::vector<std::string>& lines, const std::string& eol = "\n") {
  std::string out;
  for (const auto& l : lines) out += l + eol;
  return out;
}

// The cases that are plain oopses (the mailed one already is damaged; the interleaved one has caller ids).
std::vector<std::string> clean_cases() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(cases_dir())) {
    std::string n = e.path().stem().string();
    if (e.path().extension() == ".txt" && n.find("mail") == std::string::npos && n.find("interleaved") == std::string::npos) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Summary {
  std::string arch, function, family, walker;
  std::vector<std::string> chain;
  IncidentKind kind = IncidentKind::oops;
  std::optional<uint64_t> fault;
  std::optional<int> cpu, pid;
  std::string comm;
  std::map<std::string, uint64_t> registers;
  bool operator==(const Summary&) const = default;
};

std::pair<Summary, LogVerdict> judge(const std::string& text, std::size_t which = 0) {
  LogVerdict v = judge_log_text(text, "test");
  Summary s;
  if (v.incidents.size() <= which) return {s, v};
  const Incident& inc = v.incidents[which];
  const IncidentVerdict& iv = v.verdicts[which];
  s = {inc.arch, iv.faulting_function, iv.families.empty() ? "" : std::string(iv.families[0].family->id),
       iv.walker ? std::string(iv.walker->walker->function) : "", iv.chain, inc.kind, inc.fault_address, inc.cpu, inc.pid, inc.comm,
       inc.registers.empty() ? std::map<std::string, uint64_t>{} : inc.registers[0]};
  return {s, v};
}

void expect_same(const Summary& got, const Summary& want) {
  EXPECT_EQ(got.arch, want.arch);
  EXPECT_EQ(got.function, want.function);
  EXPECT_EQ(got.family, want.family);
  EXPECT_EQ(got.walker, want.walker);
  EXPECT_EQ(got.chain, want.chain);
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.fault, want.fault);
  EXPECT_EQ(got.cpu, want.cpu);
  EXPECT_EQ(got.pid, want.pid);
  EXPECT_EQ(got.comm, want.comm);
  EXPECT_EQ(got.registers, want.registers);
}

bool repaired(const LogVerdict& v, std::size_t which, const std::string& needle) {
  if (v.incidents.size() <= which) return false;
  for (const auto& r : v.incidents[which].repairs)
    if (r.find(needle) != std::string::npos) return true;
  return false;
}

// Where a mail client would wrap the first line of a fault: the space after "virtual",
// "address:" or the last "at" (the index of that space).
std::optional<std::size_t> wrap_point(const std::string& line) {
  if (line.find("nable to handle") == std::string::npos && line.find("NULL pointer dereference") == std::string::npos) return std::nullopt;
  for (std::string word : {" virtual", " address:", " at"}) {
    std::size_t p = line.rfind(word + " ");
    if (p != std::string::npos) return p + word.size();
  }
  return std::nullopt;
}

// The cases whose first line is a fault a mail client can wrap.
std::vector<std::string> fault_cases() {
  std::vector<std::string> out;
  for (const auto& n : clean_cases())
    if (wrap_point(lines_of(clean_text(n)).at(0))) out.push_back(n);
  return out;
}

std::string param_name(const ::testing::TestParamInfo<std::string>& p) {
  std::string n = p.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

class Damaged : public ::testing::TestWithParam<std::string> {};
class Wrapped : public ::testing::TestWithParam<std::string> {};

TEST_P(Damaged, QuotesCrlfAndElisionsAreRepaired) {
  const std::string text = clean_text(GetParam());
  const auto [want, clean] = judge(text);
  ASSERT_FALSE(want.arch.empty());
  if (text.find("[...]") == std::string::npos) {
    EXPECT_TRUE(clean.incidents[0].repairs.empty());
  }
  std::vector<std::string> quoted;
  for (const auto& l : lines_of(text)) quoted.push_back("> " + l);
  auto [q, qv] = judge("Hi,\n\nwe see this on our fleet:\n\n" + join(quoted) + "\nAny idea?\n");
  expect_same(q, want);
  EXPECT_TRUE(repaired(qv, 0, "quote"));
  auto [c, cv] = judge(join(lines_of(text), "\r\n"));
  expect_same(c, want);
  EXPECT_TRUE(repaired(cv, 0, "CRLF"));
  // boring lines cut and marked "[...]"
  std::vector<std::string> elided;
  for (const auto& l : lines_of(text)) {
    if (l.find("Call Trace:") != std::string::npos || l.find("Call trace:") != std::string::npos || l.find("mon> t") != std::string::npos)
      elided.push_back("[...]");  // something elided just before the trace
    if (l.find("Modules linked in") != std::string::npos || l.find("Hardware name") != std::string::npos || l.find("Code: ") != std::string::npos)
      elided.push_back("[...]");
    else
      elided.push_back(l);
  }
  auto [e, ev] = judge(join(elided));
  expect_same(e, want);
  EXPECT_TRUE(repaired(ev, 0, "elided"));
}

TEST_P(Wrapped, AWrappedFirstLineIsJoined) {
  const std::string text = clean_text(GetParam());
  auto lines = lines_of(text);
  auto at = wrap_point(lines[0]);
  ASSERT_TRUE(at);
  const auto [want, clean] = judge(text);
  std::vector<std::string> wrapped = {lines[0].substr(0, *at), lines[0].substr(*at + 1)};
  wrapped.insert(wrapped.end(), lines.begin() + 1, lines.end());
  auto [w, wv] = judge(join(wrapped));
  expect_same(w, want);
  EXPECT_EQ(wv.incidents.size(), clean.incidents.size());
  EXPECT_TRUE(repaired(wv, 0, "wrapped")) << wrapped[0] << " / " << wrapped[1];
}

TEST_P(Damaged, ALogCutShortKeepsTheOopsAndSaysSo) {
  const std::string text = clean_text(GetParam());
  const auto [want, clean] = judge(text);
  auto lines = lines_of(text);
  // cut two lines after the call trace starts
  std::size_t cut = 0;
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i].find("Call Trace:") != std::string::npos || lines[i].find("Call trace:") != std::string::npos || lines[i].find("mon> t") != std::string::npos) {
      cut = i + 3;
      break;
    }
  ASSERT_GT(cut, 0u);
  lines.resize(cut);
  auto [t, tv] = judge(join(lines));
  ASSERT_EQ(tv.incidents.size(), 1u);
  EXPECT_TRUE(tv.incidents[0].truncated);
  EXPECT_EQ(t.arch, want.arch);
  EXPECT_EQ(t.function, want.function);
  EXPECT_EQ(t.comm, want.comm);
  EXPECT_EQ(t.registers, want.registers);
}

INSTANTIATE_TEST_SUITE_P(Cases, Damaged, ::testing::ValuesIn(clean_cases()), param_name);
INSTANTIATE_TEST_SUITE_P(Cases, Wrapped, ::testing::ValuesIn(fault_cases()), param_name);

// "[ts] text" -> "[ts] [ T<id>] text"; lines without a timestamp get the caller id alone.
std::string with_caller(const std::string& line, int id) {
  const std::string tag = fmt::format("[{:>6}]", fmt::format("T{}", id));
  if (!line.empty() && line[0] == '[' && line.find(']') != std::string::npos && line.find('.') < line.find(']')) {
    std::size_t close = line.find(']');
    return line.substr(0, close + 1) + " " + tag + line.substr(close + 1);
  }
  return tag + " " + line;
}

// Two CPUs oopsing at once: their lines alternate, told apart by caller id (CONFIG_PRINTK_CALLER).
TEST(DamagedPairs, TwoCpusInterleavedAreToldApartByCallerId) {
  const auto cases = clean_cases();
  int pairs = 0;
  for (std::size_t a = 0; a < cases.size(); ++a)
    for (std::size_t b = a + 1; b < cases.size(); ++b) {
      if (cases[a].substr(0, cases[a].find('-')) != cases[b].substr(0, cases[b].find('-'))) continue;  // same architecture
      SCOPED_TRACE(cases[a] + " + " + cases[b]);
      const auto la = lines_of(clean_text(cases[a])), lb = lines_of(clean_text(cases[b]));
      std::vector<std::string> mixed;
      for (std::size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
        if (i < la.size()) mixed.push_back(with_caller(la[i], 100));
        if (i < lb.size()) mixed.push_back(with_caller(lb[i], 200));
        if (i == 3) mixed.push_back("[    0.000001] [    C1] e1000e 0000:00:19.0 eth0: Reset adapter unexpectedly");
      }
      const std::string text = join(mixed);
      LogVerdict v = judge_log_text(text, "mixed");
      ASSERT_EQ(v.incidents.size(), 2u);
      // incidents are in order of their first line: a's first
      expect_same(judge(text, 0).first, judge(clean_text(cases[a])).first);
      expect_same(judge(text, 1).first, judge(clean_text(cases[b])).first);
      EXPECT_EQ(v.incidents[0].caller, 100u);
      EXPECT_EQ(v.incidents[1].caller, 200u);
      ++pairs;
    }
  EXPECT_GE(pairs, 4);
}

}  // namespace
