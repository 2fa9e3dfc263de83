// The verdict in words (the end of `scan`, the whole of `explain`) and as the "verdict" object of
// the JSON report; report_verdict_read.cpp reads that object back.
#include <fmt/format.h>

#include "report/report.hpp"

namespace pfnscan {

namespace {

std::string frame_text(const StackFrame& f) { return (f.reliable ? "" : "? ") + f.text(); }

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : std::string(sep)) + p;
  return out;
}

std::string who_text(const Incident& inc) {
  std::string who;
  if (inc.cpu) who += fmt::format("CPU {} ", *inc.cpu);
  if (inc.pid) who += fmt::format("PID {} ", *inc.pid);
  if (!inc.comm.empty()) who += fmt::format("comm {} ", inc.comm);
  if (inc.tainted) who += inc.tainted->empty() ? "not tainted " : fmt::format("tainted {} ", *inc.tainted);
  if (!inc.release.empty()) who += inc.release;
  return who;
}

std::string family_text(const IncidentVerdict& iv) {
  std::string out;
  for (std::size_t k = 0; k < iv.families.size(); ++k) {
    const FamilyMatch& m = iv.families[k];
    if (k == 0)
      out += fmt::format("  bug family: {} [{}{}]\n    fixed by {}; affects {}; this release: {}\n    because {}\n", m.family->name, m.family->id,
                         m.family->cve.empty() ? "" : ", " + std::string(m.family->cve), m.family->fixed_by, m.family->affected,
                         fix_status_name(m.fix), m.why);
    else
      out += fmt::format("  also fits: {} (because {})\n", m.family->id, m.why);
  }
  return out;
}

std::string incident_text(const Incident& inc, const IncidentVerdict& iv, std::size_t n, const ReportOptions& options) {
  std::string out = fmt::format("panic #{}: {} — {}\n", n, verdict_name(iv.verdict), inc.title);
  const std::string who = who_text(inc);
  out += fmt::format("  kind: {}{}{}\n", incident_kind_name(inc.kind), who.empty() ? "" : "; ", who);
  if (inc.ts_nsec) out += fmt::format("  at: [{:5}.{:06}]\n", *inc.ts_nsec / 1000000000, *inc.ts_nsec % 1000000000 / 1000);
  if (!inc.arch.empty()) out += fmt::format("  arch: {} ({})\n", inc.arch, inc.arch_evidence);
  if (inc.rip) out += (inc.arch == "x86_64" || inc.arch.empty() ? "  RIP: " : "  pc: ") + inc.rip_text + "\n";
  if (inc.lr) out += "  lr: " + inc.lr_text + "\n";
  if (inc.fault_address) out += fmt::format("  fault address: {:#x}\n", *inc.fault_address);
  if (!inc.panic_message.empty()) out += "  panic: " + inc.panic_message + "\n";
  for (const auto& p : inc.pages)
    out += fmt::format("  struct page {}{}{}{}{}\n", p.printed, p.poisoned ? " (uninitialized and poisoned)" : "",
                       p.pfn ? fmt::format(" pfn {:#x}", *p.pfn) : "", p.flags ? fmt::format(" flags {:#x}", *p.flags) : "",
                       p.reason.empty() ? "" : ", dumped because: " + p.reason);
  if (!iv.faulting_function.empty()) out += "  faulting function: " + iv.faulting_function + "\n";
  if (!iv.chain.empty()) out += "  walker chain: " + join(iv.chain, " -> ") + "\n";
  out += family_text(iv);
  if (!inc.repairs.empty()) out += "  repaired: " + join(inc.repairs, ", ") + "\n";
  for (const auto& e : iv.evidence) out += "  - " + e + "\n";
  for (const auto& u : iv.undecided) out += "  undecided: " + u + "\n";
  if (options.verbose) {
    if (!inc.call_trace.empty()) {
      out += "  call trace:\n";
      for (const auto& f : inc.call_trace) out += fmt::format("    {}{}\n", f.stack == "task" ? "" : "<" + f.stack + "> ", frame_text(f));
    }
    for (const auto& t : iv.ties)
      out += fmt::format("  address: {} {:#x} -> {} pfn {:#x}{}\n", t.source, t.value, t.via, t.pfn, t.flagged ? " (flagged " + t.category + ")" : "");
  }
  if (inc.truncated) out += "  (the log ends inside this oops: it is incomplete)\n";
  return out;
}

}  // namespace

std::string render_verdict_text(const LogVerdict& v, const ReportOptions& options) {
  std::string out;
  if (options.verbose || !v.log_available)
    for (const auto& n : v.notes) out += "log note: " + n + "\n";
  for (std::size_t i = 0; i < v.incidents.size() && i < v.verdicts.size(); ++i) out += incident_text(v.incidents[i], v.verdicts[i], i + 1, options);
  return out;
}

namespace {

using nlohmann::json;

json optional_hex(const std::optional<uint64_t>& v) { return v ? json(hex(*v)) : json(nullptr); }

json frame_json(const StackFrame& f) {
  json j = {{"symbol", f.symbol}, {"offset", hex(f.offset)}, {"size", hex(f.size)}, {"reliable", f.reliable}, {"stack", f.stack}};
  if (!f.module.empty()) j["module"] = f.module;
  if (f.address) j["address"] = hex(*f.address);
  return j;
}

json pages_json(const Incident& inc) {
  json pages = json::array();
  for (const auto& p : inc.pages) {
    json raw = json::array();
    for (uint64_t w : p.raw) raw.push_back(hex(w));
    pages.push_back({{"printed", p.printed}, {"address", optional_hex(p.address)}, {"hashed", p.hashed},
                     {"pfn", p.pfn ? json(*p.pfn) : json(nullptr)}, {"flags", optional_hex(p.flags)},
                     {"zone", p.zone ? json(*p.zone) : json(nullptr)}, {"poisoned", p.poisoned}, {"raw", raw}, {"reason", p.reason}});
  }
  return pages;
}

json family_json(const FamilyMatch& m) {
  return {{"id", m.family->id},       {"name", m.family->name}, {"fixed_by", m.family->fixed_by}, {"affected", m.family->affected},
          {"cve", m.family->cve},     {"why", m.why},           {"fix_in_release", fix_status_name(m.fix)}};
}

// The verdict's own part of an incident: walker, chain, families, signatures, ties, words.
void add_judgement(json& j, const IncidentVerdict& iv) {
  json ties = json::array();
  for (const auto& t : iv.ties)
    ties.push_back({{"source", t.source}, {"value", hex(t.value)}, {"via", t.via}, {"pfn", t.pfn}, {"flagged", t.flagged},
                    {"category", t.category.empty() ? json(nullptr) : json(t.category)}, {"observation", t.observation}});
  json section_ties = json::array();
  for (const auto& t : iv.section_ties)
    section_ties.push_back({{"section", t.section}, {"start_pfn", t.start_pfn}, {"end_pfn", t.end_pfn}, {"online", t.online},
                            {"problem", t.problem}, {"source", t.source.empty() ? json(nullptr) : json(t.source)}, {"value", hex(t.value)}});
  json walker = nullptr;
  if (iv.walker)
    walker = {{"function", iv.walker->walker->function}, {"file", iv.walker->walker->file},
              {"calls_pfn_to_online_page", iv.walker->walker->calls_pfn_to_online_page}, {"frame", iv.walker->frame},
              {"depth", iv.walker->depth}, {"reliable", iv.walker->reliable}, {"walks_in_this_release", iv.walker->in_release}};
  json families = json::array();
  for (const auto& m : iv.families) families.push_back(family_json(m));
  j["walker"] = walker;
  j["chain"] = iv.chain;
  j["faulting_function"] = iv.faulting_function;
  j["family"] = iv.families.empty() ? json(nullptr) : family_json(iv.families.front());
  j["families"] = families;
  j["signatures"] = iv.signatures;
  j["ties"] = ties;
  j["section_ties"] = section_ties;
  j["page_pointers"] = iv.page_pointers;
  j["evidence"] = iv.evidence;
  j["undecided"] = iv.undecided;
}

json incident_json(const Incident& inc, const IncidentVerdict& iv) {
  json trace = json::array();
  for (const auto& f : inc.call_trace) trace.push_back(frame_json(f));
  json regs = json::array();
  for (const auto& set : inc.registers) {
    json r = json::object();
    for (const auto& [k, val] : set) r[k] = hex(val);
    regs.push_back(r);
  }
  json j = {{"verdict", verdict_name(iv.verdict)}, {"kind", incident_kind_name(inc.kind)}, {"title", inc.title},
            {"first_line", inc.first_line}, {"last_line", inc.last_line}, {"ts_nsec", inc.ts_nsec ? json(*inc.ts_nsec) : json(nullptr)},
            {"bug", inc.bug_file.empty() ? json(nullptr) : json{{"file", inc.bug_file}, {"line", inc.bug_line}}},
            {"fault_address", optional_hex(inc.fault_address)}, {"fault_detail", inc.fault_detail}, {"oops", inc.oops_header},
            {"panic", inc.panic_message.empty() ? json(nullptr) : json(inc.panic_message)}, {"cpu", inc.cpu ? json(*inc.cpu) : json(nullptr)},
            {"pid", inc.pid ? json(*inc.pid) : json(nullptr)}, {"comm", inc.comm}, {"tainted", inc.tainted ? json(*inc.tainted) : json(nullptr)},
            {"release", inc.release}, {"build", inc.build}, {"hardware", inc.hardware}, {"arch", inc.arch},
            {"arch_evidence", inc.arch_evidence}, {"rip", inc.rip ? frame_json(*inc.rip) : json(nullptr)}, {"rip_text", inc.rip_text},
            {"lr", inc.lr ? frame_json(*inc.lr) : json(nullptr)}, {"lr_text", inc.lr_text},
            {"breaking_event", inc.breaking_event ? frame_json(*inc.breaking_event) : json(nullptr)}, {"paging", inc.paging},
            {"registers", regs}, {"call_trace", trace}, {"call_trace_ended", inc.call_trace_ended}, {"pages", pages_json(inc)},
            {"pfns_in_text", inc.pfns_in_text}, {"ubsan", inc.ubsan}, {"kernel_offset", optional_hex(inc.kernel_offset)},
            {"kernel_offset_disabled", inc.kernel_offset_disabled}, {"repairs", inc.repairs},
            {"caller", inc.caller ? json(*inc.caller) : json(nullptr)}, {"truncated", inc.truncated}};
  add_judgement(j, iv);
  return j;
}

}  // namespace

nlohmann::json render_verdict_json(const LogVerdict& v) {
  json incidents = json::array();
  for (std::size_t i = 0; i < v.incidents.size() && i < v.verdicts.size(); ++i) incidents.push_back(incident_json(v.incidents[i], v.verdicts[i]));
  return {{"overall", verdict_name(v.overall)},
          {"log_available", v.log_available},
          {"log_source", v.log_source},
          {"notes", v.notes},
          {"incidents", incidents}};
}

}  // namespace pfnscan
