#include <fmt/format.h>

#include "report/report.hpp"

namespace pfnscan {

namespace {
std::string frame_text(const StackFrame& f) { return (f.reliable ? "" : "? ") + f.text(); }
}  // namespace

std::string render_verdict_text(const LogVerdict& v, const ReportOptions& options) {
  std::string out;
  if (options.verbose || !v.log_available)
    for (const auto& n : v.notes) out += "log note: " + n + "\n";
  for (std::size_t i = 0; i < v.incidents.size(); ++i) {
    const Incident& inc = v.incidents[i];
    const IncidentVerdict& iv = v.verdicts[i];
    out += fmt::format("panic #{}: {} — {}\n", i + 1, verdict_name(iv.verdict), inc.title);
    std::string who;
    if (inc.cpu) who += fmt::format("CPU {} ", *inc.cpu);
    if (inc.pid) who += fmt::format("PID {} ", *inc.pid);
    if (!inc.comm.empty()) who += fmt::format("comm {} ", inc.comm);
    if (inc.tainted) who += inc.tainted->empty() ? "not tainted " : fmt::format("tainted {} ", *inc.tainted);
    if (!inc.release.empty()) who += inc.release;
    out += fmt::format("  kind: {}{}{}\n", incident_kind_name(inc.kind), who.empty() ? "" : "; ", who);
    if (inc.ts_nsec) out += fmt::format("  at: [{:5}.{:06}]\n", *inc.ts_nsec / 1000000000, *inc.ts_nsec % 1000000000 / 1000);
    if (inc.rip) out += "  RIP: " + inc.rip_text + "\n";
    if (inc.fault_address) out += fmt::format("  fault address: {:#x}\n", *inc.fault_address);
    if (!inc.panic_message.empty()) out += "  panic: " + inc.panic_message + "\n";
    for (const auto& p : inc.pages)
      out += fmt::format("  struct page {}{}{}{}{}\n", p.printed, p.poisoned ? " (uninitialized and poisoned)" : "",
                         p.pfn ? fmt::format(" pfn {:#x}", *p.pfn) : "", p.flags ? fmt::format(" flags {:#x}", *p.flags) : "",
                         p.reason.empty() ? "" : ", dumped because: " + p.reason);
    for (const auto& e : iv.evidence) out += "  - " + e + "\n";
    for (const auto& u : iv.undecided) out += "  undecided: " + u + "\n";
    if (options.verbose) {
      if (!inc.call_trace.empty()) {
        out += "  call trace:\n";
        for (const auto& f : inc.call_trace) out += fmt::format("    {}{}\n", f.stack == "task" ? "" : "<" + f.stack + "> ", frame_text(f));
      }
      for (const auto& t : iv.ties)
        out += fmt::format("  address: {} {:#x} -> {} pfn {:#x}{}\n", t.source, t.value, t.via, t.pfn,
                           t.flagged ? " (flagged " + t.category + ")" : "");
    }
    if (inc.truncated) out += "  (the log ends inside this oops: it is incomplete)\n";
  }
  return out;
}

nlohmann::json render_verdict_json(const LogVerdict& v) {
  using nlohmann::json;
  json incidents = json::array();
  for (std::size_t i = 0; i < v.incidents.size(); ++i) {
    const Incident& inc = v.incidents[i];
    const IncidentVerdict& iv = v.verdicts[i];
    auto frame_json = [](const StackFrame& f) {
      json j = {{"symbol", f.symbol}, {"offset", hex(f.offset)}, {"size", hex(f.size)}, {"reliable", f.reliable}, {"stack", f.stack}};
      if (!f.module.empty()) j["module"] = f.module;
      if (f.address) j["address"] = hex(*f.address);
      return j;
    };
    json trace = json::array();
    for (const auto& f : inc.call_trace) trace.push_back(frame_json(f));
    json pages = json::array();
    for (const auto& p : inc.pages) {
      json raw = json::array();
      for (uint64_t w : p.raw) raw.push_back(hex(w));
      pages.push_back({{"printed", p.printed},
                       {"address", p.address ? json(hex(*p.address)) : json(nullptr)},
                       {"hashed", p.hashed},
                       {"pfn", p.pfn ? json(*p.pfn) : json(nullptr)},
                       {"flags", p.flags ? json(hex(*p.flags)) : json(nullptr)},
                       {"zone", p.zone ? json(*p.zone) : json(nullptr)},
                       {"poisoned", p.poisoned},
                       {"raw", raw},
                       {"reason", p.reason}});
    }
    json regs = json::array();
    for (const auto& set : inc.registers) {
      json r = json::object();
      for (const auto& [k, val] : set) r[k] = hex(val);
      regs.push_back(r);
    }
    json ties = json::array();
    for (const auto& t : iv.ties)
      ties.push_back({{"source", t.source}, {"value", hex(t.value)}, {"via", t.via}, {"pfn", t.pfn}, {"flagged", t.flagged},
                      {"category", t.category.empty() ? json(nullptr) : json(t.category)}, {"observation", t.observation}});
    json walker = nullptr;
    if (iv.walker)
      walker = {{"function", iv.walker->walker->function},
                {"file", iv.walker->walker->file},
                {"calls_pfn_to_online_page", iv.walker->walker->calls_pfn_to_online_page},
                {"frame", iv.walker->frame},
                {"depth", iv.walker->depth},
                {"reliable", iv.walker->reliable},
                {"walks_in_this_release", iv.walker->in_release}};
    incidents.push_back({{"verdict", verdict_name(iv.verdict)},
                         {"kind", incident_kind_name(inc.kind)},
                         {"title", inc.title},
                         {"first_line", inc.first_line},
                         {"last_line", inc.last_line},
                         {"ts_nsec", inc.ts_nsec ? json(*inc.ts_nsec) : json(nullptr)},
                         {"bug", inc.bug_file.empty() ? json(nullptr) : json{{"file", inc.bug_file}, {"line", inc.bug_line}}},
                         {"fault_address", inc.fault_address ? json(hex(*inc.fault_address)) : json(nullptr)},
                         {"fault_detail", inc.fault_detail},
                         {"oops", inc.oops_header},
                         {"panic", inc.panic_message.empty() ? json(nullptr) : json(inc.panic_message)},
                         {"cpu", inc.cpu ? json(*inc.cpu) : json(nullptr)},
                         {"pid", inc.pid ? json(*inc.pid) : json(nullptr)},
                         {"comm", inc.comm},
                         {"tainted", inc.tainted ? json(*inc.tainted) : json(nullptr)},
                         {"release", inc.release},
                         {"rip", inc.rip ? frame_json(*inc.rip) : json(nullptr)},
                         {"rip_text", inc.rip_text},
                         {"registers", regs},
                         {"call_trace", trace},
                         {"pages", pages},
                         {"pfns_in_text", inc.pfns_in_text},
                         {"ubsan", inc.ubsan},
                         {"truncated", inc.truncated},
                         {"walker", walker},
                         {"signatures", iv.signatures},
                         {"ties", ties},
                         {"evidence", iv.evidence},
                         {"undecided", iv.undecided}});
  }
  return {{"overall", verdict_name(v.overall)},
          {"log_available", v.log_available},
          {"log_source", v.log_source},
          {"notes", v.notes},
          {"incidents", incidents}};
}

}  // namespace pfnscan
