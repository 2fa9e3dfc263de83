// The verdict of a saved report, read back: what documents and fleet summaries use of it.
#include <array>

#include "log/walkers.hpp"
#include "report/model_json.hpp"

namespace pfnscan::report {
namespace {

Verdict read_verdict_name(const In& v) {
  const std::string name = v.str();
  for (Verdict x : {Verdict::explained, Verdict::consistent, Verdict::unrelated, Verdict::no_panic})
    if (name == verdict_name(x)) return x;
  v.fail("is not a verdict");
}

IncidentKind read_kind(const In& k) {
  const std::string name = k.str();
  constexpr std::array kinds = {IncidentKind::poisoned_page, IncidentKind::vm_bug_on_page, IncidentKind::bug, IncidentKind::page_fault,
                                IncidentKind::general_protection_fault, IncidentKind::oops, IncidentKind::panic};
  for (IncidentKind x : kinds)
    if (name == incident_kind_name(x)) return x;
  k.fail("is not an incident kind");
}

std::optional<WalkerMatch> read_walker(const In& inc) {
  auto w = inc.maybe("walker");
  if (!w) return std::nullopt;
  const std::string function = w->at("function").str();
  for (const WalkerInfo& info : known_walkers())
    if (info.function == function)
      return WalkerMatch{&info, w->at("frame").str(), static_cast<std::size_t>(w->at("depth").u64()), w->at("reliable").boolean(),
                         w->at("walks_in_this_release").boolean()};
  return std::nullopt;  // a walker this pfnscan does not know: the evidence sentences still name it
}

PfnTie read_tie(const In& t) {
  PfnTie tie;
  tie.source = t.at("source").str();
  tie.value = t.at("value").hex().value;
  tie.via = t.at("via").str();
  tie.pfn = t.at("pfn").u64();
  tie.flagged = t.at("flagged").boolean();
  if (auto c = t.maybe("category")) tie.category = c->str();
  tie.observation = t.at("observation").boolean();
  return tie;
}

void read_incident(const In& j, LogVerdict& out) {
  Incident inc;
  inc.kind = read_kind(j.at("kind"));
  inc.title = j.at("title").str();
  if (auto a = j.maybe("fault_address")) inc.fault_address = a->hex().value;
  if (auto p = j.maybe("panic")) inc.panic_message = p->str();
  if (auto c = j.maybe("cpu")) inc.cpu = c->integer();
  if (auto p = j.maybe("pid")) inc.pid = p->integer();
  if (auto c = j.maybe("comm")) inc.comm = c->str();
  if (auto r = j.maybe("release")) inc.release = r->str();
  if (auto t = j.maybe("truncated")) inc.truncated = t->boolean();
  IncidentVerdict v;
  v.verdict = read_verdict_name(j.at("verdict"));
  v.walker = read_walker(j);
  v.signatures = j.at("signatures").strings();
  for (const In& t : j.at("ties").items()) v.ties.push_back(read_tie(t));
  v.evidence = j.at("evidence").strings();
  v.undecided = j.at("undecided").strings();
  out.incidents.push_back(std::move(inc));
  out.verdicts.push_back(std::move(v));
}

}  // namespace

LogVerdict read_verdict(const In& v) {
  LogVerdict out;
  out.overall = read_verdict_name(v.at("overall"));
  out.log_available = v.at("log_available").boolean();
  out.log_source = v.at("log_source").str();
  out.notes = v.at("notes").strings();
  for (const In& inc : v.at("incidents").items()) read_incident(inc, out);
  return out;
}

}  // namespace pfnscan::report
