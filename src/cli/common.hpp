// What every subcommand of the CLI shares: how an error is printed and which exit code it gets.
#pragma once

#include <string>

#include "base/result.hpp"

namespace pfnscan::cli {

// Prints "pfnscan: error: ..." and returns the exit code for it (usage 3, anything else 2).
int fail(const Error& error);
int fail(const Error& error, int code);

// Reads a whole file, or stdin for "-".
Result<std::string> read_input_text(const std::string& path);

}  // namespace pfnscan::cli
