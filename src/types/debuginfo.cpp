#include "types/debuginfo.hpp"

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
  // Anywhere below DIR: a .build-id tree (several packages unpacked side by side), or by release.
  const auto id = vi.get("BUILD-ID");
  const std::string id_dir = id && id->size() > 2 ? id->substr(0, 2) : "", id_file = id && id->size() > 2 ? id->substr(2) + ".debug" : "";
  const auto rel = vi.get("OSRELEASE");
  const std::string want = rel ? "vmlinux-" + *rel : "";
  std::optional<DebuginfoMatch> by_release;
  std::size_t visited = 0;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end && visited < 1'000'000; it.increment(ec), ++visited) {
    const fs::path& p = it->path();
    if (!id_file.empty() && p.filename() == id_file && p.parent_path().filename() == id_dir &&
        p.parent_path().parent_path().filename() == ".build-id" && fs::is_regular_file(p, ec))
      return DebuginfoMatch{p.string(), "build id"};
    if (!by_release && !want.empty() && p.filename() == want && it->is_regular_file(ec)) by_release = DebuginfoMatch{p.string(), "release"};
  }
  return by_release;
}

}  // namespace pfnscan
