#include "writers.hpp"

#include <elf.h>
#include <endian.h>
#include <fcntl.h>
#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <fmt/format.h>
#include <stdexcept>
#include <vector>

namespace dumpgen {
namespace {

constexpr uint64_t kPage = 4096;

class File {
 public:
  explicit File(const std::string& path) : path_(path) {
    fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  }
  ~File() {
    if (fd_ >= 0) close(fd_);
  }
  void pwrite_all(const void* data, uint64_t len, uint64_t off) {
    const auto* p = static_cast<const uint8_t*>(data);
    while (len) {
      ssize_t n = ::pwrite(fd_, p, len, static_cast<off_t>(off));
      if (n <= 0) throw std::runtime_error("write to " + path_ + " failed");
      p += n, len -= static_cast<uint64_t>(n), off += static_cast<uint64_t>(n);
    }
  }
  void truncate(uint64_t size) {
    if (ftruncate(fd_, static_cast<off_t>(size)) != 0) throw std::runtime_error("ftruncate " + path_ + " failed");
  }

 private:
  std::string path_;
  int fd_;
};

void append_note(std::vector<uint8_t>& out, const std::string& name, uint32_t type, const void* desc, uint32_t size) {
  auto pad4 = [](std::size_t n) { return (n + 3) & ~std::size_t{3}; };
  Elf64_Nhdr h{static_cast<Elf64_Word>(name.size() + 1), size, type};
  std::size_t at = out.size();
  out.resize(at + sizeof h + pad4(name.size() + 1) + pad4(size), 0);
  std::memcpy(out.data() + at, &h, sizeof h);
  std::memcpy(out.data() + at + sizeof h, name.c_str(), name.size());
  std::memcpy(out.data() + at + sizeof h + pad4(name.size() + 1), desc, size);
}

std::vector<uint8_t> notes_blob(const MemoryImage& image) {
  std::vector<uint8_t> notes;
  std::vector<uint8_t> prstatus(336, 0);
  append_note(notes, "CORE", NT_PRSTATUS, prstatus.data(), static_cast<uint32_t>(prstatus.size()));
  append_note(notes, "VMCOREINFO", 0, image.vmcoreinfo.data(), static_cast<uint32_t>(image.vmcoreinfo.size()));
  return notes;
}

const uint8_t* page_or_null(const MemoryImage& image, uint64_t pfn) {
  auto it = image.pages.find(pfn);
  return it == image.pages.end() ? nullptr : it->second.data();
}

bool all_zero(const uint8_t* p) {
  if (!p) return true;
  for (uint64_t i = 0; i < kPage; ++i)
    if (p[i]) return false;
  return true;
}

}  // namespace

void write_elf(const MemoryImage& image, const std::string& path, const WriteOptions& options) {
  File f(path);
  auto notes = notes_blob(image);
  std::vector<Elf64_Phdr> ph;
  const std::size_t nph = 1 + image.ram.size();
  uint64_t off = sizeof(Elf64_Ehdr) + nph * sizeof(Elf64_Phdr);
  Elf64_Phdr note{};
  note.p_type = PT_NOTE;
  note.p_offset = off;
  note.p_filesz = note.p_memsz = notes.size();
  ph.push_back(note);
  off = (off + notes.size() + kPage - 1) & ~(kPage - 1);
  for (auto [start, end] : image.ram) {
    Elf64_Phdr load{};
    load.p_type = PT_LOAD;
    load.p_flags = PF_R | PF_W | PF_X;
    load.p_offset = off;
    load.p_paddr = start;
    load.p_vaddr = options.elf_vaddr ? image.page_offset_base + start : 0;
    load.p_filesz = load.p_memsz = end - start;
    ph.push_back(load);
    // Only pages that hold something are written: the file is sparse, like a real mostly-idle dump.
    for (uint64_t pfn = start / kPage; pfn < end / kPage; ++pfn)
      if (const uint8_t* p = page_or_null(image, pfn); p && !all_zero(p)) f.pwrite_all(p, kPage, off + pfn * kPage - start);
    off += end - start;
  }
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = ET_CORE;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_phoff = sizeof eh;
  eh.e_ehsize = sizeof eh;
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = static_cast<Elf64_Half>(ph.size());
  f.pwrite_all(&eh, sizeof eh, 0);
  f.pwrite_all(ph.data(), ph.size() * sizeof(Elf64_Phdr), sizeof eh);
  f.pwrite_all(notes.data(), notes.size(), note.p_offset);
  f.truncate(off);
}

namespace {

std::vector<uint8_t> compress_page(const uint8_t* page, Compression c, uint32_t& flag) {
  std::vector<uint8_t> out;
  switch (c) {
    case Compression::none:
      flag = 0;
      return {page, page + kPage};
    case Compression::zlib: {
      uLongf len = compressBound(kPage);
      out.resize(len);
      if (compress2(out.data(), &len, page, kPage, Z_BEST_SPEED) != Z_OK) throw std::runtime_error("zlib failed");
      out.resize(len);
      flag = 0x1;
      break;
    }
    case Compression::lzo: {
      static bool init = lzo_init() == LZO_E_OK;
      if (!init) throw std::runtime_error("lzo_init failed");
      std::vector<uint8_t> work(LZO1X_1_MEM_COMPRESS);
      out.resize(kPage + kPage / 16 + 64 + 3);
      lzo_uint len = out.size();
      if (lzo1x_1_compress(page, kPage, out.data(), &len, work.data()) != LZO_E_OK) throw std::runtime_error("lzo failed");
      out.resize(len);
      flag = 0x2;
      break;
    }
    case Compression::snappy: {
      std::size_t len = snappy_max_compressed_length(kPage);
      out.resize(len);
      if (snappy_compress(reinterpret_cast<const char*>(page), kPage, reinterpret_cast<char*>(out.data()), &len) != SNAPPY_OK)
        throw std::runtime_error("snappy failed");
      out.resize(len);
      flag = 0x4;
      break;
    }
    case Compression::zstd: {
      out.resize(ZSTD_compressBound(kPage));
      std::size_t len = ZSTD_compress(out.data(), out.size(), page, kPage, 1);
      if (ZSTD_isError(len)) throw std::runtime_error("zstd failed");
      out.resize(len);
      flag = 0x20;
      break;
    }
  }
  if (out.size() >= kPage) {  // incompressible: stored raw, as makedumpfile does
    flag = 0;
    return {page, page + kPage};
  }
  return out;
}

void put32(std::vector<uint8_t>& b, std::size_t off, uint32_t v) { std::memcpy(b.data() + off, &v, 4); }
void put64(std::vector<uint8_t>& b, std::size_t off, uint64_t v) { std::memcpy(b.data() + off, &v, 8); }

// makedumpfile's flattened stream: a 4 KiB header, then (offset, size) big-endian records.
void write_flattened(const std::vector<std::pair<uint64_t, std::vector<uint8_t>>>& chunks, const std::string& path) {
  File f(path);
  std::vector<uint8_t> header(kPage, 0);
  std::memcpy(header.data(), "makedumpfile", 12);
  uint64_t one = htobe64(1);
  std::memcpy(header.data() + 16, &one, 8);
  std::memcpy(header.data() + 24, &one, 8);
  uint64_t pos = 0;
  f.pwrite_all(header.data(), header.size(), pos);
  pos += header.size();
  for (const auto& [offset, data] : chunks) {
    uint64_t rec[2] = {htobe64(offset), htobe64(data.size())};
    f.pwrite_all(rec, sizeof rec, pos);
    pos += sizeof rec;
    f.pwrite_all(data.data(), data.size(), pos);
    pos += data.size();
  }
  uint64_t end[2] = {htobe64(~uint64_t{0}), htobe64(~uint64_t{0})};
  f.pwrite_all(end, sizeof end, pos);
}

}  // namespace

void write_kdump(const MemoryImage& image, const std::string& path, const WriteOptions& options) {
  uint64_t max_pfn = 0;
  for (auto [s, e] : image.ram) max_pfn = std::max(max_pfn, e / kPage);
  auto notes = notes_blob(image);
  // Block 0: disk_dump_header; blocks 1..: kdump_sub_header, VMCOREINFO, notes.
  std::vector<uint8_t> header(kPage, 0);
  std::memcpy(header.data(), "KDUMP   ", 8);
  put32(header, 8, 6);  // header_version
  auto put_str = [&](std::size_t off, const std::string& s) { std::memcpy(header.data() + off, s.data(), std::min<std::size_t>(s.size(), 64)); };
  if (!options.qemu_header) {
    put_str(12 + 0 * 65, "Linux");
    put_str(12 + 1 * 65, "pfnscan-test");
    put_str(12 + 2 * 65, image.release);
    put_str(12 + 3 * 65, "#1 SMP");
    put_str(12 + 5 * 65, "(none)");
  }
  put_str(12 + 4 * 65, "x86_64");
  put64(header, 408, 1764072000);  // timestamp.tv_sec
  uint32_t status_flag = 0;
  switch (options.compression) {
    case Compression::zlib: status_flag = 0x1; break;
    case Compression::lzo: status_flag = 0x2; break;
    case Compression::snappy: status_flag = 0x4; break;
    case Compression::zstd: status_flag = 0x20; break;
    case Compression::none: break;
  }
  const uint64_t sub_off = kPage;
  const uint64_t vmcoreinfo_off = sub_off + 256;
  const uint64_t notes_off = vmcoreinfo_off + image.vmcoreinfo.size();
  const uint64_t sub_end = notes_off + notes.size();
  const uint32_t sub_blocks = static_cast<uint32_t>((sub_end - sub_off + kPage - 1) / kPage);
  const uint64_t bitmap_bytes = ((max_pfn + 7) / 8 + kPage - 1) / kPage * kPage;
  const uint32_t bitmap_blocks = static_cast<uint32_t>(2 * bitmap_bytes / kPage);
  put32(header, 424, status_flag);
  put32(header, 428, static_cast<uint32_t>(kPage));
  put32(header, 432, sub_blocks);
  put32(header, 436, bitmap_blocks);
  put32(header, 440, static_cast<uint32_t>(std::min<uint64_t>(max_pfn, 0xffffffff)));
  put32(header, 460, 1);  // nr_cpus

  std::vector<uint8_t> sub(sub_blocks * kPage, 0);
  uint64_t phys_base_field = options.qemu_header ? 0xdeadbeef000ULL : 0;
  std::memcpy(sub.data(), &phys_base_field, 8);
  int32_t dump_level = options.exclude_zero_pages ? 1 : 0;
  std::memcpy(sub.data() + 8, &dump_level, 4);
  uint64_t fields[] = {0, max_pfn, vmcoreinfo_off, image.vmcoreinfo.size(), notes_off, notes.size(), 0, 0, 0, max_pfn, max_pfn};
  std::memcpy(sub.data() + 16, fields, sizeof fields);
  std::memcpy(sub.data() + (vmcoreinfo_off - sub_off), image.vmcoreinfo.data(), image.vmcoreinfo.size());
  std::memcpy(sub.data() + (notes_off - sub_off), notes.data(), notes.size());

  // Bitmaps: the first marks RAM, the second the pages actually dumped.
  std::vector<uint8_t> bitmap1(bitmap_bytes, 0), bitmap2(bitmap_bytes, 0);
  std::vector<uint64_t> dumped;
  for (auto [s, e] : image.ram)
    for (uint64_t pfn = s / kPage; pfn < e / kPage; ++pfn) {
      bitmap1[pfn / 8] |= static_cast<uint8_t>(1u << (pfn % 8));
      if (options.exclude_zero_pages && all_zero(page_or_null(image, pfn))) continue;
      bitmap2[pfn / 8] |= static_cast<uint8_t>(1u << (pfn % 8));
      dumped.push_back(pfn);
    }
  const uint64_t bitmap_off = sub_off + sub_blocks * kPage;
  const uint64_t desc_off = bitmap_off + 2 * bitmap_bytes;
  uint64_t data_off = desc_off + dumped.size() * 24;
  std::vector<uint8_t> descs(dumped.size() * 24, 0);
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> data_chunks;
  // All zero pages share one stored copy, as in makedumpfile.
  static const uint8_t zero_page[kPage] = {};
  uint32_t zero_flag = 0;
  auto zero_data = compress_page(zero_page, options.compression, zero_flag);
  const uint64_t zero_off = data_off;
  data_chunks.emplace_back(zero_off, zero_data);
  data_off += zero_data.size();
  for (std::size_t i = 0; i < dumped.size(); ++i) {
    const uint8_t* p = page_or_null(image, dumped[i]);
    uint64_t off;
    uint32_t size, flag;
    if (all_zero(p)) {
      off = zero_off, size = static_cast<uint32_t>(zero_data.size()), flag = zero_flag;
    } else {
      auto c = compress_page(p, options.compression, flag);
      off = data_off, size = static_cast<uint32_t>(c.size());
      data_off += c.size();
      data_chunks.emplace_back(off, std::move(c));
    }
    put64(descs, i * 24, off);
    put32(descs, i * 24 + 8, size);
    put32(descs, i * 24 + 12, flag);
  }
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> chunks;
  chunks.emplace_back(0, std::move(header));
  chunks.emplace_back(sub_off, std::move(sub));
  chunks.emplace_back(bitmap_off, std::move(bitmap1));
  chunks.emplace_back(bitmap_off + bitmap_bytes, std::move(bitmap2));
  chunks.emplace_back(desc_off, std::move(descs));
  for (auto& c : data_chunks) chunks.push_back(std::move(c));
  if (options.flattened) return write_flattened(chunks, path);
  File f(path);
  for (const auto& [off, data] : chunks) f.pwrite_all(data.data(), data.size(), off);
  f.truncate(data_off);
}

}  // namespace dumpgen
