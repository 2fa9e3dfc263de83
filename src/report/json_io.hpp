// Reading and writing the report's JSON. Reading: saved reports and batch records are user
// input, so every field is checked for presence and type and every failure names its path
// ("findings[3].evidence.struct_page is not a hex string"). Writing: kernel text is bytes, not
// UTF-8; this is the one place that decides how it appears in JSON (invalid bytes as "\xHH").
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "report/model.hpp"

namespace pfnscan::report {

// The whole document as text: every string made valid UTF-8 first.
std::string dump_json(const nlohmann::json& j, int indent = -1);
// Kernel bytes as a valid UTF-8 string: valid sequences kept, every other byte as "\xHH".
std::string utf8_text(std::string_view bytes);

// Parses text into JSON without throwing; fails on invalid JSON, invalid UTF-8 or nesting deeper
// than `max_depth`.
Result<nlohmann::json> parse_json(std::string_view text, std::string_view what, unsigned max_depth = 64);

// A JSON value being read, with the path that names it in errors. Its getters throw
// ReadError, which read() below turns into an Error: a reader is a plain function over In.
class In {
 public:
  struct ReadError : std::runtime_error {
    using std::runtime_error::runtime_error;
  };
  In(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {}

  In at(const char* key) const;
  std::optional<In> maybe(const char* key) const;   // absent or null: nullopt
  bool has(const char* key) const;
  std::vector<In> items() const;                    // an array's elements
  std::vector<std::pair<std::string, In>> members() const;

  uint64_t u64() const;
  int64_t i64() const;
  int integer() const;
  double number() const;
  bool boolean() const;
  std::string str() const;
  Hex hex() const;                                  // "0x..." or "<kptr>"
  std::vector<std::string> strings() const;
  const nlohmann::json& json() const { return j_; }
  const std::string& path() const { return path_; }
  [[noreturn]] void fail(const std::string& what) const;

 private:
  const nlohmann::json& j_;
  std::string path_;
};

// Runs a reader over `j`, turning a ReadError into an Errc::format error about `what`.
template <typename T, typename F>
Result<T> read(const nlohmann::json& j, const std::string& what, F&& reader) {
  try {
    return reader(In(j, what));
  } catch (const In::ReadError& e) {
    return Error(Errc::format, e.what());
  } catch (const nlohmann::json::exception& e) {
    return Error(Errc::format, what + ": " + e.what());
  }
}

std::string hex_text(const Hex& h);   // "0x1f" or "<kptr>"

}  // namespace pfnscan::report
