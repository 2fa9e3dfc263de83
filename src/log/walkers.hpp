// The kernel's pfn walkers, for recognising one in a call trace (facts §10): the callers of
// pfn_to_online_page() per version, and the other walkers known to trip over uninitialised or
// poisoned memmaps.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/kernel_version.hpp"
#include "log/oops.hpp"

namespace pfnscan {

struct WalkerInfo {
  std::string_view function;
  std::string_view file;
  bool calls_pfn_to_online_page;   // false: walks with pfn_valid()/pfn_to_page()
  KernelVersion since;             // first release in which it walks this way
  KernelVersion until;             // last series, {0,0} = still
  std::string_view why;            // commit or note
};

const std::vector<WalkerInfo>& known_walkers();

struct WalkerMatch {
  const WalkerInfo* walker = nullptr;
  std::string frame;               // the frame as printed
  std::size_t depth = 0;           // 0: the RIP itself, n: n-th frame of the call trace
  bool reliable = true;            // false when only a "? " frame names it
  bool in_release = true;          // false when the release is known and the table says it did not walk then
};

// The walker nearest the fault: the pc (RIP, pc, NIP, PSW) first, then the call trace top-down;
// reliable frames win. The link register counts only when no call trace survived.
std::optional<WalkerMatch> find_walker(const Incident& incident, const std::optional<KernelVersion>& release);

// The loop the walker runs in, outermost first, down to the walker: "compact_zone ->
// isolate_migratepages -> __pageblock_pfn_to_page", "set_zone_contiguous -> __pageblock_pfn_to_page".
// Up to four callers of the walker are followed, stopping at the first function that owns a pfn
// loop or an entry point (compaction, /proc readers, hotplug, kmemleak, ...).
std::vector<std::string> walker_chain(const Incident& incident, const WalkerMatch& walker);

// The function the fault happened in: the pc's (RIP, pc, NIP, PSW) symbol, else the first frame.
std::string faulting_function(const Incident& incident);

// "__handle_sysrq.cold" -> "__handle_sysrq", "foo.isra.0" -> "foo", "foo.constprop.3" -> "foo".
std::string_view base_function_name(std::string_view symbol);

}  // namespace pfnscan
