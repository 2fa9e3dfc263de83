#include <algorithm>
#include "target/target.hpp"

namespace pfnscan {

Result<uint64_t> Target::read_u64(AddressSpace space, uint64_t address) {
  uint64_t v = 0;
  auto st = read(space, address, std::as_writable_bytes(std::span(&v, 1)));
  if (!st) return std::move(st.error());
  return v;
}

Result<uint32_t> Target::read_u32(AddressSpace space, uint64_t address) {
  uint32_t v = 0;
  auto st = read(space, address, std::as_writable_bytes(std::span(&v, 1)));
  if (!st) return std::move(st.error());
  return v;
}

Result<std::vector<std::byte>> Target::read_bytes(AddressSpace space, uint64_t address, std::size_t length) {
  std::vector<std::byte> out(length);
  auto st = read(space, address, out);
  if (!st) return std::move(st.error());
  return out;
}

Status Target::read_by_pages(AddressSpace space, uint64_t address, std::span<std::byte> out, const PageFailure& on_failure) {
  std::size_t done = 0;
  while (done < out.size()) {
    const uint64_t a = address + done;
    const std::size_t chunk = std::min<std::size_t>(out.size() - done, kPageSize - (a % kPageSize));
    std::span<std::byte> piece = out.subspan(done, chunk);
    if (auto st = read(space, a, piece); !st && !on_failure(piece, st.error())) return st;
    done += chunk;
  }
  return ok_status();
}

Status Target::read_kernel_data(uint64_t address, std::span<std::byte> out, uint64_t& excluded_pages) {
  auto whole = read(AddressSpace::kernel_virtual, address, out);
  if (whole || whole.error().code() != Errc::excluded) return whole;
  return read_by_pages(AddressSpace::kernel_virtual, address, out, [&](std::span<std::byte> piece, const Error& e) {
    if (e.code() != Errc::excluded) return false;
    std::fill(piece.begin(), piece.end(), std::byte{0});
    ++excluded_pages;
    return true;
  });
}

Result<std::vector<std::byte>> Target::read_kernel_bytes(uint64_t address, std::size_t length, uint64_t& excluded_pages) {
  std::vector<std::byte> out(length);
  auto st = read_kernel_data(address, out, excluded_pages);
  if (!st) return std::move(st.error());
  return out;
}

}  // namespace pfnscan
