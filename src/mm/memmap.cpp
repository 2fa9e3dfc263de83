#include "mm/memmap.hpp"

#include <algorithm>
#include <cstring>

namespace pfnscan {

std::vector<StructPage> MemmapReader::read(const SectionState& section, uint64_t first, uint64_t count) {
  const uint64_t size = layout_.page_struct_size;
  const uint64_t base = struct_page_address(section, first);
  std::vector<std::byte> bytes(count * size);
  std::vector<bool> mapped(count, true);
  if (!target_.read(AddressSpace::kernel_virtual, base, bytes)) {
    // Page by page, to learn exactly which struct pages are missing.
    (void)target_.read_by_pages(AddressSpace::kernel_virtual, base, bytes, [&](std::span<std::byte> piece, const Error& e) {
      std::fill(piece.begin(), piece.end(), std::byte{0});
      if (e.code() == Errc::excluded) {
        ++stats_.excluded_pages;
        return true;
      }
      ++stats_.unmapped_pages;
      const uint64_t off = static_cast<uint64_t>(piece.data() - bytes.data());
      for (uint64_t i = off / size; i < count && i * size < off + piece.size(); ++i)
        if (i * size + size > off) mapped[i] = false;
      return true;
    });
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
    if (layout_.off_page_pgmap) std::memcpy(&p.pgmap, bytes.data() + i * size + *layout_.off_page_pgmap, 8);
  }
  return out;
}

}  // namespace pfnscan
