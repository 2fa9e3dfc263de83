#include "mutator.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fmt/format.h>
#include <random>
#include <thread>

namespace e2e {
namespace {

struct Region {
  uint64_t begin, end;
  const char* name;
};

uint64_t u32_at(const std::vector<uint8_t>& d, uint64_t off) {
  uint32_t v = 0;
  if (off + 4 <= d.size()) std::memcpy(&v, d.data() + off, 4);
  return v;
}

// Where the parts readers trust lie in this dump: headers, VMCOREINFO values, page descriptors.
std::vector<Region> regions_of(const std::vector<uint8_t>& d) {
  std::vector<Region> r;
  const uint64_t size = d.size();
  if (size >= 64 && std::memcmp(d.data(), "\x7f" "ELF", 4) == 0) {
    uint64_t phoff = 0;
    std::memcpy(&phoff, d.data() + 32, 8);
    uint16_t phnum = 0;
    std::memcpy(&phnum, d.data() + 56, 2);
    r.push_back({0, std::min<uint64_t>(size, phoff + uint64_t{phnum} * 56), "the ELF headers"});
  } else if (size >= 464 && (std::memcmp(d.data(), "KDUMP   ", 8) == 0 || std::memcmp(d.data(), "DISKDUMP", 8) == 0)) {
    const uint64_t block = u32_at(d, 428), sub = u32_at(d, 432), bitmap = u32_at(d, 436);
    r.push_back({0, 464, "the kdump header"});
    if (block && block <= (1u << 20)) {
      r.push_back({block, std::min(size, block * (1 + sub)), "the kdump sub-header"});
      const uint64_t descs = block * (1 + sub + bitmap);
      if (descs < size) r.push_back({descs, std::min(size, descs + 64 * 24), "the page descriptors"});
      if (block * (1 + sub) < size) r.push_back({block * (1 + sub), std::min(size, block * (1 + sub + bitmap)), "the bitmaps"});
    }
  } else if (size >= 4096 && std::memcmp(d.data(), "makedumpfile", 12) == 0) {
    r.push_back({0, std::min<uint64_t>(size, 4096 + 64), "the flattened headers"});
  }
  // VMCOREINFO values: the text after '=' on its lines.
  static const char kKey[] = "OSRELEASE=";
  auto at = std::search(d.begin(), d.end(), kKey, kKey + sizeof kKey - 1);
  if (at != d.end()) {
    uint64_t begin = static_cast<uint64_t>(at - d.begin());
    r.push_back({begin, std::min(size, begin + 4096), "the VMCOREINFO text"});
  }
  return r;
}

void set_field(std::vector<uint8_t>& b, uint64_t off, uint64_t value) {
  if (off + 8 <= b.size()) std::memcpy(b.data() + off, &value, 8);
}

}  // namespace

Mutation mutate(const std::vector<uint8_t>& dump, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Mutation m{dump, ""};
  if (dump.empty()) return m;
  std::vector<Region> regions = regions_of(dump);
  const bool aimed = !regions.empty() && rng() % 4 != 0;  // three in four hit a trusted part
  const Region where = aimed ? regions[rng() % regions.size()] : Region{0, dump.size(), "anywhere"};
  const uint64_t span = std::max<uint64_t>(1, where.end - where.begin);
  auto pick = [&] { return where.begin + rng() % span; };
  switch (rng() % 5) {
    case 0: {
      unsigned n = 1 + static_cast<unsigned>(rng() % 8);
      for (unsigned i = 0; i < n; ++i) m.bytes[pick() % m.bytes.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      m.what = fmt::format("flip {} bit(s) in {}", n, where.name);
      break;
    }
    case 1: {
      uint64_t keep = rng() % dump.size();
      m.bytes.resize(keep);
      m.what = fmt::format("truncate to {} of {} bytes", keep, dump.size());
      break;
    }
    case 2:
      set_field(m.bytes, pick() & ~uint64_t{7}, 0);
      m.what = fmt::format("an 8-byte field of {} set to 0", where.name);
      break;
    case 3:
      set_field(m.bytes, pick() & ~uint64_t{7}, ~uint64_t{0});
      m.what = fmt::format("an 8-byte field of {} set to all ones", where.name);
      break;
    default: {
      const uint64_t huge[] = {uint64_t{1} << 40, uint64_t{1} << 62, 0x7fffffffffffffffull, 0x100000000ull, 0xffffffffull};
      uint64_t off = pick();
      if (where.name == std::string("the VMCOREINFO text")) {
        // a digit-sized value written into the text: "OFFSET(x)=18446744073709551615"
        std::string v = std::to_string(huge[rng() % 5]);
        for (std::size_t i = 0; i < v.size() && off + i < m.bytes.size(); ++i) m.bytes[off + i] = static_cast<uint8_t>(v[i]);
      } else {
        set_field(m.bytes, off & ~uint64_t{3}, huge[rng() % 5]);
      }
      m.what = fmt::format("a huge value written into {} at {:#x}", where.name, off);
    }
  }
  return m;
}

BoundedRun run_bounded(const std::vector<std::string>& argv, double timeout_seconds) {
  BoundedRun r;
  char out_tmpl[] = "/tmp/pfnscan-mut-outXXXXXX", err_tmpl[] = "/tmp/pfnscan-mut-errXXXXXX";
  int out = mkstemp(out_tmpl), err = mkstemp(err_tmpl);
  unlink(out_tmpl);
  unlink(err_tmpl);
  std::vector<char*> args;
  std::vector<std::string> copy = argv;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(out, 1);
    dup2(err, 2);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  struct rusage ru {};
  for (;;) {
    pid_t done = wait4(pid, &status, WNOHANG, &ru);
    if (done == pid) break;
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > timeout_seconds) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      wait4(pid, &status, 0, &ru);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.max_rss_kib = ru.ru_maxrss;
  auto slurp_fd = [](int fd) {
    std::string s;
    char buf[65536];
    lseek(fd, 0, SEEK_SET);
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) s.append(buf, static_cast<std::size_t>(n));
    close(fd);
    return s;
  };
  r.out = slurp_fd(out);
  r.err = slurp_fd(err);
  return r;
}

}  // namespace e2e
