/* How a debugger we run inside (crash, drgn) hands the core its memory, symbols and types. The
 * target layer turns this into a pfnscan Target (src/target/host_target); capi.h runs scans over it. */
#ifndef PFNSCAN_HOST_H
#define PFNSCAN_HOST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum pfnscan_space { PFNSCAN_KVADDR = 0, PFNSCAN_PHYSADDR = 1 };

/* Every callback returns 0 on success and non-zero otherwise. read() must fill buf completely. */
struct pfnscan_host {
  void *ctx;
  const char *kind;         /* "crash", "drgn": shown in reports */
  const char *path;         /* the dump the host opened, or "" (live) */
  int live;                 /* memory may change while it is read */
  int (*read)(void *ctx, int space, uint64_t address, void *buf, size_t length);
  int (*symbol)(void *ctx, const char *name, uint64_t *address);          /* KASLR-relocated */
  /* Type information; any of these may be NULL when the host has none. */
  int (*struct_size)(void *ctx, const char *struct_name, uint64_t *size);
  int (*member_offset)(void *ctx, const char *struct_name, const char *member, uint64_t *offset);
  int (*enumerator)(void *ctx, const char *name, int64_t *value);
  /* VMCOREINFO text if the host has it; NULL: read from the kernel's vmcoreinfo_data. */
  const char *vmcoreinfo;
};

#ifdef __cplusplus
}
#endif

#endif
