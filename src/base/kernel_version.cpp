#include "base/kernel_version.hpp"

#include <fmt/format.h>

#include <cctype>

namespace pfnscan {

namespace {
// Reads up to `max_digits` decimal digits at `pos`; nullopt if there are none.
std::optional<int> read_number(std::string_view s, std::size_t& pos, std::size_t max_digits) {
  std::size_t start = pos;
  int v = 0;
  while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])) && pos - start < max_digits)
    v = v * 10 + (s[pos++] - '0');
  if (pos == start) return std::nullopt;
  if (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) return std::nullopt;  // too long
  return v;
}

struct Triple {
  int major, minor, sublevel;
  bool has_sublevel;
  std::size_t end;
};

std::optional<Triple> read_version(std::string_view s, std::size_t pos) {
  Triple t{};
  auto ma = read_number(s, pos, 3);
  if (!ma || pos >= s.size() || s[pos] != '.') return std::nullopt;
  ++pos;
  auto mi = read_number(s, pos, 3);
  if (!mi) return std::nullopt;
  t.major = *ma, t.minor = *mi;
  if (pos + 1 < s.size() && s[pos] == '.' && std::isdigit(static_cast<unsigned char>(s[pos + 1]))) {
    ++pos;
    auto sub = read_number(s, pos, 4);
    if (!sub) return std::nullopt;
    t.sublevel = *sub;
    t.has_sublevel = true;
  }
  t.end = pos;
  return t;
}
}  // namespace

std::string KernelVersion::str() const {
  if (!sublevel_known) return fmt::format("{}.{}.?", major, minor);
  return fmt::format("{}.{}.{}", major, minor, sublevel);
}

std::optional<KernelVersion> parse_release(std::string_view release) {
  auto t = read_version(release, 0);
  if (!t) return std::nullopt;
  std::string_view rest = release.substr(t->end);
  for (char c : rest)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '~' || c == '.' || c == '_'))
      return std::nullopt;
  KernelVersion v;
  v.major = t->major;
  v.minor = t->minor;
  v.sublevel = t->has_sublevel ? t->sublevel : 0;
  // A plain "x.y.z" (or x.y.z+local) is exact. Distros write x.y.0-ABI and keep the sublevel
  // elsewhere, so ".0-" followed by more is not trusted.
  bool distro_zero = v.sublevel == 0 && !rest.empty() && rest[0] == '-';
  v.sublevel_known = !distro_zero;
  v.sublevel_source = v.sublevel_known ? "OSRELEASE" : "";
  return v;
}

bool refine_from_uts_version(KernelVersion& version, std::string_view uts_version) {
  // Debian: "Debian 5.10.209-2"; Debian backports "Debian 6.1.76-1~bpo11+1"; upstream-like
  // builds sometimes embed "5.10.209" plainly. Take the first x.y.z with our major.minor.
  for (std::size_t pos = 0; pos < uts_version.size(); ++pos) {
    if (!std::isdigit(static_cast<unsigned char>(uts_version[pos]))) continue;
    if (pos > 0 && std::isdigit(static_cast<unsigned char>(uts_version[pos - 1]))) continue;
    auto t = read_version(uts_version, pos);
    if (!t || !t->has_sublevel) continue;
    if (t->major == version.major && t->minor == version.minor) {
      version.sublevel = t->sublevel;
      version.sublevel_known = true;
      version.sublevel_source = fmt::format("uts version ({}.{}.{})", t->major, t->minor, t->sublevel);
      return true;
    }
  }
  return false;
}

}  // namespace pfnscan
