// Small helpers for reading kernel log text: it is bytes, not UTF-8, so every character test goes
// through unsigned char and nothing here assumes more than ASCII.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string_view>

#include "target/vmcoreinfo.hpp"

namespace pfnscan::text {

inline bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
inline bool ends_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }
inline bool contains(std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; }
inline bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
inline bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }
inline bool is_xdigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Up to 16 hex digits, with or without 0x.
inline bool is_hex(std::string_view s) {
  if (starts_with(s, "0x") || starts_with(s, "0X")) s.remove_prefix(2);
  return !s.empty() && s.size() <= 16 && std::all_of(s.begin(), s.end(), is_xdigit);
}

inline std::optional<uint64_t> hex_value(std::string_view s) {
  s = trim(s);
  if (starts_with(s, "0x") || starts_with(s, "0X")) s.remove_prefix(2);
  if (!is_hex(s)) return std::nullopt;
  return parse_u64(s, 16);
}

inline std::optional<uint64_t> dec_value(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 19 || !std::all_of(s.begin(), s.end(), is_digit)) return std::nullopt;
  return parse_u64(s, 10);
}

// The first whitespace-delimited token of s.
inline std::string_view first_token(std::string_view s) {
  s = trim(s);
  std::size_t end = 0;
  while (end < s.size() && !is_space(s[end])) ++end;
  return s.substr(0, end);
}

// The text after the first token (trimmed).
inline std::string_view after_first_token(std::string_view s) {
  s = trim(s);
  return trim(s.substr(first_token(s).size()));
}

// The hex value after `key` ("dar: 8", "at 0x0000000000000008,"), trailing punctuation dropped.
inline std::optional<uint64_t> hex_after(std::string_view s, std::string_view key) {
  std::size_t at = s.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view tok = first_token(s.substr(at + key.size()));
  while (!tok.empty() && (tok.back() == ',' || tok.back() == ':' || tok.back() == ')' || tok.back() == '.')) tok.remove_suffix(1);
  return hex_value(tok);
}

}  // namespace pfnscan::text
