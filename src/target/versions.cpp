#include "target/versions.hpp"

#include <bpf/libbpf.h>
#include <elfutils/libdwfl.h>
#include <libkdumpfile/kdumpfile.h>

namespace pfnscan {

std::vector<std::pair<std::string, std::string>> library_versions() {
  return {{"libkdumpfile", KDUMPFILE_VERSION_STRING}, {"libdw", dwfl_version(nullptr)}, {"libbpf", libbpf_version_string()}};
}

}  // namespace pfnscan
