// pfnscan command line: a thin front end over the session (src/session).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <new>

#include "cli/fleet.hpp"
#include "cli/scan_commands.hpp"
#include "report/exit_code.hpp"

int main(int argc, char** argv) {
  using namespace pfnscan;
  CLI::App app{"pfnscan: find the pfns the pre-5.12 pfn_to_online_page() gets wrong (ZONE_DEVICE, stale and "
               "poisoned struct pages in online memory sections)"};
  app.set_version_flag("--version", std::string(PFNSCAN_VERSION));
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
