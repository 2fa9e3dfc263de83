// A session: the one flow every front end runs (the CLI, the C ABI under crash and drgn, batch
// workers). Open the target, resolve the layout (finding a vmlinux in a debuginfo tree, and going
// on without it when it belongs to another build), read and settle against the section table,
// decode it, scan, confirm a live kernel, judge the kernel log (the dump's own, or a saved one),
// and build the report model.
#pragma once

#include <memory>
#include <string>

#include "base/result.hpp"
#include "mm/section_scan.hpp"
#include "pfnscan/host.h"
#include "report/model.hpp"
#include "target/target.hpp"
#include "types/type_sources.hpp"

namespace pfnscan {

// A dump file (ELF, compressed kdump, flattened) or /proc/kcore.
Result<std::unique_ptr<Target>> open_dump(const std::string& path, const std::string& scratch_dir);
// A debugger's memory, symbols and types (crash, drgn).
Result<std::unique_ptr<Target>> open_host(const pfnscan_host& host);

struct SessionOptions {
  TypeSourceOptions types;
  std::string debuginfo_dir;   // find the vmlinux by the dump's build id or release
  ScanOptions scan;
  bool judge_log = true;
  std::string dmesg_file;      // a saved kernel log, judged when the dump's own cannot be read
};

Result<report::ScanReport> run_session(Target& target, const SessionOptions& options);

}  // namespace pfnscan
