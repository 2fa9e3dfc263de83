// The fleet and bug-report commands of the CLI: batch, merge, summary, report.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace pfnscan::cli {

// Adds the subcommands; returns a function that runs whichever was parsed (or -1 if none).
std::function<int()> add_fleet_commands(CLI::App& app);

}  // namespace pfnscan::cli
