#include "target/flattened.hpp"

#include <endian.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <vector>

namespace pfnscan {
namespace {
constexpr char kSignature[] = "makedumpfile";
constexpr std::size_t kHeaderSize = 4096;
constexpr int64_t kEndFlag = -1;
constexpr uint64_t kMaxRecord = 1ULL << 30;

int64_t be64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return static_cast<int64_t>(be64toh(v));
}
}  // namespace

bool is_flattened_header(const unsigned char* header, std::size_t length) {
  if (length < 32) return false;
  if (std::memcmp(header, kSignature, sizeof kSignature - 1) != 0) return false;
  return be64(header + 16) == 1;  // MDF_TYPE_FLAT_HEADER
}

Result<int> rearrange_flattened(int input_fd, const std::string& scratch_dir, uint64_t max_output_bytes) {
  int out = open(scratch_dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (out < 0)
    return Error(Errc::io, fmt::format("cannot create a scratch file in {} to rearrange it: {} "
                                       "(or convert it yourself: makedumpfile -R OUT < FILE)",
                                       scratch_dir, std::strerror(errno)));
  auto fail = [&](Errc code, std::string message) -> Result<int> {
    close(out);
    return Error(code, std::move(message));
  };
  uint64_t pos = kHeaderSize;
  std::vector<unsigned char> buffer;
  for (;;) {
    unsigned char record[16];
    ssize_t got = pread(input_fd, record, sizeof record, static_cast<off_t>(pos));
    if (got == 0) break;  // tolerated: some writers omit the end marker
    if (got != static_cast<ssize_t>(sizeof record))
      return fail(Errc::corrupt, fmt::format("flattened file is truncated in the record header at offset {:#x}", pos));
    int64_t offset = be64(record);
    int64_t size = be64(record + 8);
    if (offset == kEndFlag) break;
    if (offset < 0 || size < 0 || static_cast<uint64_t>(size) > kMaxRecord ||
        static_cast<uint64_t>(offset) > max_output_bytes ||
        static_cast<uint64_t>(size) > max_output_bytes - static_cast<uint64_t>(offset))
      return fail(Errc::corrupt,
                  fmt::format("flattened record at file offset {:#x} is impossible (offset {}, size {})", pos, offset, size));
    buffer.resize(static_cast<std::size_t>(size));
    got = pread(input_fd, buffer.data(), buffer.size(), static_cast<off_t>(pos + 16));
    if (got != size)
      return fail(Errc::corrupt, fmt::format("flattened file is truncated in the record at offset {:#x}", pos));
    if (pwrite(out, buffer.data(), buffer.size(), offset) != size)
      return fail(Errc::io, fmt::format("cannot write the rearranged dump to {}: {}", scratch_dir, std::strerror(errno)));
    pos += 16 + static_cast<uint64_t>(size);
  }
  return out;
}

}  // namespace pfnscan
