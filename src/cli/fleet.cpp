#include "cli/fleet.hpp"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <fstream>
#include <iostream>
#include <memory>
#include <unistd.h>

#include "cli/common.hpp"
#include "fleet/documents.hpp"
#include "fleet/inputs.hpp"
#include "fleet/results_file.hpp"
#include "fleet/runner.hpp"
#include "fleet/summary.hpp"
#include "report/json_io.hpp"
#include "report/svg.hpp"
#include "target/vmcoreinfo.hpp"

namespace pfnscan::cli {
namespace {

std::optional<uint64_t> parse_size(const std::string& s) {
  if (s.empty()) return std::nullopt;
  uint64_t mult = 1;
  std::string n = s;
  switch (std::toupper(static_cast<unsigned char>(n.back()))) {
    case 'K': mult = uint64_t{1} << 10; n.pop_back(); break;
    case 'M': mult = uint64_t{1} << 20; n.pop_back(); break;
    case 'G': mult = uint64_t{1} << 30; n.pop_back(); break;
    default: break;
  }
  auto v = parse_u64(n, 10);
  if (!v || *v == 0) return std::nullopt;
  return *v * mult;
}

struct BatchArgs {
  std::vector<std::string> inputs;
  std::string output = "pfnscan-results.jsonl";
  unsigned jobs = 0;
  double timeout = 300;
  std::string memory = "4G";
  std::string debuginfo;
  std::string shard;
  bool full = false;
  std::string worker;
  std::string scratch = "/tmp";
  bool quiet = false;
};

int run_batch_cmd(const BatchArgs& a) {
  BatchOptions o;
  o.jobs = a.jobs ? a.jobs : std::max(1u, static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN)));
  o.timeout_seconds = a.timeout;
  auto mem = a.memory == "unlimited" ? std::optional<uint64_t>(0) : parse_size(a.memory);
  if (!mem) return fail(Error(Errc::usage, "--memory takes a size such as 2G or 512M, or unlimited"));
  o.memory_limit = *mem;
  o.debuginfo_dir = a.debuginfo;
  o.full = a.full;
  o.worker = a.worker;
  o.scratch_dir = a.scratch;
  InputScan found = find_dumps(a.inputs);
  // An input that does not exist is a mistake in the command: run nothing, say so.
  if (!found.errors.empty()) {
    for (std::size_t i = 1; i < found.errors.size(); ++i) std::fprintf(stderr, "pfnscan: batch: %s\n", found.errors[i].c_str());
    return fail(Error(Errc::io, found.errors.front()));
  }
  if (found.dumps.empty())
    return fail(Error(Errc::format, fmt::format("no dump found in {} ({} file(s) skipped: not an ELF core, kdump or flattened file)",
                                                fmt::join(a.inputs, " "), found.skipped.size())));
  std::vector<DumpInput> dumps = std::move(found.dumps);
  if (!a.shard.empty()) {
    auto sh = parse_shard(a.shard);
    if (!sh) return fail(sh.error());
    std::erase_if(dumps, [&](const DumpInput& d) { return !in_shard(d, sh->first, sh->second); });
  }
  const bool tty = isatty(STDERR_FILENO) && !a.quiet;
  if (tty) {
    o.progress = [](std::size_t done, std::size_t total, double elapsed) {
      const int width = 30;
      const double frac = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
      const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
      const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
      std::string bar(static_cast<std::size_t>(frac * width), '#');
      bar.resize(width, ' ');
      std::fprintf(stderr, "\r[%s] %zu/%zu %.1f dumps/s ETA %d:%02d ", bar.c_str(), done, total, rate, static_cast<int>(eta) / 60,
                   static_cast<int>(eta) % 60);
      if (done == total) std::fprintf(stderr, "\n");
    };
  }
  auto stats = run_batch(dumps, a.output, o);
  if (!stats) return fail(stats.error());
  auto results = read_results(a.output);
  if (!results) return fail(results.error());
  std::vector<BatchRecord> mine;
  std::set<std::string> ids;
  for (const auto& d : dumps) ids.insert(d.identity());
  for (auto& r : results->records)
    if (ids.count(r.identity)) mine.push_back(std::move(r));
  if (!a.quiet) {
    std::cout << render_summary_text(summarize(mine));
    std::vector<double> t = stats->per_dump_seconds;
    std::sort(t.begin(), t.end());
    std::cout << fmt::format("ran {} dump(s), {} already recorded, {} file(s) skipped as non-dumps, in {:.1f} s{}; results in {}\n",
                             stats->ran, stats->skipped_already_recorded, found.skipped.size(), stats->seconds,
                             t.empty() ? "" : fmt::format(" (median {:.2f} s per dump)", t[t.size() / 2]), a.output);
  }
  // Every dump has its record, whatever its status: the run succeeded (a cluster must not retry it).
  return 0;
}

int run_merge(const std::vector<std::string>& inputs, const std::string& output) {
  auto merged = merge_results(inputs);
  if (!merged) return fail(merged.error());
  std::ofstream out(output, std::ios::trunc);
  if (!out) return fail(Error(Errc::io, "cannot write " + output));
  for (const auto& r : *merged) out << report::dump_json(to_json(r)) << "\n";
  out.flush();
  if (!out) return fail(Error(Errc::io, "writing " + output));
  std::fprintf(stderr, "pfnscan: merged %zu record(s) from %zu file(s) into %s\n", merged->size(), inputs.size(), output.c_str());
  return 0;
}

int run_summary(const std::string& path, bool json) {
  auto r = read_results(path);
  if (!r) return fail(r.error());
  if (r->records.empty() && r->problems.empty()) {
    std::ifstream probe(path);
    if (!probe) return fail(Error(Errc::io, "cannot open " + path));
  }
  if (r->records.empty() && !r->problems.empty())
    return fail(Error(Errc::format, fmt::format("{} is not a pfnscan results file ({})", path, r->problems.front())));
  for (const auto& p : r->problems) std::fprintf(stderr, "pfnscan: %s\n", p.c_str());
  if (r->had_partial_tail) std::fprintf(stderr, "pfnscan: %s ends in a partial line (a killed run): ignored\n", path.c_str());
  auto s = summarize(r->records);
  if (json) std::cout << report::dump_json(to_json(s), 2) << "\n";
  else std::cout << render_summary_text(s);
  return 0;
}

struct ReportArgs {
  std::string input;
  std::string format = "md";
  std::string output;
  bool redact_flag = false;
  std::string dump;
  std::string host;
};

int run_report(const ReportArgs& a) {
  if (!a.host.empty() && !a.redact_flag) return fail(Error(Errc::usage, "--host names the host to redact: it goes with --redact"));
  auto in = load_report_input(a.input, a.dump);
  if (!in) return fail(in.error());
  if (a.redact_flag) {
    std::string host = a.host;
    if (host.empty()) {
      char buf[256] = {};
      if (gethostname(buf, sizeof buf - 1) == 0) host = buf;
    }
    redact(*in, host);
  }
  std::string text;
  if (a.format == "md" || a.format == "markdown") text = render_markdown(*in);
  else if (a.format == "svg") {
    if (!in->scan) return fail(Error(Errc::usage, "an SVG map needs one dump's result: pick one with --dump PATH"));
    text = report::render_svg(*in->scan);
  } else if (a.format == "html") text = render_html(*in);
  else return fail(Error(Errc::usage, "--format is md, svg or html"));
  if (a.output.empty() || a.output == "-") {
    std::cout << text;
  } else {
    std::ofstream out(a.output, std::ios::trunc);
    out << text;
    if (!out) return fail(Error(Errc::io, "cannot write " + a.output));
  }
  return 0;
}

}  // namespace

std::function<int()> add_fleet_commands(CLI::App& app) {
  auto batch_args = std::make_shared<BatchArgs>();
  auto* batch = app.add_subcommand("batch", "scan many dumps, each in an isolated worker; one JSON line per dump, resumable");
  batch->add_option("INPUTS", batch_args->inputs, "directories, globs, dump files, or @LIST (a file of paths)")->required();
  batch->add_option("-o,--output", batch_args->output, "results file (JSON lines; appended, resumed; default ./pfnscan-results.jsonl)");
  batch->add_option("-j,--jobs", batch_args->jobs, "dumps scanned at once (default: CPUs)");
  batch->add_option("--timeout", batch_args->timeout, "seconds per dump before its worker is killed (default 300)");
  batch->add_option("--memory", batch_args->memory, "address-space limit per worker (default 4G; 'unlimited' for none)");
  batch->add_option("--debuginfo", batch_args->debuginfo, "directory with vmlinux files (found by build id or release)");
  batch->add_option("--shard", batch_args->shard, "scan only shard I of N (I/N), for cluster array jobs");
  batch->add_flag("--full", batch_args->full, "full scans");
  batch->add_option("--worker", batch_args->worker, "program run per dump as `PROGRAM scan DUMP --json ...` (default: this pfnscan)");
  batch->add_option("--scratch-dir", batch_args->scratch, "worker output and flattened rearrangement (default /tmp)");
  batch->add_flag("-q,--quiet", batch_args->quiet, "no progress and no summary");

  auto merge_inputs = std::make_shared<std::vector<std::string>>();
  auto merge_output = std::make_shared<std::string>();
  auto* merge = app.add_subcommand("merge", "combine shard results into one file, rejecting dumps recorded twice");
  merge->add_option("RESULTS", *merge_inputs, "results files")->required();
  merge->add_option("-o,--output", *merge_output, "merged results file")->required();

  auto summary_path = std::make_shared<std::string>();
  auto summary_json = std::make_shared<bool>(false);
  auto* summary = app.add_subcommand("summary", "counts by status, category, verdict and release; the dumps to look at first");
  summary->add_option("RESULTS", *summary_path, "results file")->required();
  summary->add_flag("--json", *summary_json, "JSON");

  auto report_args = std::make_shared<ReportArgs>();
  auto* report = app.add_subcommand("report", "render a saved result as Markdown, an SVG section map, or HTML with both");
  report->add_option("RESULT", report_args->input, "scan --json output, a batch record, or a batch results file")->required();
  report->add_option("--format", report_args->format, "md (default), svg, html");
  report->add_option("-o,--output", report_args->output, "output file (default stdout)");
  report->add_flag("--redact", report_args->redact_flag, "remove kernel pointers, host names and file paths (pfns and sections stay)");
  report->add_option("--dump", report_args->dump, "from a batch results file: the dump (path or file name) to report on");
  report->add_option("--host", report_args->host, "host name to redact (default: this machine's)");

  return [=]() -> int {
    if (batch->parsed()) return run_batch_cmd(*batch_args);
    if (merge->parsed()) return run_merge(*merge_inputs, *merge_output);
    if (summary->parsed()) return run_summary(*summary_path, *summary_json);
    if (report->parsed()) return run_report(*report_args);
    return -1;
  };
}

}  // namespace pfnscan::cli
