#include "scenario.hpp"

#include <fstream>
#include <stdexcept>

namespace dumpgen {

namespace {
uint64_t number(const nlohmann::json& j, const char* key, uint64_t fallback = 0) {
  if (!j.contains(key)) return fallback;
  const auto& v = j.at(key);
  if (v.is_number_unsigned() || v.is_number_integer()) return v.get<uint64_t>();
  if (v.is_string()) return std::stoull(v.get<std::string>(), nullptr, 0);
  throw std::runtime_error(std::string("field ") + key + " must be a number or a numeric string");
}
}  // namespace

Scenario parse_scenario(const nlohmann::json& j) {
  Scenario s;
  s.name = j.at("name").get<std::string>();
  s.description = j.value("description", "");
  const auto& k = j.at("kernel");
  std::string profile = k.at("profile").get<std::string>();
  if (!profile_by_name(profile, s.profile)) throw std::runtime_error("unknown profile " + profile);
  s.release = k.at("release").get<std::string>();
  s.uts_version = k.value("uts_version", "#1 SMP");
  s.mem_section_size = k.value("mem_section_size", 32);
  if (s.mem_section_size != 16 && s.mem_section_size != 32) throw std::runtime_error("mem_section_size must be 16 or 32");
  s.sparsemem_extreme = k.value("sparsemem_extreme", true);
  s.numa = k.value("numa", true);
  s.kaslr_seed = number(k, "kaslr_seed", 1);
  s.hole_memmap = j.value("hole_memmap", "init");
  for (const auto& o : j.at("memory")) {
    Op op;
    op.op = o.at("op").get<std::string>();
    op.start = number(o, "start");
    op.end = number(o, "end");
    op.section = number(o, "section");
    op.root = number(o, "root");
    op.value = number(o, "value");
    op.poison = o.value("poison", false);
    op.online = o.value("online", true);
    s.ops.push_back(op);
  }
  if (j.contains("vmcoreinfo_override")) s.vmcoreinfo_override = j.at("vmcoreinfo_override");
  s.vmcoreinfo_garbage = j.value("vmcoreinfo_garbage", false);
  if (j.contains("expect")) s.expect = j.at("expect");
  return s;
}

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open scenario " + path);
  return parse_scenario(nlohmann::json::parse(in));
}

}  // namespace dumpgen
