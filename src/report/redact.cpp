#include "report/redact.hpp"

#include <algorithm>
#include <cctype>

namespace pfnscan::report {
namespace {

constexpr uint64_t kKernelHalf = 0xffff800000000000ull;

bool is_hex_digit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// "0xffff888012345678" and "ffffea0000280000": 16 hex digits from ffff8... at a word start.
std::string redact_pointers(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const bool prefixed = s.compare(i, 2, "0x") == 0;
    std::size_t j = i + (prefixed ? 2 : 0), k = j;
    while (k < s.size() && is_hex_digit(s[k])) ++k;
    const bool word_start = i == 0 || !std::isalnum(static_cast<unsigned char>(s[i - 1]));
    std::string digits = s.substr(j, k - j);
    std::transform(digits.begin(), digits.end(), digits.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
    if (word_start && digits.size() == 16 && digits.compare(0, 4, "ffff") == 0 && digits[4] >= '8') {
      out += "<kptr>";
      i = k;
      continue;
    }
    out += s[i++];
  }
  return out;
}

// Absolute paths inside sentences keep their last component only.
std::string redact_paths_in(std::string s) {
  for (std::size_t at = 0; (at = s.find('/', at)) != std::string::npos;) {
    const bool starts_path = (at == 0 || s[at - 1] == ' ' || s[at - 1] == '(' || s[at - 1] == '=' || s[at - 1] == '\'') &&
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

// The host name as a whole token: "vm" in "vm.example.com" or "vm:" but not in "(vmemmap)".
std::string redact_host(std::string s, const std::string& host) {
  if (host.empty()) return s;
  for (std::size_t at = 0; (at = s.find(host, at)) != std::string::npos;) {
    const bool starts = at == 0 || !is_word_char(s[at - 1]);
    const bool ends = at + host.size() == s.size() || !is_word_char(s[at + host.size()]);
    if (starts && ends) {
      s.replace(at, host.size(), "<host>");
      at += 6;
    } else {
      at += host.size();
    }
  }
  return s;
}

void redact_all(std::vector<std::string>& texts, const std::string& host) {
  for (auto& t : texts) t = redact_host_text(std::move(t), host);
}

void redact_verdict(LogVerdict& v, const std::string& host) {
  v.log_source = redact_host_text(std::move(v.log_source), host);
  redact_all(v.notes, host);
  for (auto& inc : v.incidents) {
    inc.title = redact_kernel_text(std::move(inc.title));
    inc.rip_text = redact_kernel_text(std::move(inc.rip_text));
    inc.fault_detail = redact_kernel_text(std::move(inc.fault_detail));
    if (!inc.hardware.empty()) inc.hardware = "<hardware>";
  }
  for (auto& iv : v.verdicts) {
    for (auto& e : iv.evidence) e = redact_kernel_text(std::move(e));
    for (auto& u : iv.undecided) u = redact_kernel_text(std::move(u));
    for (auto& p : iv.page_pointers) p = redact_kernel_text(std::move(p));
    if (iv.walker) iv.walker->frame = redact_kernel_text(std::move(iv.walker->frame));
  }
}

void redact_evidence(Evidence& e) {
  e.section_raw_flags = redact_hex(e.section_raw_flags);
  e.struct_page = redact_hex(e.struct_page);
  if (e.page_flags) e.page_flags = redact_hex(*e.page_flags);
  if (e.pgmap) e.pgmap = redact_hex(*e.pgmap);
}

}  // namespace

std::string redact_path(const std::string& p) {
  auto slash = p.rfind('/');
  return slash == std::string::npos ? p : "<path>/" + p.substr(slash + 1);
}

std::string redact_kernel_text(std::string text) { return redact_paths_in(redact_pointers(text)); }

std::string redact_host_text(std::string text, const std::string& host) { return redact_host(redact_kernel_text(std::move(text)), host); }

Hex redact_hex(Hex value) {
  if (value.value >= kKernelHalf) value.redacted = true;
  if (value.redacted) value.value = 0;
  return value;
}

void redact(ScanReport& r, const std::string& host) {
  r.input.path = redact_path(r.input.path);
  redact_all(r.input.notes, host);
  r.input.format = redact_host_text(std::move(r.input.format), host);
  r.kernel.fixed_function_evidence = redact_host_text(std::move(r.kernel.fixed_function_evidence), host);
  for (auto& p : r.problems) {
    p.message = redact_host_text(std::move(p.message), host);
    if (p.address && *p.address >= kKernelHalf) p.address.reset();
  }
  redact_all(r.notes, host);
  redact_all(r.uncertainties, host);
  for (auto& s : r.sections) {
    s.usage = redact_hex(s.usage);
    s.memmap = redact_hex(s.memmap);
    s.memmap_detail = redact_kernel_text(std::move(s.memmap_detail));
    s.usage_problem = redact_kernel_text(std::move(s.usage_problem));
  }
  for (auto* list : {&r.findings, &r.observations})
    for (auto& f : *list) redact_evidence(f.evidence);
  for (auto& p : r.provenance) {
    p.value = redact_host_text(std::move(p.value), host);
    p.detail = redact_host_text(std::move(p.detail), host);
  }
  redact_verdict(r.verdict, host);
  if (r.direct_map_base) r.direct_map_base = redact_hex(*r.direct_map_base);
  if (r.layout.vmemmap_base) r.layout.vmemmap_base = redact_hex(*r.layout.vmemmap_base);
}

}  // namespace pfnscan::report
