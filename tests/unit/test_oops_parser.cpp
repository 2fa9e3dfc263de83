// The oops parser on texts written in the kernel's own formats, version by version (facts §7, and
// the x86 oops layout of arch/x86/kernel/dumpstack.c and fault.c), with the prefixes logs carry
// (dmesg, syslog, journal, netconsole) and with interleaved and truncated oopses.
#include <gtest/gtest.h>

#include <string>

#include "session/log_verdict.hpp"
#include "log/verdict.hpp"

using namespace pfnscan;

namespace {

std::vector<Incident> parse(const std::string& text) { return parse_oopses(lines_from_text(text)); }

// 4.19: "unable to handle kernel paging request at", raw pointers, stable_page_flags on an
// all-ones compound_head (the /proc/kpageflags reports on LKML).
const char* k419_kpageflags = R"([ 5562.081244] BUG: unable to handle kernel paging request at fffffffffffffffe
[ 5562.081249] PGD 3c10e067 P4D 3c10e067 PUD 3c110067 PMD 0 
[ 5562.081253] Oops: 0000 [#1] SMP PTI
[ 5562.081256] CPU: 2 PID: 1622 Comm: page-types Tainted: G        W         4.19.0-27-amd64 #1 Debian 4.19.316-1
[ 5562.081258] Hardware name: Red Hat KVM, BIOS 0.5.1 01/01/2011
[ 5562.081262] RIP: 0010:stable_page_flags+0x27/0x3c0
[ 5562.081264] Code: 00 00 00 00 0f 1f 44 00 00 48 85 ff 0f 84 4d 02 00 00 41 54 55 53 48 89 fb 48 8b 47 08 48 8b 2f a8 01 0f 85 87 02 00 00 48 89 <48> 8b 00 e8 5a 63 ee ff
[ 5562.081266] RSP: 0018:ffffa8e7c0b7fe08 EFLAGS: 00010202
[ 5562.081268] RAX: fffffffffffffffe RBX: ffffe3a240280000 RCX: 0000000000000000
[ 5562.081269] RDX: 0000000000000001 RSI: 0000000000000000 RDI: ffffe3a240280000
[ 5562.081270] RBP: ffffffffffffffff R08: 0000000000000000 R09: 0000000000000000
[ 5562.081272] R10: 0000000000000000 R11: 0000000000000000 R12: 0000000000000008
[ 5562.081273] R13: 000000000000a000 R14: ffffa8e7c0b7ff08 R15: 00007ffe2a1b9f50
[ 5562.081274] FS:  00007f0f3c4a7540(0000) GS:ffff9a4b7eb00000(0000) knlGS:0000000000000000
[ 5562.081276] CS:  0010 DS: 0000 ES: 0000 CR0: 0000000080050033
[ 5562.081277] CR2: fffffffffffffffe CR3: 000000003c1fa003 CR4: 00000000003606e0
[ 5562.081280] Call Trace:
[ 5562.081285]  kpageflags_read+0xb6/0x130
[ 5562.081289]  proc_reg_read+0x39/0x60
[ 5562.081292]  __vfs_read+0x36/0x180
[ 5562.081295]  vfs_read+0x8a/0x130
[ 5562.081298]  ksys_pread64+0x6f/0xa0
[ 5562.081301]  do_syscall_64+0x53/0x110
[ 5562.081304]  entry_SYSCALL_64_after_hwframe+0x44/0xa9
[ 5562.081306] RIP: 0033:0x7f0f3c3b11b7
[ 5562.081310] RSP: 002b:00007ffe2a1b9f18 EFLAGS: 00000246 ORIG_RAX: 0000000000000011
[ 5562.081312] RAX: ffffffffffffffda RBX: 0000000000000000 RCX: 00007f0f3c3b11b7
[ 5562.081330] Modules linked in: nd_pmem nd_btt dax_pmem device_dax nd_e820 libnvdimm
[ 5562.081350] CR2: fffffffffffffffe
[ 5562.081353] ---[ end trace 2b4b9f1cdc2a6a7e ]---
[ 5562.081356] RIP: 0010:stable_page_flags+0x27/0x3c0
[ 5562.081360] RAX: fffffffffffffffe RBX: ffffe3a240280000 RCX: 0000000000000000
)";

// 4.19: pr_emerg poisoned line with raw %px pointer, from page_to_nid() under memory_failure.
const char* k419_poisoned = R"(<0>[  120.000001] page:ffffe3a240280000 is uninitialized and poisoned
<1>[  120.000002] raw: ffffffffffffffff ffffffffffffffff ffffffffffffffff ffffffffffffffff
<1>[  120.000003] raw: ffffffffffffffff ffffffffffffffff ffffffffffffffff ffffffffffffffff
<1>[  120.000004] page dumped because: VM_BUG_ON_PAGE(PagePoisoned(p))
<4>[  120.000005] ------------[ cut here ]------------
<2>[  120.000006] kernel BUG at include/linux/mm.h:990!
<4>[  120.000007] invalid opcode: 0000 [#1] SMP PTI
<4>[  120.000008] CPU: 0 PID: 999 Comm: bash Not tainted 4.19.0-27-amd64 #1 Debian 4.19.316-1
<4>[  120.000009] RIP: 0010:memory_failure+0x4d5/0x5e0
<4>[  120.000010] RSP: 0018:ffffa8e7c0b7fd80 EFLAGS: 00010246
<4>[  120.000011] RAX: 0000000000000034 RBX: ffffe3a240280000 RCX: 0000000000000000
<4>[  120.000012] Call Trace:
<4>[  120.000013]  ? __handle_mm_fault+0x5e8/0x1280
<4>[  120.000014]  hwpoison_inject+0x10c/0x1a0 [hwpoison_inject]
<4>[  120.000015]  simple_attr_write+0xa8/0xd0
<4>[  120.000016] ---[ end trace 0000000000000001 ]---
<0>[  120.000017] Kernel panic - not syncing: Fatal exception
)";

// 6.12: "Oops:" prefix on the GPF line, UID on the CPU line, IRQ stack in the trace.
const char* k612_gpf = R"([ 77.100000] Oops: general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP NOPTI
[ 77.100001] CPU: 2 UID: 0 PID: 0 Comm: swapper/2 Not tainted 6.12.117 #1
[ 77.100002] RIP: 0010:isolate_freepages_block+0x1a2/0x4b0
[ 77.100003] RSP: 0018:ffffc900001e8e58 EFLAGS: 00010246
[ 77.100004] RAX: dead000000000100 RBX: 0000000000000000 RCX: 0000000000000000
[ 77.100005] Call Trace:
[ 77.100006]  <IRQ>
[ 77.100007]  ? die_addr+0x36/0x90
[ 77.100008]  ? exc_general_protection+0x1c1/0x420
[ 77.100009]  </IRQ>
[ 77.100010]  <TASK>
[ 77.100011]  compaction_alloc+0x3b1/0xa10
[ 77.100012]  migrate_pages_batch+0x1e6/0xa70
[ 77.100013]  </TASK>
[ 77.100014] ---[ end trace 0000000000000000 ]---
[ 77.100015] Kernel panic - not syncing: Fatal exception in interrupt
)";

}  // namespace

TEST(OopsParser, Linux419PagingRequestOnAllOnesCompoundHead) {
  auto inc = parse(k419_kpageflags);
  ASSERT_EQ(inc.size(), 1u);
  const Incident& i = inc[0];
  EXPECT_EQ(i.kind, IncidentKind::page_fault);
  ASSERT_TRUE(i.fault_address);
  EXPECT_EQ(*i.fault_address, 0xfffffffffffffffeull);
  EXPECT_EQ(i.cpu, 2);
  EXPECT_EQ(i.pid, 1622);
  EXPECT_EQ(i.comm, "page-types");
  EXPECT_EQ(i.tainted, "G W");
  EXPECT_EQ(i.release, "4.19.0-27-amd64");
  ASSERT_TRUE(i.rip);
  EXPECT_EQ(i.rip->symbol, "stable_page_flags");
  EXPECT_EQ(i.rip->offset, 0x27u);
  EXPECT_EQ(i.rip->size, 0x3c0u);
  ASSERT_EQ(i.call_trace.size(), 7u);
  EXPECT_EQ(i.call_trace[0].symbol, "kpageflags_read");
  ASSERT_FALSE(i.registers.empty());
  EXPECT_EQ(i.registers[0].at("RBX"), 0xffffe3a240280000ull);
  EXPECT_EQ(i.registers[0].at("RBP"), ~uint64_t{0});
  EXPECT_EQ(i.registers[0].at("CR2"), 0xfffffffffffffffeull);
  EXPECT_EQ(i.registers[0].at("GS"), 0xffff9a4b7eb00000ull);
  EXPECT_EQ(i.registers[0].at("RSP"), 0xffffa8e7c0b7fe08ull);
  EXPECT_EQ(i.registers[1].at("RSP"), 0x00007ffe2a1b9f18ull);  // the user frame's, inside the trace
  EXPECT_TRUE(i.call_trace_ended);
  EXPECT_FALSE(i.truncated);
  EXPECT_FALSE(i.is_panic());
  auto v = judge_incidents(inc, AddressMap{}, {}, {}, std::nullopt);
  ASSERT_EQ(v.verdicts.size(), 1u);
  EXPECT_EQ(v.verdicts[0].verdict, Verdict::consistent);
  ASSERT_TRUE(v.verdicts[0].walker);
  EXPECT_EQ(v.verdicts[0].walker->walker->function, "kpageflags_read");
  EXPECT_EQ(v.verdicts[0].signatures, std::vector<std::string>{"all_ones_compound_head"});
}

TEST(OopsParser, Linux419PoisonedWithLevelsAndModuleFrames) {
  auto inc = parse(k419_poisoned);
  ASSERT_EQ(inc.size(), 1u);
  const Incident& i = inc[0];
  EXPECT_EQ(i.kind, IncidentKind::poisoned_page);
  ASSERT_EQ(i.pages.size(), 1u);
  EXPECT_TRUE(i.pages[0].poisoned);
  ASSERT_TRUE(i.pages[0].address);
  EXPECT_EQ(*i.pages[0].address, 0xffffe3a240280000ull);
  EXPECT_EQ(i.pages[0].raw.size(), 8u);
  EXPECT_EQ(i.pages[0].flags, ~uint64_t{0});
  EXPECT_EQ(i.pages[0].reason, "VM_BUG_ON_PAGE(PagePoisoned(p))");
  EXPECT_EQ(i.bug_file, "include/linux/mm.h");
  EXPECT_EQ(i.bug_line, 990);
  EXPECT_EQ(i.panic_message, "Fatal exception");
  ASSERT_EQ(i.call_trace.size(), 3u);
  EXPECT_FALSE(i.call_trace[0].reliable);
  EXPECT_EQ(i.call_trace[1].module, "hwpoison_inject");
  auto v = judge_incidents(inc, AddressMap{}, {}, {}, std::nullopt);
  EXPECT_EQ(v.verdicts[0].walker->walker->function, "memory_failure");
  EXPECT_EQ(v.verdicts[0].walker->depth, 0u);  // the RIP
  EXPECT_EQ(v.overall, Verdict::consistent);
  // without the dump the page pointer is only a guess: it says so
  bool says_so = false;
  for (const auto& u : v.verdicts[0].undecided) says_so |= u.find("ffffe3a240280000") != std::string::npos;
  EXPECT_TRUE(says_so);
}

TEST(OopsParser, Linux612GeneralProtectionFaultWithIrqStack) {
  auto inc = parse(k612_gpf);
  ASSERT_EQ(inc.size(), 1u);
  const Incident& i = inc[0];
  EXPECT_EQ(i.kind, IncidentKind::general_protection_fault);
  EXPECT_EQ(i.fault_address, 0xdead000000000100ull);
  EXPECT_EQ(i.cpu, 2);
  EXPECT_EQ(i.pid, 0);
  EXPECT_EQ(i.comm, "swapper/2");
  EXPECT_EQ(i.release, "6.12.117");
  ASSERT_EQ(i.call_trace.size(), 4u);
  EXPECT_EQ(i.call_trace[0].stack, "irq");
  EXPECT_FALSE(i.call_trace[0].reliable);
  EXPECT_EQ(i.call_trace[2].stack, "task");
  EXPECT_EQ(i.panic_message, "Fatal exception in interrupt");
  auto v = judge_incidents(inc, AddressMap{}, {}, {}, std::nullopt);
  ASSERT_TRUE(v.verdicts[0].walker);
  EXPECT_EQ(v.verdicts[0].walker->walker->function, "isolate_freepages_block");
  EXPECT_EQ(v.verdicts[0].verdict, Verdict::unrelated);  // a walker, but no poison/devmap signature
}

TEST(OopsParser, PrefixesOfSyslogJournalNetconsoleAndCallerIds) {
  struct Case {
    const char* raw;
    const char* text;
    std::optional<uint64_t> ts;
    std::optional<uint32_t> caller;
  };
  const Case cases[] = {
      {"Nov 25 12:34:56 host kernel: [  301.112233] kernel BUG at mm/page_alloc.c:516!", "kernel BUG at mm/page_alloc.c:516!",
       301112233000ull, std::nullopt},
      {"Nov  5 01:02:03 host kernel: kernel BUG at x.c:1!", "kernel BUG at x.c:1!", std::nullopt, std::nullopt},
      {"2026-11-25T12:34:56.123456+00:00 host kernel: [    2.011105] Call Trace:", "Call Trace:", 2011105000ull, std::nullopt},
      {"6,1234,5678901,-;page:ffffea0000280000 is uninitialized and poisoned", "page:ffffea0000280000 is uninitialized and poisoned",
       5678901000ull, std::nullopt},
      {"[  301.112233][  T2345] RIP: 0010:f+0x1/0x2", "RIP: 0010:f+0x1/0x2", 301112233000ull, 2345u},
      {"[  301.112233] [    C1] text", "text", 301112233000ull, 0x80000001u},
      {"<4>[    0.000000]  kpageflags_read+0xbd/0x140", " kpageflags_read+0xbd/0x140", 0ull, std::nullopt},
      {"plain text line", "plain text line", std::nullopt, std::nullopt},
  };
  for (const auto& c : cases) {
    auto l = normalize_log_line(c.raw);
    EXPECT_EQ(l.text, c.text) << c.raw;
    EXPECT_EQ(l.ts_nsec, c.ts) << c.raw;
    EXPECT_EQ(l.caller, c.caller) << c.raw;
  }
}

TEST(OopsParser, SameOopsUnderEveryPrefixGivesTheSameIncident) {
  std::string plain = k419_kpageflags, syslog, netcon, journal;
  std::size_t start = 0;
  int seq = 0;
  while (start < plain.size()) {
    std::size_t nl = plain.find('\n', start);
    std::string line = plain.substr(start, nl - start);
    std::string body = line.substr(line.find(']') + 2);
    syslog += "Nov 25 12:34:56 fleet-host-17 kernel: " + line + "\n";
    netcon += "4," + std::to_string(seq++) + ",5562081244,-;" + body + "\n";
    journal += "2026-11-25T12:34:56+0000 fleet-host-17 kernel: " + body + "\n";
    start = nl + 1;
  }
  auto ref = parse(plain);
  for (const std::string* t : {&syslog, &netcon, &journal}) {
    auto got = parse(*t);
    ASSERT_EQ(got.size(), 1u) << *t;
    EXPECT_EQ(got[0].call_trace.size(), ref[0].call_trace.size());
    EXPECT_EQ(got[0].fault_address, ref[0].fault_address);
    EXPECT_EQ(got[0].registers[0], ref[0].registers[0]);
    EXPECT_EQ(got[0].comm, ref[0].comm);
  }
}

TEST(OopsParser, InterleavedMessagesAndTwoCpusByCallerId) {
  // Two oopses at once on two CPUs (caller ids), with an unrelated driver message in between.
  const char* text = R"([ 10.000001] [  T100] BUG: unable to handle page fault for address: ffffea0000280008
[ 10.000002] [  T200] BUG: kernel NULL pointer dereference, address: 0000000000000010
[ 10.000003] [    C3] e1000e 0000:00:19.0 eth0: Reset adapter unexpectedly
[ 10.000004] [  T100] #PF: supervisor read access in kernel mode
[ 10.000005] [  T200] #PF: supervisor write access in kernel mode
[ 10.000006] [  T100] Oops: 0000 [#1] SMP NOPTI
[ 10.000007] [  T200] Oops: 0002 [#2] SMP NOPTI
[ 10.000008] [  T100] CPU: 0 PID: 100 Comm: a Not tainted 5.10.0-21-cloud-amd64 #1 Debian 5.10.162-1
[ 10.000009] [  T200] CPU: 1 PID: 200 Comm: b Not tainted 5.10.0-21-cloud-amd64 #1 Debian 5.10.162-1
[ 10.000010] [  T100] RIP: 0010:__reset_isolation_pfn+0x80/0x1c0
[ 10.000011] [  T200] RIP: 0010:some_driver_fn+0x10/0x20 [drv]
[ 10.000012] [  T100] Call Trace:
[ 10.000013] [  T100]  __reset_isolation_suitable+0x94/0x130
[ 10.000014] [  T200] Call Trace:
[ 10.000015] [  T200]  process_one_work+0x1c7/0x380
[ 10.000016] [  T100] ---[ end trace 0000000000000001 ]---
[ 10.000017] [  T200] ---[ end trace 0000000000000002 ]---
)";
  auto inc = parse(text);
  ASSERT_EQ(inc.size(), 2u);
  EXPECT_EQ(inc[0].pid, 100);
  EXPECT_EQ(inc[0].fault_address, 0xffffea0000280008ull);
  EXPECT_EQ(inc[0].fault_detail, "supervisor read access in kernel mode");
  ASSERT_EQ(inc[0].call_trace.size(), 1u);
  EXPECT_EQ(inc[0].call_trace[0].symbol, "__reset_isolation_suitable");
  EXPECT_EQ(inc[1].pid, 200);
  EXPECT_EQ(inc[1].fault_address, 0x10u);
  EXPECT_EQ(inc[1].rip->module, "drv");
  auto v = judge_incidents(inc, AddressMap{}, {}, {}, std::nullopt);
  EXPECT_EQ(v.verdicts[0].verdict, Verdict::consistent);  // a walker faulting in the memmap region
  EXPECT_EQ(v.verdicts[0].signatures, std::vector<std::string>{"unmapped_memmap"});
  EXPECT_EQ(v.verdicts[1].verdict, Verdict::unrelated);
}

TEST(OopsParser, TruncatedOopsIsKeptAndMarked) {
  std::string text = k419_kpageflags;
  text = text.substr(0, text.find("[ 5562.081289]"));  // the log ends in the call trace
  auto inc = parse(text);
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_TRUE(inc[0].truncated);
  EXPECT_EQ(inc[0].call_trace.size(), 1u);
  EXPECT_EQ(inc[0].fault_address, 0xfffffffffffffffeull);
  // cut even earlier: only the first line survives
  auto first = parse("[ 1.0] BUG: unable to handle page fault for address: fffffffffffffffe\n");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(first[0].truncated);
}

TEST(OopsParser, OldStyleFramesAndRip) {
  // 4.4-era x86: addresses in brackets before each symbol and in the RIP line.
  const char* text = R"(BUG: unable to handle kernel NULL pointer dereference at 0000000000000008
IP: [<ffffffff811a2b3c>] move_freepages_block+0x3c/0x90
Oops: 0000 [#1] SMP
CPU: 1 PID: 33 Comm: kswapd0 Not tainted 4.4.0-210-generic #242-Ubuntu
RIP: 0010:[<ffffffff811a2b3c>]  [<ffffffff811a2b3c>] move_freepages_block+0x3c/0x90
RSP: 0018:ffff88003c5d7c58  EFLAGS: 00010246
RAX: ffffffffffffffff RBX: ffffea0000280000 RCX: 0000000000000000
Call Trace:
 [<ffffffff811a4e1d>] __rmqueue+0x2ad/0x4a0
 [<ffffffff811a5a3f>] ? get_page_from_freelist+0x3df/0xb20
---[ end trace 00000000000000aa ]---
)";
  auto inc = parse(text);
  ASSERT_EQ(inc.size(), 1u);
  ASSERT_TRUE(inc[0].rip);
  EXPECT_EQ(inc[0].rip->symbol, "move_freepages_block");
  EXPECT_EQ(inc[0].rip->address, 0xffffffff811a2b3cull);
  ASSERT_EQ(inc[0].call_trace.size(), 2u);
  EXPECT_EQ(inc[0].call_trace[0].address, 0xffffffff811a4e1dull);
  EXPECT_FALSE(inc[0].call_trace[1].reliable);
  auto v = judge_incidents(inc, AddressMap{}, {}, {}, std::nullopt);
  // near-NULL fault with an all-ones register: the all-ones node bits signature
  EXPECT_EQ(v.verdicts[0].signatures, std::vector<std::string>{"all_ones_node_bits"});
  EXPECT_EQ(v.verdicts[0].verdict, Verdict::consistent);
}

TEST(OopsParser, WarningsAndOrdinaryLogsAreNotOopses) {
  const char* text = R"([    0.000000] Linux version 6.1.0-18-cloud-amd64
[    1.000000] ------------[ cut here ]------------
[    1.000001] WARNING: CPU: 0 PID: 1 at mm/page_alloc.c:5526 __alloc_pages+0x2a1/0x330
[    1.000002] Call Trace:
[    1.000003]  <TASK>
[    1.000004]  kmalloc_large+0x1a/0x90
[    1.000005]  </TASK>
[    1.000006] ---[ end trace 0000000000000000 ]---
[    2.000000] nd_pmem namespace0.0: unable to guarantee persistence of writes
)";
  EXPECT_TRUE(parse(text).empty());
  auto v = judge_incidents(parse(text), AddressMap{}, {}, {}, std::nullopt);
  EXPECT_EQ(v.overall, Verdict::no_panic);
}

TEST(OopsParser, PanicWithoutOopsIsItsOwnIncident) {
  const char* text = R"([    2.010708] sysrq: Trigger a crash
[    2.011105] Kernel panic - not syncing: sysrq triggered crash
[    2.011482] CPU: 0 PID: 1 Comm: init Not tainted 6.1.0-56-cloud-amd64 #1  Debian 6.1.192-2
[    2.012207] Call Trace:
[    2.012912]  <TASK>
[    2.013096]  dump_stack_lvl+0x44/0x5c
[    2.013503]  panic+0x118/0x2f4
[    2.013745]  sysrq_handle_crash+0x16/0x20
[    2.013879]  __handle_sysrq.cold+0x44/0x11c
[    2.018888]  </TASK>
)";
  auto inc = parse(text);
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_EQ(inc[0].kind, IncidentKind::panic);
  EXPECT_EQ(inc[0].panic_message, "sysrq triggered crash");
  EXPECT_EQ(inc[0].call_trace.size(), 4u);
  EXPECT_EQ(inc[0].call_trace[3].symbol, "__handle_sysrq.cold");
  EXPECT_EQ(base_function_name(inc[0].call_trace[3].symbol), "__handle_sysrq");
  EXPECT_EQ(judge_incidents(inc, AddressMap{}, {}, {}, std::nullopt).overall, Verdict::unrelated);
}

TEST(OopsParser, DumpAddressesTieToFindings) {
  // With the dump's layout, a struct page pointer in a register names its pfn.
  auto inc = parse(k419_kpageflags);
  AddressMap map;
  map.from_dump = true;
  map.vmemmap_base = 0xffffe3a240000000ull;  // RBX = base + 0xa000 * 64
  Finding f;
  f.start_pfn = 0xa000;
  f.end_pfn = 0x10000;
  f.category = Category::poisoned_in_invalid_subsection;
  auto v = judge_incidents(inc, map, {f}, {}, std::nullopt);
  EXPECT_EQ(v.overall, Verdict::explained);
  bool rbx = false;
  for (const auto& t : v.verdicts[0].ties) rbx |= t.source == "RBX" && t.pfn == 0xa000 && t.flagged;
  EXPECT_TRUE(rbx);
  // the same address outside every finding: consistent only (walker + signature)
  f.start_pfn = 0xb000;
  EXPECT_EQ(judge_incidents(inc, map, {f}, {}, std::nullopt).overall, Verdict::consistent);
}
