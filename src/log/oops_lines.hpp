// Single oops lines, recognised and taken apart: each function reads one line in the format some
// architecture prints it (arch/x86/kernel/dumpstack.c, arch/arm64/kernel/traps.c and
// mm/fault.c, arch/powerpc/kernel/process.c and xmon, arch/s390/kernel/dumpstack.c) and knows
// nothing of the lines around it; the parser's state machine does that.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "log/oops.hpp"

namespace pfnscan::oops_lines {

using Registers = std::map<std::string, uint64_t>;

// "func+0x12/0x34 [mod]", "func.cold+0x44/0x11c".
std::optional<StackFrame> symbol_offset(std::string_view s);

// A call-trace line of any architecture:
//   x86/arm64 "func+0x12/0x34 [mod]", "? func+...", "[<ffffffff81234567>] func+..." (old);
//   powerpc   "[c00000000fe2fb90] [c000000000456700] func+0x1a0/0x4b0 (unreliable)";
//   xmon      "[c00000000fe2fb90] c000000000456700 func+0x1a0/0x4b0";
//   s390      " [<000000000034b6b2>] func+0x62/0xd8" and "([<...>] func+...)" (r14, unreliable).
std::optional<StackFrame> frame(std::string_view s);

// A fault that opens an oops: the architecture that prints it this way, the kind and the address.
struct FaultOpener {
  std::string arch;  // "" when several print it so
  IncidentKind kind = IncidentKind::page_fault;
  std::optional<uint64_t> address;
};
std::optional<FaultOpener> fault_opener(std::string_view t);

// The header with the die counter: x86 "Oops: 0000 [#1]" / "invalid opcode: 0000 [#1]", arm64
// "Internal error: Oops: 96000006 [#1]", powerpc "Oops: Kernel access of bad area, sig: 11 [#1]",
// s390 "Oops: 0004 ilc:3 [#1]" / "illegal operation: 0001 ilc:1 [#1]". Returns the architecture
// it names ("" if several print it so).
std::optional<std::string> oops_header(std::string_view t);

// Where the fault happened or will return to: x86 "RIP: 0010:func", arm64 "pc : func" / "lr :",
// "PC is at" / "LR is at" (before 4.14), powerpc "NIP [addr] func" / "LR [addr] func", xmon
// "pc: addr: func" / "lr: addr: func", s390 "Krnl PSW : mask addr (func)".
struct PcLine {
  enum Which { pc, lr } which = pc;
  std::string arch;
  std::string text;                 // as printed after the label
  std::optional<StackFrame> frame;
  bool kernel = true;               // false for an x86 user-mode RIP (CS 0033)
};
std::optional<PcLine> pc_line(std::string_view t);

// Register dumps. x86 "RAX: ... RBX: ...", "RSP: 0018:ffff..." and the FS/CS/CR lines; powerpc
// "NIP:  ... LR: ... CTR:", "MSR:", "CFAR: ... DAR:" use the same "NAME: value" shape.
bool is_named_register_line(std::string_view t);
Registers named_registers(std::string_view t);
// arm64 "x29: ffff... x28: 0000..." (two or three columns), "sp : ffff...".
bool is_arm64_register_line(std::string_view t);
Registers arm64_registers(std::string_view t);
// powerpc "GPR08: w8 w9 w10 w11" -> r8..r11.
bool is_ppc_gpr_line(std::string_view t);
Registers ppc_gprs(std::string_view t);
// xmon's "R00 = c000000000045678   R16 = 0000000000000000" -> r0, r16.
bool is_xmon_register_line(std::string_view t);
Registers xmon_registers(std::string_view t);
// s390: "Krnl GPRS: w0 w1 w2 w3" and the three lines of four words that follow it.
bool is_s390_gprs_line(std::string_view t);
std::optional<std::vector<uint64_t>> hex_words(std::string_view t);

// xmon's entry "cpu 0x1: Vector: 700 (Program Check) at [c000000274087890]".
struct XmonVector {
  int cpu = 0;
  unsigned vector = 0;
  std::string what;  // "Program Check", "Data Access"
};
std::optional<XmonVector> xmon_vector(std::string_view t);

// "CPU: 3 PID: 2345 Comm: page-types Not tainted 5.10.0-21-cloud-amd64 #1 Debian 5.10.162-1".
struct CpuLine {
  int cpu = 0;
  std::optional<int> pid;
  std::string comm;
  std::optional<std::string> tainted;
  std::string release, build;
};
std::optional<CpuLine> cpu_line(std::string_view t);

// The architecture a release string names ("5.10.0-21-arm64", "4.18.0-305.el8.ppc64le").
std::string arch_of_release(std::string_view release);

}  // namespace pfnscan::oops_lines
