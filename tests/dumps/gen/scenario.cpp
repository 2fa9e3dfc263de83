#include "scenario.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
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

std::vector<LogRecord> parse_log_text(const std::string& text) {
  std::vector<LogRecord> out;
  std::istringstream in(text);
  std::string line;
  uint64_t last_ts = 0;
  while (std::getline(in, line)) {
    LogRecord r;
    std::size_t i = 0;
    if (line.size() > 2 && line[0] == '<' && std::isdigit(static_cast<unsigned char>(line[1])) && line[2] == '>') {
      r.level = line[1] - '0';
      i = 3;
    }
    bool stamped = false;
    if (i < line.size() && line[i] == '[') {
      std::size_t close = line.find(']', i);
      std::string ts = line.substr(i + 1, close - i - 1);
      std::size_t dot = ts.find('.');
      if (close != std::string::npos && dot != std::string::npos) {
        r.ts_nsec = std::stoull(ts.substr(0, dot)) * 1000000000 + std::stoull(ts.substr(dot + 1)) * 1000;
        stamped = true;
        i = close + 1;
        if (i < line.size() && line[i] == ' ') ++i;
      }
    }
    if (!stamped) r.ts_nsec = last_ts + 1000;
    last_ts = r.ts_nsec;
    if (i < line.size() && line[i] == '[') {  // caller id
      std::size_t close = line.find(']', i);
      std::string c = line.substr(i + 1, close - i - 1);
      c.erase(0, c.find_first_not_of(' '));
      if (close != std::string::npos && c.size() > 1 && (c[0] == 'T' || c[0] == 'C')) {
        r.caller_id = static_cast<uint32_t>(std::stoul(c.substr(1))) | (c[0] == 'C' ? 0x80000000u : 0u);
        i = close + 1;
        if (i < line.size() && line[i] == ' ') ++i;
      }
    }
    if (line.compare(i, 3, "<c>") == 0) {
      r.cont = true;
      i += 3;
    }
    r.text = line.substr(i);
    out.push_back(std::move(r));
  }
  return out;
}

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
  if (j.contains("log")) {
    for (const auto& r : j.at("log")) {
      LogRecord rec;
      rec.ts_nsec = number(r, "ts_nsec");
      rec.level = r.value("level", 6);
      rec.facility = r.value("facility", 0);
      rec.text = r.at("text").get<std::string>();
      rec.dataless = r.value("dataless", false);
      s.log.push_back(std::move(rec));
    }
  } else {
    const char* lines[] = {"Linux version {} (debian-kernel@lists.debian.org) {}",
                           "Command line: BOOT_IMAGE=/vmlinuz root=/dev/vda1 memmap=96M!160M crashkernel=256M",
                           "BIOS-provided physical RAM map:",
                           "user-defined physical RAM map:",
                           "nd_pmem namespace0.0: unable to guarantee persistence of writes",
                           "pmem0: detected capacity change from 0 to 100663296"};
    uint64_t ts = 0;
    for (const char* l : lines) {
      LogRecord rec;
      std::string text = l;
      if (auto at = text.find("{}"); at != std::string::npos) text.replace(at, 2, s.release);
      if (auto at = text.find("{}"); at != std::string::npos) text.replace(at, 2, s.uts_version);
      rec.text = text;
      rec.ts_nsec = ts;
      rec.level = text.rfind("nd_pmem", 0) == 0 ? 4 : 6;
      ts += 123456789;
      s.log.push_back(std::move(rec));
    }
  }
  s.log_layout = j.value("log_layout", "");
  if (!s.log_layout.empty() && s.log_layout != "ringbuffer" && s.log_layout != "log_buf")
    throw std::runtime_error("log_layout must be ringbuffer or log_buf");
  s.log_caller_ids = j.value("log_caller_ids", false);
  s.printk_count_bits_claimed = j.value("printk_count_bits_claimed", 0u);
  s.printk_first_id = number(j, "printk_first_id");
  s.printk_text_start = number(j, "printk_text_start");
  s.log_buf_start = number(j, "log_buf_start");
  if (j.contains("vmcoreinfo_override")) s.vmcoreinfo_override = j.at("vmcoreinfo_override");
  s.vmcoreinfo_garbage = j.value("vmcoreinfo_garbage", false);
  if (j.contains("expect")) s.expect = j.at("expect");
  return s;
}

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open scenario " + path);
  nlohmann::json j = nlohmann::json::parse(in);
  Scenario s = parse_scenario(j);
  // "log_files": kernel log text appended after the boot log, relative to the scenario file.
  if (j.contains("log_files")) {
    for (const auto& f : j.at("log_files")) {
      auto file = std::filesystem::path(path).parent_path() / f.get<std::string>();
      std::ifstream lf(file);
      if (!lf) throw std::runtime_error("cannot open log file " + file.string());
      std::stringstream ss;
      ss << lf.rdbuf();
      for (auto& r : parse_log_text(ss.str())) s.log.push_back(std::move(r));
    }
  }
  return s;
}

}  // namespace dumpgen
