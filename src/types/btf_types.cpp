#include "types/btf_types.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>

namespace pfnscan {

Status validate_btf_header(std::span<const std::byte> blob) {
  if (blob.size() < sizeof(struct btf_header)) return Error(Errc::corrupt, "BTF blob is shorter than its header");
  struct btf_header h;
  std::memcpy(&h, blob.data(), sizeof h);
  if (h.magic != BTF_MAGIC) return Error(Errc::corrupt, fmt::format("BTF magic is {:#x}, not 0xeb9f", h.magic));
  if (h.version != BTF_VERSION) return Error(Errc::unsupported, fmt::format("BTF version {} is unknown", h.version));
  uint64_t end_types = uint64_t{h.hdr_len} + h.type_off + h.type_len;
  uint64_t end_strings = uint64_t{h.hdr_len} + h.str_off + h.str_len;
  if (h.hdr_len < sizeof h || end_types > blob.size() || end_strings > blob.size())
    return Error(Errc::corrupt, "BTF section offsets lie outside the blob");
  return ok_status();
}

BtfTypes::BtfTypes(struct btf* handle, std::string origin) : btf_(handle), origin_(std::move(origin)) {
  uint32_t count = btf__type_cnt(btf_);
  for (uint32_t id = 1; id < count; ++id) {
    const struct btf_type* t = btf__type_by_id(btf_, id);
    if (!t) continue;
    if (btf_is_enum(t)) {
      const struct btf_enum* e = btf_enum(t);
      bool is_signed = btf_kflag(t);
      for (uint16_t i = 0; i < btf_vlen(t); ++i) {
        const char* name = btf__name_by_offset(btf_, e[i].name_off);
        int64_t v = is_signed ? static_cast<int64_t>(static_cast<int32_t>(e[i].val)) : static_cast<int64_t>(static_cast<uint32_t>(e[i].val));
        if (name && *name) enumerators_.emplace(name, v);
      }
    } else if (btf_is_enum64(t)) {
      const struct btf_enum64* e = btf_enum64(t);
      for (uint16_t i = 0; i < btf_vlen(t); ++i) {
        const char* name = btf__name_by_offset(btf_, e[i].name_off);
        if (name && *name) enumerators_.emplace(name, static_cast<int64_t>(btf_enum64_value(&e[i])));
      }
    }
  }
}

BtfTypes::~BtfTypes() { btf__free(btf_); }

Result<std::unique_ptr<BtfTypes>> BtfTypes::parse(std::vector<std::byte> blob, std::string origin) {
  auto st = validate_btf_header(blob);
  if (!st) return std::move(st.error()).with_context("parsing BTF from " + origin);
  errno = 0;
  struct btf* handle = btf__new(blob.data(), static_cast<uint32_t>(blob.size()));
  if (!handle || libbpf_get_error(handle))
    return Error(Errc::corrupt, fmt::format("libbpf rejects the BTF from {}: {}", origin, std::strerror(errno ? errno : EINVAL)));
  return std::unique_ptr<BtfTypes>(new BtfTypes(handle, std::move(origin)));
}

namespace {
std::optional<uint64_t> find_member(const struct btf* b, const struct btf_type* t, std::string_view member,
                                    int32_t* member_type, int depth) {
  if (depth > 8 || !(btf_is_struct(t) || btf_is_union(t))) return std::nullopt;
  const struct btf_member* m = btf_members(t);
  for (uint16_t i = 0; i < btf_vlen(t); ++i) {
    uint64_t offset = btf_member_bit_offset(t, i) / 8;
    const char* name = btf__name_by_offset(b, m[i].name_off);
    int32_t resolved = btf__resolve_type(b, m[i].type);
    if (name && *name) {
      if (member == name) {
        if (member_type) *member_type = resolved;
        return offset;
      }
      continue;
    }
    if (resolved <= 0) continue;
    const struct btf_type* inner = btf__type_by_id(b, static_cast<uint32_t>(resolved));
    if (inner) {
      if (auto off = find_member(b, inner, member, member_type, depth + 1)) return offset + *off;
    }
  }
  return std::nullopt;
}

const struct btf_type* find_struct(const struct btf* b, std::string_view name) {
  std::string n(name);
  int32_t id = btf__find_by_name_kind(b, n.c_str(), BTF_KIND_STRUCT);
  if (id <= 0) id = btf__find_by_name_kind(b, n.c_str(), BTF_KIND_UNION);
  if (id <= 0) return nullptr;
  return btf__type_by_id(b, static_cast<uint32_t>(id));
}
}  // namespace

std::optional<uint64_t> BtfTypes::struct_size(std::string_view struct_name) const {
  const struct btf_type* t = find_struct(btf_, struct_name);
  if (!t) return std::nullopt;
  return t->size;
}

std::optional<uint64_t> BtfTypes::member_offset(std::string_view struct_name, std::string_view member) const {
  const struct btf_type* t = find_struct(btf_, struct_name);
  if (!t) return std::nullopt;
  uint64_t total = 0;
  auto parts = split_member_path(member);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    int32_t type_id = 0;
    auto off = find_member(btf_, t, parts[i], &type_id, 0);
    if (!off) return std::nullopt;
    total += *off;
    if (i + 1 < parts.size()) {
      if (type_id <= 0) return std::nullopt;
      t = btf__type_by_id(btf_, static_cast<uint32_t>(type_id));
      if (!t) return std::nullopt;
    }
  }
  return total;
}

std::optional<int64_t> BtfTypes::enumerator(std::string_view name) const {
  auto it = enumerators_.find(std::string(name));
  if (it == enumerators_.end()) return std::nullopt;
  return it->second;
}

}  // namespace pfnscan
