// What must not leave the host: kernel pointers (they reveal the KASLR layout) become "<kptr>",
// file paths keep only their last component ("<path>/dump.1"), the host name becomes "<host>" —
// as a whole token, and only in text that carries paths or host names. Pfns, section numbers and
// sizes stay. Applied to the model, so every format rendered from it honours it.
#pragma once

#include <string>

#include "report/model.hpp"

namespace pfnscan::report {

void redact(ScanReport& report, const std::string& host);

// The pieces, for other documents (batch records).
std::string redact_path(const std::string& path);           // "/srv/x/dump.1" -> "<path>/dump.1"
std::string redact_kernel_text(std::string text);           // kernel pointers and absolute paths
std::string redact_host_text(std::string text, const std::string& host);  // the above, and the host name
Hex redact_hex(Hex value);

}  // namespace pfnscan::report
