#include "target/kdump_target.hpp"

#include <elf.h>
#include <fcntl.h>
#include <libkdumpfile/kdumpfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fmt/format.h>

#include "target/flattened.hpp"

namespace pfnscan {
namespace {

struct FileInfo {
  uint64_t size = 0;
  bool regular = false;
};

// A truncated ELF dump whose segments run past the end of the file would make libkdumpfile's
// mmap fault with SIGBUS on access; such files are read with read(2) instead, where the same
// access becomes an error value.
std::optional<std::string> elf_truncation(int fd, uint64_t file_size) {
  Elf64_Ehdr eh{};
  if (pread(fd, &eh, sizeof eh, 0) != static_cast<ssize_t>(sizeof eh)) return std::nullopt;
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64) return std::nullopt;
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0) return std::nullopt;
  if (eh.e_phoff > file_size || eh.e_phoff + uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr) > file_size)
    return std::string("program headers lie past the end of the file");
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph{};
    if (pread(fd, &ph, sizeof ph, static_cast<off_t>(eh.e_phoff + i * sizeof ph)) != static_cast<ssize_t>(sizeof ph))
      return std::string("cannot read program header");
    if (ph.p_offset > file_size || ph.p_filesz > file_size - ph.p_offset)
      return fmt::format("segment {} (offset {:#x}, {} bytes) extends past the end of the file ({} bytes)", i,
                         ph.p_offset, ph.p_filesz, file_size);
  }
  return std::nullopt;
}

class KdumpTarget final : public Target {
 public:
  KdumpTarget(kdump_ctx_t* ctx, int fd, TargetDescription description, VmcoreInfo info)
      : ctx_(ctx), fd_(fd), description_(std::move(description)), info_(std::move(info)) {}
  ~KdumpTarget() override {
    kdump_free(ctx_);
    close(fd_);
  }
  KdumpTarget(const KdumpTarget&) = delete;
  KdumpTarget& operator=(const KdumpTarget&) = delete;

  Status read(AddressSpace space, uint64_t address, std::span<std::byte> out) override {
    std::size_t done = 0;
    while (done < out.size()) {
      std::size_t length = out.size() - done;
      kdump_addrspace_t as = space == AddressSpace::kernel_virtual ? KDUMP_KVADDR : KDUMP_KPHYSADDR;
      kdump_status st = kdump_read(ctx_, as, address + done, out.data() + done, &length);
      done += length;
      if (st == KDUMP_OK) continue;
      const char* detail = kdump_get_err(ctx_);
      std::string message = fmt::format("cannot read {} address {:#x}: {}",
                                        space == AddressSpace::kernel_virtual ? "kernel virtual" : "physical",
                                        address + done, detail ? detail : kdump_strerror(st));
      Errc code = Errc::unreadable;
      if (st == KDUMP_ERR_NODATA && detail && std::strstr(detail, "xcluded")) code = Errc::excluded;
      else if (st == KDUMP_ERR_CORRUPT || st == KDUMP_ERR_EOF) code = Errc::corrupt;
      else if (st == KDUMP_ERR_SYSTEM) code = Errc::io;
      return Error(code, std::move(message));
    }
    return ok_status();
  }

  const VmcoreInfo& vmcoreinfo() const override { return info_; }
  TargetDescription describe() const override { return description_; }

 private:
  kdump_ctx_t* ctx_;
  int fd_;
  TargetDescription description_;
  VmcoreInfo info_;
};

// QEMU's kdump-* output carries a damaged header: utsname empty but for the machine, and a
// sub-header phys_base that is not the kernel's. libkdumpfile prefers VMCOREINFO; say so.
void note_header_damage(int fd, const VmcoreInfo& info, TargetDescription& description) {
  unsigned char header[464] = {};
  if (pread(fd, header, sizeof header, 0) != static_cast<ssize_t>(sizeof header)) return;
  if (std::memcmp(header, "KDUMP   ", 8) != 0) return;
  std::string release(reinterpret_cast<const char*>(header + 12 + 2 * 65), strnlen(reinterpret_cast<const char*>(header + 12 + 2 * 65), 65));
  auto vi_release = info.get("OSRELEASE");
  if (vi_release && release != *vi_release)
    description.notes.push_back(fmt::format("dump header names release '{}', VMCOREINFO says '{}' (QEMU leaves the header's "
                                            "utsname empty); trusted VMCOREINFO",
                                            release, *vi_release));
  int32_t block_size = 0;
  std::memcpy(&block_size, header + 428, 4);
  if (block_size <= 0 || block_size > (1 << 20)) return;
  uint64_t sub_phys_base = 0;
  if (pread(fd, &sub_phys_base, 8, block_size) != 8) return;
  if (auto pb = info.number("phys_base"); pb && static_cast<uint64_t>(*pb) != sub_phys_base)
    description.notes.push_back(fmt::format("kdump sub-header phys_base {:#x} disagrees with VMCOREINFO NUMBER(phys_base) "
                                            "{:#x}; trusted VMCOREINFO",
                                            sub_phys_base, static_cast<uint64_t>(*pb)));
}

std::string ctx_error(kdump_ctx_t* ctx, kdump_status st) {
  const char* e = kdump_get_err(ctx);
  return e ? e : kdump_strerror(st);
}

}  // namespace

Result<std::unique_ptr<Target>> open_kdump_target(const std::string& path, const KdumpOpenOptions& options) {
  TargetDescription description;
  description.path = path;
  description.kind = path.ends_with("/kcore") || path == "/proc/kcore" ? "kcore" : "vmcore";
  description.live = description.kind == "kcore";

  // Read-only, always: pfnscan never writes to a dump or to the running kernel.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && description.live) {
    int e = errno;
    if (e == ENOENT)
      return Error(Errc::io, "no /proc/kcore: this kernel was built without CONFIG_PROC_KCORE, so it cannot be "
                             "scanned live (take a dump instead)");
    if (e == EACCES || e == EPERM)
      return Error(Errc::io, fmt::format("cannot open /proc/kcore: {} (pfnscan live must run as root: the kernel "
                                         "allows /proc/kcore to CAP_SYS_RAWIO only)",
                                         std::strerror(e)));
  }
  if (fd < 0) {
    int e = errno;
    Errc code = (e == EACCES || e == EPERM || e == ENOENT) ? Errc::io : Errc::io;
    return Error(code, fmt::format("cannot open {}: {}", path, std::strerror(e)));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    close(fd);
    return Error(Errc::io, fmt::format("{} is not a readable file", path));
  }
  uint64_t file_size = static_cast<uint64_t>(st.st_size);
  bool use_mmap = true;

  unsigned char header[4096] = {};
  ssize_t got = pread(fd, header, sizeof header, 0);
  if (got < 0) {
    int e = errno;
    close(fd);
    return Error(Errc::io, fmt::format("cannot read {}: {}", path, std::strerror(e)));
  }
  if (S_ISREG(st.st_mode) && got < 64) {
    close(fd);
    return Error(Errc::format, fmt::format("{} is too short to be a dump ({} bytes)", path, got));
  }
  if (is_flattened_header(header, static_cast<std::size_t>(got))) {
    auto rearranged = rearrange_flattened(fd, options.scratch_dir, 1ULL << 46);
    close(fd);
    if (!rearranged) return std::move(rearranged.error()).with_context("reading flattened file " + path);
    fd = *rearranged;
    description.notes.push_back(
        "flattened makedumpfile format: rearranged into an unlinked scratch file in " + options.scratch_dir +
        " (as makedumpfile -R does)");
    struct stat st2 {};
    if (fstat(fd, &st2) == 0) file_size = static_cast<uint64_t>(st2.st_size);
  }
  if (S_ISREG(st.st_mode)) {
    if (auto why = elf_truncation(fd, file_size)) {
      description.damage.push_back("truncated dump: " + *why + "; data past the end is missing and may read as zeros");
      use_mmap = false;
    }
    if (std::memcmp(header, "KDUMP   ", 8) == 0 || std::memcmp(header, "DISKDUMP", 8) == 0) {
      // Page descriptors of a truncated compressed dump point past the end; read(2) turns that
      // into an error where mmap would raise SIGBUS.
      use_mmap = false;
    }
  }

  kdump_ctx_t* ctx = kdump_new();
  if (!ctx) {
    close(fd);
    return Error(Errc::io, "cannot allocate a libkdumpfile context");
  }
  auto fail = [&](Errc code, std::string message) -> Result<std::unique_ptr<Target>> {
    kdump_free(ctx);
    close(fd);
    return Error(code, std::move(message));
  };
  // libkdumpfile's cache is a linear list: a small cache is faster (see docs/dump-reading.md).
  kdump_set_number_attr(ctx, "cache.size", 16);
  if (!use_mmap) kdump_set_number_attr(ctx, KDUMP_ATTR_FILE_MMAP_POLICY, KDUMP_MMAP_NEVER);
  kdump_status status = kdump_open_fd(ctx, fd);
  if (status != KDUMP_OK)
    return fail(Errc::format, fmt::format("{} is not a readable dump: {}", path, ctx_error(ctx, status)));

  const char* format = nullptr;
  if (kdump_get_string_attr(ctx, KDUMP_ATTR_FILE_FORMAT, &format) == KDUMP_OK && format)
    description.format = format;

  // VMCOREINFO is only looked up once the OS type is known (libkdumpfile does not guess it).
  bool arch_known = false;
  {
    const char* a = nullptr;
    arch_known = kdump_get_string_attr(ctx, KDUMP_ATTR_ARCH_NAME, &a) == KDUMP_OK && a && *a;
  }
  if (arch_known) kdump_set_string_attr(ctx, KDUMP_ATTR_OSTYPE, "linux");
  char* raw = nullptr;
  status = kdump_vmcoreinfo_raw(ctx, &raw);
  if (status != KDUMP_OK && !arch_known) {
    kdump_set_string_attr(ctx, KDUMP_ATTR_ARCH_NAME, KDUMP_ARCH_X86_64);
    kdump_set_string_attr(ctx, KDUMP_ATTR_OSTYPE, "linux");
    status = kdump_vmcoreinfo_raw(ctx, &raw);
  }
  if (status != KDUMP_OK || raw == nullptr)
    return fail(Errc::missing, fmt::format("{} has no VMCOREINFO note: {}", path, ctx_error(ctx, status)));
  VmcoreInfo info = VmcoreInfo::parse(raw);
  std::free(raw);
  if (info.empty()) return fail(Errc::corrupt, fmt::format("{}: the VMCOREINFO note holds no KEY=value line", path));

  const char* arch = nullptr;
  if (kdump_get_string_attr(ctx, KDUMP_ATTR_ARCH_NAME, &arch) != KDUMP_OK || !arch || !*arch) {
    // QEMU's kdump header leaves utsname empty apart from the machine; VMCOREINFO is
    // authoritative about the kernel, so take the architecture from it.
    if (!info.has("SYMBOL(init_top_pgt)") && !info.has("SYMBOL(init_level4_pgt)"))
      return fail(Errc::unsupported, fmt::format("{}: the dump names no architecture and VMCOREINFO has no x86_64 "
                                                 "page-table symbol; only x86_64 is supported",
                                                 path));
    kdump_set_string_attr(ctx, KDUMP_ATTR_ARCH_NAME, KDUMP_ARCH_X86_64);
    description.notes.push_back(
        "dump header names no architecture (QEMU leaves utsname empty); trusted VMCOREINFO: x86_64");
  } else if (std::strcmp(arch, KDUMP_ARCH_X86_64) != 0) {
    return fail(Errc::unsupported, fmt::format("{}: architecture {} is not supported (x86_64 only)", path, arch));
  }
  if (!arch_known) kdump_set_string_attr(ctx, KDUMP_ATTR_OSTYPE, "linux");
  note_header_damage(fd, info, description);
  return std::unique_ptr<Target>(new KdumpTarget(ctx, fd, std::move(description), std::move(info)));
}

}  // namespace pfnscan
