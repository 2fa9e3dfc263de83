#include "target/vmcoreinfo.hpp"

#include <cerrno>
#include <cstdlib>

namespace pfnscan {

std::optional<uint64_t> parse_u64(std::string_view text, int base) {
  if (text.empty() || text.size() > 66) return std::nullopt;
  std::string s(text);
  if (s[0] == '-' || s[0] == '+' || s[0] == ' ') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s.c_str(), &end, base);
  if (errno != 0 || end == s.c_str() || *end != '\0') return std::nullopt;
  return static_cast<uint64_t>(v);
}

std::optional<int64_t> parse_i64(std::string_view text) {
  if (text.empty() || text.size() > 66) return std::nullopt;
  std::string s(text);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 0);
  if (errno != 0 || end == s.c_str() || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(v);
}

VmcoreInfo VmcoreInfo::parse(std::string_view text) {
  VmcoreInfo info;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    while (!line.empty() && (line.back() == '\0' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) continue;
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      ++info.malformed_;
      continue;
    }
    info.entries_.insert_or_assign(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
  }
  return info;
}

bool VmcoreInfo::has(std::string_view key) const { return entries_.find(key) != entries_.end(); }

std::optional<std::string> VmcoreInfo::get(std::string_view key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

Result<uint64_t> VmcoreInfo::unsigned_value(const std::string& key, int base) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return Error(Errc::missing, "VMCOREINFO has no " + key);
  auto v = parse_u64(it->second, base);
  if (!v) return Error(Errc::corrupt, "VMCOREINFO " + key + "=" + it->second + " is not a number");
  return *v;
}

Result<uint64_t> VmcoreInfo::symbol(std::string_view name) const {
  return unsigned_value("SYMBOL(" + std::string(name) + ")", 16);
}
Result<uint64_t> VmcoreInfo::size(std::string_view name) const {
  return unsigned_value("SIZE(" + std::string(name) + ")", 10);
}
Result<uint64_t> VmcoreInfo::offset(std::string_view name) const {
  return unsigned_value("OFFSET(" + std::string(name) + ")", 10);
}
Result<uint64_t> VmcoreInfo::length(std::string_view name) const {
  return unsigned_value("LENGTH(" + std::string(name) + ")", 10);
}
Result<uint64_t> VmcoreInfo::hex(std::string_view key) const { return unsigned_value(std::string(key), 16); }

Result<int64_t> VmcoreInfo::number(std::string_view name) const {
  std::string key = "NUMBER(" + std::string(name) + ")";
  auto it = entries_.find(key);
  if (it == entries_.end()) return Error(Errc::missing, "VMCOREINFO has no " + key);
  if (auto v = parse_i64(it->second)) return *v;
  // Values above INT64_MAX printed as unsigned (e.g. %lu masks).
  if (auto u = parse_u64(it->second, 0)) return static_cast<int64_t>(*u);
  return Error(Errc::corrupt, "VMCOREINFO " + key + "=" + it->second + " is not a number");
}

Result<std::string> VmcoreInfo::string(std::string_view key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return Error(Errc::missing, "VMCOREINFO has no " + std::string(key));
  return it->second;
}

}  // namespace pfnscan
