#include "types/dwarf_types.hpp"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include <cstring>
#include <fmt/format.h>

namespace pfnscan {

struct DwarfTypes::Impl {
  std::string path;
  int fd = -1;
  Elf* elf = nullptr;
  Dwarf* dwarf = nullptr;
  std::unordered_map<std::string, Dwarf_Off> structs;     // struct and union definitions
  std::unordered_map<std::string, int64_t> enumerators;
  std::unordered_map<std::string, Dwarf_Off> variables;

  ~Impl() {
    if (dwarf) dwarf_end(dwarf);
    if (elf) elf_end(elf);
    if (fd >= 0) close(fd);
  }

  std::optional<Dwarf_Die> die_at(Dwarf_Off off) const {
    Dwarf_Die die;
    if (!dwarf_offdie(dwarf, off, &die)) return std::nullopt;
    return die;
  }

  void index_cu(Dwarf_Die* cu) {
    Dwarf_Die child;
    if (dwarf_child(cu, &child) != 0) return;
    do {
      int tag = dwarf_tag(&child);
      const char* name = dwarf_diename(&child);
      if (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) {
        if (name && !dwarf_hasattr(&child, DW_AT_declaration)) structs.emplace(name, dwarf_dieoffset(&child));
      } else if (tag == DW_TAG_enumeration_type) {
        Dwarf_Die e;
        if (dwarf_child(&child, &e) == 0) {
          do {
            if (dwarf_tag(&e) != DW_TAG_enumerator) continue;
            const char* en = dwarf_diename(&e);
            Dwarf_Attribute attr;
            Dwarf_Sword value = 0;
            if (en && dwarf_attr(&e, DW_AT_const_value, &attr) && dwarf_formsdata(&attr, &value) == 0)
              enumerators.emplace(en, value);
          } while (dwarf_siblingof(&e, &e) == 0);
        }
      } else if (tag == DW_TAG_variable) {
        if (name) variables.emplace(name, dwarf_dieoffset(&child));
      }
    } while (dwarf_siblingof(&child, &child) == 0);
  }

  static bool is_aggregate(Dwarf_Die* die) {
    int t = dwarf_tag(die);
    return t == DW_TAG_structure_type || t == DW_TAG_union_type;
  }

  // Finds `member` in `aggregate`, descending into anonymous members.
  static std::optional<uint64_t> find_member(Dwarf_Die* aggregate, std::string_view member, Dwarf_Die* member_type,
                                             int depth) {
    if (depth > 8) return std::nullopt;
    Dwarf_Die child;
    if (dwarf_child(aggregate, &child) != 0) return std::nullopt;
    do {
      if (dwarf_tag(&child) != DW_TAG_member) continue;
      Dwarf_Word location = 0;
      Dwarf_Attribute attr;
      if (dwarf_attr(&child, DW_AT_data_member_location, &attr)) {
        if (dwarf_formudata(&attr, &location) != 0) continue;
      }
      Dwarf_Die type_die;
      bool has_type = dwarf_attr(&child, DW_AT_type, &attr) && dwarf_formref_die(&attr, &type_die);
      Dwarf_Die peeled;
      if (has_type && dwarf_peel_type(&type_die, &peeled) != 0) has_type = false;
      const char* name = dwarf_diename(&child);
      if (name && member == name) {
        if (member_type && has_type) *member_type = peeled;
        return location;
      }
      if (!name && has_type && is_aggregate(&peeled)) {
        if (auto inner = find_member(&peeled, member, member_type, depth + 1)) return location + *inner;
      }
    } while (dwarf_siblingof(&child, &child) == 0);
    return std::nullopt;
  }
};

DwarfTypes::DwarfTypes(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DwarfTypes::~DwarfTypes() = default;

std::string DwarfTypes::origin() const { return "DWARF of " + impl_->path; }

std::optional<uint64_t> DwarfTypes::struct_size(std::string_view struct_name) const {
  auto it = impl_->structs.find(std::string(struct_name));
  if (it == impl_->structs.end()) return std::nullopt;
  auto die = impl_->die_at(it->second);
  if (!die) return std::nullopt;
  Dwarf_Word size = 0;
  if (dwarf_aggregate_size(&*die, &size) != 0) return std::nullopt;
  return size;
}

std::optional<uint64_t> DwarfTypes::member_offset(std::string_view struct_name, std::string_view member) const {
  auto it = impl_->structs.find(std::string(struct_name));
  if (it == impl_->structs.end()) return std::nullopt;
  auto die = impl_->die_at(it->second);
  if (!die) return std::nullopt;
  Dwarf_Die current = *die;
  uint64_t total = 0;
  auto parts = split_member_path(member);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    Dwarf_Die type;
    auto off = Impl::find_member(&current, parts[i], &type, 0);
    if (!off) return std::nullopt;
    total += *off;
    if (i + 1 < parts.size()) {
      if (!Impl::is_aggregate(&type)) return std::nullopt;
      current = type;
    }
  }
  return total;
}

std::optional<int64_t> DwarfTypes::enumerator(std::string_view name) const {
  auto it = impl_->enumerators.find(std::string(name));
  if (it == impl_->enumerators.end()) return std::nullopt;
  return it->second;
}

std::optional<bool> DwarfTypes::variable_is_pointer(std::string_view name) const {
  auto it = impl_->variables.find(std::string(name));
  if (it == impl_->variables.end()) return std::nullopt;
  auto die = impl_->die_at(it->second);
  if (!die) return std::nullopt;
  Dwarf_Attribute attr;
  Dwarf_Die type, peeled;
  if (!dwarf_attr(&*die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &type)) return std::nullopt;
  if (dwarf_peel_type(&type, &peeled) != 0) return std::nullopt;
  int tag = dwarf_tag(&peeled);
  if (tag == DW_TAG_pointer_type) return true;
  if (tag == DW_TAG_array_type) return false;
  return std::nullopt;
}

Result<VmlinuxFile> open_vmlinux(const std::string& path) {
  elf_version(EV_CURRENT);
  auto impl = std::make_unique<DwarfTypes::Impl>();
  impl->path = path;
  impl->fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (impl->fd < 0) return Error(Errc::io, fmt::format("cannot open vmlinux {}: {}", path, std::strerror(errno)));
  impl->elf = elf_begin(impl->fd, ELF_C_READ_MMAP, nullptr);
  if (!impl->elf || elf_kind(impl->elf) != ELF_K_ELF)
    return Error(Errc::format, fmt::format("{} is not an ELF file", path));
  impl->dwarf = dwarf_begin_elf(impl->elf, DWARF_C_READ, nullptr);
  if (!impl->dwarf)
    return Error(Errc::format, fmt::format("{} has no DWARF debug information ({}); use the -dbg package's vmlinux",
                                           path, dwarf_errmsg(-1)));
  Dwarf_Off off = 0, next = 0;
  std::size_t header_size = 0;
  std::size_t units = 0;
  while (dwarf_nextcu(impl->dwarf, off, &next, &header_size, nullptr, nullptr, nullptr) == 0) {
    Dwarf_Die cu;
    if (dwarf_offdie(impl->dwarf, off + header_size, &cu)) impl->index_cu(&cu);
    off = next;
    if (++units > 1000000) break;  // a sane vmlinux has a few thousand CUs
  }
  if (impl->structs.empty())
    return Error(Errc::format, fmt::format("{}: DWARF holds no struct definitions", path));

  VmlinuxFile out;
  const void* build_id = nullptr;
  ssize_t n = dwelf_elf_gnu_build_id(impl->elf, &build_id);
  if (n > 0) {
    const auto* b = static_cast<const unsigned char*>(build_id);
    for (ssize_t i = 0; i < n; ++i) out.build_id_hex += fmt::format("{:02x}", b[i]);
  }
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(impl->elf, scn)) != nullptr) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_SYMTAB || shdr.sh_entsize == 0) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data) continue;
    std::size_t count = shdr.sh_size / shdr.sh_entsize;
    for (std::size_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      if (!gelf_getsym(data, static_cast<int>(i), &sym)) continue;
      const char* name = elf_strptr(impl->elf, shdr.sh_link, sym.st_name);
      if (name && *name && sym.st_shndx != SHN_UNDEF) out.symbols.emplace(name, sym.st_value);
    }
  }
  out.types = std::make_unique<DwarfTypes>(std::move(impl));
  return out;
}

}  // namespace pfnscan
