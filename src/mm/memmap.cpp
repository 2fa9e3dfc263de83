#include "mm/memmap.hpp"

#include <cstring>

namespace pfnscan {

std::vector<StructPage> MemmapReader::read(const SectionState& section, uint64_t first, uint64_t count) {
  const uint64_t size = layout_.page_struct_size;
  const uint64_t base = struct_page_address(section, first);
  std::vector<std::byte> bytes(count * size);
  std::vector<bool> mapped(count, true);
  auto st = target_.read(AddressSpace::kernel_virtual, base, bytes);
  if (!st) {
    // Retry page by page to learn exactly which struct pages are missing.
    constexpr uint64_t kPage = 4096;
    uint64_t off = 0;
    while (off < bytes.size()) {
      uint64_t a = base + off;
      uint64_t chunk = std::min<uint64_t>(bytes.size() - off, kPage - a % kPage);
      std::span<std::byte> piece(bytes.data() + off, chunk);
      auto pst = target_.read(AddressSpace::kernel_virtual, a, piece);
      if (!pst) {
        if (pst.error().code() == Errc::excluded) {
          std::fill(piece.begin(), piece.end(), std::byte{0});
          ++stats_.excluded_pages;
        } else {
          ++stats_.unmapped_pages;
          for (uint64_t i = off / size; i < count && i * size < off + chunk; ++i)
            if (i * size + size > off) mapped[i] = false;
        }
      }
      off += chunk;
    }
  }
  stats_.bytes_read += bytes.size();
  stats_.struct_pages_read += count;
  std::vector<StructPage> out(count);
  for (uint64_t i = 0; i < count; ++i) {
    StructPage& p = out[i];
    p.address = base + i * size;
    p.content.mapped = mapped[i];
    if (!mapped[i]) continue;
    std::memcpy(&p.content.flags, bytes.data() + i * size + layout_.off_page_flags, 8);
    if (layout_.off_page_pgmap && *layout_.off_page_pgmap + 8 <= size)
      std::memcpy(&p.pgmap, bytes.data() + i * size + *layout_.off_page_pgmap, 8);
  }
  return out;
}

}  // namespace pfnscan
