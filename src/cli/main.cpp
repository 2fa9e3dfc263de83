// pfnscan command line: a thin front end over the session (src/session).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <new>

#include "cli/fleet.hpp"
#include "cli/scan_commands.hpp"
#include "report/exit_code.hpp"
#include "target/versions.hpp"

namespace {

// `pfnscan --version [-v]`: the tool, and with -v the libraries that read dumps and types.
bool print_version(int argc, char** argv) {
  bool version = false, verbose = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    version |= a == "--version";
    verbose |= a == "-v" || a == "--verbose";
  }
  if (!version) return false;
  std::printf("pfnscan %s\n", PFNSCAN_VERSION);
  if (verbose)
    for (const auto& [name, v] : pfnscan::library_versions()) std::printf("%s %s\n", name.c_str(), v.c_str());
  return true;
}

const char* const kCommands[] = {"scan", "live", "log", "explain", "batch", "merge", "summary", "report"};

// An unknown first word is a command the user thinks exists: name it.
bool unknown_command(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  for (const char* c : kCommands)
    if (std::string(argv[1]) == c) return false;
  std::fprintf(stderr, "pfnscan: error: unknown command '%s' (commands: scan, live, log, explain, batch, merge, summary, report; "
                       "pfnscan --help)\n", argv[1]);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pfnscan;
  CLI::App app{"pfnscan: find the pfns the pre-5.12 pfn_to_online_page() gets wrong (ZONE_DEVICE, stale and "
               "poisoned struct pages in online memory sections)"};
  if (print_version(argc, argv)) return kExitClean;
  if (unknown_command(argc, argv)) return kExitUsage;
  bool version_flag = false;  // handled before parsing (print_version); declared for --help
  app.add_flag("--version", version_flag, "print the version (with -v: and the libraries')");
  app.require_subcommand(1);
  auto run_scan_command = cli::add_scan_commands(app);
  auto run_fleet_command = cli::add_fleet_commands(app);
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
    if (int code = run_scan_command(); code >= 0) return code;
    if (int code = run_fleet_command(); code >= 0) return code;
  } catch (const std::bad_alloc&) {  // under a batch's memory limit: the batch records "limit"
    std::fprintf(stderr, "pfnscan: error: out of memory\n");
    return kExitOutOfMemory;
  }
  return kExitUsage;
}
