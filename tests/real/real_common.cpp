#include "real_common.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "harness.hpp"

namespace real {

std::string dumps_dir() {
  const char* d = std::getenv("PFNSCAN_REAL_DUMPS");
  return d ? d : PFNSCAN_REAL_DUMPS_DEFAULT;
}

const nlohmann::json& manifest() {
  static const nlohmann::json m = [] {
    std::string path = dumps_dir() + "/manifest.json";
    if (!std::filesystem::exists(path)) throw std::runtime_error("no real dumps at " + dumps_dir() + ": run scripts/real-dumps/make-dumps.sh");
    return e2e::load_json(path);
  }();
  return m;
}

std::string vmlinux_for(const std::string& series) { return manifest().at(series).at("vmlinux"); }

const std::vector<Expectation>& expectations() {
  static const std::vector<Expectation> all = [] {
    std::vector<Expectation> out;
    const nlohmann::json data = e2e::load_json(PFNSCAN_REAL_EXPECTATIONS);
    for (const auto& d : data.at("dumps")) {
      Expectation x{d.at("series"), d.at("file"), {}, {}, d.value("raw", false), d.value("panic", false), d.value("exit", 0)};
      for (const auto& r : d.at("ranges")) x.ranges.push_back({e2e::as_u64(r[0]), e2e::as_u64(r[1]), r[2].get<uint64_t>(), r[3]});
      for (const auto& [nr, map] : d.at("maps").items()) x.maps[std::stoull(nr)] = map.get<std::string>();
      out.push_back(std::move(x));
    }
    return out;
  }();
  return all;
}

std::string fact_source(const nlohmann::json& report, const std::string& id) {
  for (const auto& p : report.at("provenance"))
    if (p.value("id", "") == id) return p.at("source");
  return "";
}

}  // namespace real
