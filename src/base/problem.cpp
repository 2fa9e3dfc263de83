#include "base/problem.hpp"

#include <array>
#include <utility>

namespace pfnscan {
namespace {
constexpr std::array kProblemKinds = {
    std::pair{ProblemKind::damaged_input, "damaged_input"},
    std::pair{ProblemKind::unreadable_roots, "unreadable_roots"},
    std::pair{ProblemKind::unreadable_sections, "unreadable_sections"},
    std::pair{ProblemKind::unreadable_usage, "unreadable_usage"},
    std::pair{ProblemKind::online_without_memmap, "online_without_memmap"},
    std::pair{ProblemKind::unreadable_memmap, "unreadable_memmap"},
    std::pair{ProblemKind::live_unsettled, "live_unsettled"},
    std::pair{ProblemKind::live_reread_failed, "live_reread_failed"},
};
}  // namespace

const char* problem_kind_name(ProblemKind kind) {
  for (auto [k, name] : kProblemKinds)
    if (k == kind) return name;
  return "unknown";
}

std::optional<ProblemKind> problem_kind_from_name(std::string_view name) {
  for (auto [k, n] : kProblemKinds)
    if (name == n) return k;
  return std::nullopt;
}

}  // namespace pfnscan
