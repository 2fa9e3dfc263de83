// Kernel release parsing. OSRELEASE of distro kernels hides the stable sublevel
// ("5.10.0-28-cloud-amd64" is 5.10.209); the uts version string often carries it
// ("#1 SMP Debian 5.10.209-2 (2024-01-31)").
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace pfnscan {

struct KernelVersion {
  int major = 0;
  int minor = 0;
  int sublevel = 0;
  bool sublevel_known = false;  // false when the release says x.y.0 and nothing told us more
  std::string sublevel_source;  // "OSRELEASE", "uts version (Debian 5.10.209-2)"

  auto operator<=>(const KernelVersion& o) const {
    if (auto c = major <=> o.major; c != 0) return c;
    if (auto c = minor <=> o.minor; c != 0) return c;
    return sublevel <=> o.sublevel;
  }
  bool operator==(const KernelVersion& o) const { return major == o.major && minor == o.minor && sublevel == o.sublevel; }
  bool at_least(int ma, int mi, int sub = 0) const { return *this >= KernelVersion{ma, mi, sub, true, {}}; }
  bool series(int ma, int mi) const { return major == ma && minor == mi; }
  std::string str() const;
};

// "6.1.0-18-amd64" -> 6.1.0 (sublevel unknown: Debian's ABI name), "5.10.209" -> 5.10.209,
// "5.4.0-150-generic" -> 5.4.0 (unknown), "6.12.0" -> 6.12.0 (known, a .0 release).
std::optional<KernelVersion> parse_release(std::string_view release);

// Refines the sublevel from a uts version string such as "#1 SMP PREEMPT_DYNAMIC Debian
// 6.1.76-1 (2024-02-01)". Returns true if it found one for the same major.minor.
bool refine_from_uts_version(KernelVersion& version, std::string_view uts_version);

}  // namespace pfnscan
