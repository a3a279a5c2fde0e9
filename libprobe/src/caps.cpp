// Capability names through libcap-ng. libcap-ng keeps thread-local state for
// its process-level calls; only its pure name table is used here.
#include "probe/caps.hpp"

#include <cap-ng.h>

#include <algorithm>
#include <cctype>
#include <fstream>

namespace probe {

std::string cap_name(int cap) {
  const char* n = capng_capability_to_name(static_cast<unsigned>(cap));
  if (n == nullptr || std::string_view(n).empty() || std::isdigit(static_cast<unsigned char>(n[0])))
    return "cap_" + std::to_string(cap);
  std::string s = "cap_";
  for (const char* p = n; *p; ++p) s += static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
  return s;
}

std::optional<int> cap_from_name(std::string_view name) {
  std::string s(name);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s.starts_with("cap_")) s.erase(0, 4);
  if (s.empty()) return std::nullopt;
  int n = capng_name_to_capability(s.c_str());
  if (n < 0 || n > last_cap()) return std::nullopt;
  return n;
}

int last_cap() {
  static const int last = [] {
    std::ifstream f("/proc/sys/kernel/cap_last_cap");
    int n = -1;
    // Without /proc (a chroot), libcap-ng's compiled-in table is the limit.
    if (!(f >> n) || n < 0 || n > 63) n = static_cast<int>(CAP_LAST_CAP);
    return n;
  }();
  return last;
}

uint64_t all_caps() {
  int last = last_cap();
  return last >= 63 ? ~uint64_t{0} : (uint64_t{1} << (last + 1)) - 1;
}

Result<uint64_t> parse_cap_list(std::string_view text) {
  if (text == "none" || text.empty()) return uint64_t{0};
  if (text == "all") return all_caps();
  uint64_t set = 0;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    auto cap = cap_from_name(item);
    if (!cap) return make_error(EINVAL, "unknown capability \"" + std::string(item) + "\"");
    set |= cap_bit(*cap);
  }
  return set;
}

std::vector<std::string> cap_names(uint64_t set) {
  std::vector<std::string> out;
  for (int c = 0; c < 64; ++c)
    if (has_cap(set, c)) out.push_back(cap_name(c));
  return out;
}

std::string describe_caps(uint64_t set) {
  if (set == 0) return "none";
  if ((set & all_caps()) == all_caps()) return "all";
  uint64_t missing = all_caps() & ~set;
  if (__builtin_popcountll(missing) <= 4) {  // a container's bounding set
    std::string s = "all except";
    for (const auto& n : cap_names(missing)) s += " " + n;
    return s;
  }
  std::string s;
  for (const auto& n : cap_names(set)) s += (s.empty() ? "" : " ") + n;
  return s;
}

std::string valid_cap_names() {
  std::string s;
  for (int c = 0; c <= last_cap(); ++c) s += (s.empty() ? "" : ", ") + cap_name(c);
  return s;
}

}  // namespace probe
