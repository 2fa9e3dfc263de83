#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <functional>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <glob.h>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet/inputs.hpp"
#include "target/vmcoreinfo.hpp"

namespace fs = std::filesystem;

namespace pfnscan {

const char* dump_format_name(DumpFormat f) {
  switch (f) {
    case DumpFormat::elf_core: return "elf";
    case DumpFormat::kdump: return "kdump";
    case DumpFormat::flattened: return "flattened";
    case DumpFormat::unknown: return "unknown";
  }
  return "?";
}

uint64_t fnv1a64(const void* data, std::size_t size, uint64_t h) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

namespace {

constexpr std::size_t kDigestBytes = 1 << 20;
constexpr std::size_t kMaxListedInputs = 10'000'000;

DumpFormat sniff(const unsigned char* b, std::size_t n) {
  if (n >= 18 && std::memcmp(b, "\x7f" "ELF", 4) == 0 && b[4] == 2 /* ELFCLASS64 */ && b[16] == 4 && b[17] == 0 /* ET_CORE */)
    return DumpFormat::elf_core;
  if (n >= 8 && (std::memcmp(b, "KDUMP   ", 8) == 0 || std::memcmp(b, "DISKDUMP", 8) == 0)) return DumpFormat::kdump;
  if (n >= 16 && std::memcmp(b, "makedumpfile\0\0\0\0", 16) == 0) return DumpFormat::flattened;
  return DumpFormat::unknown;
}

// Reads up to `size` bytes; never blocks on FIFOs (callers pass regular files only).
std::vector<unsigned char> head_of(const std::string& path, std::size_t size) {
  std::vector<unsigned char> buf;
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return buf;
  buf.resize(size);
  std::size_t got = 0;
  while (got < size) {
    ssize_t r = ::read(fd, buf.data() + got, size - got);
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  ::close(fd);
  buf.resize(got);
  return buf;
}

// The saved kernel log beside a dump, in the layouts distributions' kdump services write:
// Debian's kdump-tools, /var/crash/<stamp>/dump.<stamp> with dmesg.<stamp>; RHEL's and Fedora's
// kdump, /var/crash/<host>-<date>/vmcore with vmcore-dmesg.txt.
std::string saved_dmesg(const fs::path& p) {
  const std::string name = p.filename().string();
  fs::path dmesg;
  if (name.rfind("dump.", 0) == 0) dmesg = p.parent_path() / ("dmesg." + name.substr(5));
  else if (name == "vmcore") dmesg = p.parent_path() / "vmcore-dmesg.txt";
  else return "";
  std::error_code ec;
  return fs::is_regular_file(dmesg, ec) ? dmesg.string() : "";
}

}  // namespace

DumpFormat sniff_dump_format(const std::string& path) {
  auto b = head_of(path, 64);
  return sniff(b.data(), b.size());
}

std::string DumpInput::identity() const { return fmt::format("{}|{}|{}", path, size, digest); }

Result<DumpInput> describe_dump(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Error(Errc::io, fmt::format("{}: {}", path, std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) return Error(Errc::format, path + ": not a regular file");
  auto head = head_of(path, kDigestBytes);
  DumpInput d;
  d.path = path;
  d.size = static_cast<uint64_t>(st.st_size);
  d.format = sniff(head.data(), head.size());
  d.digest = fmt::format("fnv1a64:{:016x}", fnv1a64(head.data(), head.size()));
  d.dmesg = saved_dmesg(path);
  return d;
}

InputScan find_dumps(const std::vector<std::string>& inputs) {
  InputScan out;
  std::set<std::string> seen;
  auto consider = [&](const fs::path& p) {
    std::error_code ec;
    fs::path abs = fs::absolute(p, ec).lexically_normal();
    std::string path = ec ? p.string() : abs.string();
    if (!seen.insert(path).second) return;
    if (!fs::is_regular_file(p, ec)) {
      out.skipped.push_back(path + ": not a regular file");
      return;
    }
    auto d = describe_dump(path);
    if (!d) {
      out.errors.push_back(d.error().describe());
      return;
    }
    if (d->format == DumpFormat::unknown) {
      out.skipped.push_back(path + ": not a dump (no ELF core, kdump or flattened header)");
      return;
    }
    out.dumps.push_back(std::move(*d));
  };
  auto walk = [&](const fs::path& dir) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->is_regular_file(ec)) consider(it->path());
    }
    if (ec) out.errors.push_back(fmt::format("{}: {}", dir.string(), ec.message()));
  };
  std::function<void(const std::string&)> add = [&](const std::string& in) {
    std::error_code ec;
    if (!in.empty() && in[0] == '@') {  // a list file
      std::ifstream list(in.substr(1));
      if (!list) {
        out.errors.push_back(in.substr(1) + ": cannot open the list");
        return;
      }
      std::size_t n = 0;
      for (std::string line; std::getline(list, line) && n < kMaxListedInputs; ++n)
        if (!line.empty() && line[0] != '#') add(line);
      return;
    }
    if (fs::is_directory(in, ec)) return walk(in);
    if (fs::exists(in, ec)) return consider(in);
    glob_t g{};
    if (::glob(in.c_str(), 0, nullptr, &g) == 0) {
      for (std::size_t i = 0; i < g.gl_pathc; ++i) {
        if (fs::is_directory(g.gl_pathv[i], ec)) walk(g.gl_pathv[i]);
        else consider(g.gl_pathv[i]);
      }
    } else {
      out.errors.push_back(in + ": no such file, directory or match");
    }
    globfree(&g);
  };
  for (const auto& in : inputs) add(in);
  std::sort(out.dumps.begin(), out.dumps.end(), [](const DumpInput& a, const DumpInput& b) { return a.path < b.path; });
  return out;
}

bool in_shard(const DumpInput& dump, unsigned index, unsigned count) {
  return count <= 1 || fnv1a64(dump.path.data(), dump.path.size()) % count == index;
}

Result<std::pair<unsigned, unsigned>> parse_shard(const std::string& text) {
  auto slash = text.find('/');
  auto i = slash == std::string::npos ? std::nullopt : parse_u64(text.substr(0, slash), 10);
  auto n = slash == std::string::npos ? std::nullopt : parse_u64(text.substr(slash + 1), 10);
  if (!i || !n || *n == 0 || *i >= *n || *n > 100000)
    return Error(Errc::usage, "--shard takes I/N with 0 <= I < N, e.g. 0/4 (Kubernetes: $JOB_COMPLETION_INDEX/N)");
  return std::make_pair(static_cast<unsigned>(*i), static_cast<unsigned>(*n));
}

}  // namespace pfnscan
