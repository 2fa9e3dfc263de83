#include "cli/scan_commands.hpp"

#include <cstdio>
#include <fmt/format.h>
#include <iostream>
#include <memory>
#include <unistd.h>

#include "cli/common.hpp"
#include "log/kernel_log.hpp"
#include "report/model_json.hpp"
#include "report/report.hpp"
#include "session/log_verdict.hpp"
#include "session/session.hpp"
#include "target/vmcoreinfo.hpp"

namespace pfnscan::cli {
namespace {

struct ScanArgs {
  std::string dump;
  std::string vmlinux;
  bool json = false;
  bool full = false;
  bool verbose = false;
  bool no_btf = false;
  std::optional<uint64_t> section;
  std::string pfn_range;
  std::string scratch_dir = "/tmp";
  std::string debuginfo_dir;  // find the vmlinux by build id or release
  std::string dmesg;          // a saved log (kdump-tools dmesg.<stamp>) for dumps without a readable one
  std::string btf_file;       // live: /sys/kernel/btf/vmlinux
  std::string kallsyms_file;  // live: /proc/kallsyms
};

Result<std::pair<uint64_t, uint64_t>> parse_pfn_range(const std::string& text) {
  std::size_t dash = text.find('-');
  std::optional<uint64_t> s, e;
  if (dash != std::string::npos) {
    s = parse_u64(text.substr(0, dash), 0);
    e = parse_u64(text.substr(dash + 1), 0);
  }
  if (!s || !e) return Error(Errc::usage, "--pfns takes START-END (end exclusive), e.g. 0xa000-0x10000");
  if (*e <= *s) return Error(Errc::usage, "--pfns: END must be above START");
  return std::make_pair(*s, *e);
}

void show_progress(uint64_t done, uint64_t total) {
  if (done % 64 == 0 || done + 1 == total)
    std::fprintf(stderr, "\rpfnscan: section %llu/%llu", static_cast<unsigned long long>(done + 1), static_cast<unsigned long long>(total));
  if (done + 1 == total) std::fprintf(stderr, "\r\033[K");
}

Result<SessionOptions> session_options(const ScanArgs& a) {
  SessionOptions o;
  o.scan.full = a.full;
  o.scan.only_section = a.section;
  if (!a.pfn_range.empty()) {
    auto range = parse_pfn_range(a.pfn_range);
    if (!range) return std::move(range.error());
    o.scan.pfn_range = *range;
  }
  if (isatty(STDERR_FILENO)) o.scan.progress = show_progress;
  o.types.vmlinux = a.vmlinux;
  o.types.allow_btf = !a.no_btf;
  if (a.vmlinux.empty() && !a.btf_file.empty() && access(a.btf_file.c_str(), R_OK) == 0) o.types.btf_file = a.btf_file;
  if (!a.kallsyms_file.empty() && access(a.kallsyms_file.c_str(), R_OK) == 0) o.types.kallsyms_file = a.kallsyms_file;
  o.debuginfo_dir = a.debuginfo_dir;
  o.dmesg_file = a.dmesg;
  return o;
}

int run_scan(const ScanArgs& a) {
  auto options = session_options(a);
  if (!options) return fail(options.error());
  auto target = open_dump(a.dump, a.scratch_dir);
  if (!target) return fail(target.error());
  auto report = run_session(**target, *options);
  if (!report) return fail(std::move(report.error()).with_context(a.dump));
  if (a.json) std::cout << report::dump_json(report::to_json(*report), 2) << "\n";
  else std::cout << render_text(*report, ReportOptions{a.verbose});
  for (const auto& p : report->problems) std::fprintf(stderr, "pfnscan: partial: %s\n", p.message.c_str());
  return exit_code_for(*report);
}

struct LogArgs {
  std::string dump;
  std::string scratch_dir = "/tmp";
  bool levels = false;
  bool caller = false;
  bool no_timestamps = false;
};

int run_log(const LogArgs& a) {
  auto target = open_dump(a.dump, a.scratch_dir);
  if (!target) return fail(target.error());
  auto log = read_kernel_log(**target);
  if (!log) return fail(std::move(log.error()).with_context("reading the kernel log of " + a.dump), kExitUnreadable);
  std::cout << render_log(*log, LogFormat{a.levels, a.caller, !a.no_timestamps});
  for (const auto& n : log->notes) std::fprintf(stderr, "pfnscan: log: %s\n", n.c_str());
  return kExitClean;
}

struct ExplainArgs {
  std::string file;
  bool json = false;
  bool verbose = false;
};

int run_explain(const ExplainArgs& a) {
  auto text = read_input_text(a.file);
  if (!text) return fail(text.error(), kExitUnreadable);
  if (text->find('\0') != std::string::npos)
    return fail(Error(Errc::format, a.file + " is not log text (it holds NUL bytes; for a vmcore use `pfnscan scan`)"), kExitUnreadable);
  LogVerdict v = judge_log_text(*text, a.file);
  if (a.json) {
    nlohmann::json j = {{"schema_version", kJsonSchemaVersion},
                        {"tool", {{"name", "pfnscan"}, {"version", PFNSCAN_VERSION}}},
                        {"input", {{"kind", "log"}, {"path", a.file}}},
                        {"verdict", render_verdict_json(v)}};
    std::cout << report::dump_json(j, 2) << "\n";
  } else {
    std::cout << fmt::format("pfnscan explain: {} ({})\n", verdict_name(v.overall),
                             v.incidents.empty() ? std::string("no oops, BUG or panic in the log")
                                                 : fmt::format("{} oops/BUG/panic", v.incidents.size()));
    std::cout << render_verdict_text(v, ReportOptions{a.verbose});
  }
  return exit_code_for(v);
}

void add_scan_options(CLI::App* cmd, ScanArgs& a) {
  cmd->add_flag("--json", a.json, "JSON report (schema in README.md)");
  cmd->add_flag("--full", a.full, "read every struct page of every online section");
  cmd->add_flag("-v,--verbose", a.verbose, "show provenance of every layout fact, notes, every section");
  cmd->add_option("--section", a.section, "scan only this section number");
  cmd->add_option("--pfns", a.pfn_range, "scan only pfns START-END (end exclusive)");
}

}  // namespace

std::function<int()> add_scan_commands(CLI::App& app) {
  auto a = std::make_shared<ScanArgs>();
  auto* scan = app.add_subcommand("scan", "scan a vmcore (ELF, compressed kdump, flattened)");
  scan->add_option("VMCORE", a->dump, "the dump")->required();
  scan->add_option("--vmlinux", a->vmlinux, "vmlinux with DWARF (the -dbg package's), for types and symbols");
  add_scan_options(scan, *a);
  scan->add_flag("--no-btf", a->no_btf, "do not use the kernel's BTF from the dump; use the built-in table");
  scan->add_option("--scratch-dir", a->scratch_dir, "where a flattened dump is rearranged (default /tmp)");
  scan->add_option("--debuginfo", a->debuginfo_dir, "find the vmlinux in DIR by the dump's build id or release");
  scan->add_option("--dmesg", a->dmesg, "a saved kernel log to judge when the dump's own log cannot be read");
  auto live = std::make_shared<ScanArgs>();
  live->dump = "/proc/kcore";
  live->btf_file = "/sys/kernel/btf/vmlinux";
  live->kallsyms_file = "/proc/kallsyms";
  auto* live_cmd = app.add_subcommand("live", "scan the running kernel through /proc/kcore (read-only; needs root)");
  live_cmd->add_option("--vmlinux", live->vmlinux, "vmlinux with DWARF; default: the kernel's BTF");
  live_cmd->add_option("--btf", live->btf_file, "BTF of the running kernel (default /sys/kernel/btf/vmlinux)");
  live_cmd->add_option("--kcore", live->dump, "the kcore to read (default /proc/kcore)");
  add_scan_options(live_cmd, *live);
  auto log_args = std::make_shared<LogArgs>();
  auto* log_cmd = app.add_subcommand("log", "print the kernel log of a vmcore as crash's `log` does (no vmlinux needed)");
  log_cmd->add_option("VMCORE", log_args->dump, "the dump")->required();
  log_cmd->add_flag("-m,--levels", log_args->levels, "show each record's log level as <N>");
  log_cmd->add_flag("-c,--caller", log_args->caller, "show the caller id ([  T123] task or [  C1] CPU), when recorded");
  log_cmd->add_flag("-t,--no-timestamps", log_args->no_timestamps, "omit timestamps");
  log_cmd->add_option("--scratch-dir", log_args->scratch_dir, "where a flattened dump is rearranged (default /tmp)");
  auto explain_args = std::make_shared<ExplainArgs>();
  auto* explain_cmd = app.add_subcommand("explain", "judge oopses in kernel log text alone (dmesg, syslog, journal, netconsole)");
  explain_cmd->add_option("LOGFILE", explain_args->file, "the log ('-' for stdin)")->required();
  explain_cmd->add_flag("--json", explain_args->json, "JSON (the \"verdict\" object of the scan report)");
  explain_cmd->add_flag("-v,--verbose", explain_args->verbose, "call traces and every address read");
  return [=]() -> int {
    if (scan->parsed()) return run_scan(*a);
    if (live_cmd->parsed()) return run_scan(*live);
    if (log_cmd->parsed()) return run_log(*log_args);
    if (explain_cmd->parsed()) return run_explain(*explain_args);
    return -1;
  };
}

}  // namespace pfnscan::cli
