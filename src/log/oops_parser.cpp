// A line-driven state machine over oops text. Lines that belong to no oops (or to another
// caller, when the log has caller ids) are skipped, so interleaved messages do not break an oops
// apart; an oops cut off by the end of the log is kept and marked truncated.
// Formats (facts §7): 4.19 prints raw %px page pointers and pr_emerg, 5.x raw pointers and
// pr_warn, 5.14+ hashed pointers and no raw lines; x86 page faults are "unable to handle kernel
// paging request at X" before 4.20 (commit f28b11a2abd9 split it into "page fault for address:").
#include "log/oops.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fmt/format.h>

#include "target/vmcoreinfo.hpp"

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

std::string StackFrame::text() const {
  std::string s = fmt::format("{}+{:#x}/{:#x}", symbol, offset, size);
  if (!module.empty()) s += " [" + module + "]";
  return s;
}

namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool contains(std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_hex(std::string_view s) {
  if (starts_with(s, "0x") || starts_with(s, "0X")) s.remove_prefix(2);
  return !s.empty() && s.size() <= 16 && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::optional<uint64_t> hex_value(std::string_view s) {
  s = trim(s);
  if (starts_with(s, "0x") || starts_with(s, "0X")) s.remove_prefix(2);
  if (!is_hex(s)) return std::nullopt;
  return parse_u64(s, 16);
}

// The first whitespace-delimited token of s.
std::string_view first_token(std::string_view s) {
  s = trim(s);
  return s.substr(0, std::min(s.find(' '), s.size()));
}

// "[   12.345678]" at the start of s: returns the nanoseconds and the length consumed.
std::optional<std::pair<uint64_t, std::size_t>> bracket_timestamp(std::string_view s) {
  if (s.empty() || s[0] != '[') return std::nullopt;
  std::size_t close = s.find(']');
  if (close == std::string_view::npos || close > 24) return std::nullopt;
  std::string_view in = trim(s.substr(1, close - 1));
  std::size_t dot = in.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  auto secs = parse_u64(in.substr(0, dot), 10);
  std::string_view frac = in.substr(dot + 1);
  if (!secs || frac.empty() || frac.size() > 9 || !std::all_of(frac.begin(), frac.end(), ::isdigit)) return std::nullopt;
  uint64_t ns = *parse_u64(frac, 10);
  for (std::size_t i = frac.size(); i < 9; ++i) ns *= 10;
  return std::make_pair(*secs * 1000000000 + ns, close + 1);
}

// "[  T123]" / "[C1]" at the start of s.
std::optional<std::pair<uint32_t, std::size_t>> bracket_caller(std::string_view s) {
  if (s.empty() || s[0] != '[') return std::nullopt;
  std::size_t close = s.find(']');
  if (close == std::string_view::npos || close > 16) return std::nullopt;
  std::string_view in = trim(s.substr(1, close - 1));
  if (in.size() < 2 || (in[0] != 'T' && in[0] != 'C')) return std::nullopt;
  auto n = parse_u64(in.substr(1), 10);
  if (!n || *n > 0x7fffffff) return std::nullopt;
  return std::make_pair(static_cast<uint32_t>(*n) | (in[0] == 'C' ? 0x80000000u : 0u), close + 1);
}

// "Nov 25 12:34:56 host kernel: " (syslog, journalctl -k) or "2026-11-25T12:34:56.123+00:00 host kernel: ".
std::size_t syslog_header(std::string_view s) {
  static constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  bool dated = false;
  if (s.size() > 16 && std::find(months.begin(), months.end(), s.substr(0, 3)) != months.end() && s[3] == ' ') dated = true;
  if (s.size() > 20 && std::isdigit(static_cast<unsigned char>(s[0])) && s[4] == '-' && s[7] == '-' && s[10] == 'T') dated = true;
  if (!dated) return 0;
  for (std::string_view tag : {" kernel: ", " kernel:"}) {
    std::size_t at = s.find(tag);
    if (at != std::string_view::npos && at < 96) {
      std::size_t end = at + tag.size();
      while (end < s.size() && s[end] == ' ' && tag.back() == ':') break;
      return end;
    }
  }
  return 0;
}

// netconsole's extended format (extended:1): "6,1234,5678901,-;text" or with a caller field.
std::optional<std::pair<uint64_t, std::size_t>> netconsole_ext(std::string_view s) {
  std::size_t semi = s.find(';');
  if (semi == std::string_view::npos || semi > 64) return std::nullopt;
  std::string_view head = s.substr(0, semi);
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (start <= head.size()) {
    std::size_t comma = head.find(',', start);
    fields.push_back(head.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (fields.size() < 4) return std::nullopt;
  if (!parse_u64(fields[0], 10) || !parse_u64(fields[1], 10)) return std::nullopt;
  auto usec = parse_u64(fields[2], 10);
  if (!usec) return std::nullopt;
  return std::make_pair(*usec * 1000, semi + 1);
}

}  // namespace

OopsInputLine normalize_log_line(std::string_view raw) {
  OopsInputLine out;
  std::string_view s = raw;
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  if (std::size_t n = syslog_header(s)) s.remove_prefix(n);
  if (auto ext = netconsole_ext(s)) {
    out.ts_nsec = ext->first;
    s.remove_prefix(ext->second);
  }
  if (s.size() >= 3 && s[0] == '<' && std::isdigit(static_cast<unsigned char>(s[1]))) {
    std::size_t close = s.find('>');
    if (close != std::string_view::npos && close <= 4) s.remove_prefix(close + 1);
  }
  for (int pass = 0; pass < 2; ++pass) {  // "[ts][ T1]", "[ts] [ T1]", "[ T1] [ts]"
    std::string_view t = s;
    while (!t.empty() && t[0] == ' ' && pass > 0) t.remove_prefix(1);
    if (auto ts = bracket_timestamp(t)) {
      out.ts_nsec = ts->first;
      s = t.substr(ts->second);
      continue;
    }
    if (auto c = bracket_caller(t)) {
      out.caller = c->first;
      s = t.substr(c->second);
    }
  }
  if (!s.empty() && s[0] == ' ') s.remove_prefix(1);  // the separator after a prefix
  out.text = std::string(s);
  return out;
}

namespace {

// "func+0x12/0x34 [mod]" or "func.cold+0x44/0x11c".
std::optional<StackFrame> parse_symbol_offset(std::string_view s) {
  s = trim(s);
  std::size_t plus = s.find("+0x");
  if (plus == std::string_view::npos || plus == 0) return std::nullopt;
  std::size_t slash = s.find("/0x", plus);
  if (slash == std::string_view::npos) return std::nullopt;
  std::size_t end = s.find(' ', slash);
  std::string_view sym = s.substr(0, plus);
  if (sym.find(' ') != std::string_view::npos) return std::nullopt;
  auto off = hex_value(s.substr(plus + 1, slash - plus - 1));
  auto size = hex_value(s.substr(slash + 1, end == std::string_view::npos ? std::string_view::npos : end - slash - 1));
  if (!off || !size) return std::nullopt;
  StackFrame f;
  f.symbol = std::string(sym);
  f.offset = *off;
  f.size = *size;
  if (end != std::string_view::npos) {
    std::string_view rest = trim(s.substr(end));
    if (rest.size() > 2 && rest.front() == '[' ) {
      std::size_t close = rest.find(']');
      if (close != std::string_view::npos) f.module = std::string(rest.substr(1, close - 1));
    }
  }
  return f;
}

// A call-trace line: "[<ffffffff81234567>] ? func+0x12/0x34 [mod]" (old) or "? func+0x12/0x34".
std::optional<StackFrame> parse_frame(std::string_view s) {
  s = trim(s);
  std::optional<uint64_t> address;
  while (starts_with(s, "[<")) {
    std::size_t close = s.find(">]");
    if (close == std::string_view::npos) return std::nullopt;
    if (!address) address = hex_value(s.substr(2, close - 2));
    s = trim(s.substr(close + 2));
  }
  bool reliable = true;
  if (starts_with(s, "? ")) {
    reliable = false;
    s = trim(s.substr(2));
  }
  auto f = parse_symbol_offset(s);
  if (!f) return std::nullopt;
  f->address = address;
  f->reliable = reliable;
  return f;
}

// "RAX: 0000000000000000 RBX: ffffea0000280000 ..." and the FS/CS/CR lines; "RSP: 0018:ffffc9..."
// gives RSP and SS.
std::map<std::string, uint64_t> parse_registers(std::string_view s) {
  std::map<std::string, uint64_t> regs;
  std::string flat;
  for (char c : s) flat += (c == '(' || c == ')') ? ' ' : c;
  std::string_view v = flat;
  std::string pending;
  while (!v.empty()) {
    v = trim(v);
    std::size_t sp = v.find(' ');
    std::string_view tok = v.substr(0, sp);
    v = sp == std::string_view::npos ? std::string_view{} : v.substr(sp);
    if (tok.size() >= 3 && tok.back() == ':' && !tok.empty() && std::isupper(static_cast<unsigned char>(tok[0])) &&
        std::all_of(tok.begin(), tok.end() - 1, [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; })) {
      pending = std::string(tok.substr(0, tok.size() - 1));
      continue;
    }
    if (tok.size() >= 2 && std::islower(static_cast<unsigned char>(tok[0])) && tok.back() == ':') {  // knlGS:
      pending = std::string(tok.substr(0, tok.size() - 1));
      continue;
    }
    std::size_t colon = tok.find(':');
    if (!pending.empty() && colon != std::string_view::npos && colon > 0) {  // "RSP: 0018:ffffc900..." / "knlGS:0000"
      auto seg = hex_value(tok.substr(0, colon));
      auto val = hex_value(tok.substr(colon + 1));
      if (seg && val) {
        regs[pending] = *val;
        if (pending == "RSP") regs["SS"] = *seg;
        pending.clear();
        continue;
      }
    }
    if (colon != std::string_view::npos && colon > 0 && std::isalpha(static_cast<unsigned char>(tok[0]))) {  // "GS:ffff888..."
      auto val = hex_value(tok.substr(colon + 1));
      if (val) regs[std::string(tok.substr(0, colon))] = *val;
      pending.clear();
      continue;
    }
    if (!pending.empty()) {
      if (auto val = hex_value(tok)) regs[pending] = *val;
      pending.clear();
    }
  }
  return regs;
}

bool is_register_line(std::string_view s) {
  static constexpr std::array<std::string_view, 12> heads = {"RSP: ", "RAX: ", "RDX: ", "RBP: ", "R10: ", "R13: ",
                                                             "FS: ",  "CS: ",  "CR2: ", "DR0: ", "DR3: ", "DR6: "};
  for (auto h : heads)
    if (starts_with(s, h)) return true;
  return starts_with(s, "PKRU: ");
}

std::optional<uint64_t> value_after(std::string_view s, std::string_view key) {
  std::size_t at = s.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view tok = first_token(s.substr(at + key.size()));
  while (!tok.empty() && (tok.back() == ',' || tok.back() == ':' || tok.back() == ')')) tok.remove_suffix(1);
  return hex_value(tok);
}

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
  struct Open {
    Incident inc;
    bool active = false;       // lines still belong to it
    bool in_trace = false;
    bool header_seen = false;  // an Oops/invalid opcode/GPF line: the oops proper has begun
    bool bug_seen = false;
    bool only_pages = true;    // nothing but page dumps and "cut here" so far
    bool cut_here_only = false;
    bool after_end_trace = false;
    std::string stack = "task";
    std::size_t regs_set = 0;  // which register set the next register lines go to
  };

  void close(Open& o, bool at_end) {
    if (!o.active) return;
    o.active = false;
    if (o.cut_here_only) return;  // a WARNING or something else we do not track
    if (at_end && !o.inc.call_trace_ended && !o.inc.is_panic()) o.inc.truncated = true;
    if (o.inc.call_trace.empty() && !o.inc.is_panic()) o.inc.truncated = true;
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
      return *o;
    }
    return start(key, i, title);
  }

  void feed(std::size_t i) {
    const std::string& text = lines_[i].text;
    const std::string_view s = text;
    const uint64_t key = lines_[i].caller ? *lines_[i].caller : ~uint64_t{0};
    const std::string_view t = trim(s);
    if (t.empty()) return;

    if (starts_with(t, "------------[ cut here ]------------")) {
      Open* o = current(key);
      if (o && o->only_pages && !o->header_seen) return;  // the BUG after a page dump
      Open& n = start(key, i, "");
      n.cut_here_only = true;
      return;
    }
    if (starts_with(t, "WARNING: ")) {  // not an oops: drop the incident "cut here" opened
      if (Open* o = current(key); o && o->cut_here_only) o->active = false;
      return;
    }
    if (starts_with(t, "page:") && (contains(t, "is uninitialized and poisoned") || contains(t, "refcount:"))) {
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
      if (v && *v >= 0xffff800000000000ull) p.address = *v;
      else p.hashed = true;
      if (auto pfn = value_after(t, "pfn:")) p.pfn = *pfn;
      target->inc.pages.push_back(std::move(p));
      target->inc.last_line = i;
      return;
    }
    if (starts_with(t, "kernel BUG at ")) {
      Open& o = start_or_continue(key, i, std::string(t));
      std::string_view where = t.substr(14);
      if (!where.empty() && where.back() == '!') where.remove_suffix(1);
      std::size_t colon = where.rfind(':');
      if (colon != std::string_view::npos) {
        o.inc.bug_file = std::string(where.substr(0, colon));
        o.inc.bug_line = static_cast<int>(parse_u64(where.substr(colon + 1), 10).value_or(0));
      }
      o.bug_seen = true;
      o.only_pages = false;
      o.inc.kind = IncidentKind::bug;
      o.inc.last_line = i;
      return;
    }
    if (starts_with(t, "BUG: unable to handle") || starts_with(t, "BUG: kernel NULL pointer dereference")) {
      Open& o = start_or_continue(key, i, std::string(t));
      o.only_pages = false;
      o.bug_seen = true;
      o.inc.kind = IncidentKind::page_fault;
      // "... page fault for address: X", "... paging request at X", "... NULL pointer dereference at X",
      // "BUG: kernel NULL pointer dereference, address: X"
      for (std::string_view key_text : {"address: ", " at ", "address "}) {
        std::size_t at = t.rfind(key_text);
        if (at != std::string_view::npos)
          if (auto v = hex_value(first_token(t.substr(at + key_text.size())))) {
            o.inc.fault_address = *v;
            break;
          }
      }
      o.inc.last_line = i;
      return;
    }
    bool gpf = starts_with(t, "general protection fault") || starts_with(t, "Oops: general protection fault");
    if (gpf) {
      Open& o = start_or_continue(key, i, std::string(t));
      o.only_pages = false;
      o.header_seen = true;
      o.inc.kind = IncidentKind::general_protection_fault;
      o.inc.oops_header = std::string(t);
      if (auto v = value_after(t, "non-canonical address ")) o.inc.fault_address = *v;
      o.inc.last_line = i;
      return;
    }
    if ((starts_with(t, "Oops: ") || starts_with(t, "invalid opcode: ")) && contains(t, "[#")) {
      Open* o = current(key);
      if (!o || o->header_seen) o = &start(key, i, std::string(t));
      o->cut_here_only = false;
      o->header_seen = true;
      o->only_pages = false;
      o->inc.oops_header = std::string(t);
      if (o->inc.title.empty()) o->inc.title = std::string(t);
      o->inc.last_line = i;
      return;
    }
    if (starts_with(t, "Kernel panic - not syncing: ")) {
      // An oops's own panic ("Fatal exception") follows its "---[ end trace" marker: the
      // incident is still open then. Anything else is a panic of its own.
      Open* o = current(key);
      if (!(o && (o->header_seen || o->bug_seen) && !o->inc.is_panic())) o = &start(key, i, std::string(t));
      o->inc.panic_message = std::string(t.substr(28));
      o->only_pages = false;
      o->in_trace = false;
      o->inc.last_line = i;
      return;
    }
    if (starts_with(t, "BUG: ") || starts_with(t, "UBSAN: ")) {
      Open& o = start_or_continue(key, i, std::string(t));
      if (starts_with(t, "UBSAN: ")) o.inc.ubsan.push_back(std::string(t));
      o.only_pages = false;
      o.bug_seen = true;
      o.inc.kind = starts_with(t, "UBSAN: ") ? IncidentKind::oops : IncidentKind::bug;
      o.inc.last_line = i;
      return;
    }

    Open* o = current(key);
    if (!o) {
      if (starts_with(t, "---[ end Kernel panic")) return;
      return;  // a line of some other message
    }
    if (o->cut_here_only) {
      // "cut here" followed by something we do not follow: give up on it after a few lines
      if (i > o->inc.first_line + 3) o->active = false;
      return;
    }
    Incident& inc = o->inc;
    auto touch = [&] { inc.last_line = i; };

    if (starts_with(t, "page dumped because: ")) {
      if (!inc.pages.empty()) inc.pages.back().reason = std::string(t.substr(21));
      return touch();
    }
    if (starts_with(t, "raw: ") && !inc.pages.empty()) {
      std::string_view rest = t.substr(5);
      while (!rest.empty()) {
        std::string_view tok = first_token(rest);
        if (tok.empty()) break;
        if (auto v = hex_value(tok)) inc.pages.back().raw.push_back(*v);
        rest = trim(rest.substr(rest.find(tok) + tok.size()));
      }
      auto& p = inc.pages.back();
      if (!p.flags && !p.raw.empty() && p.poisoned) p.flags = p.raw.front();
      return touch();
    }
    if (starts_with(t, "flags: 0x") && !inc.pages.empty()) {
      auto& p = inc.pages.back();
      std::string_view v = t.substr(7);
      std::size_t paren = v.find('(');
      p.flags = hex_value(v.substr(0, paren));
      if (auto z = t.find("zone="); z != std::string_view::npos)
        if (auto n = parse_u64(first_token(t.substr(z + 5)).substr(0, t.substr(z + 5).find_first_of("|)")), 10))
          p.zone = static_cast<int>(*n);
      return touch();
    }
    if (starts_with(t, "index ") && contains(t, "is out of range for type")) {
      inc.ubsan.push_back(std::string(t));
      return touch();
    }
    if (starts_with(t, "#PF: ")) {
      if (!inc.fault_detail.empty()) inc.fault_detail += "; ";
      inc.fault_detail += std::string(t.substr(5));
      return touch();
    }
    if (starts_with(t, "CPU: ") && contains(t, "PID: ") && contains(t, "Comm: ")) {
      inc.cpu = static_cast<int>(parse_u64(first_token(t.substr(5)), 10).value_or(0));
      if (auto pid = parse_u64(first_token(t.substr(t.find("PID: ") + 5)), 10)) inc.pid = static_cast<int>(*pid);
      std::string_view after = t.substr(t.find("Comm: ") + 6);
      std::size_t nt = after.find(" Not tainted ");
      std::size_t ta = after.find(" Tainted: ");
      std::string_view rest;
      if (nt != std::string_view::npos && (ta == std::string_view::npos || nt < ta)) {
        inc.comm = std::string(after.substr(0, nt));
        inc.tainted = "";
        rest = after.substr(nt + 13);
      } else if (ta != std::string_view::npos) {
        inc.comm = std::string(after.substr(0, ta));
        rest = after.substr(ta + 10);
        std::string flags;
        while (!rest.empty()) {
          std::string_view tok = first_token(rest);
          if (tok.empty() || std::isdigit(static_cast<unsigned char>(tok[0]))) break;
          if (!std::all_of(tok.begin(), tok.end(), [](char c) { return std::isupper(static_cast<unsigned char>(c)); })) break;
          if (!flags.empty()) flags += ' ';
          flags += std::string(tok);
          rest = trim(rest.substr(rest.find(tok) + tok.size()));
        }
        inc.tainted = flags;
      }
      rest = trim(rest);
      inc.release = std::string(first_token(rest));
      inc.build = std::string(trim(rest.substr(inc.release.size())));
      return touch();
    }
    if (starts_with(t, "Hardware name: ")) {
      inc.hardware = std::string(t.substr(15));
      return touch();
    }
    if (starts_with(t, "RIP: ")) {
      std::string_view r = t.substr(5);
      std::size_t colon = r.find(':');
      bool kernel_cs = starts_with(r, "0010:");
      std::string_view sym = colon != std::string_view::npos && colon <= 4 ? r.substr(colon + 1) : r;
      std::optional<StackFrame> frame;
      if (starts_with(trim(sym), "[<")) {  // pre-4.15: "[<ffffffff81234567>]  [<...>] func+0x1/0x2"
        frame = parse_frame(sym);
      } else {
        frame = parse_symbol_offset(sym);
      }
      if (!inc.rip || (kernel_cs && !o->after_end_trace && inc.rip_text.rfind("0010:", 0) != 0)) {
        if (!inc.rip || kernel_cs) {
          inc.rip = frame.value_or(StackFrame{});
          inc.rip_text = std::string(r);
        }
      }
      // a register block follows; within the call trace it is an exception/user frame's
      o->regs_set = o->after_end_trace ? ~std::size_t{0} : inc.registers.size();
      if (!o->after_end_trace) inc.registers.emplace_back();
      return touch();
    }
    if (is_register_line(t)) {
      auto regs = parse_registers(t);
      if (o->after_end_trace || o->regs_set == ~std::size_t{0}) {
        // the register dump repeated after "---[ end trace": same values, nothing new
      } else {
        if (inc.registers.empty()) inc.registers.emplace_back();
        auto& set = inc.registers[std::min(o->regs_set, inc.registers.size() - 1)];
        for (auto& [k, v] : regs) set.emplace(k, v);
      }
      if (starts_with(t, "CR2: ") && !inc.fault_address && inc.kind == IncidentKind::page_fault) inc.fault_address = regs["CR2"];
      return touch();
    }
    if (starts_with(t, "Call Trace:") || starts_with(t, "Call trace:")) {
      o->in_trace = true;
      o->stack = "task";
      return touch();
    }
    if (t.size() >= 3 && t.front() == '<' && t.back() == '>' && t.size() < 16) {
      std::string_view tag = t.substr(1, t.size() - 2);
      if (tag == "TASK" || tag == "/TASK" || tag == "/IRQ" || tag == "EOI" || tag == "/NMI" || tag == "/SOFTIRQ" || tag == "EOE" ||
          (tag.size() > 1 && tag[0] == '/' && tag[1] == '#')) {
        o->stack = "task";
      } else if (tag == "IRQ") {
        o->stack = "irq";
      } else if (tag == "NMI") {
        o->stack = "nmi";
      } else if (tag == "SOFTIRQ") {
        o->stack = "softirq";
      } else if (tag[0] == '#') {
        o->stack = std::string(tag);
      }
      o->in_trace = true;
      return touch();
    }
    if (o->in_trace && !o->after_end_trace) {
      if (auto f = parse_frame(t)) {
        f->stack = o->stack;
        inc.call_trace.push_back(std::move(*f));
        return touch();
      }
    }
    if (starts_with(t, "---[ end trace")) {
      inc.call_trace_ended = true;
      o->in_trace = false;
      o->after_end_trace = true;
      return touch();
    }
    if (starts_with(t, "---[ end Kernel panic")) {
      inc.call_trace_ended = true;
      touch();
      close(*o, false);
      return;
    }
    if (starts_with(t, "Kernel Offset: ")) {
      inc.kernel_offset = value_after(t, "Kernel Offset: ");
      return touch();
    }
    if (starts_with(t, "Memory failure: 0x") || starts_with(t, "soft offline: 0x") || starts_with(t, "Soft offlining pfn 0x")) {
      std::string_view v = t.substr(t.find("0x"));
      if (auto pfn = hex_value(first_token(v).substr(0, first_token(v).find(':')))) inc.pfns_in_text.push_back(*pfn);
      return touch();
    }
    if (starts_with(t, "Modules linked in:") || starts_with(t, "Code: ") || starts_with(t, "PGD ") ||
        starts_with(t, "Stack:") || starts_with(t, "Dumping ftrace") || starts_with(t, "Rebooting in") ||
        starts_with(t, "head: ") || starts_with(t, "anon flags:") || starts_with(t, "memcg:") ||
        starts_with(t, "aops:") || starts_with(t, "page_owner") || starts_with(t, "Shutting down cpus") ||
        starts_with(t, "Kernel Offset: disabled")) {
      return touch();
    }
    // anything else is an interleaved message: skipped, the incident stays open
  }

  const std::vector<OopsInputLine>& lines_;
  std::map<uint64_t, Open> open_;
  std::vector<Incident> done_;
};

}  // namespace

std::vector<Incident> parse_oopses(const std::vector<OopsInputLine>& lines) { return Parser(lines).run(); }

}  // namespace pfnscan
