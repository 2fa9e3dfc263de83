// Seeds for the log layer's fuzz targets, from the test data:
//   seed_writer kernel_log SCENARIO_DIR OUT_DIR [--compact]
//     memory_target.hpp's format: the printk structures of the generator's scenarios (both
//     layouts, a wrapped ring) cut out of the synthetic machine with their VMCOREINFO, and a
//     compact log of each era written here directly (--compact: those only; they are checked in)
//   seed_writer oops OOPS_DIR PARSER_OUT VERDICT_OUT
//     every oops text, with fuzz_oops_parser's framing byte and fuzz_verdict's 32 control bytes
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>

#include "machine.hpp"
#include "scenario.hpp"
#include "target/vmcoreinfo.hpp"

namespace {

void write_seed(const std::string& path, const std::string& vmcoreinfo, const std::string& memory) {
  std::ofstream(path, std::ios::binary) << vmcoreinfo << '\0' << memory;
}

// The kernel image bytes [va, va + length) of a machine.
std::string image_bytes(const dumpgen::MemoryImage& img, uint64_t va, uint64_t length) {
  std::string out(length, '\0');
  for (uint64_t done = 0; done < length; done += 4096) {
    const uint64_t pa = img.kimage_phys + (va + done - img.ktext_va);
    if (auto it = img.pages.find(pa / 4096); it != img.pages.end())
      std::memcpy(out.data() + done, it->second.data() + pa % 4096, std::min<uint64_t>(4096 - pa % 4096, length - done));
  }
  return out;
}

void from_scenario(const std::string& scenario_dir, const std::string& name, const std::string& layout, const std::string& out) {
  dumpgen::Scenario s = dumpgen::load_scenario(scenario_dir + "/" + name + ".json");
  s.log_layout = layout;
  if (layout == "ringbuffer" && name == std::string("usage-race-5.10")) {  // a ring that has wrapped
    s.printk_first_id = 250;
    s.printk_text_start = 65536 - 300;
  }
  const dumpgen::MemoryImage img = dumpgen::build_machine(s, {});
  const auto vi = pfnscan::VmcoreInfo::parse(img.vmcoreinfo);
  const uint64_t base = *(layout == "ringbuffer" ? vi.symbol("printk_rb_static") : vi.symbol("log_buf"));
  const std::string text = img.vmcoreinfo + fmt::format("BASE={:x}\n", base);
  write_seed(fmt::format("{}/{}-{}.seed", out, name, layout), text, image_bytes(img, base, 0x22000));
}

// A log_buf of 512 bytes with three records, and a ring of 16 descriptors and a 1 KiB text ring.
void compact(const std::string& out) {
  constexpr uint64_t base = 0xffffffff82000000ull;
  std::string vi = fmt::format("OSRELEASE=5.4.0\nBASE={:x}\nSYMBOL(log_buf)={:x}\nSYMBOL(log_buf_len)={:x}\nSYMBOL(log_first_idx)={:x}\n"
                               "SYMBOL(log_next_idx)={:x}\nSIZE(printk_log)=16\nOFFSET(printk_log.ts_nsec)=0\nOFFSET(printk_log.len)=8\n"
                               "OFFSET(printk_log.text_len)=10\nOFFSET(printk_log.dict_len)=12\n",
                               base, base, base + 8, base + 12, base + 16);
  std::string mem(0x40 + 512, '\0');
  auto put = [&](uint64_t at, const void* p, std::size_t n) { std::memcpy(mem.data() + at, p, n); };
  uint64_t buf = base + 0x40, idx = 0;
  uint32_t len = 512;
  put(0, &buf, 8);
  put(8, &len, 4);
  for (const char* t : {"Linux version 5.4.0", "kernel BUG at include/linux/mm.h:1107!", "RIP: 0010:memunmap_pages+0x2b4/0x330"}) {
    uint16_t l = static_cast<uint16_t>((16 + std::strlen(t) + 3) & ~3u), tl = static_cast<uint16_t>(std::strlen(t));
    uint64_t ts = 1000000 * (idx + 1);
    put(0x40 + idx, &ts, 8);
    put(0x40 + idx + 8, &l, 2);
    put(0x40 + idx + 10, &tl, 2);
    mem[0x40 + idx + 15] = static_cast<char>(0x2 | (4 << 5));
    put(0x40 + idx + 16, t, tl);
    idx += l;
  }
  uint32_t next = static_cast<uint32_t>(idx);
  put(16, &next, 4);
  write_seed(out + "/compact-log_buf.seed", vi, mem);

  vi = fmt::format("OSRELEASE=5.10.0\nBASE={:x}\nSYMBOL(prb)={:x}\nSIZE(printk_ringbuffer)=80\nOFFSET(printk_ringbuffer.desc_ring)=0\n"
                   "OFFSET(printk_ringbuffer.text_data_ring)=40\nSIZE(prb_desc_ring)=40\nOFFSET(prb_desc_ring.count_bits)=0\n"
                   "OFFSET(prb_desc_ring.descs)=8\nOFFSET(prb_desc_ring.infos)=16\nOFFSET(prb_desc_ring.head_id)=24\n"
                   "OFFSET(prb_desc_ring.tail_id)=32\nSIZE(prb_desc)=24\nOFFSET(prb_desc.state_var)=0\nOFFSET(prb_desc.text_blk_lpos)=8\n"
                   "SIZE(prb_data_blk_lpos)=16\nOFFSET(prb_data_blk_lpos.begin)=0\nOFFSET(prb_data_blk_lpos.next)=8\nSIZE(printk_info)=88\n"
                   "OFFSET(printk_info.seq)=0\nOFFSET(printk_info.ts_nsec)=8\nOFFSET(printk_info.text_len)=16\nOFFSET(printk_info.caller_id)=20\n"
                   "SIZE(prb_data_ring)=32\nOFFSET(prb_data_ring.size_bits)=0\nOFFSET(prb_data_ring.data)=8\n",
                   base, base);
  const uint64_t rb = 0x40, descs = 0x100, infos = descs + 16 * 24, text = infos + 16 * 88;
  mem.assign(text + 1024, '\0');
  const uint64_t rb_va = base + rb, descs_va = base + descs, infos_va = base + infos, text_va = base + text;
  uint32_t count_bits = 4, size_bits = 10;
  put(0, &rb_va, 8);
  put(rb, &count_bits, 4);
  put(rb + 8, &descs_va, 8);
  put(rb + 16, &infos_va, 8);
  put(rb + 40, &size_bits, 4);
  put(rb + 48, &text_va, 8);
  uint64_t lpos = 1024 - 40, id = 14;  // the third block wraps; ids wrap the descriptor array
  const char* lines[] = {"Unable to handle kernel NULL pointer dereference at virtual address 0000000000000000", "pc : pfn_to_online_page+0x4c/0xa0",
                         "Call trace:", " __pageblock_pfn_to_page+0x48/0x154"};
  for (const char* t : lines) {
    uint64_t blk = (8 + std::strlen(t) + 7) & ~uint64_t{7}, begin = lpos, at = lpos % 1024, nxt = lpos + blk;
    if (at + blk > 1024) {
      nxt = lpos + (1024 - at) + blk;
      at = 0;
    }
    put(text + at, &id, 8);
    put(text + at + 8, t, std::strlen(t));
    uint64_t state = (uint64_t{2} << 62) | id, d = descs + (id % 16) * 24, in = infos + (id % 16) * 88;
    put(d, &state, 8);
    put(d + 8, &begin, 8);
    put(d + 16, &nxt, 8);
    uint16_t tl = static_cast<uint16_t>(std::strlen(t));
    put(in, &id, 8);
    put(in + 16, &tl, 2);
    lpos = nxt;
    ++id;
  }
  uint64_t head = id - 1, tail = 14;
  put(rb + 24, &head, 8);
  put(rb + 32, &tail, 8);
  write_seed(out + "/compact-ringbuffer.seed", vi, mem);
}

// fuzz_verdict's control block: a dump with both bases, a finding, an observation and a section
// without usage over pfn 0xa000 (the scenarios' flagged range), or no dump at all.
std::string verdict_control(bool dump) {
  std::string c(32, '\0');
  if (!dump) return c;
  c[0] = static_cast<char>(0x1 | 0x2 | 0x4 | 0x8 | 0x20);
  const uint64_t vmemmap = 0x0000ea0000000000ull, direct = 0x0000888000000000ull, start = 0xa000;
  std::memcpy(c.data() + 1, &vmemmap, 8);
  std::memcpy(c.data() + 9, &direct, 8);
  c[17] = 51;
  c[18] = 3;
  c[19] = 5;  // ZONE_DEVICE = 4
  std::memcpy(c.data() + 20, &start, 8);
  c[28] = static_cast<char>(0xff);
  c[29] = 0x5f;
  return c;
}

void oops_seeds(const std::string& oops_dir, const std::string& parser_out, const std::string& verdict_out) {
  std::filesystem::create_directories(parser_out);
  std::filesystem::create_directories(verdict_out);
  int framing = 0;
  for (const auto& dir : {oops_dir, oops_dir + "/cases"})
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() != ".txt") continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const std::string stem = e.path().stem().string();
      std::ofstream(parser_out + "/" + stem + ".seed", std::ios::binary) << static_cast<char>(framing++ % 5) << text;
      std::ofstream(verdict_out + "/" + stem + "-dump.seed", std::ios::binary) << verdict_control(true) << text;
      std::ofstream(verdict_out + "/" + stem + ".seed", std::ios::binary) << verdict_control(false) << text;
    }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "oops" && argc == 5) {
    oops_seeds(argv[2], argv[3], argv[4]);
    return 0;
  }
  if (mode != "kernel_log" || argc < 4) {
    std::cerr << "usage: seed_writer kernel_log SCENARIO_DIR OUT_DIR [--compact] | seed_writer oops OOPS_DIR PARSER_OUT VERDICT_OUT\n";
    return 3;
  }
  const std::string out = argv[3];
  std::filesystem::create_directories(out);
  compact(out);
  if (argc > 4) return 0;
  for (const char* name : {"oops-explained-5.10", "oops-explained-5.4", "oops-consistent-6.1", "usage-race-5.10"})
    for (const char* layout : {"ringbuffer", "log_buf"}) from_scenario(argv[2], name, layout, out);
  return 0;
}
