#include "base/result.hpp"

namespace pfnscan {

const char* errc_name(Errc code) {
  switch (code) {
    case Errc::usage: return "usage";
    case Errc::io: return "io";
    case Errc::format: return "format";
    case Errc::unreadable: return "unreadable";
    case Errc::excluded: return "excluded";
    case Errc::corrupt: return "corrupt";
    case Errc::missing: return "missing";
    case Errc::unsupported: return "unsupported";
  }
  return "unknown";
}

std::string Error::describe() const {
  std::string out;
  for (auto it = context_.rbegin(); it != context_.rend(); ++it) {
    out += *it;
    out += ": ";
  }
  out += message_;
  return out;
}

}  // namespace pfnscan
