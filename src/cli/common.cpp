#include "cli/common.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "report/exit_code.hpp"

namespace pfnscan::cli {

int fail(const Error& error, int code) {
  std::fprintf(stderr, "pfnscan: error: %s\n", error.describe().c_str());
  return code;
}

int fail(const Error& error) { return fail(error, exit_code_for_error(error)); }

Result<std::string> read_input_text(const std::string& path) {
  std::ostringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(Errc::io, "cannot open " + path);
  ss << in.rdbuf();
  if (in.bad()) return Error(Errc::io, "cannot read " + path);
  return ss.str();
}

}  // namespace pfnscan::cli
