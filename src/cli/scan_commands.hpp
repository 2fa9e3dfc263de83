// The CLI's single-dump commands: scan, live, log, explain.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace pfnscan::cli {

// Adds the subcommands; returns a function that runs whichever was parsed (or -1 if none).
std::function<int()> add_scan_commands(CLI::App& app);

}  // namespace pfnscan::cli
