// The DWARF "vmlinux" and BTF blob of a scenario's kernel types, compiled once per process.
#pragma once

#include <string>

namespace testutil {

std::string scenario_vmlinux(const std::string& name);   // cc -g of the generator's kernel types
std::string scenario_btf(const std::string& name);       // pahole -J of that vmlinux

}  // namespace testutil
