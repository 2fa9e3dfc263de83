// The oops parser's state for one open incident, and the lines that can only continue one
// (register dumps, pc lines, call-trace frames, page-dump details). Internal to the log layer:
// oops_parser.cpp opens and closes incidents, oops_body.cpp reads the lines in between.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "log/oops.hpp"

namespace pfnscan::oops_detail {

constexpr std::size_t kNoRegisterSet = ~std::size_t{0};
constexpr unsigned kNoGprPending = 16;

struct OpenIncident {
  Incident inc;
  bool active = false;       // lines still belong to it
  bool in_trace = false;
  bool header_seen = false;  // an Oops/invalid opcode/GPF/xmon line: the oops proper has begun
  bool bug_seen = false;
  bool only_pages = true;    // nothing but page dumps and "cut here" so far
  bool cut_here_only = false;
  bool after_end_trace = false;
  bool xmon = false;                       // powerpc's debugger printed it
  bool breaking_event_next = false;        // s390: the next frame is the last breaking-event address
  unsigned s390_gpr_next = kNoGprPending;  // the next r-register a "Krnl GPRS" continuation line holds
  std::string stack = "task";
  std::size_t regs_set = 0;  // which register set the next register lines go to
  uint8_t repairs = 0;       // LineRepair bits of the lines it consumed
};

// Records that line i (with its repairs) belongs to the incident.
inline void touch(OpenIncident& o, std::size_t i, uint8_t repairs) {
  o.inc.last_line = i;
  o.repairs |= repairs;
}

// The first evidence of the architecture wins.
void note_arch(Incident& inc, std::string_view arch, std::string_view why);

enum class BodyResult {
  skipped,        // not a line of this incident (an interleaved message)
  consumed,
  ends_incident,  // "---[ end Kernel panic": nothing follows
};
BodyResult body_line(OpenIncident& o, std::string_view t);

}  // namespace pfnscan::oops_detail
