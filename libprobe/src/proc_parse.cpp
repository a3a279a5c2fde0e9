// Parsers for /proc text. Every field is checked; anything unexpected is
// EINVAL with the line in the context, never a guess.
#include "probe/proc_parse.hpp"

#include <charconv>
#include <cerrno>

namespace probe {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// Splits on runs of blanks (space or tab).
std::vector<std::string_view> fields(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

template <class T>
bool to_num(std::string_view s, T& out, int base = 10) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

Error bad(std::string_view what, std::string_view line) {
  std::string l(line.substr(0, 80));
  return make_error(EINVAL, std::string(what) + ": unexpected \"" + l + "\"");
}

Result<IdSet> parse_ids(std::string_view v) {
  auto f = fields(v);
  IdSet ids;
  if (f.size() != 4 || !to_num(f[0], ids.real) || !to_num(f[1], ids.effective) ||
      !to_num(f[2], ids.saved) || !to_num(f[3], ids.fs))
    return bad("id line", v);
  return ids;
}

Result<uint64_t> parse_hex64(std::string_view v) {
  uint64_t x = 0;
  if (!to_num(trim(v), x, 16)) return bad("capability mask", v);
  return x;
}

// Applies one "Key:\tvalue" line of /proc/PID/status to out.
Result<void> apply_status_line(std::string_view key, std::string_view v, StatusFields& out,
                               unsigned& seen) {
  auto hex = [&](uint64_t& dst, unsigned bit) -> Result<void> {
    auto r = parse_hex64(v);
    if (!r) return r.error();
    dst = *r;
    seen |= bit;
    return {};
  };
  if (key == "Uid" || key == "Gid") {
    auto r = parse_ids(v);
    if (!r) return r.error();
    (key == "Uid" ? out.uid : out.gid) = *r;
    seen |= key == "Uid" ? 1U : 2U;
  } else if (key == "Groups") {
    for (auto g : fields(v)) {
      uint32_t id = 0;
      if (!to_num(g, id)) return bad("Groups", v);
      out.groups.push_back(id);
    }
    seen |= 4U;
  } else if (key == "CapInh") return hex(out.caps.inheritable, 8U);
  else if (key == "CapPrm") return hex(out.caps.permitted, 16U);
  else if (key == "CapEff") return hex(out.caps.effective, 32U);
  else if (key == "CapBnd") return hex(out.caps.bounding, 64U);
  else if (key == "CapAmb") return hex(out.caps.ambient, 128U);
  else if (key == "NoNewPrivs") {
    int n = 0;
    if (!to_num(v, n) || n < 0 || n > 1) return bad("NoNewPrivs", v);
    out.no_new_privs = n == 1;
  } else if (key == "Seccomp") {
    int n = 0;
    if (!to_num(v, n) || n < 0 || n > 2) return bad("Seccomp", v);
    out.seccomp = n == 0 ? SeccompMode::Disabled : n == 1 ? SeccompMode::Strict : SeccompMode::Filter;
  } else if (key == "Threads") {
    if (!to_num(v, out.threads) || out.threads < 0) return bad("Threads", v);
  } else if (key == "Seccomp_filters") {
    if (!to_num(v, out.seccomp_filters) || out.seccomp_filters < 0) return bad("Seccomp_filters", v);
  }
  return {};
}

}  // namespace

Result<StatusFields> parse_status(std::string_view text) {
  StatusFields out;
  unsigned seen = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    size_t colon = line.find(':');
    // "Name:" holds the escaped comm: skip it, comm comes from /proc/PID/stat.
    if (colon == std::string_view::npos || line.starts_with("Name:")) continue;
    auto r = apply_status_line(line.substr(0, colon), trim(line.substr(colon + 1)), out, seen);
    if (!r) return r.error().with("/proc status");
  }
  // Uid, Gid, Groups and the five capability sets must all be there.
  if (seen != 0xFFU) return make_error(EINVAL, "/proc status: missing Uid/Gid/Groups/Cap* lines");
  return out;
}

Result<StatFields> parse_stat(std::string_view text) {
  StatFields out;
  size_t open = text.find('(');
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open)
    return bad("/proc stat", text);
  if (!to_num(trim(text.substr(0, open)), out.pid)) return bad("/proc stat pid", text);
  out.comm = std::string(text.substr(open + 1, close - open - 1));
  auto f = fields(trim(text.substr(close + 1)));
  // After comm: field 3 (state) is f[0], so field N is f[N - 3].
  if (f.size() < 20 || f[0].size() != 1) return bad("/proc stat fields", text);
  out.state = f[0][0];
  if (!to_num(f[19], out.start_time)) return bad("/proc stat starttime", f[19]);
  return out;
}

Result<IdMap> parse_id_map(std::string_view text) {
  IdMap map;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty()) continue;
    auto f = fields(line);
    IdMapRange r;
    if (f.size() != 3 || !to_num(f[0], r.inside) || !to_num(f[1], r.outside) ||
        !to_num(f[2], r.count) || r.count == 0)
      return bad("id map", line);
    // The kernel never writes a range that wraps around 2^32.
    if (uint64_t{r.inside} + r.count > (uint64_t{1} << 32) ||
        uint64_t{r.outside} + r.count > (uint64_t{1} << 32))
      return bad("id map range", line);
    map.push_back(r);
  }
  return map;
}

std::vector<std::string> parse_cmdline(std::string_view bytes) {
  std::vector<std::string> out;
  if (!bytes.empty() && bytes.back() == '\0') bytes.remove_suffix(1);
  if (bytes.empty()) return out;
  size_t i = 0;
  while (true) {
    size_t z = bytes.find('\0', i);
    out.emplace_back(bytes.substr(i, z == std::string_view::npos ? std::string_view::npos : z - i));
    if (z == std::string_view::npos) break;
    i = z + 1;
  }
  return out;
}

}  // namespace probe
