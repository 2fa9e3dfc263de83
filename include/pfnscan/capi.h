/* pfnscan's C ABI: a debugger we run inside (crash, drgn) hands the core its memory, symbols and
 * types (pfnscan/host.h), and gets the scan back. The crash extension calls it from C; the drgn integration
 * through ctypes. Nothing here is specific to either host. */
#ifndef PFNSCAN_CAPI_H
#define PFNSCAN_CAPI_H

#include <stddef.h>
#include <stdint.h>

#include "pfnscan/host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PFNSCAN_CAPI_VERSION 2

struct pfnscan_options {
  int full;                 /* read every struct page of every online section */
  int verbose;              /* provenance and every section in the text */
  int style;                /* text style: 0 the CLI's, 1 compact 80-column (crash) */
  int64_t section;          /* -1: all */
  uint64_t pfn_start, pfn_end;  /* pfn_end == 0: all */
  int judge_log;            /* read the kernel log and judge its oopses */
  /* Since version 2; NULL or "" for none. The same fallbacks as the CLI's --debuginfo and --dmesg. */
  const char *debuginfo_dir;  /* find the vmlinux by the dump's build id or release (when the host has no types) */
  const char *dmesg_file;     /* a saved kernel log, judged when the dump's own cannot be read */
};

/* Runs a scan. Returns the CLI's exit code (0 clean, 1 findings, 2 error, 4 partial, 5 explained).
 * *json_out (the CLI's --json report) and *text_out are malloc'd; on error both are NULL and
 * *error_out says what went wrong. Free every string with pfnscan_free(). */
int pfnscan_run(const struct pfnscan_host *host, const struct pfnscan_options *options, char **json_out, char **text_out,
                char **error_out);

void pfnscan_free(char *p);
const char *pfnscan_version(void);

#ifdef __cplusplus
}
#endif

#endif
