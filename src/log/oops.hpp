// Oopses, BUGs and panics found in kernel log text: what a person reads off an oops, as data.
// The parser takes lines from a dump's log or from a plain file (dmesg, syslog, journal,
// netconsole, a mail), with or without timestamps and caller ids, in the x86_64, arm64, powerpc
// (including xmon) and s390 formats of 4.19 to 6.12.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "log/log_lines.hpp"

namespace pfnscan {

struct StackFrame {
  std::string symbol;          // "kpageflags_read", "__handle_sysrq.cold"
  uint64_t offset = 0;
  uint64_t size = 0;
  std::string module;          // "" for vmlinux
  std::optional<uint64_t> address;  // pre-4.15 style "[<ffffffff81234567>]"
  bool reliable = true;        // false for "? " frames
  std::string stack = "task";  // "task", "irq", "softirq", "nmi", or an exception stack ("#DB", "#MC", ...)
                               // (unreliable: x86 "? ", powerpc "(unreliable)", s390's "(...)" r14 frame)
  std::string text() const;    // "func+0x12/0x34 [mod]"
};

struct PageDump {
  std::optional<uint64_t> address;   // raw %px pointer (4.19-5.13); nullopt when hashed
  std::string printed;               // as printed ("00000000a1b2c3d4", "(____ptrval____)", "ffffea0000280000")
  bool hashed = false;
  std::optional<uint64_t> pfn;       // "pfn:0x..." (5.8+)
  std::optional<uint64_t> flags;     // "flags: 0x..." or the first raw word of a poisoned page
  std::optional<int> zone;           // "zone=N" inside the flags decoding
  bool poisoned = false;             // "is uninitialized and poisoned"
  std::vector<uint64_t> raw;         // "raw:" words
  std::string reason;                // "page dumped because: ..."
  std::size_t line = 0;
};

enum class IncidentKind {
  poisoned_page,            // page:... is uninitialized and poisoned (+ the BUG it leads to)
  vm_bug_on_page,           // VM_BUG_ON_PAGE: a page dump with its reason, then kernel BUG
  bug,                      // kernel BUG at file:line! or another "BUG:" line
  page_fault,               // BUG: unable to handle page fault / paging request / NULL pointer dereference
  general_protection_fault,
  oops,                     // an "Oops:" header with nothing more specific
  panic,                    // Kernel panic - not syncing, with no oops before it
};
const char* incident_kind_name(IncidentKind kind);
std::optional<IncidentKind> incident_kind_from_name(std::string_view name);

struct Incident {
  IncidentKind kind = IncidentKind::oops;
  std::string title;                 // the line that says what happened
  std::size_t first_line = 0, last_line = 0;  // indices into the parsed lines
  std::optional<uint64_t> ts_nsec;   // of the first line, when it carried one
  std::string bug_file;              // kernel BUG at <file>:<line>!
  int bug_line = 0;
  std::optional<uint64_t> fault_address;  // page fault address, or GPF's non-canonical address
  std::string fault_detail;          // "#PF: supervisor read access in kernel mode; error_code(0x0000) - not-present page"
  std::string oops_header;           // "Oops: 0000 [#1] SMP PTI", "invalid opcode: 0000 [#1] SMP NOPTI"
  std::string panic_message;         // text after "Kernel panic - not syncing: "
  std::optional<int> cpu;
  std::optional<int> pid;
  std::string comm;
  std::optional<std::string> tainted;  // "" when "Not tainted"; else the flag letters ("G B W")
  std::string release;
  std::string build;                 // the rest of the CPU line ("#1 Debian 6.1.192-2")
  std::string hardware;
  std::string arch;                  // "x86_64", "arm64", "powerpc", "s390"; "" when nothing says
  std::string arch_evidence;         // what decided it ("the 'pc :' line", "the release 5.10.0-21-arm64")
  std::optional<StackFrame> rip;     // the faulting pc: x86 RIP (CS 0010), arm64 "pc :", powerpc NIP, s390 PSW
  std::string rip_text;              // as printed after "RIP: " / "pc : " / "NIP " / "Krnl PSW : "
  std::optional<StackFrame> lr;      // the link register (arm64 "lr :", powerpc "LR"), when printed
  std::string lr_text;
  std::optional<StackFrame> breaking_event;  // s390 "Last Breaking-Event-Address:"
  std::string paging;                // arm64 "swapper pgtable: 4k pages, 48-bit VAs", powerpc "LE PAGE_SIZE=64K MMU=Radix ..."
  std::vector<std::map<std::string, uint64_t>> registers;  // [0]: the oops's own register dump
                                                           // (x86 "RAX", arm64 "x0", powerpc/s390 "r0")
  std::vector<StackFrame> call_trace;
  std::vector<PageDump> pages;
  std::vector<uint64_t> pfns_in_text;  // "Memory failure: 0x...", "soft offline: 0x...", "pfn:0x..." outside page dumps
  std::vector<std::string> ubsan;      // UBSAN reports ("index 7 is out of range for type 'zone [5]'")
  std::optional<uint64_t> kernel_offset;  // "Kernel Offset: 0x..."
  bool kernel_offset_disabled = false;    // "Kernel Offset: disabled" (no KASLR)
  std::vector<std::string> repairs;       // what was mended in its lines (lines_from_text)
  bool call_trace_ended = false;
  bool truncated = false;            // the log ends inside it (no end-of-trace marker, or no trace)
  std::optional<uint32_t> caller;    // caller id its lines came from, when the log has them
  bool is_panic() const { return !panic_message.empty(); }
};

std::vector<Incident> parse_oopses(const std::vector<OopsInputLine>& lines);

}  // namespace pfnscan
