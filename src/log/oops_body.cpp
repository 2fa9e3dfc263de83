// The lines between an oops's first line and its end: page-dump details, fault details, who
// faulted, pc and registers, the call trace. One function per kind of line, each returning
// whether the line was its kind.
#include <algorithm>

#include "log/oops_lines.hpp"
#include "log/oops_state.hpp"
#include "log/text_util.hpp"

namespace pfnscan::oops_detail {

using namespace text;
namespace ol = oops_lines;

void note_arch(Incident& inc, std::string_view arch, std::string_view why) {
  if (arch.empty() || !inc.arch.empty()) return;
  inc.arch = std::string(arch);
  inc.arch_evidence = std::string(why);
}

namespace {

bool page_details(OpenIncident& o, std::string_view t) {
  Incident& inc = o.inc;
  if (starts_with(t, "page dumped because: ")) {
    if (!inc.pages.empty()) inc.pages.back().reason = std::string(t.substr(21));
    return true;
  }
  if (starts_with(t, "raw: ") && !inc.pages.empty()) {
    auto& p = inc.pages.back();
    for (std::string_view rest = trim(t.substr(5)); !rest.empty() && p.raw.size() < 64; rest = after_first_token(rest))
      if (auto v = hex_value(first_token(rest))) p.raw.push_back(*v);
    if (!p.flags && !p.raw.empty() && p.poisoned) p.flags = p.raw.front();
    return true;
  }
  if (starts_with(t, "flags: 0x") && !inc.pages.empty()) {
    auto& p = inc.pages.back();
    std::string_view v = t.substr(7);
    p.flags = hex_value(v.substr(0, v.find('(')));
    if (auto z = t.find("zone="); z != std::string_view::npos) {
      std::string_view digits = t.substr(z + 5);
      digits = digits.substr(0, std::min(digits.find_first_of("|) "), digits.size()));
      if (auto n = dec_value(digits); n && *n < 64) p.zone = static_cast<int>(*n);
    }
    return true;
  }
  if (starts_with(t, "index ") && contains(t, "is out of range for type")) {
    inc.ubsan.push_back(std::string(t));
    return true;
  }
  return false;
}

bool arm64_abort_line(std::string_view t) {
  for (std::string_view p : {"Mem abort info:", "ESR = ", "EC = ", "Exception class = ", "SET = ", "EA = ", "FSC = ", "Data abort info:",
                             "ISV = ", "Access size = ", "SSE = ", "SF = ", "CM = ", "TagAccess = ", "GCS = ", "Xs = "})
    if (starts_with(t, p)) return true;
  return false;
}

bool fault_details(OpenIncident& o, std::string_view t) {
  Incident& inc = o.inc;
  auto add_detail = [&](std::string_view d) {
    if (!inc.fault_detail.empty()) inc.fault_detail += "; ";
    inc.fault_detail += std::string(d);
  };
  if (starts_with(t, "#PF: ")) {
    add_detail(t.substr(5));
    return true;
  }
  if (arm64_abort_line(t)) {
    if (starts_with(t, "ESR = ")) add_detail(t);
    note_arch(inc, "arm64", "the 'Mem abort info' block");
    return true;
  }
  if ((starts_with(t, "swapper pgtable: ") || starts_with(t, "user pgtable: ")) && contains(t, " pages, ")) {
    inc.paging = std::string(t);
    note_arch(inc, "arm64", "the 'pgtable:' line");
    return true;
  }
  if (starts_with(t, "LE PAGE_SIZE=") || starts_with(t, "BE PAGE_SIZE=")) {
    inc.paging = std::string(t);
    note_arch(inc, "powerpc", "the 'PAGE_SIZE= MMU=' line");
    return true;
  }
  if (starts_with(t, "Faulting instruction address: ")) {
    note_arch(inc, "powerpc", "'Faulting instruction address:'");
    return true;
  }
  if (starts_with(t, "Failing address: ")) {  // s390
    if (!inc.fault_address) inc.fault_address = hex_value(first_token(t.substr(17)));
    if (auto teid = t.find("TEID: "); teid != std::string_view::npos) add_detail(t.substr(teid));
    note_arch(inc, "s390", "'Failing address:'");
    return true;
  }
  if (starts_with(t, "Fault in ") && contains(t, "space mode")) return true;  // s390
  if (t.size() > 18 && t[0] == '[' && t[17] == ']' && contains(t, "pgd=")) return true;  // arm64 page-table walk
  return false;
}

bool who(OpenIncident& o, std::string_view t) {
  Incident& inc = o.inc;
  if (auto c = ol::cpu_line(t)) {
    inc.cpu = c->cpu;
    if (c->pid) inc.pid = c->pid;
    inc.comm = c->comm;
    if (c->tainted) inc.tainted = c->tainted;
    inc.release = c->release;
    inc.build = c->build;
    if (!c->release.empty()) note_arch(inc, ol::arch_of_release(c->release), "the release " + c->release);
    return true;
  }
  if (starts_with(t, "Hardware name: ")) {
    inc.hardware = std::string(t.substr(15));
    return true;
  }
  if (starts_with(t, "Process ") && contains(t, " (pid: ")) {  // arm64 before 5.x
    std::size_t open = t.find(" (pid: ");
    if (!inc.pid) {
      inc.comm = std::string(t.substr(8, open - 8));
      if (auto pid = dec_value(t.substr(open + 7, t.find_first_of(",)", open + 7) - open - 7)); pid && *pid < 0x7fffffff)
        inc.pid = static_cast<int>(*pid);
    }
    note_arch(inc, "arm64", "the 'Process ... (pid:' line");
    return true;
  }
  if (o.xmon && starts_with(t, "Linux version ")) {  // xmon prints the banner
    if (inc.release.empty()) inc.release = std::string(first_token(t.substr(14)));
    return true;
  }
  if (o.xmon && starts_with(t, "pid") && contains(t, ", comm = ")) {  // xmon: "pid   = 3669, comm = ndctl"
    if (auto pid = dec_value(t.substr(t.find('=') + 1, t.find(',') - t.find('=') - 1)); pid && *pid < 0x7fffffff) inc.pid = static_cast<int>(*pid);
    inc.comm = std::string(trim(t.substr(t.find(", comm = ") + 9)));
    return true;
  }
  return false;
}

bool pc(OpenIncident& o, std::string_view t) {
  auto p = ol::pc_line(t);
  if (!p) return false;
  Incident& inc = o.inc;
  if (p->arch == "x86_64") {
    const bool kernel_cs = p->kernel;
    if (!inc.rip || (kernel_cs && !o.after_end_trace && inc.rip_text.rfind("0010:", 0) != 0)) {
      if (!inc.rip || kernel_cs) {
        inc.rip = p->frame.value_or(StackFrame{});
        inc.rip_text = p->text;
      }
    }
    // a register block follows; within the call trace it is an exception/user frame's
    o.regs_set = o.after_end_trace ? kNoRegisterSet : inc.registers.size();
    if (!o.after_end_trace) inc.registers.emplace_back();
    note_arch(inc, "x86_64", "the 'RIP:' line");
    return true;
  }
  if (p->which == ol::PcLine::pc && !inc.rip && p->frame) {
    inc.rip = p->frame;
    inc.rip_text = p->text;
  } else if (p->which == ol::PcLine::lr && !inc.lr && p->frame) {
    inc.lr = p->frame;
    inc.lr_text = p->text;
  }
  note_arch(inc, p->arch, p->arch == "s390" ? "the 'Krnl PSW' line" : p->arch == "arm64" ? "the 'pc :' line" : "the NIP/pc line");
  return true;
}

void add_registers(OpenIncident& o, const ol::Registers& regs) {
  Incident& inc = o.inc;
  if (o.after_end_trace || o.regs_set == kNoRegisterSet) return;  // the dump repeated after "---[ end trace"
  if (inc.registers.empty()) inc.registers.emplace_back();
  auto& set = inc.registers[std::min(o.regs_set, inc.registers.size() - 1)];
  for (const auto& [k, v] : regs) set.emplace(k, v);
}

bool s390_gprs(OpenIncident& o, std::string_view t) {
  std::optional<std::vector<uint64_t>> words;
  unsigned first = 0;
  if (ol::is_s390_gprs_line(t)) {
    words = ol::hex_words(t.substr(10));
    note_arch(o.inc, "s390", "the 'Krnl GPRS' lines");
  } else if (o.s390_gpr_next < kNoGprPending) {
    words = ol::hex_words(t);
    first = o.s390_gpr_next;
    if (!words) o.s390_gpr_next = kNoGprPending;
  }
  if (!words) return false;
  ol::Registers regs;
  for (std::size_t k = 0; k < words->size() && first + k < 16; ++k) regs["r" + std::to_string(first + k)] = (*words)[k];
  add_registers(o, regs);
  const unsigned next = first + static_cast<unsigned>(words->size());
  o.s390_gpr_next = next < 16 ? next : kNoGprPending;
  return true;
}

bool registers(OpenIncident& o, std::string_view t) {
  Incident& inc = o.inc;
  if (ol::is_named_register_line(t)) {
    auto regs = ol::named_registers(t);
    add_registers(o, regs);
    const bool powerpc = starts_with(t, "NIP: ") || starts_with(t, "MSR: ") || starts_with(t, "CFAR: ") || starts_with(t, "REGS: ");
    if (inc.kind == IncidentKind::page_fault && !inc.fault_address) {
      if (auto it = regs.find("CR2"); it != regs.end() && starts_with(t, "CR2: ")) inc.fault_address = it->second;
      if (auto it = regs.find("DAR"); it != regs.end() && powerpc) inc.fault_address = it->second;
    }
    if (starts_with(t, "REGS: ") && inc.release.empty() && t.find('(') != std::string_view::npos)
      inc.release = std::string(trim(t.substr(t.rfind('(') + 1, t.rfind(')') - t.rfind('(') - 1)));
    note_arch(inc, powerpc ? "powerpc" : "x86_64", powerpc ? "the NIP/MSR register lines" : "the x86 register lines");
    return true;
  }
  if (ol::is_arm64_register_line(t)) {
    add_registers(o, ol::arm64_registers(t));
    note_arch(inc, "arm64", "the x0..x29 register lines");
    return true;
  }
  if (ol::is_ppc_gpr_line(t) || (o.xmon && ol::is_xmon_register_line(t))) {
    add_registers(o, ol::is_ppc_gpr_line(t) ? ol::ppc_gprs(t) : ol::xmon_registers(t));
    note_arch(inc, "powerpc", "the GPR register lines");
    return true;
  }
  return s390_gprs(o, t);
}

// x86: "<IRQ>", "</IRQ>", "<TASK>", "<NMI>", "<#DB>"...
bool stack_tag(OpenIncident& o, std::string_view t) {
  if (!(t.size() >= 3 && t.front() == '<' && t.back() == '>' && t.size() < 16)) return false;
  std::string_view tag = t.substr(1, t.size() - 2);
  if (tag == "TASK" || tag == "/TASK" || tag == "/IRQ" || tag == "EOI" || tag == "/NMI" || tag == "/SOFTIRQ" || tag == "EOE" ||
      (tag.size() > 1 && tag[0] == '/' && tag[1] == '#'))
    o.stack = "task";
  else if (tag == "IRQ") o.stack = "irq";
  else if (tag == "NMI") o.stack = "nmi";
  else if (tag == "SOFTIRQ") o.stack = "softirq";
  else if (tag[0] == '#') o.stack = std::string(tag);
  o.in_trace = true;
  return true;
}

// xmon's prompt: "1:mon> t" starts a back trace, any other prompt ends it.
bool xmon_prompt(OpenIncident& o, std::string_view t) {
  std::size_t at = t.find(":mon>");
  if (at == std::string_view::npos || at == 0 || at > 4 || !is_hex(t.substr(0, at))) return false;
  std::string_view command = trim(t.substr(at + 5));
  if (command == "t" || starts_with(command, "t ")) {
    o.in_trace = true;
  } else if (!o.inc.call_trace.empty()) {
    o.inc.call_trace_ended = true;
    o.in_trace = false;
  }
  return true;
}

BodyResult trace(OpenIncident& o, std::string_view t) {
  Incident& inc = o.inc;
  if (starts_with(t, "Call Trace:") || starts_with(t, "Call trace:")) {
    o.in_trace = true;
    o.stack = "task";
    return BodyResult::consumed;
  }
  if (stack_tag(o, t)) return BodyResult::consumed;
  if (starts_with(t, "--- interrupt: ") && !o.after_end_trace) {  // powerpc: an exception frame's registers follow
    o.regs_set = inc.registers.size();
    inc.registers.emplace_back();
    return BodyResult::consumed;
  }
  if (starts_with(t, "Last Breaking-Event-Address:")) {
    o.breaking_event_next = true;
    o.in_trace = false;
    return BodyResult::consumed;
  }
  if (o.breaking_event_next)
    if (auto f = ol::frame(t)) {
      inc.breaking_event = std::move(*f);
      o.breaking_event_next = false;
      return BodyResult::consumed;
    }
  if (o.xmon && xmon_prompt(o, t)) return BodyResult::consumed;
  if ((o.in_trace || o.xmon) && !o.after_end_trace && inc.call_trace.size() < 512)
    if (auto f = ol::frame(t)) {
      f->stack = o.stack;
      inc.call_trace.push_back(std::move(*f));
      return BodyResult::consumed;
    }
  if (starts_with(t, "---[ end trace")) {
    inc.call_trace_ended = true;
    o.in_trace = false;
    o.after_end_trace = true;
    return BodyResult::consumed;
  }
  if (starts_with(t, "---[ end Kernel panic")) {
    inc.call_trace_ended = true;
    return BodyResult::ends_incident;
  }
  return BodyResult::skipped;
}

bool markers(OpenIncident& o, std::string_view t) {
  Incident& inc = o.inc;
  if (starts_with(t, "Kernel Offset: ")) {
    if (starts_with(t, "Kernel Offset: disabled")) inc.kernel_offset_disabled = true;
    else inc.kernel_offset = hex_after(t, "Kernel Offset: ");
    return true;
  }
  if (starts_with(t, "Memory failure: 0x") || starts_with(t, "soft offline: 0x") || starts_with(t, "Soft offlining pfn 0x")) {
    std::string_view v = first_token(t.substr(t.find("0x")));
    if (auto pfn = hex_value(v.substr(0, v.find(':'))); pfn && inc.pfns_in_text.size() < 64) inc.pfns_in_text.push_back(*pfn);
    return true;
  }
  return false;
}

bool noise(std::string_view t) {
  for (std::string_view p : {"Modules linked in:", "Code: ", "PGD ", "Stack:", "Dumping ftrace", "Rebooting in", "head: ", "anon flags:",
                             "memcg:", "aops:", "page_owner", "Shutting down cpus", "SMP: stopping secondary CPUs", "CPU features:",
                             "Memory Limit:", "Instruction dump:", "Krnl Code:", "pstate: ", "Workqueue:", "IP: ", "enter ? for help"})
    if (starts_with(t, p)) return true;
  return false;
}

}  // namespace

BodyResult body_line(OpenIncident& o, std::string_view t) {
  if (page_details(o, t) || fault_details(o, t) || who(o, t) || pc(o, t) || registers(o, t)) return BodyResult::consumed;
  if (BodyResult r = trace(o, t); r != BodyResult::skipped) return r;
  if (markers(o, t) || noise(t)) return BodyResult::consumed;
  return BodyResult::skipped;
}

}  // namespace pfnscan::oops_detail
