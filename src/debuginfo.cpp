#include "pfnscan/debuginfo.hpp"

#include <filesystem>

namespace fs = std::filesystem;

namespace pfnscan {

std::optional<DebuginfoMatch> find_vmlinux(const std::string& dir, const VmcoreInfo& vi) {
  std::error_code ec;
  if (auto id = vi.get("BUILD-ID"); id && id->size() > 2) {
    for (const char* sub : {"", "usr/lib/debug/"}) {
      fs::path p = fs::path(dir) / sub / ".build-id" / id->substr(0, 2) / (id->substr(2) + ".debug");
      if (fs::is_regular_file(p, ec)) return DebuginfoMatch{p.string(), "build id"};
    }
  }
  if (auto rel = vi.get("OSRELEASE")) {
    const std::string want = "vmlinux-" + *rel;
    std::size_t visited = 0;
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
         !ec && it != end && visited < 1'000'000; it.increment(ec), ++visited)
      if (it->path().filename() == want && it->is_regular_file(ec)) return DebuginfoMatch{it->path().string(), "release"};
  }
  return std::nullopt;
}

}  // namespace pfnscan
