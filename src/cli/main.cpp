// pfnscan command line: a thin front end over the core library.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fmt/format.h>
#include <iostream>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "fleet.hpp"
#include "types/debuginfo.hpp"
#include "target/kdump_target.hpp"
#include "log/kernel_log.hpp"
#include "log/panic_analysis.hpp"
#include "report/report.hpp"
#include "mm/scan.hpp"
#include "target/vmcoreinfo.hpp"

namespace {

using namespace pfnscan;

int fail(const Error& error, int code) {
  std::fprintf(stderr, "pfnscan: error: %s\n", error.describe().c_str());
  return code;
}

int exit_for_error(const Error& e) { return exit_code_for_error(e); }

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

int run_scan(const ScanArgs& a) {
  ScanOptions options;
  options.full = a.full;
  options.only_section = a.section;
  if (!a.pfn_range.empty()) {
    std::size_t dash = a.pfn_range.find('-');
    std::optional<uint64_t> s, e;
    if (dash != std::string::npos) {
      s = parse_u64(a.pfn_range.substr(0, dash), 0);
      e = parse_u64(a.pfn_range.substr(dash + 1), 0);
    }
    if (!s || !e) return fail(Error(Errc::usage, "--pfns takes START-END (end exclusive), e.g. 0xa000-0x10000"), kExitUsage);
    if (*e <= *s) return fail(Error(Errc::usage, "--pfns: END must be above START"), kExitUsage);
    options.pfn_range = std::make_pair(*s, *e);
  }
  if (isatty(STDERR_FILENO)) {
    options.progress = [](uint64_t done, uint64_t total) {
      if (done % 64 == 0 || done + 1 == total)
        std::fprintf(stderr, "\rpfnscan: section %llu/%llu", static_cast<unsigned long long>(done + 1),
                     static_cast<unsigned long long>(total));
      if (done + 1 == total) std::fprintf(stderr, "\r\033[K");
    };
  }
  KdumpOpenOptions open_options;
  open_options.scratch_dir = a.scratch_dir;
  auto target = open_kdump_target(a.dump, open_options);
  if (!target) return fail(target.error(), exit_for_error(target.error()));
  LayoutOptions layout;
  layout.vmlinux = a.vmlinux;
  std::string vmlinux_note;
  if (layout.vmlinux.empty() && !a.debuginfo_dir.empty()) {
    if (auto m = find_vmlinux(a.debuginfo_dir, (*target)->vmcoreinfo())) {
      layout.vmlinux = m->path;
      vmlinux_note = "vmlinux " + m->path + " found in " + a.debuginfo_dir + " by " + m->by;
    } else {
      vmlinux_note = "no vmlinux for this dump in " + a.debuginfo_dir + " (by build id or release): went on without one";
    }
  }
  layout.allow_btf = !a.no_btf;
  if (a.vmlinux.empty() && !a.btf_file.empty() && access(a.btf_file.c_str(), R_OK) == 0) layout.btf_file = a.btf_file;
  if (!a.kallsyms_file.empty() && access(a.kallsyms_file.c_str(), R_OK) == 0) layout.kallsyms_file = a.kallsyms_file;
  auto result = scan_target(**target, layout, options);
  if (!result && a.vmlinux.empty() && !layout.vmlinux.empty()) {
    // A vmlinux found by release in --debuginfo may be another build of it: go on without.
    vmlinux_note += "; refused (" + result.error().describe() + "): went on without one";
    layout.vmlinux.clear();
    result = scan_target(**target, layout, options);
  }
  if (!result) return fail(std::move(result.error()).with_context(a.dump), exit_for_error(result.error()));
  if (!vmlinux_note.empty()) result->target.notes.push_back(vmlinux_note);
  if (!a.dmesg.empty() && !result->verdict.log_available) {
    std::ifstream in(a.dmesg, std::ios::binary);
    if (!in) return fail(Error(Errc::io, "cannot open " + a.dmesg), kExitUnreadable);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::vector<std::string> notes = result->verdict.notes;
    result->verdict = judge_text_against_dump(ss.str(), a.dmesg, *result);
    result->verdict.notes = notes;
    result->verdict.notes.push_back("the dump's own log could not be read: judged " + a.dmesg + " instead");
  }
  if (a.json) std::cout << render_json(*result).dump(2) << "\n";
  else std::cout << render_text(*result, ReportOptions{a.verbose});
  for (const auto& e : result->errors) std::fprintf(stderr, "pfnscan: partial: %s\n", e.c_str());
  return exit_code_for(*result);
}

struct LogArgs {
  std::string dump;
  std::string scratch_dir = "/tmp";
  bool levels = false;
  bool caller = false;
  bool no_timestamps = false;
};

int run_log(const LogArgs& a) {
  KdumpOpenOptions open_options;
  open_options.scratch_dir = a.scratch_dir;
  auto target = open_kdump_target(a.dump, open_options);
  if (!target) return fail(target.error(), exit_for_error(target.error()));
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
  std::string text;
  if (a.file == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str();
  } else {
    std::ifstream in(a.file, std::ios::binary);
    if (!in) return fail(Error(Errc::io, "cannot open " + a.file), kExitUnreadable);
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    if (in.bad()) return fail(Error(Errc::io, "cannot read " + a.file), kExitUnreadable);
  }
  if (text.find('\0') != std::string::npos)
    return fail(Error(Errc::format, a.file + " is not log text (it holds NUL bytes; for a vmcore use `pfnscan scan`)"), kExitUnreadable);
  LogVerdict v = judge_log_text(text, a.file);
  if (a.json) {
    nlohmann::json j = {{"schema_version", kJsonSchemaVersion},
                        {"tool", {{"name", "pfnscan"}, {"version", PFNSCAN_VERSION}}},
                        {"input", {{"kind", "log"}, {"path", a.file}}},
                        {"verdict", render_verdict_json(v)}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << fmt::format("pfnscan explain: {} ({})\n", verdict_name(v.overall),
                             v.incidents.empty() ? std::string("no oops, BUG or panic in the log")
                                                 : fmt::format("{} oops/BUG/panic", v.incidents.size()));
    std::cout << render_verdict_text(v, ReportOptions{a.verbose});
  }
  return exit_code_for(v);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pfnscan: find the pfns the pre-5.12 pfn_to_online_page() gets wrong (ZONE_DEVICE, stale and "
               "poisoned struct pages in online memory sections)"};
  app.set_version_flag("--version", std::string(PFNSCAN_VERSION));
  app.require_subcommand(1);
  ScanArgs a;
  auto* scan = app.add_subcommand("scan", "scan a vmcore (ELF, compressed kdump, flattened)");
  scan->add_option("VMCORE", a.dump, "the dump")->required();
  scan->add_option("--vmlinux", a.vmlinux, "vmlinux with DWARF (the -dbg package's), for types and symbols");
  scan->add_flag("--json", a.json, "JSON report (schema in README.md)");
  scan->add_flag("--full", a.full, "read every struct page of every online section");
  scan->add_flag("-v,--verbose", a.verbose, "show provenance of every layout fact, notes, every section");
  scan->add_flag("--no-btf", a.no_btf, "do not use the kernel's BTF from the dump; use the built-in table");
  scan->add_option("--section", a.section, "scan only this section number");
  scan->add_option("--pfns", a.pfn_range, "scan only pfns START-END (end exclusive)");
  scan->add_option("--scratch-dir", a.scratch_dir, "where a flattened dump is rearranged (default /tmp)");
  scan->add_option("--debuginfo", a.debuginfo_dir, "find the vmlinux in DIR by the dump's build id or release");
  scan->add_option("--dmesg", a.dmesg, "a saved kernel log to judge when the dump's own log cannot be read");
  ScanArgs live;
  live.dump = "/proc/kcore";
  live.btf_file = "/sys/kernel/btf/vmlinux";
  live.kallsyms_file = "/proc/kallsyms";
  auto* live_cmd = app.add_subcommand("live", "scan the running kernel through /proc/kcore (read-only; needs root)");
  live_cmd->add_option("--vmlinux", live.vmlinux, "vmlinux with DWARF; default: the kernel's BTF");
  live_cmd->add_option("--btf", live.btf_file, "BTF of the running kernel (default /sys/kernel/btf/vmlinux)");
  live_cmd->add_option("--kcore", live.dump, "the kcore to read (default /proc/kcore)");
  live_cmd->add_flag("--json", live.json, "JSON report (schema in README.md)");
  live_cmd->add_flag("--full", live.full, "read every struct page of every online section");
  live_cmd->add_flag("-v,--verbose", live.verbose, "show provenance of every layout fact, notes, every section");
  live_cmd->add_option("--section", live.section, "scan only this section number");
  live_cmd->add_option("--pfns", live.pfn_range, "scan only pfns START-END (end exclusive)");
  LogArgs log_args;
  auto* log_cmd = app.add_subcommand("log", "print the kernel log of a vmcore as crash's `log` does (no vmlinux needed)");
  log_cmd->add_option("VMCORE", log_args.dump, "the dump")->required();
  log_cmd->add_flag("-m,--levels", log_args.levels, "show each record's log level as <N>");
  log_cmd->add_flag("-c,--caller", log_args.caller, "show the caller id ([  T123] task or [  C1] CPU), when recorded");
  log_cmd->add_flag("-t,--no-timestamps", log_args.no_timestamps, "omit timestamps");
  log_cmd->add_option("--scratch-dir", log_args.scratch_dir, "where a flattened dump is rearranged (default /tmp)");
  ExplainArgs explain_args;
  auto* explain_cmd = app.add_subcommand("explain", "judge oopses in kernel log text alone (dmesg, syslog, journal, netconsole)");
  explain_cmd->add_option("LOGFILE", explain_args.file, "the log ('-' for stdin)")->required();
  explain_cmd->add_flag("--json", explain_args.json, "JSON (the \"verdict\" object of the scan report)");
  explain_cmd->add_flag("-v,--verbose", explain_args.verbose, "call traces and every address read");
  auto run_fleet = pfnscan::cli::add_fleet_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  try {
    if (scan->parsed()) return run_scan(a);
    if (live_cmd->parsed()) return run_scan(live);
  } catch (const std::bad_alloc&) {  // under a batch's memory limit: say so, the batch records "limit"
    std::fprintf(stderr, "pfnscan: error: out of memory\n");
    return kExitUnreadable;
  }
  try {
    if (int code = run_fleet(); code >= 0) return code;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "pfnscan: error: out of memory\n");
    return kExitUnreadable;
  }
  if (log_cmd->parsed()) return run_log(log_args);
  if (explain_cmd->parsed()) return run_explain(explain_args);
  return kExitUsage;
}
