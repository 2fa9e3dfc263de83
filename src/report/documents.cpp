#include "report/documents.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "fleet/batch.hpp"

namespace pfnscan {

namespace {

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string md_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '|' || c == '*' || c == '_' || c == '`' || c == '<' || c == '>') o += '\\';
    o += c;
  }
  return o;
}

std::string str(const nlohmann::json& j, const char* key, const std::string& fallback = "") {
  if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return fallback;
  return j.at(key).is_string() ? j.at(key).get<std::string>() : j.at(key).dump();
}

bool is_hex_digit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Replaces kernel addresses ("0xffff888012345678", "ffffea0000280000", 16 hex digits from ffff8...)
std::string redact_text(std::string s, const std::string& host) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t start = i;
    bool prefixed = s.compare(i, 2, "0x") == 0;
    std::size_t j = i + (prefixed ? 2 : 0);
    std::size_t k = j;
    while (k < s.size() && is_hex_digit(s[k])) ++k;
    bool word_start = start == 0 || !std::isalnum(static_cast<unsigned char>(s[start - 1]));
    std::string digits = s.substr(j, k - j);
    std::transform(digits.begin(), digits.end(), digits.begin(), ::tolower);
    if (word_start && digits.size() == 16 && digits.compare(0, 4, "ffff") == 0 && digits[4] >= '8') {
      out += "<kptr>";
      i = k;
      continue;
    }
    out += s[i];
    ++i;
  }
  if (!host.empty())
    for (std::size_t at; (at = out.find(host)) != std::string::npos;) out.replace(at, host.size(), "<host>");
  return out;
}

std::string redact_path(const std::string& p) {
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : "<path>/" + p.substr(slash + 1);
}

}  // namespace

nlohmann::json redact(const nlohmann::json& j, const std::string& host) {
  if (j.is_object()) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [k, v] : j.items()) {
      if (v.is_string() && (k == "path" || k == "dmesg" || k == "vmlinux" || (k == "source" && v.get<std::string>().find('/') != std::string::npos)))
        o[k] = redact_path(v.get<std::string>());
      else if (k == "identity" && v.is_string())
        o[k] = "<redacted>";
      else if (k == "hardware" && v.is_string())
        o[k] = "<hardware>";
      else
        o[k] = redact(v, host);
    }
    return o;
  }
  if (j.is_array()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& v : j) a.push_back(redact(v, host));
    return a;
  }
  if (j.is_string()) {
    std::string s = redact_text(j.get<std::string>(), host);
    // absolute paths inside sentences keep their last component only
    for (std::size_t at = 0; (at = s.find('/', at)) != std::string::npos;) {
      bool starts_path = (at == 0 || s[at - 1] == ' ' || s[at - 1] == '(' || s[at - 1] == '=' || s[at - 1] == '\'') &&
                         at + 1 < s.size() && std::isalnum(static_cast<unsigned char>(s[at + 1]));
      if (!starts_path) {
        ++at;
        continue;
      }
      std::size_t end = s.find_first_of(" ),':", at);
      if (end == std::string::npos) end = s.size();
      std::string path = s.substr(at, end - at);
      if (path.find('/', 1) == std::string::npos) {  // "/proc" alone, "/0x140": not a path to hide
        at = end;
        continue;
      }
      std::string r = redact_path(path);
      s.replace(at, path.size(), r);
      at += r.size();
    }
    return s;
  }
  return j;  // numbers: pfns, sections, sizes
}

Result<ReportInput> load_report_input(const std::string& path, const std::string& select) {
  ReportInput in;
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error(Errc::io, "cannot open " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string text = ss.str();
  auto whole = nlohmann::json::parse(text, nullptr, false);
  if (!whole.is_discarded() && whole.is_object()) {
    if (whole.contains("findings") && whole.contains("sections")) in.scan = whole;
    else if (whole.contains("identity")) {
      in.batch_record = whole;
      if (whole.contains("result")) in.scan = whole.at("result");
    } else {
      return Error(Errc::format, path + " is neither a pfnscan scan report nor a batch record");
    }
    return in;
  }
  auto results = read_results(path);
  if (!results || results->records.empty())
    return Error(Errc::format, path + " is not pfnscan JSON (a scan report, a batch record or a batch results file)");
  in.batch = results->records;
  if (!select.empty()) {
    for (const auto& r : in.batch)
      if (r.value("path", "") == select || r.value("path", "").ends_with("/" + select)) {
        in.batch_record = r;
        if (r.contains("result")) in.scan = r.at("result");
        in.batch.clear();
        return in;
      }
    return Error(Errc::usage, select + " is not in " + path);
  }
  return in;
}

namespace {

std::string markdown_scan(const nlohmann::json& s, const nlohmann::json& record) {
  std::string out;
  const auto& k = s.at("kernel");
  const auto& sum = s.at("summary");
  const auto& v = s.contains("verdict") ? s.at("verdict") : nlohmann::json::object();
  out += "## pfnscan: pre-5.12 `pfn_to_online_page()` and ZONE_DEVICE / poisoned struct pages\n\n";
  out += fmt::format("**Summary.** {} range(s), {} pfns where the pre-5.12 `pfn_to_online_page()` returns a ZONE_DEVICE, "
                     "stale or poisoned page{}.\n\n",
                     sum.value("ranges", 0), sum.value("pfns", uint64_t{0}), s.value("partial", false) ? " (**partial** scan)" : "");
  out += fmt::format("**Verdict: {}.**", str(v, "overall", "not judged"));
  if (v.contains("incidents") && !v.at("incidents").empty()) {
    out += "\n\n";
    std::size_t n = 0;
    for (const auto& inc : v.at("incidents")) {
      out += fmt::format("{}. **{}** — {} (`{}`)\n", ++n, str(inc, "verdict"), md_escape(str(inc, "title")), str(inc, "kind"));
      for (const auto& e : inc.at("evidence")) out += "   - " + md_escape(e.get<std::string>()) + "\n";
      for (const auto& u : inc.at("undecided")) out += "   - undecided: " + md_escape(u.get<std::string>()) + "\n";
    }
  } else {
    out += " No oops, BUG or panic in the kernel log.\n";
  }
  out += "\n| start pfn | end pfn (excl.) | pfns | section | category | old returns | fixed returns |\n";
  out += "|---|---|---:|---:|---|---|---|\n";
  for (const auto& f : s.at("findings"))
    out += fmt::format("| {:#x} | {:#x} | {} | {} | {} | {} | {} |\n", f.at("start_pfn").get<uint64_t>(), f.at("end_pfn").get<uint64_t>(),
                       f.at("pfns").get<uint64_t>(), f.at("section").get<uint64_t>(), md_escape(f.at("category").get<std::string>()),
                       str(f, "old_returns"), str(f, "fixed_returns"));
  if (s.at("findings").empty()) out += "| – | – | 0 | – | none | – | – |\n";
  out += "\n**Kernel and tools.**\n\n";
  out += fmt::format("- kernel: `{}` ({}), {}\n", str(k, "release"), md_escape(str(k, "version")),
                     k.value("has_fixed_pfn_to_online_page", false) ? "has the fixed function" : "has the pre-5.12 function");
  out += fmt::format("- pfnscan {} ({} scan, report schema {})\n", str(s.at("tool"), "version"), str(s, "mode"), s.value("schema_version", 1));
  out += fmt::format("- input: {} ({})\n", md_escape(str(s.at("input"), "path")), md_escape(str(s.at("input"), "format")));
  for (const auto& u : s.at("uncertainties")) out += "- uncertain: " + md_escape(u.get<std::string>()) + "\n";
  out += "\n**How to reproduce.**\n\n```\n";
  std::string dump = record.is_object() && record.contains("path") ? str(record, "path") : str(s.at("input"), "path");
  out += fmt::format("pfnscan scan {}{} --json > result.json\npfnscan report result.json --format md\n```\n", dump,
                     str(s, "mode") == "full" ? " --full" : "");
  return out;
}

}  // namespace

std::string render_markdown(const ReportInput& in) {
  if (!in.scan.is_null()) return markdown_scan(in.scan, in.batch_record);
  // A whole batch: the fleet summary and one row per dump.
  nlohmann::json s = summarize(in.batch);
  std::string out = "## pfnscan fleet scan\n\n";
  out += fmt::format("{} dumps, {} with findings.\n\n", s.at("dumps").get<uint64_t>(), s.at("with_findings").get<uint64_t>());
  out += "| status | dumps |\n|---|---:|\n";
  for (const auto& [k, v] : s.at("by_status").items()) out += fmt::format("| {} | {} |\n", k, v.get<uint64_t>());
  out += "\n| verdict | dumps |\n|---|---:|\n";
  for (const auto& [k, v] : s.at("by_verdict").items()) out += fmt::format("| {} | {} |\n", k, v.get<uint64_t>());
  out += "\n| category | dumps | pfns |\n|---|---:|---:|\n";
  for (const auto& [k, v] : s.at("by_category").items())
    out += fmt::format("| {} | {} | {} |\n", md_escape(k), v.at("dumps").get<uint64_t>(), v.at("pfns").get<uint64_t>());
  out += "\n| kernel release | dumps |\n|---|---:|\n";
  for (const auto& [k, v] : s.at("by_release").items()) out += fmt::format("| {} | {} |\n", md_escape(k), v.get<uint64_t>());
  out += "\n### Look at these first\n\n";
  for (const auto& r : s.at("look_first")) out += fmt::format("- {} — {}\n", md_escape(str(r, "path")), md_escape(str(r, "why")));
  if (s.at("look_first").empty()) out += "Nothing: no explained or consistent panic, no failed scan.\n";
  return out;
}

// One row of cells per section (present sections only), each cell split into its subsections:
// green valid and online, grey offline, white invalid (no memmap), and the flagged pfns in red
// (ZONE_DEVICE) or purple (poisoned/stale) on top.
std::string render_svg(const nlohmann::json& s) {
  constexpr int kSubW = 6, kCellW = 64 * kSubW, kCellH = 18, kLabelW = 150, kTop = 56, kRowGap = 4;
  const auto& sections = s.at("sections");
  const uint64_t per_section = sections.empty() ? 32768 : sections[0].at("end_pfn").get<uint64_t>() - sections[0].at("start_pfn").get<uint64_t>();
  // Sections with findings first, then the rest, at most 256 rows (a summary line says how many more).
  std::vector<const nlohmann::json*> rows;
  std::set<uint64_t> flagged_sections;
  for (const auto& f : s.at("findings")) flagged_sections.insert(f.at("section").get<uint64_t>());
  for (const auto& sec : sections)
    if (flagged_sections.count(sec.at("nr").get<uint64_t>())) rows.push_back(&sec);
  for (const auto& sec : sections)
    if (!flagged_sections.count(sec.at("nr").get<uint64_t>()) && rows.size() < 256) rows.push_back(&sec);
  const int height = kTop + static_cast<int>(rows.size()) * (kCellH + kRowGap) + 70;
  const int width = kLabelW + kCellW + 40;
  std::string o = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" font-size=\"11\">\n",
      width, height, width, height);
  o += fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", width, height);
  const auto& sum = s.at("summary");
  o += fmt::format("<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{} — {} range(s), {} flagged pfns</text>\n",
                   xml_escape(str(s.at("kernel"), "release")), sum.value("ranges", 0), sum.value("pfns", uint64_t{0}));
  o += fmt::format("<text x=\"8\" y=\"36\">verdict: {}; {} of {} present sections shown</text>\n",
                   xml_escape(s.contains("verdict") ? str(s.at("verdict"), "overall") : "-"), rows.size(), sections.size());
  int y = kTop;
  for (const auto* sec : rows) {
    const uint64_t nr = sec->at("nr").get<uint64_t>();
    const uint64_t start = sec->at("start_pfn").get<uint64_t>();
    std::vector<std::string> flags = sec->at("flags");
    const bool online = std::find(flags.begin(), flags.end(), "online") != flags.end();
    std::string map = sec->at("subsection_map").is_null() ? "" : sec->at("subsection_map").get<std::string>();
    auto valid = [&](unsigned i) {
      if (map.size() < 3) return true;
      std::string hexs = map.substr(2);
      std::size_t digit = i / 4;
      if (digit >= hexs.size()) return false;
      char c = hexs[hexs.size() - 1 - digit];
      unsigned v = static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10);
      return ((v >> (i % 4)) & 1) != 0;
    };
    o += fmt::format("<text x=\"8\" y=\"{}\">section {} ({:#x})</text>\n", y + 13, nr, start);
    const int sub = 64;
    for (int i = 0; i < sub; ++i) {
      std::string fill = !online ? "#bdbdbd" : valid(static_cast<unsigned>(i)) ? "#7cc47f" : "#f4f4f4";
      o += fmt::format("<rect class=\"sub\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#888\" stroke-width=\"0.3\"/>\n",
                       kLabelW + i * kSubW, y, kSubW, kCellH, fill);
    }
    for (const auto& f : s.at("findings")) {
      if (f.at("section").get<uint64_t>() != nr) continue;
      const double x0 = static_cast<double>(f.at("start_pfn").get<uint64_t>() - start) / static_cast<double>(per_section) * kCellW;
      const double x1 = static_cast<double>(f.at("end_pfn").get<uint64_t>() - start) / static_cast<double>(per_section) * kCellW;
      const std::string kind = f.at("page_kind");
      const std::string color = kind == "zone_device" ? "#d62728" : kind == "poisoned" ? "#7b3294" : "#ff7f0e";
      o += fmt::format("<rect class=\"flagged\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\">"
                       "<title>{:#x}-{:#x} {}</title></rect>\n",
                       kLabelW + x0, y + 3, std::max(1.0, x1 - x0), kCellH - 6, color, f.at("start_pfn").get<uint64_t>(),
                       f.at("end_pfn").get<uint64_t>(), xml_escape(f.at("category").get<std::string>()));
    }
    y += kCellH + kRowGap;
  }
  y += 10;
  const std::pair<const char*, const char*> legend[] = {{"#7cc47f", "valid subsection, online"}, {"#f4f4f4", "invalid subsection"},
                                                        {"#bdbdbd", "offline section"}, {"#d62728", "flagged: ZONE_DEVICE page"},
                                                        {"#7b3294", "flagged: poisoned/stale page"}};
  int lx = 8;
  for (const auto& [color, label] : legend) {
    o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\" stroke=\"#888\" stroke-width=\"0.5\"/>", lx, y, color);
    o += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", lx + 14, y + 9, label);
    lx += 24 + static_cast<int>(std::string(label).size()) * 6;
    if (lx > width - 200) {
      lx = 8;
      y += 16;
    }
  }
  o += "</svg>\n";
  return o;
}

std::string render_html(const ReportInput& in) {
  std::string md = render_markdown(in);
  std::string o = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>pfnscan report</title>\n"
                  "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}pre{background:#f6f6f6;padding:1em;"
                  "white-space:pre-wrap}</style></head><body>\n<h1>pfnscan report</h1>\n";
  if (!in.scan.is_null()) o += render_svg(in.scan);
  o += "<pre>" + xml_escape(md) + "</pre>\n</body></html>\n";
  return o;
}

}  // namespace pfnscan
