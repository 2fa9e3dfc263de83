// The bugs that live in the section / subsection / memmap machinery a pfn walker trips over:
// the pre-5.12 pfn_to_online_page() (pfnscan's own subject) and its neighbours, each with the
// commit that fixed it and the releases it affects, so that a verdict can name the bug and the
// fix rather than only "a walker".
#pragma once

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "base/kernel_version.hpp"

namespace pfnscan {

struct BugFamily {
  std::string_view id;         // stable, for JSON and tests
  std::string_view name;       // one line a person reads
  std::string_view fixed_by;   // the commit(s) and the release
  std::string_view affected;   // the releases, in words
  std::string_view cve;        // "" when none was assigned
};

namespace family {
constexpr std::string_view kZoneDevice = "pfn_to_online_page_zone_device";
constexpr std::string_view kUsageRace = "section_usage_race";
constexpr std::string_view kAltmap = "altmap_uninitialised_memmap";
constexpr std::string_view kHoles = "uninitialised_memmap_online_section";
}  // namespace family

const std::vector<BugFamily>& bug_families();
const BugFamily* bug_family(std::string_view id);

enum class FixStatus { fixed, affected, not_affected, unknown };
const char* fix_status_name(FixStatus s);

// Whether `release` carries the family's fix; for the holes family the fix depends on the
// walker that tripped (`walker`, a function name, may be empty).
FixStatus fix_status(std::string_view family_id, const std::optional<KernelVersion>& release, std::string_view walker);

// The first release (major, minor) with the family's fix; nullopt where it depends on a stable
// sublevel or the table has none.
std::optional<std::pair<int, int>> first_fixed_release(std::string_view family_id, std::string_view walker);

// The commit that taught `walker` to skip uninitialised memmaps of holes and firmware-reserved
// ranges in online sections (or fixed their initialisation), with its release; nullopt if the
// table has none.
struct HoleFix {
  std::string_view walker;
  std::string_view fix;        // "a26ee565b6cd (v5.4, Cc stable 4.13+)"
  int major, minor;            // first release with the fix
  std::string_view what;       // how it tripped
};
std::optional<HoleFix> hole_fix(std::string_view walker);

}  // namespace pfnscan
