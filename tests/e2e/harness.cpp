#include "harness.hpp"

#include "scratch.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace e2e {

std::string work_dir() {
  static std::string dir = testutil::scratch_dir("pfnscan-e2e");
  return dir;
}

std::vector<std::string> scenario_names() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(PFNSCAN_SCENARIO_DIR))
    if (e.path().extension() == ".json") out.push_back(e.path().stem().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string scenario_path(const std::string& name) { return std::string(PFNSCAN_SCENARIO_DIR) + "/" + name + ".json"; }

nlohmann::json load_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(in);
}

namespace {
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
std::string must(const std::vector<std::string>& argv, const std::string& what) {
  RunResult r = run(argv);
  if (r.exit_code != 0) throw std::runtime_error(fmt::format("{} failed ({}): {}{}", what, r.exit_code, r.out, r.err));
  return r.out;
}
}  // namespace

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RunResult run(const std::vector<std::string>& argv) {
  static std::mutex mu;
  static int counter = 0;
  int n;
  {
    std::lock_guard<std::mutex> lock(mu);
    n = counter++;
  }
  std::string out = fmt::format("{}/run{}.out", work_dir(), n), err = fmt::format("{}/run{}.err", work_dir(), n);
  std::string cmd;
  for (const auto& a : argv) cmd += quote(a) + " ";
  cmd += "</dev/null >" + quote(out) + " 2>" + quote(err);
  int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  fs::remove(out);
  fs::remove(err);
  if (!r.out.empty() && r.out[0] == '{') r.json = nlohmann::json::parse(r.out, nullptr, false);
  return r;
}

std::string make_dump(const std::string& scenario, const std::string& format) {
  static std::mutex mu;
  static std::map<std::string, std::string> cache;
  std::lock_guard<std::mutex> lock(mu);
  std::string key = scenario + "/" + format;
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  std::string path = fmt::format("{}/{}.{}", work_dir(), scenario, format);
  std::vector<std::string> argv = {PFNSCAN_MKDUMP_BIN, scenario_path(scenario), "-o", path};
  std::string format_only = format;
  if (auto plus = format.find('+'); plus != std::string::npos) {  // "elf+log_buf": the printk layout too
    argv.insert(argv.end(), {"--log-layout", format.substr(plus + 1)});
    format_only = format.substr(0, plus);
  }
  nlohmann::json s = load_json(scenario_path(scenario));
  std::string profile = s.at("kernel").at("profile");
  if (profile.rfind("6.", 0) == 0) {
    // 6.x kernels carry their own BTF; the dump holds it like the real kernel image does.
    std::string vmlinux = make_vmlinux(scenario);
    std::string btf = vmlinux + ".btf";
    if (!fs::exists(btf)) must({"pahole", "--btf_encode_detached=" + btf, vmlinux}, "pahole BTF encoding");
    argv.insert(argv.end(), {"--btf", btf});
  }
  const std::string& fmt_ = format_only;
  if (fmt_ == "flat-zlib") argv.insert(argv.end(), {"--format", "kdump-zlib", "--flattened"});
  else if (fmt_ == "kdump-zlib-d1") argv.insert(argv.end(), {"--format", "kdump-zlib", "--exclude-zero"});
  else if (fmt_ == "kdump-qemu") argv.insert(argv.end(), {"--format", "kdump-zlib", "--qemu-header"});
  else argv.insert(argv.end(), {"--format", fmt_});
  must(argv, "pfnscan-mkdump " + key);
  cache[key] = path;
  return path;
}

std::string make_vmlinux(const std::string& scenario) {
  std::string c = fmt::format("{}/{}.c", work_dir(), scenario);
  std::string vmlinux = fmt::format("{}/{}.vmlinux", work_dir(), scenario);
  if (fs::exists(vmlinux)) return vmlinux;
  must({PFNSCAN_MKDUMP_BIN, scenario_path(scenario), "--emit-c", c}, "emitting kernel types");
  must({"cc", "-g", "-O0", "-fno-eliminate-unused-debug-types", "-shared", "-fPIC", "-nostdlib", "-o", vmlinux, c},
       "compiling the test vmlinux");
  return vmlinux;
}

RunResult scan(const std::string& dump, const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {PFNSCAN_BIN, "scan", dump, "--json"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run(argv);
}

std::string test_name(std::string text) {
  for (char& c : text)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return text;
}

uint64_t as_u64(const nlohmann::json& v) {
  if (v.is_number()) return v.get<uint64_t>();
  return std::stoull(v.get<std::string>(), nullptr, 0);
}

}  // namespace e2e
