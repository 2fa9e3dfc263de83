#include "image_target.hpp"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "scenario.hpp"

namespace testutil {

using namespace pfnscan;

ImageTarget::ImageTarget(dumpgen::MemoryImage image, bool live)
    : image_(std::move(image)), info_(VmcoreInfo::parse(image_.vmcoreinfo)), live_(live) {
  pgd_ = *info_.symbol("init_top_pgt") - image_.ktext_va + image_.kimage_phys;
}

std::optional<uint64_t> ImageTarget::translate(uint64_t va) const {
  uint64_t table = pgd_;
  for (int level = 3; level >= 0; --level) {
    uint64_t entry = phys_u64(table + ((va >> (12 + 9 * level)) & 511) * 8);
    if (!(entry & 1)) return std::nullopt;
    uint64_t base = entry & 0x000ffffffffff000ULL;
    if (level == 1 && (entry & 0x80)) return (base & ~0x1fffffULL) + (va & 0x1fffff);
    if (level == 0) return base + (va & 0xfff);
    table = base;
  }
  return std::nullopt;
}

uint64_t ImageTarget::phys_u64(uint64_t pa) const {
  uint64_t v = 0;
  auto it = image_.pages.find(pa / 4096);
  if (it != image_.pages.end()) std::memcpy(&v, it->second.data() + pa % 4096, 8);
  return v;
}

void ImageTarget::write_u64(uint64_t va, uint64_t v) {
  uint64_t pa = *translate(va);
  std::memcpy(image_.pages[pa / 4096].data() + pa % 4096, &v, 8);
}

Status ImageTarget::read(AddressSpace space, uint64_t address, std::span<std::byte> out) {
  ++reads;
  if (space == AddressSpace::kernel_virtual && on_read) on_read(address, out.size());
  for (std::size_t done = 0; done < out.size();) {
    uint64_t a = address + done;
    std::size_t chunk = std::min<std::size_t>(out.size() - done, 4096 - a % 4096);
    if (space == AddressSpace::kernel_virtual && unreadable_pages.count(a / 4096))
      return Error(Errc::unreadable, "test: page not readable");
    if (space == AddressSpace::kernel_virtual && excluded_pages.count(a / 4096))
      return Error(Errc::excluded, "test: page excluded");
    std::optional<uint64_t> pa = space == AddressSpace::physical ? std::optional<uint64_t>(a) : translate(a);
    if (!pa) return Error(Errc::unreadable, "not mapped");
    auto it = image_.pages.find(*pa / 4096);
    if (it == image_.pages.end()) std::memset(out.data() + done, 0, chunk);
    else std::memcpy(out.data() + done, it->second.data() + *pa % 4096, chunk);
    done += chunk;
  }
  return ok_status();
}

TargetDescription ImageTarget::describe() const {
  TargetDescription d;
  d.kind = live_ ? "kcore" : "vmcore";
  d.live = live_;
  return d;
}

dumpgen::MemoryImage scenario_machine(const std::string& name, const std::string& btf_file) {
  auto scenario = dumpgen::load_scenario(std::string(PFNSCAN_SCENARIO_DIR) + "/" + name + ".json");
  dumpgen::MachineOptions options;
  options.btf_file = btf_file;
  return dumpgen::build_machine(scenario, options);
}

}  // namespace testutil
