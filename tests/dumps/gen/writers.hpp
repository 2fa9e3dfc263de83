// Dump file writers: ELF vmcore (kexec or QEMU style), compressed kdump (zlib, lzo, snappy,
// zstd, or uncompressed), and makedumpfile's flattened stream.
#pragma once

#include <string>

#include "machine.hpp"

namespace dumpgen {

enum class Compression { none, zlib, lzo, snappy, zstd };

struct WriteOptions {
  bool elf_vaddr = false;          // kexec style: p_vaddr = direct-map address; QEMU style: 0
  Compression compression = Compression::zlib;
  bool exclude_zero_pages = false; // makedumpfile -d 1
  bool qemu_header = false;        // QEMU's damaged kdump header: empty utsname but machine, bogus phys_base
  bool flattened = false;
};

void write_elf(const MemoryImage& image, const std::string& path, const WriteOptions& options);
void write_kdump(const MemoryImage& image, const std::string& path, const WriteOptions& options);

}  // namespace dumpgen
