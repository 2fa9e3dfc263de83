#include "base/provenance.hpp"

namespace pfnscan {

const char* source_name(Source source) {
  switch (source) {
    case Source::dwarf: return "dwarf";
    case Source::btf: return "btf";
    case Source::target: return "target";
    case Source::vmcoreinfo: return "vmcoreinfo";
    case Source::builtin: return "builtin";
    case Source::probe: return "probe";
    case Source::derived: return "derived";
  }
  return "unknown";
}

}  // namespace pfnscan
