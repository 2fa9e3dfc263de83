#include "types/type_sources.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <sstream>

#include "types/btf_types.hpp"
#include "types/dwarf_types.hpp"
#include "types/kallsyms.hpp"

namespace pfnscan {
namespace {

constexpr uint64_t kMaxBtfBytes = 64ULL << 20;

Status find_btf_in_dump(Target& target, TypeSources& out) {
  auto kallsyms = decode_kallsyms(target);
  if (!kallsyms) return std::move(kallsyms.error());
  auto start = kallsyms->addresses.find("__start_BTF");
  auto stop = kallsyms->addresses.find("__stop_BTF");
  if (start == kallsyms->addresses.end() || stop == kallsyms->addresses.end()) {
    out.symbols->set_kallsyms(std::move(*kallsyms));
    return Error(Errc::missing, "kallsyms has no __start_BTF/__stop_BTF (kernel built without CONFIG_DEBUG_INFO_BTF)");
  }
  uint64_t begin = start->second, end = stop->second;
  out.facts.push_back({FactId::kallsyms, fmt::format("{} symbols", kallsyms->addresses.size()), Source::vmcoreinfo,
                       "decoded from the kallsyms tables VMCOREINFO lists", true});
  out.symbols->set_kallsyms(std::move(*kallsyms));
  if (end <= begin || end - begin > kMaxBtfBytes)
    return Error(Errc::corrupt, fmt::format("__start_BTF..__stop_BTF ({:#x}..{:#x}) is not a plausible BTF blob", begin, end));
  auto blob = target.read_bytes(AddressSpace::kernel_virtual, begin, end - begin);
  if (!blob) return std::move(blob.error()).with_context("reading the kernel's BTF");
  auto btf = BtfTypes::parse(std::move(*blob), fmt::format("BTF in the dump at {:#x} ({} bytes)", begin, end - begin));
  if (!btf) return std::move(btf.error());
  out.owned_types = std::move(*btf);
  return ok_status();
}

Result<std::unique_ptr<BtfTypes>> load_btf_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(Errc::io, fmt::format("cannot read BTF from {}: {}", path, std::strerror(errno)));
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  if (bytes.size() > kMaxBtfBytes) return Error(Errc::corrupt, fmt::format("{} is too large for BTF", path));
  std::vector<std::byte> blob(bytes.size());
  std::memcpy(blob.data(), bytes.data(), bytes.size());
  return BtfTypes::parse(std::move(blob), "BTF of " + path);
}

// "ffffffff81000000 T _stext" lines; zero addresses (kptr_restrict) are skipped.
Kallsyms load_kallsyms_file(const std::string& path) {
  Kallsyms k;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string addr, type, name;
    if (!(ls >> addr >> type >> name) || type.size() != 1) continue;
    auto a = parse_u64(addr, 16);
    if (!a || *a == 0) continue;
    k.addresses.emplace(name, *a);
    k.types.emplace(name, type[0]);
  }
  return k;
}

Status open_vmlinux_source(Target& target, const TypeSourceOptions& options, TypeSources& out) {
  const VmcoreInfo& vi = target.vmcoreinfo();
  auto vm = open_vmlinux(options.vmlinux);
  if (!vm) return std::move(vm.error());
  if (auto id = vi.get("BUILD-ID"); id && !vm->build_id_hex.empty() && *id != vm->build_id_hex && !options.allow_dwarf_mismatch)
    return Error(Errc::usage, fmt::format("{} does not belong to this dump: its build id {} differs from "
                                          "VMCOREINFO BUILD-ID {}",
                                          options.vmlinux, vm->build_id_hex, *id));
  uint64_t kaslr = 0;
  if (auto off = vi.hex("KERNELOFFSET"); off) kaslr = *off;
  else if (off.error().code() != Errc::missing) return std::move(off.error());
  out.symbols->set_vmlinux_symbols(std::move(vm->symbols), kaslr);
  out.owned_types = std::move(vm->types);
  out.types = out.owned_types.get();
  return ok_status();
}

}  // namespace

Result<TypeSources> open_type_sources(Target& target, const TypeSourceOptions& options) {
  TypeSources out;
  out.symbols = std::make_unique<SymbolResolver>(target);
  if (!options.vmlinux.empty()) {
    if (auto st = open_vmlinux_source(target, options, out); !st) return std::move(st.error());
  } else if (options.front_end_types) {
    out.types = options.front_end_types;
  } else if (options.allow_btf && !options.btf_file.empty()) {
    auto btf = load_btf_file(options.btf_file);
    if (!btf) return std::move(btf.error());
    out.owned_types = std::move(*btf);
    out.types = out.owned_types.get();
  } else if (target.types()) {
    out.types = target.types();
  } else if (options.allow_btf && vmcoreinfo_has_kallsyms(target.vmcoreinfo())) {
    auto st = find_btf_in_dump(target, out);
    if (st) out.types = out.owned_types.get();
    else out.uncertainties.push_back("no BTF from the dump (" + st.error().describe() + "); using the built-in table");
  }
  if (!options.kallsyms_file.empty()) {
    Kallsyms k = load_kallsyms_file(options.kallsyms_file);
    if (!k.addresses.empty()) out.symbols->set_kallsyms(std::move(k));
    else out.uncertainties.push_back(options.kallsyms_file + " lists no usable address (kptr_restrict?)");
  }
  return out;
}

}  // namespace pfnscan
