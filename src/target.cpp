#include "pfnscan/target.hpp"

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

}  // namespace pfnscan
