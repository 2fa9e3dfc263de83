/* crash extension: the `pfnscan` command. The only translation unit that includes crash's
 * defs.h (not C++-clean): it adapts crash's readmem(), symbol table and gdb type information to
 * pfnscan's C ABI and prints what the core returns. No scanning logic lives here. */
#include "defs.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "pfnscan/capi.h"

static void cmd_pfnscan(void);

static char *help_pfnscan[] = {
    "pfnscan",
    "pfns the pre-5.12 pfn_to_online_page() gets wrong",
    "[-f] [-j] [-v] [-n] [-s section] [-p start-end]",
    "  Walks mem_section, the subsection maps and the memmap of this kernel and",
    "  lists every pfn where the pre-5.12 pfn_to_online_page() returns a",
    "  ZONE_DEVICE, stale or poisoned struct page (and what the fixed function",
    "  returns), then judges the oopses in the kernel log against them.",
    "  Memory, symbols and types are read through crash, so it works on every",
    "  dump crash opens and on the live system.",
    "",
    "    -f  full scan: read every struct page of every online section",
    "    -j  the JSON report of the pfnscan command line (pfnscan scan --json)",
    "    -v  every present section, and where each layout fact came from",
    "    -n  do not read the kernel log (no verdict)",
    "    -s section  scan one memory section",
    "    -p start-end  scan pfns start to end (end exclusive; hex with 0x)",
    "",
    "  Exit status of the command line, shown after the report: 0 clean, 1 findings,",
    "  4 partial, 5 a panic explained by the findings.",
    "\nEXAMPLES",
    "  Scan the dump:",
    "    %s> pfnscan",
    "    PFNSCAN: 1 range(s), 24576 pfns where the pre-5.12 pfn_to_online_page()",
    "             returns a ZONE_DEVICE, stale or poisoned page",
    "     KERNEL: 5.10.0-32-cloud-amd64",
    "    ...",
    "        NR  START_PFN  END_PFN    STATE  SUBSECTION_MAP    MEMMAP",
    "         1  0x8000     0x10000    PMOE   ffffffffffffffff  ok",
    "",
    "    START_PFN  END_PFN       PFNS   SEC  CATEGORY",
    "    0xa000     0x10000      24576     1  zone_device_in_online_section",
    "",
    "  The JSON report, into a file:",
    "    %s> pfnscan -j > report.json",
    NULL,
};

static struct command_table_entry command_table[] = {
    /* MINIMAL: it needs only memory, symbols and types, so it also runs in `crash --minimal`,
       which is what is left when crash cannot build its task table (a damaged dump, or a live
       system crash 8.0.2 cannot read its own task on). */
    {"pfnscan", cmd_pfnscan, help_pfnscan, MINIMAL},
    {NULL},
};

void __attribute__((constructor)) pfnscan_crash_init(void) { register_extension(command_table); }
void __attribute__((destructor)) pfnscan_crash_fini(void) {}

/* On a live system crash reads kernel addresses through /proc/kcore's segments, and kcore maps
   the vmemmap of System RAM only: the struct pages of ZONE_DEVICE pfns fail to read here (as
   crash's own `rd` does), and the core reports those pfns as not judged. (crash 8.0.2's kvtop()
   is no way around it: on a live 6.1 guest it translates them to physical addresses past the end
   of memory.) */
static int host_read(void *ctx, int space, uint64_t address, void *buf, size_t length) {
  (void)ctx;
  return readmem(address, space == PFNSCAN_PHYSADDR ? PHYSADDR : KVADDR, buf, (long)length, "pfnscan", RETURN_ON_ERROR | QUIET) ? 0
                                                                                                                                : 1;
}

static int host_symbol(void *ctx, const char *name, uint64_t *address) {
  (void)ctx;
  if (!symbol_exists((char *)name)) return 1;
  *address = symbol_value((char *)name);
  return 0;
}

static int host_struct_size(void *ctx, const char *name, uint64_t *size) {
  (void)ctx;
  long v = STRUCT_SIZE((char *)name);
  if (v < 0) return 1;
  *size = (uint64_t)v;
  return 0;
}

/* Members inside anonymous structs and unions (struct page's pgmap) need crash's
 * ANON_MEMBER_OFFSET; named ones MEMBER_OFFSET. */
static int host_member_offset(void *ctx, const char *name, const char *member, uint64_t *offset) {
  (void)ctx;
  long v = MEMBER_OFFSET((char *)name, (char *)member);
  if (v < 0) v = ANON_MEMBER_OFFSET((char *)name, (char *)member);
  if (v < 0) return 1;
  *offset = (uint64_t)v;
  return 0;
}

static int host_enumerator(void *ctx, const char *name, int64_t *value) {
  (void)ctx;
  long v = 0;
  if (!enumerator_value((char *)name, &v)) return 1;
  *value = v;
  return 0;
}

static void cmd_pfnscan(void) {
  struct pfnscan_options options = {0, 0, 1, -1, 0, 0, 1, NULL, NULL};
  int json = 0, c;
  char *dash;
  while ((c = getopt(argcnt, args, "fjvns:p:")) != EOF) {
    switch (c) {
      case 'f': options.full = 1; break;
      case 'j': json = 1; break;
      case 'v': options.verbose = 1; break;
      case 'n': options.judge_log = 0; break;
      case 's': options.section = (int64_t)stol(optarg, FAULT_ON_ERROR, NULL); break;
      case 'p':
        dash = strchr(optarg, '-');
        if (!dash) error(FATAL, "-p takes start-end, e.g. 0xa000-0x10000\n");
        *dash = '\0';
        options.pfn_start = htol(optarg, FAULT_ON_ERROR, NULL);
        options.pfn_end = htol(dash + 1, FAULT_ON_ERROR, NULL);
        if (options.pfn_end <= options.pfn_start) error(FATAL, "-p: end must be above start\n");
        break;
      default: argerrs++; break;
    }
  }
  if (argerrs || args[optind]) cmd_usage(pc->curcmd, SYNOPSIS);

  struct pfnscan_host host;
  memset(&host, 0, sizeof(host));
  host.kind = "crash";
  host.path = pc->dumpfile ? pc->dumpfile : (pc->live_memsrc ? pc->live_memsrc : "");
  host.live = ACTIVE() ? 1 : 0;
  host.read = host_read;
  host.symbol = host_symbol;
  host.struct_size = host_struct_size;
  host.member_offset = host_member_offset;
  host.enumerator = host_enumerator;

  char *json_out = NULL, *text_out = NULL, *err = NULL;
  int code = pfnscan_run(&host, &options, &json_out, &text_out, &err);
  if (err) {
    fprintf(fp, "pfnscan: %s\n", err);
    pfnscan_free(err);
    return;
  }
  fprintf(fp, "%s", json ? json_out : text_out);
  if (json) fprintf(fp, "\n");
  else fprintf(fp, "\n(exit status %d)\n", code);
  pfnscan_free(json_out);
  pfnscan_free(text_out);
}
