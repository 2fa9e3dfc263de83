// A per-process scratch directory for tests, removed when every test of the process passed.
#pragma once

#include <string>

namespace testutil {

// PFNSCAN_TEST_TMP (or the system's temporary directory) / <prefix>-<pid>, made on first use.
// ctest runs each test in its own process, many at once, so each has its own; they go when the
// process is done because the whole suite has to fit machines whose disks are nearly full. A
// failed test keeps its files and says where they are.
std::string scratch_dir(const std::string& prefix);

}  // namespace testutil
