#include "pfnscan/kernel_version.hpp"

#include <fmt/format.h>

#include <regex>

namespace pfnscan {

std::string KernelVersion::str() const {
  if (!sublevel_known) return fmt::format("{}.{}.?", major, minor);
  return fmt::format("{}.{}.{}", major, minor, sublevel);
}

std::optional<KernelVersion> parse_release(std::string_view release) {
  static const std::regex re(R"(^(\d{1,3})\.(\d{1,3})(?:\.(\d{1,4}))?([-+~._a-zA-Z0-9]*)$)");
  std::cmatch m;
  std::string s(release);
  if (!std::regex_match(s.c_str(), m, re)) return std::nullopt;
  KernelVersion v;
  v.major = std::stoi(m[1].str());
  v.minor = std::stoi(m[2].str());
  v.sublevel = m[3].matched ? std::stoi(m[3].str()) : 0;
  std::string rest = m[4].str();
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
  static const std::regex re(R"((\d{1,3})\.(\d{1,3})\.(\d{1,4}))");
  std::string s(uts_version);
  for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it) {
    int ma = std::stoi((*it)[1].str()), mi = std::stoi((*it)[2].str()), sub = std::stoi((*it)[3].str());
    if (ma == version.major && mi == version.minor) {
      version.sublevel = sub;
      version.sublevel_known = true;
      version.sublevel_source = fmt::format("uts version ({})", (*it)[0].str());
      return true;
    }
  }
  return false;
}

}  // namespace pfnscan
