// A line-driven state machine over oops text. Lines that belong to no oops (or to another
// caller, when the log has caller ids) are skipped, so interleaved messages do not break an oops
// apart; an oops cut off by the end of the log is kept and marked truncated.
// Formats (facts §7): 4.19 prints raw %px page pointers and pr_emerg, 5.x raw pointers and
// pr_warn, 5.14+ hashed pointers and no raw lines; x86 page faults are "unable to handle kernel
// paging request at X" before 4.20 (commit f28b11a2abd9 split it into "page fault for address:").
// The architecture-specific lines are read by oops_lines.cpp; this file decides which incident a
// line belongs to.
#include <algorithm>
#include <fmt/format.h>

#include "log/oops.hpp"
#include "log/oops_lines.hpp"
#include "log/oops_state.hpp"
#include "log/text_util.hpp"

namespace pfnscan {

const char* incident_kind_name(IncidentKind kind) {
  switch (kind) {
    case IncidentKind::poisoned_page: return "poisoned_page";
    case IncidentKind::vm_bug_on_page: return "vm_bug_on_page";
    case IncidentKind::bug: return "bug";
    case IncidentKind::page_fault: return "page_fault";
    case IncidentKind::general_protection_fault: return "general_protection_fault";
    case IncidentKind::oops: return "oops";
    case IncidentKind::panic: return "panic";
  }
  return "?";
}

std::optional<IncidentKind> incident_kind_from_name(std::string_view name) {
  for (IncidentKind k : {IncidentKind::poisoned_page, IncidentKind::vm_bug_on_page, IncidentKind::bug, IncidentKind::page_fault,
                         IncidentKind::general_protection_fault, IncidentKind::oops, IncidentKind::panic})
    if (name == incident_kind_name(k)) return k;
  return std::nullopt;
}

std::string StackFrame::text() const {
  std::string s = fmt::format("{}+{:#x}/{:#x}", symbol, offset, size);
  if (!module.empty()) s += " [" + module + "]";
  return s;
}

namespace {

using namespace text;
namespace ol = oops_lines;

using oops_detail::BodyResult;
using oops_detail::note_arch;
using Open = oops_detail::OpenIncident;

class Parser {
 public:
  explicit Parser(const std::vector<OopsInputLine>& lines) : lines_(lines) {}

  std::vector<Incident> run() {
    for (std::size_t i = 0; i < lines_.size(); ++i) feed(i);
    for (auto& [key, open] : open_) close(open, true);
    std::sort(done_.begin(), done_.end(), [](const Incident& a, const Incident& b) { return a.first_line < b.first_line; });
    return std::move(done_);
  }

 private:
  // --- incidents ---------------------------------------------------------------------------------
  void touch(Open& o, std::size_t i) { oops_detail::touch(o, i, lines_[i].repairs); }

  void close(Open& o, bool at_end) {
    if (!o.active) return;
    o.active = false;
    if (o.cut_here_only) return;  // a WARNING or something else we do not track
    if (at_end && !o.inc.call_trace_ended && !o.inc.is_panic()) o.inc.truncated = true;
    if (o.inc.call_trace.empty() && !o.inc.is_panic()) o.inc.truncated = true;
    if (o.inc.arch.empty() && !o.inc.release.empty())
      note_arch(o.inc, ol::arch_of_release(o.inc.release), "the release " + o.inc.release);
    o.inc.repairs = repair_names(o.repairs);
    finish_kind(o.inc);
    done_.push_back(std::move(o.inc));
  }

  static void finish_kind(Incident& inc) {
    bool poisoned = std::any_of(inc.pages.begin(), inc.pages.end(), [](const PageDump& p) { return p.poisoned; });
    bool reason = std::any_of(inc.pages.begin(), inc.pages.end(), [](const PageDump& p) { return !p.reason.empty(); });
    if (poisoned) inc.kind = IncidentKind::poisoned_page;
    else if (reason && !inc.bug_file.empty()) inc.kind = IncidentKind::vm_bug_on_page;
    else if (!inc.bug_file.empty()) inc.kind = IncidentKind::bug;
    else if (inc.kind == IncidentKind::oops && inc.oops_header.empty() && inc.is_panic()) inc.kind = IncidentKind::panic;
  }

  Open& start(uint64_t key, std::size_t i, std::string title) {
    Open& o = open_[key];
    close(o, false);
    o = Open{};
    o.active = true;
    o.inc.first_line = o.inc.last_line = i;
    o.inc.ts_nsec = lines_[i].ts_nsec;
    o.inc.caller = lines_[i].caller;
    o.inc.title = std::move(title);
    o.repairs = lines_[i].repairs;
    return o;
  }

  Open* current(uint64_t key) {
    auto it = open_.find(key);
    if (it == open_.end() || !it->second.active) return nullptr;
    return &it->second;
  }

  // A line that starts something new continues the open incident only while that incident has
  // seen nothing but page dumps (dump_page() comes before the BUG it explains).
  Open& start_or_continue(uint64_t key, std::size_t i, const std::string& title) {
    Open* o = current(key);
    if (o && o->only_pages && !o->header_seen) {
      if (o->inc.title.empty() || o->cut_here_only || starts_with(o->inc.title, "page:")) o->inc.title = title;
      o->cut_here_only = false;
      touch(*o, i);
      return *o;
    }
    return start(key, i, title);
  }

  // --- dispatch ----------------------------------------------------------------------------------
  void feed(std::size_t i) {
    const std::string_view t = trim(lines_[i].text);
    if (t.empty()) return;
    const uint64_t key = lines_[i].caller ? *lines_[i].caller : ~uint64_t{0};
    if (opener(i, t, key)) return;
    Open* o = current(key);
    if (!o) return;  // a line of some other message
    if (o->cut_here_only) {
      // "cut here" followed by something we do not follow: give up on it after a few lines
      if (i > o->inc.first_line + 3) o->active = false;
      return;
    }
    // anything the body does not know is an interleaved message: skipped, the incident stays open
    switch (oops_detail::body_line(*o, t)) {
      case BodyResult::skipped: return;
      case BodyResult::consumed: return touch(*o, i);
      case BodyResult::ends_incident:
        touch(*o, i);
        return close(*o, false);
    }
  }

  // Lines that may open an incident (or continue one that only has page dumps so far).
  bool opener(std::size_t i, std::string_view t, uint64_t key) {
    return cut_here(i, t, key) || warning(t, key) || page_line(i, t, key) || kernel_bug(i, t, key) || fault(i, t, key) ||
           gpf(i, t, key) || header(i, t, key) || xmon_entry(i, t, key) || panic(i, t, key) || generic_bug(i, t, key);
  }

  bool cut_here(std::size_t i, std::string_view t, uint64_t key) {
    if (!starts_with(t, "------------[ cut here ]------------")) return false;
    Open* o = current(key);
    if (o && o->only_pages && !o->header_seen) return true;  // the BUG after a page dump
    start(key, i, "").cut_here_only = true;
    return true;
  }

  bool warning(std::string_view t, uint64_t key) {
    if (!starts_with(t, "WARNING: ")) return false;  // not an oops: drop the incident "cut here" opened
    if (Open* o = current(key); o && o->cut_here_only) o->active = false;
    return true;
  }

  bool page_line(std::size_t i, std::string_view t, uint64_t key) {
    if (!starts_with(t, "page:") || !(contains(t, "is uninitialized and poisoned") || contains(t, "refcount:"))) return false;
    Open* o = current(key);
    Open* target = (o && !o->header_seen && !o->in_trace) ? o : nullptr;
    if (!target) {
      target = &start(key, i, std::string(t));
    } else if (o->cut_here_only) {
      o->cut_here_only = false;
      o->inc.title = std::string(t);
    }
    PageDump p;
    p.line = i;
    std::string_view ptr = first_token(t.substr(5));
    p.printed = std::string(ptr);
    p.poisoned = contains(t, "is uninitialized and poisoned");
    auto v = hex_value(ptr);
    // a raw %px pointer is a kernel address (x86 ffff8..., arm64 fffffc..., powerpc c00c..., s390 000003d0...)
    if (v && (*v >= 0xffff800000000000ull || (ptr.size() == 16 && !starts_with(ptr, "00000000")))) p.address = *v;
    else p.hashed = true;
    if (auto pfn = hex_after(t, "pfn:")) p.pfn = *pfn;
    target->inc.pages.push_back(std::move(p));
    touch(*target, i);
    return true;
  }

  bool kernel_bug(std::size_t i, std::string_view t, uint64_t key) {
    if (!starts_with(t, "kernel BUG at ")) return false;
    if (Open* x = current(key); x && x->xmon && x->inc.title == t) {  // xmon prints the BUG line again
      touch(*x, i);
      return true;
    }
    Open& o = start_or_continue(key, i, std::string(t));
    std::string_view where = t.substr(14);
    if (!where.empty() && where.back() == '!') where.remove_suffix(1);
    std::size_t colon = where.rfind(':');
    if (colon != std::string_view::npos) {
      o.inc.bug_file = std::string(where.substr(0, colon));
      o.inc.bug_line = static_cast<int>(dec_value(where.substr(colon + 1)).value_or(0) & 0x7fffffff);
    }
    o.bug_seen = true;
    o.only_pages = false;
    o.inc.kind = IncidentKind::bug;
    touch(o, i);
    return true;
  }

  bool fault(std::size_t i, std::string_view t, uint64_t key) {
    auto f = ol::fault_opener(t);
    if (!f) return false;
    Open& o = start_or_continue(key, i, std::string(t));
    o.only_pages = false;
    o.bug_seen = true;
    o.inc.kind = f->kind;
    if (f->address) o.inc.fault_address = *f->address;
    note_arch(o.inc, f->arch, "the wording of the fault line");
    touch(o, i);
    return true;
  }

  bool gpf(std::size_t i, std::string_view t, uint64_t key) {
    if (!starts_with(t, "general protection fault") && !starts_with(t, "Oops: general protection fault")) return false;
    Open& o = start_or_continue(key, i, std::string(t));
    o.only_pages = false;
    o.header_seen = true;
    o.inc.kind = IncidentKind::general_protection_fault;
    o.inc.oops_header = std::string(t);
    if (auto v = hex_after(t, "non-canonical address ")) o.inc.fault_address = *v;
    note_arch(o.inc, "x86_64", "a general protection fault");
    touch(o, i);
    return true;
  }

  bool header(std::size_t i, std::string_view t, uint64_t key) {
    auto arch = ol::oops_header(t);
    if (!arch) return false;
    Open* o = current(key);
    if (!o || o->header_seen) o = &start(key, i, std::string(t));
    o->cut_here_only = false;
    o->header_seen = true;
    o->only_pages = false;
    o->inc.oops_header = std::string(t);
    if (o->inc.title.empty()) o->inc.title = std::string(t);
    note_arch(o->inc, *arch, "the oops header");
    touch(*o, i);
    return true;
  }

  // xmon takes over an oops on powerpc: its entry line is the header, a "kernel BUG at" line may
  // precede it.
  bool xmon_entry(std::size_t i, std::string_view t, uint64_t key) {
    auto x = ol::xmon_vector(t);
    if (!x) return false;
    Open* o = current(key);
    if (!(o && !o->header_seen && (o->bug_seen || o->only_pages))) o = &start(key, i, std::string(t));
    o->xmon = true;
    o->header_seen = true;
    o->only_pages = false;
    o->cut_here_only = false;
    o->inc.cpu = x->cpu;
    o->inc.oops_header = std::string(t);
    if (o->inc.title.empty()) o->inc.title = std::string(t);
    if ((x->vector == 0x300 || x->vector == 0x380) && o->inc.kind == IncidentKind::oops) o->inc.kind = IncidentKind::page_fault;
    note_arch(o->inc, "powerpc", "xmon's 'cpu 0x..: Vector:' line");
    touch(*o, i);
    return true;
  }

  bool panic(std::size_t i, std::string_view t, uint64_t key) {
    if (!starts_with(t, "Kernel panic - not syncing: ")) return false;
    // An oops's own panic ("Fatal exception") follows its "---[ end trace" marker: the
    // incident is still open then. Anything else is a panic of its own.
    Open* o = current(key);
    if (!(o && (o->header_seen || o->bug_seen) && !o->inc.is_panic())) o = &start(key, i, std::string(t));
    o->inc.panic_message = std::string(t.substr(28));
    o->only_pages = false;
    o->in_trace = false;
    touch(*o, i);
    return true;
  }

  bool generic_bug(std::size_t i, std::string_view t, uint64_t key) {
    if (!starts_with(t, "BUG: ") && !starts_with(t, "UBSAN: ")) return false;
    Open& o = start_or_continue(key, i, std::string(t));
    if (starts_with(t, "UBSAN: ")) o.inc.ubsan.push_back(std::string(t));
    o.only_pages = false;
    o.bug_seen = true;
    o.inc.kind = starts_with(t, "UBSAN: ") ? IncidentKind::oops : IncidentKind::bug;
    touch(o, i);
    return true;
  }

  const std::vector<OopsInputLine>& lines_;
  std::map<uint64_t, Open> open_;
  std::vector<Incident> done_;
};

}  // namespace

std::vector<Incident> parse_oopses(const std::vector<OopsInputLine>& lines) { return Parser(lines).run(); }

}  // namespace pfnscan
