// Each dump is scanned by its own worker process (this pfnscan, `scan --json`), so a dump that
// crashes the reader, hangs it or makes it eat memory costs only its own record: the worker runs
// in its own process group under RLIMIT_AS, is killed with its group at the time limit, and dies
// with the batch (PR_SET_PDEATHSIG) so a killed run leaves nothing behind. Its stdout and stderr
// are files unlinked as soon as they are made: the kernel frees them even if the batch is killed.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <map>
#include <set>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <pthread.h>
#include <unistd.h>

#include "fleet/results_file.hpp"
#include "fleet/runner.hpp"
#include "report/exit_code.hpp"
#include "report/model_json.hpp"

namespace pfnscan {
namespace {

using Clock = std::chrono::steady_clock;

// The whole of an unlinked output file, up to cap bytes.
std::string read_all(int fd, std::size_t cap) {
  std::string s;
  char buf[65536];
  off_t at = 0;
  while (s.size() < cap) {
    ssize_t n = ::pread(fd, buf, std::min(sizeof buf, cap - s.size()), at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    s.append(buf, static_cast<std::size_t>(n));
    at += n;
  }
  return s;
}

// A file in dir that has no name (close-on-exec; the worker gets it through dup2).
Result<int> unnamed_file(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  // Filesystems without O_TMPFILE: a unique name, removed at once.
  std::string tmpl = dir + "/pfnscan-batch-XXXXXX";
  fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
  if (fd < 0) return Error(Errc::io, fmt::format("cannot make a file in {}: {}", dir, std::strerror(errno)));
  ::unlink(tmpl.c_str());
  return fd;
}

std::string self_exe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "pfnscan";
  buf[n] = 0;
  return buf;
}

std::string last_line(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  auto nl = s.rfind('\n');
  if (nl != std::string::npos) s = s.substr(nl + 1);
  if (s.size() > 500) s = s.substr(0, 500) + "...";
  return s;
}

struct Running {
  std::size_t index;
  pid_t pid;
  Clock::time_point started;
  int out_fd = -1, err_fd = -1;
  bool timed_out = false;
};

BatchRecord make_record(const DumpInput& d, const Running& r, int status, const struct rusage& ru, const BatchOptions& o,
                        double seconds) {
  BatchRecord rec;
  rec.identity = d.identity();
  rec.path = d.path;
  rec.size = d.size;
  rec.digest = d.digest;
  rec.format = dump_format_name(d.format);
  rec.dmesg = d.dmesg;
  rec.seconds = seconds;
  rec.max_rss_kib = ru.ru_maxrss;
  const uint64_t limit_mib = o.memory_limit >> 20;
  if (r.timed_out) {
    rec.status = BatchStatus::timeout;
    rec.error = fmt::format("no result within {} s: killed", o.timeout_seconds);
    return rec;
  }
  const std::string err = read_all(r.err_fd, std::size_t{1} << 20);
  if (WIFSIGNALED(status)) {
    // A worker killed near its address-space limit ran out of memory where it could not say so.
    const bool near_limit = o.memory_limit && static_cast<uint64_t>(ru.ru_maxrss) * 1024 >= o.memory_limit / 10 * 8;
    rec.status = near_limit ? BatchStatus::limit : BatchStatus::error;
    rec.error = near_limit ? fmt::format("memory limit of {} MiB reached (killed by signal {})", limit_mib, WTERMSIG(status))
                           : fmt::format("the worker crashed: signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
    return rec;
  }
  const int code = WEXITSTATUS(status);
  rec.exit_code = code;
  if (code == kExitOutOfMemory) {
    rec.status = BatchStatus::limit;
    rec.error = fmt::format("memory limit of {} MiB reached: {}", limit_mib, last_line(err));
    return rec;
  }
  if (exit_code_has_report(code)) {
    auto j = report::parse_json(read_all(r.out_fd, std::size_t{256} << 20), "the worker's report");
    auto scan = j ? report::scan_report_from_json(*j, "the worker's report") : Result<report::ScanReport>(j.error());
    if (scan) {
      rec.status = BatchStatus::ok;
      summarize_into(rec, *scan);
      rec.result = std::move(*j);
      return rec;
    }
  }
  rec.status = BatchStatus::error;
  std::string msg = last_line(err);
  rec.error = msg.empty() ? fmt::format("the worker exited {} without a report", code) : msg;
  return rec;
}

// One batch run: spawns workers up to the job count, reaps them on SIGCHLD, kills the ones over
// their time limit, and appends each finished dump's record.
class BatchRun {
 public:
  BatchRun(const std::vector<DumpInput>& dumps, const BatchOptions& o, ResultsWriter writer, BatchStats& stats)
      : dumps_(dumps), o_(o), writer_(std::move(writer)), stats_(stats), worker_(o.worker.empty() ? self_exe() : o.worker) {}

  Status run(const std::vector<std::size_t>& todo);

 private:
  Status spawn(std::size_t index);
  void reap(pid_t pid, int status, const struct rusage& ru);
  void enforce_timeouts();
  void kill_all();

  const std::vector<DumpInput>& dumps_;
  const BatchOptions& o_;
  ResultsWriter writer_;
  BatchStats& stats_;
  const std::string worker_;
  std::map<pid_t, Running> running_;
  std::size_t done_ = 0;
  Status write_error_ = ok_status();
  Clock::time_point t0_ = Clock::now();
};

Status BatchRun::spawn(std::size_t index) {
  const DumpInput& d = dumps_[index];
  auto out_file = unnamed_file(o_.scratch_dir);
  if (!out_file) return std::move(out_file.error()).with_context("the worker's output");
  auto err_file = unnamed_file(o_.scratch_dir);
  if (!err_file) {
    ::close(*out_file);
    return std::move(err_file.error()).with_context("the worker's output");
  }
  Running r{index, 0, Clock::now(), *out_file, *err_file};
  std::vector<std::string> args = {worker_, "scan", d.path, "--json", "--scratch-dir", o_.scratch_dir};
  if (o_.full) args.push_back("--full");
  if (!o_.debuginfo_dir.empty()) args.insert(args.end(), {"--debuginfo", o_.debuginfo_dir});
  if (!d.dmesg.empty()) args.insert(args.end(), {"--dmesg", d.dmesg});
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    ::close(r.out_fd);
    ::close(r.err_fd);
    return Error(Errc::io, fmt::format("fork: {}", std::strerror(errno)));
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (o_.memory_limit) {
      struct rlimit lim {o_.memory_limit, o_.memory_limit};
      setrlimit(RLIMIT_AS, &lim);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull < 0) _exit(126);
    dup2(devnull, 0);
    dup2(r.out_fd, 1);
    dup2(r.err_fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  setpgid(pid, pid);
  r.pid = pid;
  running_.emplace(pid, std::move(r));
  return ok_status();
}

void BatchRun::reap(pid_t pid, int status, const struct rusage& ru) {
  auto it = running_.find(pid);
  if (it == running_.end()) return;
  Running r = std::move(it->second);
  running_.erase(it);
  ::kill(-r.pid, SIGKILL);  // anything the worker left in its group
  double secs = std::chrono::duration<double>(Clock::now() - r.started).count();
  BatchRecord rec = make_record(dumps_[r.index], r, status, ru, o_, secs);
  ::close(r.out_fd);
  ::close(r.err_fd);
  if (write_error_) write_error_ = writer_.append(rec);
  stats_.per_dump_seconds.push_back(secs);
  ++stats_.ran;
  ++done_;
  if (o_.progress) o_.progress(done_, stats_.total, std::chrono::duration<double>(Clock::now() - t0_).count());
}

void BatchRun::enforce_timeouts() {
  const auto now = Clock::now();
  for (auto& [p, r] : running_)
    if (!r.timed_out && std::chrono::duration<double>(now - r.started).count() > o_.timeout_seconds) {
      r.timed_out = true;
      ::kill(-r.pid, SIGKILL);
    }
}

void BatchRun::kill_all() {  // the batch stops: so do its workers
  for (auto& [pid, r] : running_) {
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(r.out_fd);
    ::close(r.err_fd);
  }
  running_.clear();
}

// SIGCHLD is blocked by the caller and waited for with a timeout: a finished worker is reaped at
// once, and the time limits are still checked while none finishes.
Status BatchRun::run(const std::vector<std::size_t>& todo) {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  done_ = stats_.skipped_already_recorded;
  std::size_t next = 0;
  const unsigned jobs = std::max(1u, o_.jobs);
  while (next < todo.size() || !running_.empty()) {
    while (next < todo.size() && running_.size() < jobs && write_error_) {
      if (auto st = spawn(todo[next]); !st) {
        kill_all();
        return st;
      }
      ++next;
    }
    int status = 0;
    struct rusage ru {};
    if (pid_t pid = wait4(-1, &status, WNOHANG, &ru); pid > 0) {
      reap(pid, status, ru);
      continue;
    }
    enforce_timeouts();
    struct timespec wait {0, 50'000'000};
    sigtimedwait(&chld, nullptr, &wait);
  }
  return write_error_;
}

}  // namespace

Result<BatchStats> run_batch(const std::vector<DumpInput>& dumps, const std::string& results_path, const BatchOptions& o) {
  BatchStats stats;
  stats.total = dumps.size();
  auto existing = read_results(results_path);
  if (!existing) return std::move(existing.error());
  std::set<std::string> recorded;
  for (const auto& r : existing->records) recorded.insert(r.identity);
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < dumps.size(); ++i) {
    if (recorded.count(dumps[i].identity())) ++stats.skipped_already_recorded;
    else todo.push_back(i);
  }
  sigset_t chld, old_mask;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &chld, &old_mask);
  struct MaskGuard {
    sigset_t old;
    ~MaskGuard() { pthread_sigmask(SIG_SETMASK, &old, nullptr); }
  } mask_guard{old_mask};
  auto writer = ResultsWriter::open(results_path);
  if (!writer) return std::move(writer.error());
  const auto t0 = Clock::now();
  BatchRun batch(dumps, o, std::move(*writer), stats);
  Status st = batch.run(todo);
  stats.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (!st) return std::move(st.error()).with_context("recording to " + results_path);
  return stats;
}

}  // namespace pfnscan
