#include "report/json_io.hpp"

#include <fmt/format.h>

#include "report/report.hpp"
#include "target/vmcoreinfo.hpp"

namespace pfnscan::report {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
  if (n == 0 || c > 0xf4 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  if (n == 3 && ((c == 0xe0 && b(i + 1) < 0xa0) || (c == 0xed && b(i + 1) >= 0xa0))) return 0;
  if (n == 4 && ((c == 0xf0 && b(i + 1) < 0x90) || (c == 0xf4 && b(i + 1) >= 0x90))) return 0;
  return n;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = utf8_sequence(s, i);
    if (!n) return false;
    i += n;
  }
  return true;
}

void make_valid(nlohmann::json& j) {
  if (j.is_string()) {
    auto& s = j.get_ref<std::string&>();
    if (!valid_utf8(s)) s = utf8_text(s);
  } else if (j.is_array() || j.is_object()) {
    for (auto& v : j) make_valid(v);
  }
}

// Depth of nesting, without recursion (the checked document comes from a user).
unsigned depth_of(std::string_view text) {
  unsigned depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') deepest = std::max(deepest, ++depth);
    else if ((c == ']' || c == '}') && depth) --depth;
  }
  return deepest;
}

}  // namespace

std::string utf8_text(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    if (std::size_t n = utf8_sequence(bytes, i)) {
      out.append(bytes.substr(i, n));
      i += n;
    } else {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(bytes[i]));
      ++i;
    }
  }
  return out;
}

std::string dump_json(const nlohmann::json& j, int indent) {
  nlohmann::json copy = j;
  make_valid(copy);
  return copy.dump(indent);
}

Result<nlohmann::json> parse_json(std::string_view text, std::string_view what, unsigned max_depth) {
  if (unsigned d = depth_of(text); d > max_depth)
    return Error(Errc::format, fmt::format("{}: JSON nested {} deep (at most {} expected)", what, d, max_depth));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return Error(Errc::format, fmt::format("{} is not valid JSON (or not UTF-8)", what));
  return j;
}

void In::fail(const std::string& what) const { throw ReadError(path_ + " " + what); }

In In::at(const char* key) const {
  if (!j_.is_object()) fail("is not an object");
  auto it = j_.find(key);
  if (it == j_.end()) throw ReadError(path_ + "." + key + " is missing");
  return In(*it, path_ + "." + key);
}

std::optional<In> In::maybe(const char* key) const {
  if (!j_.is_object()) fail("is not an object");
  auto it = j_.find(key);
  if (it == j_.end() || it->is_null()) return std::nullopt;
  return In(*it, path_ + "." + key);
}

bool In::has(const char* key) const { return j_.is_object() && j_.contains(key); }

std::vector<In> In::items() const {
  if (!j_.is_array()) fail("is not an array");
  std::vector<In> out;
  for (std::size_t i = 0; i < j_.size(); ++i) out.emplace_back(j_[i], fmt::format("{}[{}]", path_, i));
  return out;
}

std::vector<std::pair<std::string, In>> In::members() const {
  if (!j_.is_object()) fail("is not an object");
  std::vector<std::pair<std::string, In>> out;
  for (auto it = j_.begin(); it != j_.end(); ++it) out.emplace_back(it.key(), In(it.value(), path_ + "." + it.key()));
  return out;
}

uint64_t In::u64() const {
  if (j_.is_number_unsigned()) return j_.get<uint64_t>();
  if (j_.is_number_integer() && j_.get<int64_t>() >= 0) return static_cast<uint64_t>(j_.get<int64_t>());
  fail("is not an unsigned integer");
}

int64_t In::i64() const {
  if (j_.is_number_integer() && !j_.is_number_unsigned()) return j_.get<int64_t>();
  if (j_.is_number_unsigned() && j_.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(j_.get<uint64_t>());
  fail("is not an integer");
}

int In::integer() const {
  int64_t v = i64();
  if (v < INT32_MIN || v > INT32_MAX) fail("is out of range");
  return static_cast<int>(v);
}

double In::number() const {
  if (!j_.is_number()) fail("is not a number");
  return j_.get<double>();
}

bool In::boolean() const {
  if (!j_.is_boolean()) fail("is not true or false");
  return j_.get<bool>();
}

std::string In::str() const {
  if (!j_.is_string()) fail("is not a string");
  return j_.get<std::string>();
}

Hex In::hex() const {
  std::string s = str();
  if (s == "<kptr>") return Hex{0, true};
  if (s.size() < 3 || s.compare(0, 2, "0x") != 0) fail("is not a hex string (\"0x...\")");
  auto v = parse_u64(s.substr(2), 16);
  if (!v) fail("is not a hex string (\"0x...\")");
  return Hex{*v, false};
}

std::vector<std::string> In::strings() const {
  std::vector<std::string> out;
  for (const In& item : items()) out.push_back(item.str());
  return out;
}

}  // namespace pfnscan::report

namespace pfnscan {
std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }
}  // namespace pfnscan

namespace pfnscan::report {

std::string hex_text(const Hex& h) { return h.redacted ? "<kptr>" : fmt::format("{:#x}", h.value); }

}  // namespace pfnscan::report
