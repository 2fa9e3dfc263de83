// The versions of the libraries that read dumps and types, for `pfnscan --version -v` and bug
// reports.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pfnscan {

// (name, version) of libkdumpfile, libdw and libbpf as this binary uses them.
std::vector<std::pair<std::string, std::string>> library_versions();

}  // namespace pfnscan
