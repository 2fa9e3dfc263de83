// makedumpfile's flattened format (makedumpfile -F, QEMU's kdump-* output): a stream of
// (offset, size, data) records, big-endian headers. libkdumpfile 0.5.1 cannot read it, so we
// rearrange it into an unlinked scratch file, as `makedumpfile -R` would.
#pragma once

#include <string>

#include "base/result.hpp"

namespace pfnscan {

bool is_flattened_header(const unsigned char* header, std::size_t length);

// Returns an fd (O_RDONLY semantics intended; caller closes) of the rearranged dump.
Result<int> rearrange_flattened(int input_fd, const std::string& scratch_dir, uint64_t max_output_bytes);

}  // namespace pfnscan
