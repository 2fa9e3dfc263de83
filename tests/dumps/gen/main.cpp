// pfnscan-mkdump: writes a synthetic x86_64 vmcore from a scenario description.
//   pfnscan-mkdump SCENARIO.json -o OUT [--format elf|elf-kexec|kdump-{none,zlib,lzo,snappy,zstd}]
//                  [--flattened] [--exclude-zero] [--qemu-header] [--btf FILE]
//   pfnscan-mkdump SCENARIO.json --emit-c OUT.c      (kernel-like types for a DWARF "vmlinux")
//   pfnscan-mkdump SCENARIO.json --print-expect      (the scenario's expected findings)
//   pfnscan-mkdump SCENARIO.json --print-log         (the kernel log it writes, as dmesg shows it)
//   --log-layout ringbuffer|log_buf                   (overrides the profile's printk layout)
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "machine.hpp"
#include "scenario.hpp"
#include "writers.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: pfnscan-mkdump SCENARIO.json -o OUT [--format F] [--flattened] [--exclude-zero] "
                         "[--qemu-header] [--btf FILE] | --emit-c OUT.c | --print-expect\n");
    return 2;
  }
  std::string scenario_path = argv[1], out, format = "elf", emit_c, btf;
  dumpgen::WriteOptions w;
  bool print_expect = false, print_log = false;
  std::string log_layout;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "-o") out = next();
      else if (a == "--format") format = next();
      else if (a == "--flattened") w.flattened = true;
      else if (a == "--exclude-zero") w.exclude_zero_pages = true;
      else if (a == "--qemu-header") w.qemu_header = true;
      else if (a == "--btf") btf = next();
      else if (a == "--emit-c") emit_c = next();
      else if (a == "--print-expect") print_expect = true;
      else if (a == "--log-layout") log_layout = next();
      else if (a == "--print-log") print_log = true;
      else throw std::runtime_error("unknown option " + a);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pfnscan-mkdump: %s\n", e.what());
      return 2;
    }
  }
  try {
    dumpgen::Scenario s = dumpgen::load_scenario(scenario_path);
    if (!log_layout.empty()) {
      if (log_layout != "ringbuffer" && log_layout != "log_buf") throw std::runtime_error("--log-layout: ringbuffer or log_buf");
      s.log_layout = log_layout;
    }
    if (print_expect) {
      std::cout << s.expect.dump(2) << "\n";
      return 0;
    }
    if (print_log) {  // as dmesg prints it, for comparison with an independent reader
      for (const auto& r : s.log)
        std::printf("[%5llu.%06llu] %s\n", static_cast<unsigned long long>(r.ts_nsec / 1000000000),
                    static_cast<unsigned long long>(r.ts_nsec % 1000000000 / 1000), r.text.c_str());
      return 0;
    }
    if (!emit_c.empty()) {
      std::ofstream c(emit_c);
      c << dumpgen::kernel_types_c(s.profile, s.mem_section_size, s.sparsemem_extreme);
      return c ? 0 : 1;
    }
    if (out.empty()) throw std::runtime_error("-o OUT is required");
    dumpgen::MachineOptions mo;
    mo.btf_file = btf;
    dumpgen::MemoryImage image = dumpgen::build_machine(s, mo);
    if (format == "elf" || format == "elf-kexec") {
      w.elf_vaddr = format == "elf-kexec";
      dumpgen::write_elf(image, out, w);
    } else if (format.rfind("kdump-", 0) == 0) {
      std::string c = format.substr(6);
      if (c == "none") w.compression = dumpgen::Compression::none;
      else if (c == "zlib") w.compression = dumpgen::Compression::zlib;
      else if (c == "lzo") w.compression = dumpgen::Compression::lzo;
      else if (c == "snappy") w.compression = dumpgen::Compression::snappy;
      else if (c == "zstd") w.compression = dumpgen::Compression::zstd;
      else throw std::runtime_error("unknown compression " + c);
      dumpgen::write_kdump(image, out, w);
    } else {
      throw std::runtime_error("unknown format " + format);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pfnscan-mkdump: %s: %s\n", scenario_path.c_str(), e.what());
    return 1;
  }
  return 0;
}
