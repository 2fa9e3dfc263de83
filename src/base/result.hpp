// Errors as values. Every failure that comes from the input (the dump, a vmlinux, the user) travels
// as an Error with the chain of what was being done when it happened; abort() is kept for
// programming errors only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace pfnscan {

enum class Errc {
  usage,        // the caller asked for something impossible (bad option, bad argument)
  io,           // the operating system refused (open, read, mmap)
  format,       // the file is not a dump we understand, or its headers are corrupt
  unreadable,   // an address is not mapped, or not contained in the dump
  excluded,     // the page was filtered out of the dump (makedumpfile -d)
  corrupt,      // a value read from the dump is impossible (wild pointer, absurd count)
  missing,      // a fact we need is absent (symbol, VMCOREINFO line, type member)
  unsupported,  // understood but not handled (architecture, kernel era)
};

const char* errc_name(Errc code);

class Error {
 public:
  Error(Errc code, std::string message) : code_(code), message_(std::move(message)) {}

  Errc code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<std::string>& context() const { return context_; }

  // Adds what the caller was doing; printed outermost first.
  Error& with_context(std::string what) & {
    context_.push_back(std::move(what));
    return *this;
  }
  Error&& with_context(std::string what) && {
    context_.push_back(std::move(what));
    return std::move(*this);
  }

  // "while reading section 3: while reading mem_section_usage at 0x...: address not mapped"
  std::string describe() const;

 private:
  Errc code_;
  std::string message_;
  std::vector<std::string> context_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  Error& error() & { return std::get<1>(v_); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

  T value_or(T fallback) const { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

}  // namespace pfnscan

// Early return of an error, with a context line added.
#define PFNSCAN_TRY_CTX(var, expr, ctx)                            \
  auto var##_result_ = (expr);                                     \
  if (!var##_result_.ok()) return std::move(var##_result_.error()).with_context(ctx); \
  auto& var = var##_result_.value()
