#include "report/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <utility>

namespace pfnscan::report {

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

namespace {

constexpr int kSubW = 6, kCellW = 64 * kSubW, kCellH = 18, kLabelW = 150, kTop = 56, kRowGap = 4;
constexpr std::size_t kMaxRows = 256;

// Sections with findings first, then the rest, at most kMaxRows rows.
std::vector<const SectionRow*> rows_of(const ScanReport& r) {
  std::set<uint64_t> flagged;
  for (const auto& f : r.findings) flagged.insert(f.section);
  std::vector<const SectionRow*> rows;
  for (const auto& s : r.sections)
    if (flagged.count(s.nr)) rows.push_back(&s);
  for (const auto& s : r.sections)
    if (!flagged.count(s.nr) && rows.size() < kMaxRows) rows.push_back(&s);
  return rows;
}

std::string section_row(const ScanReport& r, const SectionRow& sec, int y, uint64_t per_section) {
  std::string o = fmt::format("<text x=\"8\" y=\"{}\">section {} ({:#x})</text>\n", y + 13, sec.nr, sec.start_pfn);
  const bool online = sec.has_flag("online");
  for (int i = 0; i < 64; ++i) {
    std::string fill = !online ? "#bdbdbd" : sec.subsection_valid(static_cast<unsigned>(i)) ? "#7cc47f" : "#f4f4f4";
    o += fmt::format("<rect class=\"sub\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#888\" stroke-width=\"0.3\"/>\n",
                     kLabelW + i * kSubW, y, kSubW, kCellH, fill);
  }
  for (const auto& f : r.findings) {
    if (f.section != sec.nr) continue;
    const double x0 = static_cast<double>(f.start_pfn - sec.start_pfn) / static_cast<double>(per_section) * kCellW;
    const double x1 = static_cast<double>(f.end_pfn - sec.start_pfn) / static_cast<double>(per_section) * kCellW;
    const std::string color = f.page_kind == "zone_device" ? "#d62728" : f.page_kind == "poisoned" ? "#7b3294" : "#ff7f0e";
    o += fmt::format("<rect class=\"flagged\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\">"
                     "<title>{:#x}-{:#x} {}</title></rect>\n",
                     kLabelW + x0, y + 3, std::max(1.0, x1 - x0), kCellH - 6, color, f.start_pfn, f.end_pfn,
                     xml_escape(category_name(f.category)));
  }
  return o;
}

std::string legend(int y, int width) {
  const std::pair<const char*, const char*> items[] = {{"#7cc47f", "valid subsection, online"}, {"#f4f4f4", "invalid subsection"},
                                                       {"#bdbdbd", "offline section"}, {"#d62728", "flagged: ZONE_DEVICE page"},
                                                       {"#7b3294", "flagged: poisoned/stale page"}};
  std::string o;
  int lx = 8;
  for (const auto& [color, label] : items) {
    o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\" stroke=\"#888\" stroke-width=\"0.5\"/>", lx, y, color);
    o += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", lx + 14, y + 9, label);
    lx += 24 + static_cast<int>(std::string(label).size()) * 6;
    if (lx > width - 200) {
      lx = 8;
      y += 16;
    }
  }
  return o;
}

}  // namespace

std::string render_svg(const ScanReport& r) {
  const uint64_t per_section = r.sections.empty() ? 32768 : r.sections[0].end_pfn - r.sections[0].start_pfn;
  const std::vector<const SectionRow*> rows = rows_of(r);
  const int height = kTop + static_cast<int>(rows.size()) * (kCellH + kRowGap) + 70;
  const int width = kLabelW + kCellW + 40;
  std::string o = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" font-family=\"sans-serif\" font-size=\"11\">\n",
      width, height, width, height);
  o += fmt::format("<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", width, height);
  o += fmt::format("<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{} — {} range(s), {} flagged pfns</text>\n",
                   xml_escape(r.kernel.release), r.findings.size(), r.total_pfns());
  o += fmt::format("<text x=\"8\" y=\"36\">verdict: {}; {} of {} present sections shown</text>\n", xml_escape(verdict_name(r.verdict.overall)),
                   rows.size(), r.sections.size());
  int y = kTop;
  for (const auto* sec : rows) {
    o += section_row(r, *sec, y, per_section ? per_section : 1);
    y += kCellH + kRowGap;
  }
  o += legend(y + 10, width);
  o += "</svg>\n";
  return o;
}

}  // namespace pfnscan::report
