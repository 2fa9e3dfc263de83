#include "log/oops_lines.hpp"

#include <array>
#include <vector>

#include "log/text_util.hpp"

namespace pfnscan::oops_lines {

using namespace text;

std::optional<StackFrame> symbol_offset(std::string_view s) {
  s = trim(s);
  std::size_t plus = s.find("+0x");
  if (plus == std::string_view::npos || plus == 0) return std::nullopt;
  std::size_t slash = s.find("/0x", plus);
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view sym = s.substr(0, plus);
  if (std::any_of(sym.begin(), sym.end(), is_space)) return std::nullopt;
  std::size_t end = slash + 1;
  while (end < s.size() && !is_space(s[end]) && s[end] != ')') ++end;
  auto off = hex_value(s.substr(plus + 1, slash - plus - 1));
  auto size = hex_value(s.substr(slash + 1, end - slash - 1));
  if (!off || !size) return std::nullopt;
  StackFrame f;
  f.symbol = std::string(sym);
  f.offset = *off;
  f.size = *size;
  std::string_view rest = trim(s.substr(end));
  if (rest.size() > 2 && rest.front() == '[') {
    std::size_t close = rest.find(']');
    if (close != std::string_view::npos) f.module = std::string(rest.substr(1, close - 1));
  }
  return f;
}

namespace {

// powerpc and xmon frames begin with the stack pointer in brackets: "[c00000000fe2fb90] ...".
// Returns the rest and the return address that follows it, bracketed or not.
std::optional<std::pair<std::string_view, std::optional<uint64_t>>> strip_stack_pointer(std::string_view s) {
  std::size_t close = s.find(']');
  if (close == std::string_view::npos || close < 2 || !is_hex(s.substr(1, close - 1)) || close - 1 < 8) return std::nullopt;
  s = trim(s.substr(close + 1));
  std::optional<uint64_t> address;
  if (starts_with(s, "[") && !starts_with(s, "[<")) {
    std::size_t c2 = s.find(']');
    if (c2 == std::string_view::npos) return std::nullopt;
    address = hex_value(s.substr(1, c2 - 1));
    s = trim(s.substr(c2 + 1));
  } else if (std::string_view tok = first_token(s); is_hex(tok) && tok.size() >= 8) {
    address = hex_value(tok);
    s = after_first_token(s);
  }
  return std::make_pair(s, address);
}

}  // namespace

std::optional<StackFrame> frame(std::string_view s) {
  s = trim(s);
  bool reliable = true;
  std::optional<uint64_t> address;
  if (s.size() > 2 && s.front() == '(' && s.back() == ')') {  // s390: the r14 return address
    s = trim(s.substr(1, s.size() - 2));
    reliable = false;
  }
  if (starts_with(s, "[") && !starts_with(s, "[<")) {
    auto stripped = strip_stack_pointer(s);
    if (!stripped) return std::nullopt;
    s = stripped->first;
    address = stripped->second;
  }
  while (starts_with(s, "[<")) {
    std::size_t close = s.find(">]");
    if (close == std::string_view::npos) return std::nullopt;
    if (!address) address = hex_value(s.substr(2, close - 2));
    s = trim(s.substr(close + 2));
  }
  if (starts_with(s, "? ")) {
    reliable = false;
    s = trim(s.substr(2));
  }
  if (ends_with(s, "(unreliable)")) {
    reliable = false;
    s = trim(s.substr(0, s.size() - 12));
  }
  auto f = symbol_offset(s);
  if (!f) return std::nullopt;
  f->address = address;
  f->reliable = reliable;
  return f;
}

namespace {

std::optional<uint64_t> address_after_any(std::string_view t, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    std::size_t at = t.rfind(key);
    if (at == std::string_view::npos) continue;
    std::string_view tok = first_token(t.substr(at + key.size()));
    while (!tok.empty() && (tok.back() == ',' || tok.back() == '.')) tok.remove_suffix(1);
    if (auto v = hex_value(tok)) return v;
  }
  return std::nullopt;
}

}  // namespace

std::optional<FaultOpener> fault_opener(std::string_view t) {
  // x86: "BUG: unable to handle page fault for address: X" (4.20+, f28b11a2abd9), "... kernel
  // paging request at X" / "... kernel NULL pointer dereference at X" (before), "BUG: kernel NULL
  // pointer dereference, address: X" (5.0+).
  if (starts_with(t, "BUG: unable to handle") || starts_with(t, "BUG: kernel NULL pointer dereference"))
    return FaultOpener{"x86_64", IncidentKind::page_fault, address_after_any(t, {"address: ", " at ", "address "})};
  // powerpc 5.2+ (49a502ea23bf era): "BUG: Kernel NULL pointer dereference on read at 0x00000008",
  // "BUG: Unable to handle kernel data access on read at 0x...", "... instruction fetch".
  if (starts_with(t, "BUG: Kernel NULL pointer dereference") || starts_with(t, "BUG: Unable to handle kernel") ||
      starts_with(t, "BUG: Unable to handle unknown paging fault"))
    return FaultOpener{"powerpc", IncidentKind::page_fault, address_after_any(t, {" at "})};
  if (!starts_with(t, "Unable to handle kernel ")) return std::nullopt;
  // powerpc before 5.2: "Unable to handle kernel paging request for data at address 0x00000008".
  if (contains(t, " for data at address ") || contains(t, " for instruction fetch") || contains(t, " for unknown fault"))
    return FaultOpener{"powerpc", IncidentKind::page_fault, address_after_any(t, {"address "})};
  // s390: "Unable to handle kernel pointer dereference in virtual kernel address space"; the
  // address follows on "Failing address:".
  if (contains(t, "address space")) return FaultOpener{"s390", IncidentKind::page_fault, std::nullopt};
  // arm64 (mm/fault.c die_kernel_fault): "Unable to handle kernel %s at virtual address %016lx".
  if (contains(t, " at virtual address ")) return FaultOpener{"arm64", IncidentKind::page_fault, address_after_any(t, {"virtual address "})};
  return FaultOpener{"", IncidentKind::page_fault, address_after_any(t, {" at "})};
}

std::optional<std::string> oops_header(std::string_view t) {
  if (!contains(t, "[#")) return std::nullopt;
  if (starts_with(t, "Internal error: ")) return std::string("arm64");
  if (starts_with(t, "invalid opcode: ")) return std::string("x86_64");
  if (contains(t, " ilc:")) return std::string("s390");  // "Oops: 0004 ilc:3 [#1]", "illegal operation: 0001 ilc:1 [#1]"
  if (starts_with(t, "Oops: ")) {
    if (contains(t, ", sig: ")) return std::string("powerpc");  // "Oops: Kernel access of bad area, sig: 11 [#1]"
    std::string_view code = first_token(t.substr(6));
    return std::string(code.size() == 4 && is_hex(code) ? "x86_64" : "");
  }
  return std::nullopt;
}

namespace {

PcLine make_pc(PcLine::Which which, std::string arch, std::string_view text, std::optional<StackFrame> frame) {
  PcLine p;
  p.which = which;
  p.arch = std::move(arch);
  p.text = std::string(text);
  p.frame = std::move(frame);
  return p;
}

// "c0000000004b9728: memunmap_pages+0x238/0x340" (xmon), "[c000000000456789] func+..." (NIP/LR).
std::optional<StackFrame> addressed_symbol(std::string_view s) {
  s = trim(s);
  std::optional<uint64_t> address;
  if (starts_with(s, "[")) {
    std::size_t close = s.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    address = hex_value(s.substr(1, close - 1));
    s = s.substr(close + 1);
  } else {
    std::string_view tok = first_token(s);
    if (!tok.empty() && tok.back() == ':') tok.remove_suffix(1);
    address = hex_value(tok);
    s = after_first_token(s);
  }
  auto f = symbol_offset(s);
  if (f) f->address = address;
  return f;
}

std::optional<PcLine> x86_rip(std::string_view r) {
  std::size_t colon = r.find(':');
  std::string_view sym = colon != std::string_view::npos && colon <= 4 ? r.substr(colon + 1) : r;
  auto f = starts_with(trim(sym), "[<") ? frame(sym) : symbol_offset(sym);  // pre-4.15: "[<ffffffff81234567>]  [<...>] func"
  PcLine p = make_pc(PcLine::pc, "x86_64", r, std::move(f));
  p.kernel = starts_with(r, "0010:");
  return p;
}

}  // namespace

std::optional<PcLine> pc_line(std::string_view t) {
  if (starts_with(t, "RIP: ")) return x86_rip(t.substr(5));
  if (starts_with(t, "pc : ") || starts_with(t, "lr : ")) {
    std::string_view rest = trim(t.substr(5));
    return make_pc(t[0] == 'p' ? PcLine::pc : PcLine::lr, "arm64", rest, symbol_offset(rest));
  }
  if (starts_with(t, "PC is at ") || starts_with(t, "LR is at "))  // arm64 before 4.14
    return make_pc(t[0] == 'P' ? PcLine::pc : PcLine::lr, "arm64", t.substr(9), symbol_offset(t.substr(9)));
  if (starts_with(t, "NIP [") || starts_with(t, "LR ["))
    return make_pc(t[0] == 'N' ? PcLine::pc : PcLine::lr, "powerpc", t.substr(t.find('[')), addressed_symbol(t.substr(t.find('['))));
  if (starts_with(t, "pc: ") || starts_with(t, "lr: "))  // xmon
    return make_pc(t[0] == 'p' ? PcLine::pc : PcLine::lr, "powerpc", trim(t.substr(4)), addressed_symbol(t.substr(4)));
  if (starts_with(t, "Krnl PSW : ")) {
    std::string_view rest = trim(t.substr(11));
    std::size_t open = rest.find('('), close = rest.rfind(')');
    std::optional<StackFrame> f;
    if (open != std::string_view::npos && close != std::string_view::npos && close > open)
      f = symbol_offset(rest.substr(open + 1, close - open - 1));
    if (f) f->address = hex_value(first_token(after_first_token(rest)));
    return make_pc(PcLine::pc, "s390", rest, std::move(f));
  }
  return std::nullopt;
}

bool is_named_register_line(std::string_view s) {
  static constexpr std::array<std::string_view, 17> heads = {"RSP: ", "RAX: ", "RDX: ", "RBP: ", "R10: ", "R13: ",
                                                             "FS: ",  "CS: ",  "CR2: ", "DR0: ", "DR3: ", "DR6: ",
                                                             "PKRU: ", "NIP: ", "MSR: ", "CFAR: ", "REGS: "};
  for (auto h : heads)
    if (starts_with(s, h)) return true;
  return false;
}

Registers named_registers(std::string_view s) {
  Registers regs;
  std::string flat;
  for (char c : s) flat += (c == '(' || c == ')') ? ' ' : c;
  std::string_view v = flat;
  std::string pending;
  while (!v.empty()) {
    std::string_view tok = first_token(v);
    if (tok.empty()) break;
    v = after_first_token(v);
    auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    if (tok.size() >= 3 && tok.back() == ':' && std::isupper(static_cast<unsigned char>(tok[0])) && std::all_of(tok.begin(), tok.end() - 1, name_char)) {
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
      if (auto val = hex_value(tok.substr(colon + 1))) regs[std::string(tok.substr(0, colon))] = *val;
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

namespace {

bool arm64_register_name(std::string_view n) {
  if (n == "sp" || n == "lr" || n == "pc") return true;
  return n.size() >= 2 && n.size() <= 3 && n[0] == 'x' && std::all_of(n.begin() + 1, n.end(), is_digit);
}

// "name: value" / "name : value" / "name = value" pairs, names accepted by `is_name`.
template <typename IsName>
Registers pairs(std::string_view s, char separator, IsName is_name) {
  Registers regs;
  std::vector<std::string_view> toks;
  for (std::string_view v = trim(s); !v.empty(); v = after_first_token(v)) toks.push_back(first_token(v));
  for (std::size_t i = 0; i < toks.size(); ++i) {
    std::string_view name = toks[i];
    std::size_t value_at = i + 1;
    if (!name.empty() && name.back() == separator) name.remove_suffix(1);
    else if (i + 1 < toks.size() && toks[i + 1].size() == 1 && toks[i + 1][0] == separator) value_at = i + 2;
    else continue;
    if (value_at >= toks.size() || !is_name(name)) continue;
    if (auto v = hex_value(toks[value_at])) {
      regs[std::string(name)] = *v;
      i = value_at;
    }
  }
  return regs;
}

}  // namespace

bool is_arm64_register_line(std::string_view t) {
  std::string_view name = first_token(t);
  if (!name.empty() && name.back() == ':') name.remove_suffix(1);
  return arm64_register_name(name) && name != "pc" && name != "lr" && !arm64_registers(t).empty();
}

Registers arm64_registers(std::string_view t) { return pairs(t, ':', arm64_register_name); }

bool is_ppc_gpr_line(std::string_view t) {
  return t.size() > 7 && starts_with(t, "GPR") && is_digit(t[3]) && is_digit(t[4]) && t[5] == ':';
}

Registers ppc_gprs(std::string_view t) {
  Registers regs;
  auto base = dec_value(t.substr(3, 2));
  auto words = hex_words(t.substr(6));
  if (!base || !words) return regs;
  for (std::size_t i = 0; i < words->size() && *base + i < 32; ++i) regs["r" + std::to_string(*base + i)] = (*words)[i];
  return regs;
}

bool is_xmon_register_line(std::string_view t) {
  return t.size() > 6 && t[0] == 'R' && is_digit(t[1]) && is_digit(t[2]) && contains(t.substr(3, 3), "=");
}

Registers xmon_registers(std::string_view t) {
  Registers out;
  for (auto& [name, value] : pairs(t, '=', [](std::string_view n) { return n.size() == 3 && n[0] == 'R' && is_digit(n[1]) && is_digit(n[2]); }))
    out["r" + std::to_string(*dec_value(name.substr(1)))] = value;
  return out;
}

bool is_s390_gprs_line(std::string_view t) { return starts_with(t, "Krnl GPRS:"); }

std::optional<std::vector<uint64_t>> hex_words(std::string_view t) {
  std::vector<uint64_t> words;
  for (std::string_view v = trim(t); !v.empty(); v = after_first_token(v)) {
    std::string_view tok = first_token(v);
    if (tok.size() != 16 && tok.size() != 8) return std::nullopt;
    auto w = hex_value(tok);
    if (!w || words.size() >= 8) return std::nullopt;
    words.push_back(*w);
  }
  if (words.empty()) return std::nullopt;
  return words;
}

std::optional<XmonVector> xmon_vector(std::string_view t) {
  if (!starts_with(t, "cpu 0x") || !contains(t, ": Vector: ")) return std::nullopt;
  XmonVector x;
  auto cpu = hex_value(t.substr(6, t.find(':') - 6));
  auto vec = hex_value(first_token(t.substr(t.find(": Vector: ") + 10)));
  if (!cpu || !vec || *cpu > 0xfffff) return std::nullopt;
  x.cpu = static_cast<int>(*cpu);
  x.vector = static_cast<unsigned>(*vec & 0xffff);
  std::size_t open = t.find('('), close = t.find(')');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) x.what = std::string(t.substr(open + 1, close - open - 1));
  return x;
}

std::optional<CpuLine> cpu_line(std::string_view t) {
  if (!starts_with(t, "CPU: ") || !contains(t, "PID: ") || !contains(t, "Comm: ")) return std::nullopt;
  CpuLine c;
  c.cpu = static_cast<int>(dec_value(first_token(t.substr(5))).value_or(0) & 0xfffff);
  if (auto pid = dec_value(first_token(t.substr(t.find("PID: ") + 5))); pid && *pid < 0x7fffffff) c.pid = static_cast<int>(*pid);
  std::string_view after = t.substr(t.find("Comm: ") + 6);
  std::size_t nt = after.find(" Not tainted ");
  std::size_t ta = after.find(" Tainted: ");
  std::string_view rest;
  if (nt != std::string_view::npos && (ta == std::string_view::npos || nt < ta)) {
    c.comm = std::string(after.substr(0, nt));
    c.tainted = "";
    rest = after.substr(nt + 13);
  } else if (ta != std::string_view::npos) {
    c.comm = std::string(after.substr(0, ta));
    rest = after.substr(ta + 10);
    std::string flags;
    while (!rest.empty()) {
      std::string_view tok = first_token(rest);
      if (tok.empty() || is_digit(tok[0])) break;
      if (!std::all_of(tok.begin(), tok.end(), [](char ch) { return std::isupper(static_cast<unsigned char>(ch)) != 0; })) break;
      if (!flags.empty()) flags += ' ';
      flags += std::string(tok);
      rest = after_first_token(rest);
    }
    c.tainted = flags;
  }
  rest = trim(rest);
  c.release = std::string(first_token(rest));
  c.build = std::string(trim(rest.substr(c.release.size())));
  return c;
}

std::string arch_of_release(std::string_view r) {
  if (contains(r, "arm64") || contains(r, "aarch64")) return "arm64";
  if (contains(r, "ppc64") || contains(r, "powerpc")) return "powerpc";
  if (contains(r, "s390")) return "s390";
  if (contains(r, "amd64") || contains(r, "x86_64")) return "x86_64";
  return "";
}

}  // namespace pfnscan::oops_lines
