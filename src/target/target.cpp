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

Status Target::read_kernel_data(uint64_t address, std::span<std::byte> out, uint64_t& excluded_pages) {
  constexpr uint64_t kPage = 4096;
  auto whole = read(AddressSpace::kernel_virtual, address, out);
  if (whole || whole.error().code() != Errc::excluded) return whole;
  std::size_t done = 0;
  while (done < out.size()) {
    uint64_t a = address + done;
    std::size_t chunk = std::min<std::size_t>(out.size() - done, kPage - (a % kPage));
    auto st = read(AddressSpace::kernel_virtual, a, out.subspan(done, chunk));
    if (!st) {
      if (st.error().code() != Errc::excluded) return st;
      std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(done), chunk, std::byte{0});
      ++excluded_pages;
    }
    done += chunk;
  }
  return ok_status();
}

Result<std::vector<std::byte>> Target::read_kernel_bytes(uint64_t address, std::size_t length, uint64_t& excluded_pages) {
  std::vector<std::byte> out(length);
  auto st = read_kernel_data(address, out, excluded_pages);
  if (!st) return std::move(st.error());
  return out;
}

}  // namespace pfnscan
