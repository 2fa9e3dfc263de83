#include "log/verdict.hpp"

#include <fmt/format.h>

#include "layout/kernel_facts.hpp"

namespace pfnscan {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::explained: return "explained";
    case Verdict::consistent: return "consistent";
    case Verdict::unrelated: return "unrelated";
    case Verdict::no_panic: return "no-panic";
  }
  return "?";
}

std::optional<Verdict> verdict_from_name(std::string_view name) {
  for (Verdict v : {Verdict::explained, Verdict::consistent, Verdict::unrelated, Verdict::no_panic})
    if (name == verdict_name(v)) return v;
  return std::nullopt;
}

AddressMap::AddressMap() : page_flags(facts::distro_page_flag_layout().value) {}

}  // namespace pfnscan
