#include "type_files.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "profile.hpp"
#include "scenario.hpp"
#include "scratch.hpp"

namespace testutil {
namespace {

void must(const std::string& command) {
  if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

}  // namespace

std::string scenario_vmlinux(const std::string& name) {
  const std::string base = scratch_dir("pfnscan-unit") + "/" + name;
  const std::string vmlinux = base + ".vmlinux";
  if (std::filesystem::exists(vmlinux)) return vmlinux;
  std::ifstream in(std::string(PFNSCAN_SCENARIO_DIR) + "/" + name + ".json");
  auto s = dumpgen::parse_scenario(nlohmann::json::parse(in));
  std::ofstream(base + ".c") << dumpgen::kernel_types_c(s.profile, s.mem_section_size, s.sparsemem_extreme);
  must("cc -g -O0 -fno-eliminate-unused-debug-types -shared -fPIC -nostdlib -o " + vmlinux + " " + base + ".c");
  return vmlinux;
}

std::string scenario_btf(const std::string& name) {
  const std::string vmlinux = scenario_vmlinux(name);
  const std::string btf = vmlinux + ".btf";
  if (!std::filesystem::exists(btf)) must("pahole --btf_encode_detached=" + btf + " " + vmlinux + " >/dev/null");
  return btf;
}

}  // namespace testutil
