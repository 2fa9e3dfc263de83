#include "target/host_target.hpp"

#include <fmt/format.h>
#include <string>

namespace pfnscan {
namespace {

constexpr uint64_t kMaxVmcoreinfoSize = 1 << 16;  // VMCOREINFO_BYTES is one page

class HostTypes : public TypeInfo {
 public:
  explicit HostTypes(const pfnscan_host& h) : h_(h) {}
  Source source() const override { return Source::target; }
  std::string origin() const override { return fmt::format("{}'s type information", h_.kind ? h_.kind : "host"); }
  std::optional<uint64_t> struct_size(std::string_view name) const override {
    uint64_t v = 0;
    if (!h_.struct_size || h_.struct_size(h_.ctx, std::string(name).c_str(), &v) != 0) return std::nullopt;
    return v;
  }
  std::optional<uint64_t> member_offset(std::string_view s, std::string_view member) const override {
    uint64_t v = 0;
    if (!h_.member_offset || h_.member_offset(h_.ctx, std::string(s).c_str(), std::string(member).c_str(), &v) != 0)
      return std::nullopt;
    return v;
  }
  std::optional<int64_t> enumerator(std::string_view name) const override {
    int64_t v = 0;
    if (!h_.enumerator || h_.enumerator(h_.ctx, std::string(name).c_str(), &v) != 0) return std::nullopt;
    return v;
  }

 private:
  const pfnscan_host& h_;
};

class HostTarget : public Target {
 public:
  explicit HostTarget(const pfnscan_host& h) : h_(h), types_(h) {}

  Status read(AddressSpace space, uint64_t address, std::span<std::byte> out) override {
    int s = space == AddressSpace::physical ? PFNSCAN_PHYSADDR : PFNSCAN_KVADDR;
    if (!h_.read || h_.read(h_.ctx, s, address, out.data(), out.size()) != 0)
      return Error(Errc::unreadable, fmt::format("{} cannot read {} bytes at {} address {:#x}", kind(), out.size(),
                                                 space == AddressSpace::physical ? "physical" : "kernel virtual", address));
    return ok_status();
  }
  const VmcoreInfo& vmcoreinfo() const override { return vmcoreinfo_; }
  std::optional<uint64_t> symbol(std::string_view name) override {
    uint64_t v = 0;
    if (!h_.symbol || h_.symbol(h_.ctx, std::string(name).c_str(), &v) != 0) return std::nullopt;
    return v;
  }
  const TypeInfo* types() const override {
    return h_.struct_size || h_.member_offset || h_.enumerator ? &types_ : nullptr;
  }
  TargetDescription describe() const override {
    TargetDescription d;
    d.kind = kind();
    d.path = h_.path ? h_.path : "";
    d.format = fmt::format("read through {}", kind());
    d.notes = notes_;
    d.live = h_.live != 0;
    return d;
  }

  Status load_vmcoreinfo() {
    if (h_.vmcoreinfo && *h_.vmcoreinfo) {
      vmcoreinfo_ = VmcoreInfo::parse(h_.vmcoreinfo);
      notes_.push_back(fmt::format("VMCOREINFO from {}", kind()));
      return ok_status();
    }
    // Since commit 203e9e41219b (v4.13) the kernel keeps its VMCOREINFO text in a page that
    // `unsigned char *vmcoreinfo_data` points to, `vmcoreinfo_size` bytes long.
    auto data_var = symbol("vmcoreinfo_data");
    auto size_var = symbol("vmcoreinfo_size");
    if (!data_var || !size_var)
      return Error(Errc::missing, fmt::format("{} knows no vmcoreinfo_data/vmcoreinfo_size symbol (kernel before 4.13?)", kind()));
    PFNSCAN_TRY_CTX(data, read_u64(AddressSpace::kernel_virtual, *data_var), "reading vmcoreinfo_data");
    PFNSCAN_TRY_CTX(size, read_u64(AddressSpace::kernel_virtual, *size_var), "reading vmcoreinfo_size");
    if (size == 0 || size > kMaxVmcoreinfoSize)
      return Error(Errc::corrupt, fmt::format("vmcoreinfo_size {} is implausible", size));
    PFNSCAN_TRY_CTX(bytes, read_bytes(AddressSpace::kernel_virtual, data, size),
                    fmt::format("reading VMCOREINFO at {:#x}", data));
    vmcoreinfo_ = VmcoreInfo::parse(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    if (vmcoreinfo_.empty()) return Error(Errc::corrupt, fmt::format("the VMCOREINFO text at {:#x} holds no KEY=value line", data));
    notes_.push_back(fmt::format("VMCOREINFO read from the kernel's vmcoreinfo_data at {:#x} ({} bytes)", data, size));
    return ok_status();
  }

 private:
  std::string kind() const { return h_.kind ? h_.kind : "host"; }
  const pfnscan_host& h_;
  HostTypes types_;
  VmcoreInfo vmcoreinfo_;
  std::vector<std::string> notes_;
};

}  // namespace

Result<std::unique_ptr<Target>> open_host_target(const pfnscan_host& host) {
  auto t = std::make_unique<HostTarget>(host);
  if (auto st = t->load_vmcoreinfo(); !st) return std::move(st.error());
  return std::unique_ptr<Target>(std::move(t));
}

}  // namespace pfnscan
