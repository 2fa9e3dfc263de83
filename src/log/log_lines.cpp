#include "log/log_lines.hpp"

#include <array>

#include "log/text_util.hpp"

namespace pfnscan {

using namespace text;

namespace {

// "[   12.345678]" at the start of s: returns the nanoseconds and the length consumed.
std::optional<std::pair<uint64_t, std::size_t>> bracket_timestamp(std::string_view s) {
  if (s.empty() || s[0] != '[') return std::nullopt;
  std::size_t close = s.find(']');
  if (close == std::string_view::npos || close > 24) return std::nullopt;
  std::string_view in = trim(s.substr(1, close - 1));
  std::size_t dot = in.find('.');
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  auto secs = dec_value(in.substr(0, dot));
  std::string_view frac = in.substr(dot + 1);
  if (!secs || *secs > 1000000000000ull || frac.empty() || frac.size() > 9 || !std::all_of(frac.begin(), frac.end(), is_digit))
    return std::nullopt;
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
  auto n = dec_value(in.substr(1));
  if (!n || *n > 0x7fffffff) return std::nullopt;
  return std::make_pair(static_cast<uint32_t>(*n) | (in[0] == 'C' ? 0x80000000u : 0u), close + 1);
}

// "Nov 25 12:34:56 host kernel: " (syslog, journalctl -k) or "2026-11-25T12:34:56.123+00:00 host kernel: ".
std::size_t syslog_header(std::string_view s) {
  static constexpr std::array<std::string_view, 12> months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  bool dated = false;
  if (s.size() > 16 && std::find(months.begin(), months.end(), s.substr(0, 3)) != months.end() && s[3] == ' ') dated = true;
  if (s.size() > 20 && is_digit(s[0]) && s[4] == '-' && s[7] == '-' && s[10] == 'T') dated = true;
  if (!dated) return 0;
  for (std::string_view tag : {" kernel: ", " kernel:"}) {
    std::size_t at = s.find(tag);
    if (at != std::string_view::npos && at < 96) return at + tag.size();
  }
  return 0;
}

// netconsole's extended format (extended:1): "6,1234,5678901,-;text" or with a caller field.
std::optional<std::pair<uint64_t, std::size_t>> netconsole_ext(std::string_view s) {
  std::size_t semi = s.find(';');
  if (semi == std::string_view::npos || semi > 64) return std::nullopt;
  std::string_view head = s.substr(0, semi);
  std::array<std::string_view, 4> fields;
  std::size_t n = 0, start = 0;
  while (n < fields.size()) {
    std::size_t comma = head.find(',', start);
    fields[n++] = head.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (n < 4 || !dec_value(fields[0]) || !dec_value(fields[1])) return std::nullopt;
  auto usec = dec_value(fields[2]);
  if (!usec || *usec > 1000000000000000ull) return std::nullopt;
  return std::make_pair(*usec * 1000, semi + 1);
}

// --- repairs of pasted text --------------------------------------------------------------------

bool is_elision(std::string_view t) {
  for (std::string_view e : {"[...]", "[ ... ]", "...", "[..]", "[snip]", "<snip>", "-- snip --", "[ snip ]"})
    if (t == e) return true;
  return false;
}

// "> > text" -> "text": mail quoting starts in column 0 (an s390 "Krnl Code" marker never does).
std::string_view strip_quote_markers(std::string_view s, uint8_t& repairs) {
  if (s.empty() || s[0] != '>') return s;
  while (!s.empty() && s[0] == '>') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  }
  repairs |= kRepairQuote;
  return s;
}

// A first line that a mail client wrapped after "at" or "virtual" ("Unable to handle kernel NULL
// pointer dereference at virtual" / "address 0000000000000006").
bool wrapped_first_line(std::string_view t) {
  t = trim(t);
  bool opener = contains(t, "nable to handle kernel") || contains(t, "BUG: unable to handle") || contains(t, "NULL pointer dereference");
  if (!opener) return false;
  for (std::string_view tail : {" at", " virtual", " address", " address:", " on read at", " on write at"})
    if (ends_with(t, tail)) return true;
  return false;
}

bool continues_wrapped_line(std::string_view t) {
  t = trim(t);
  if (starts_with(t, "virtual address") || starts_with(t, "address ") || starts_with(t, "address: ")) return true;
  if (starts_with(t, "kernel address space") || starts_with(t, "user address space")) return true;  // s390
  std::string_view tok = first_token(t);
  return is_hex(tok) && tok.size() >= 8;
}

// Quoted-printable: only when the text carries its escapes, so a log line that merely ends in
// '=' is left alone.
bool looks_quoted_printable(std::string_view text) {
  return (contains(text, "=\n") || contains(text, "=\r\n")) && (contains(text, "=3D") || contains(text, "=20"));
}

std::string decode_qp_escapes(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '=' && i + 2 < s.size() && is_xdigit(s[i + 1]) && is_xdigit(s[i + 2])) {
      out += static_cast<char>(*parse_u64(s.substr(i + 1, 2), 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    out.push_back(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

// One logical line of the paste: soft breaks joined, '\r' and quote markers removed.
struct RawLine {
  std::string text;
  uint8_t repairs = 0;
};

std::vector<RawLine> logical_lines(std::string_view text) {
  const bool qp = looks_quoted_printable(text);
  std::vector<RawLine> out;
  std::string pending;
  uint8_t pending_repairs = 0;
  for (std::string_view line : split_lines(text)) {
    uint8_t repairs = 0;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
      repairs |= kRepairCrlf;
    }
    if (pending.empty()) line = strip_quote_markers(line, repairs);
    else line = strip_quote_markers(line, pending_repairs);  // a continuation is quoted too
    if (qp && !line.empty() && line.back() == '=') {
      pending += line.substr(0, line.size() - 1);
      pending_repairs |= repairs | kRepairSoftBreak;
      continue;
    }
    std::string whole = pending + std::string(line);
    uint8_t whole_repairs = pending_repairs | repairs;
    pending.clear();
    pending_repairs = 0;
    if (qp && contains(whole, "=")) {
      std::string decoded = decode_qp_escapes(whole);
      if (decoded != whole) whole_repairs |= kRepairSoftBreak;
      whole = std::move(decoded);
    }
    out.push_back({std::move(whole), whole_repairs});
  }
  if (!pending.empty()) out.push_back({std::move(pending), pending_repairs});
  return out;
}

}  // namespace

std::vector<std::string> repair_names(uint8_t repairs) {
  static constexpr std::array<std::pair<uint8_t, std::string_view>, 5> names = {{
      {kRepairCrlf, "CRLF line ends"},
      {kRepairQuote, "mail quote markers ('> ')"},
      {kRepairElision, "elided lines ('[...]')"},
      {kRepairJoined, "a first line wrapped by a mail client, joined"},
      {kRepairSoftBreak, "quoted-printable soft line breaks and escapes"},
  }};
  std::vector<std::string> out;
  for (const auto& [bit, name] : names)
    if (repairs & bit) out.emplace_back(name);
  return out;
}

OopsInputLine normalize_log_line(std::string_view raw) {
  OopsInputLine out;
  std::string_view s = raw;
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  if (std::size_t n = syslog_header(s)) s.remove_prefix(n);
  if (auto ext = netconsole_ext(s)) {
    out.ts_nsec = ext->first;
    s.remove_prefix(ext->second);
  }
  if (s.size() >= 3 && s[0] == '<' && is_digit(s[1])) {
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

std::vector<OopsInputLine> lines_from_log(const KernelLog& log) {
  std::vector<OopsInputLine> lines;
  for (const auto& r : log.records) {
    std::size_t start = 0;
    while (true) {
      std::size_t nl = r.text.find('\n', start);
      lines.push_back({r.text.substr(start, nl == std::string::npos ? std::string::npos : nl - start), r.ts_nsec, r.caller_id, 0});
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  return lines;
}

std::vector<OopsInputLine> lines_from_text(std::string_view text) {
  std::vector<OopsInputLine> lines;
  bool elided = false;
  for (RawLine& raw : logical_lines(text)) {
    std::string_view t = trim(raw.text);
    if (is_elision(t)) {
      elided = true;
      continue;
    }
    OopsInputLine line;
    if (starts_with(t, "[...] ")) {  // an elided prefix: "[...] RIP: 0010:..."
      line = normalize_log_line(t.substr(6));
      raw.repairs |= kRepairElision;
    } else {
      line = normalize_log_line(raw.text);
    }
    line.repairs = raw.repairs | (elided ? kRepairElision : 0);
    elided = false;
    if (!lines.empty() && wrapped_first_line(lines.back().text) && continues_wrapped_line(line.text) &&
        !(lines.back().repairs & kRepairJoined)) {
      lines.back().text = std::string(trim(lines.back().text)) + " " + std::string(trim(line.text));
      lines.back().repairs |= kRepairJoined | line.repairs;
      continue;
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace pfnscan
