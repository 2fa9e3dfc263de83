// The "verdict" object of a saved report, read back into a LogVerdict (the inverse of
// render_verdict_json in report_verdict.cpp): render -> read -> render gives the same JSON.
// A saved report is user input: every field is checked, and a bad one is an Error naming it.
#include <fmt/format.h>

#include "report/report.hpp"

namespace pfnscan {

namespace {

using nlohmann::json;

struct BadField {
  std::string what;
};

uint64_t hex_of(const json& j) {
  if (!j.is_string()) throw BadField{"expected a hex string"};
  std::string_view s = j.get_ref<const std::string&>();
  if (s.substr(0, 2) == "0x") s.remove_prefix(2);
  auto v = parse_u64(s, 16);
  if (!v) throw BadField{fmt::format("'{}' is not a hex number", j.get<std::string>())};
  return *v;
}

std::optional<uint64_t> opt_hex(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return hex_of(j.at(key));
}

template <typename T>
std::optional<T> opt(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<T>();
}

StackFrame frame_of(const json& j) {
  StackFrame f;
  f.symbol = j.at("symbol").get<std::string>();
  f.offset = hex_of(j.at("offset"));
  f.size = hex_of(j.at("size"));
  f.reliable = j.at("reliable").get<bool>();
  f.stack = j.at("stack").get<std::string>();
  f.module = j.value("module", "");
  f.address = opt_hex(j, "address");
  return f;
}

std::optional<StackFrame> opt_frame(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return frame_of(j.at(key));
}

PageDump page_of(const json& j) {
  PageDump p;
  p.printed = j.at("printed").get<std::string>();
  p.address = opt_hex(j, "address");
  p.hashed = j.at("hashed").get<bool>();
  p.pfn = opt<uint64_t>(j, "pfn");
  p.flags = opt_hex(j, "flags");
  p.zone = opt<int>(j, "zone");
  p.poisoned = j.at("poisoned").get<bool>();
  for (const auto& w : j.at("raw")) p.raw.push_back(hex_of(w));
  p.reason = j.at("reason").get<std::string>();
  return p;
}

IncidentKind kind_of(const json& j) {
  auto k = incident_kind_from_name(j.get<std::string>());
  if (!k) throw BadField{"unknown incident kind '" + j.get<std::string>() + "'"};
  return *k;
}

void read_what_happened(const json& j, Incident& inc) {
  inc.kind = kind_of(j.at("kind"));
  inc.title = j.at("title").get<std::string>();
  inc.first_line = j.at("first_line").get<std::size_t>();
  inc.last_line = j.at("last_line").get<std::size_t>();
  inc.ts_nsec = opt<uint64_t>(j, "ts_nsec");
  if (j.contains("bug") && !j.at("bug").is_null()) {
    inc.bug_file = j.at("bug").at("file").get<std::string>();
    inc.bug_line = j.at("bug").at("line").get<int>();
  }
  inc.fault_address = opt_hex(j, "fault_address");
  inc.fault_detail = j.at("fault_detail").get<std::string>();
  inc.oops_header = j.at("oops").get<std::string>();
  inc.panic_message = opt<std::string>(j, "panic").value_or("");
  inc.cpu = opt<int>(j, "cpu");
  inc.pid = opt<int>(j, "pid");
  inc.comm = j.at("comm").get<std::string>();
  inc.tainted = opt<std::string>(j, "tainted");
  inc.release = j.at("release").get<std::string>();
  inc.build = j.value("build", "");
  inc.hardware = j.value("hardware", "");
  inc.arch = j.value("arch", "");
  inc.arch_evidence = j.value("arch_evidence", "");
  inc.truncated = j.at("truncated").get<bool>();
  inc.caller = opt<uint32_t>(j, "caller");
  inc.repairs = j.value("repairs", std::vector<std::string>{});
}

void read_machine_state(const json& j, Incident& inc) {
  inc.rip = opt_frame(j, "rip");
  inc.rip_text = j.at("rip_text").get<std::string>();
  inc.lr = opt_frame(j, "lr");
  inc.lr_text = j.value("lr_text", "");
  inc.breaking_event = opt_frame(j, "breaking_event");
  inc.paging = j.value("paging", "");
  for (const auto& set : j.at("registers")) {
    auto& regs = inc.registers.emplace_back();
    for (const auto& [name, value] : set.items()) regs[name] = hex_of(value);
  }
  for (const auto& f : j.at("call_trace")) inc.call_trace.push_back(frame_of(f));
  inc.call_trace_ended = j.value("call_trace_ended", false);
  for (const auto& p : j.at("pages")) inc.pages.push_back(page_of(p));
  inc.pfns_in_text = j.at("pfns_in_text").get<std::vector<uint64_t>>();
  inc.ubsan = j.at("ubsan").get<std::vector<std::string>>();
  inc.kernel_offset = opt_hex(j, "kernel_offset");
  inc.kernel_offset_disabled = j.value("kernel_offset_disabled", false);
}

std::optional<WalkerMatch> walker_of(const json& j) {
  if (j.is_null()) return std::nullopt;
  WalkerMatch m;
  const std::string function = j.at("function").get<std::string>();
  for (const auto& w : known_walkers())
    if (w.function == function) m.walker = &w;
  if (!m.walker) throw BadField{"walker '" + function + "' is not in this pfnscan's table of walkers"};
  m.frame = j.at("frame").get<std::string>();
  m.depth = j.at("depth").get<std::size_t>();
  m.reliable = j.at("reliable").get<bool>();
  m.in_release = j.at("walks_in_this_release").get<bool>();
  return m;
}

FamilyMatch family_of(const json& j) {
  FamilyMatch m;
  const std::string id = j.at("id").get<std::string>();
  m.family = bug_family(id);
  if (!m.family) throw BadField{"unknown bug family '" + id + "'"};
  m.why = j.at("why").get<std::string>();
  const std::string fix = j.at("fix_in_release").get<std::string>();
  for (FixStatus s : {FixStatus::fixed, FixStatus::affected, FixStatus::not_affected, FixStatus::unknown})
    if (fix == fix_status_name(s)) m.fix = s;
  if (fix != fix_status_name(m.fix)) throw BadField{"unknown fix status '" + fix + "'"};
  return m;
}

IncidentVerdict judgement_of(const json& j) {
  IncidentVerdict v;
  auto verdict = verdict_from_name(j.at("verdict").get<std::string>());
  if (!verdict || *verdict == Verdict::no_panic) throw BadField{"bad incident verdict " + j.at("verdict").dump()};
  v.verdict = *verdict;
  v.walker = walker_of(j.at("walker"));
  v.chain = j.value("chain", std::vector<std::string>{});
  v.faulting_function = j.value("faulting_function", "");
  if (j.contains("families"))
    for (const auto& f : j.at("families")) v.families.push_back(family_of(f));
  v.signatures = j.at("signatures").get<std::vector<std::string>>();
  for (const auto& t : j.at("ties"))
    v.ties.push_back({t.at("source").get<std::string>(), hex_of(t.at("value")), t.at("via").get<std::string>(), t.at("pfn").get<uint64_t>(),
                      opt<std::string>(t, "category").value_or(""), t.at("flagged").get<bool>(), t.at("observation").get<bool>()});
  if (j.contains("section_ties"))
    for (const auto& t : j.at("section_ties"))
      v.section_ties.push_back({t.at("section").get<uint64_t>(), t.at("start_pfn").get<uint64_t>(), t.at("end_pfn").get<uint64_t>(),
                                t.at("online").get<bool>(), t.at("problem").get<std::string>(), opt<std::string>(t, "source").value_or(""),
                                hex_of(t.at("value"))});
  v.page_pointers = j.value("page_pointers", std::vector<std::string>{});
  v.evidence = j.at("evidence").get<std::vector<std::string>>();
  v.undecided = j.at("undecided").get<std::vector<std::string>>();
  return v;
}

}  // namespace

Result<LogVerdict> verdict_from_json(const nlohmann::json& j) {
  LogVerdict v;
  std::size_t at = 0;
  try {
    auto overall = verdict_from_name(j.at("overall").get<std::string>());
    if (!overall) throw BadField{"unknown overall verdict " + j.at("overall").dump()};
    v.overall = *overall;
    v.log_available = j.at("log_available").get<bool>();
    v.log_source = j.at("log_source").get<std::string>();
    v.notes = j.at("notes").get<std::vector<std::string>>();
    for (const auto& inc_json : j.at("incidents")) {
      Incident inc;
      read_what_happened(inc_json, inc);
      read_machine_state(inc_json, inc);
      v.verdicts.push_back(judgement_of(inc_json));
      v.incidents.push_back(std::move(inc));
      ++at;
    }
  } catch (const BadField& e) {
    return Error(Errc::format, "verdict JSON: " + e.what).with_context(fmt::format("reading incident {} of a saved verdict", at + 1));
  } catch (const nlohmann::json::exception& e) {
    return Error(Errc::format, std::string("verdict JSON: ") + e.what()).with_context(fmt::format("reading incident {} of a saved verdict", at + 1));
  }
  return v;
}

}  // namespace pfnscan
