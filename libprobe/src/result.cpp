#include "probe/result.hpp"

#include <cstring>

namespace probe {

std::string Error::message() const {
  std::string msg = context;
  if (code != 0) {
    if (!msg.empty()) msg += ": ";
    msg += std::strerror(code);
  }
  return msg;
}

Error Error::with(std::string_view what) const {
  Error e = *this;
  e.context = std::string(what) + (context.empty() ? "" : ": " + context);
  return e;
}

std::string errno_name(int code) {
  const char* n = strerrorname_np(code);
  return n ? n : std::to_string(code);
}

Error make_error(int code, std::string context) { return Error{code, std::move(context)}; }

Error errno_error(std::string context) { return Error{errno, std::move(context)}; }

}  // namespace probe
