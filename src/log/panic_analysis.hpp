// From a kernel log (read from the dump, or a text file) to verdicts: the glue between the
// log reader, the oops parser and the correlator, shared by `scan`, `explain` and the plugins.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "log/kernel_log.hpp"
#include "log/oops.hpp"
#include "mm/scan.hpp"
#include "log/verdict.hpp"

namespace pfnscan {

std::vector<OopsInputLine> lines_from_log(const KernelLog& log);
std::vector<OopsInputLine> lines_from_text(std::string_view text);

// The dump's layout, as the correlator needs it.
AddressMap address_map_for(const ScanResult& result);

// Reads the dump's log and judges every oops in it against the scan's findings. A dump without
// a readable log gives no_panic with log_available = false and the reason in notes.
LogVerdict judge_dump_log(Target& target, const ScanResult& result);

// Log text saved beside the dump (kdump-tools' dmesg.<stamp>), judged with the dump's layout and
// findings; for dumps whose own log cannot be read.
LogVerdict judge_text_against_dump(std::string_view text, std::string source_name, const ScanResult& result);

// Log text alone (`pfnscan explain`).
LogVerdict judge_log_text(std::string_view text, std::string source_name);

}  // namespace pfnscan
