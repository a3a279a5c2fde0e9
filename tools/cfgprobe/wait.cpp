#include "wait.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <thread>

#include "probe/keyring.hpp"

namespace cfgprobe {

std::optional<milliseconds> parse_duration(std::string_view s) {
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p == s.data() || n > 1000000000) return std::nullopt;
  std::string_view unit(p, static_cast<size_t>(s.data() + s.size() - p));
  if (unit == "ms") return milliseconds(n);
  if (unit == "s" || unit.empty()) return milliseconds(n * 1000);
  if (unit == "m") return milliseconds(n * 60000);
  if (unit == "h") return milliseconds(n * 3600000);
  return std::nullopt;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

std::vector<std::string> missing(const Wanted& w) {
  std::vector<std::string> out;
  for (const auto& d : w.keys) {
    auto id = probe::find_key(d, w.keyring);
    if (!id && id.error().code == ENOKEY) out.push_back("key " + quoted(d));
  }
  for (const auto& f : w.files) {
    struct stat st{};
    if (::stat(f.c_str(), &st) != 0 && errno == ENOENT) out.push_back("file " + f);
  }
  return out;
}

std::vector<std::string> wait_for(const Wanted& w, milliseconds limit) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + limit;
  for (;;) {
    auto m = missing(w);
    if (m.empty() || Clock::now() >= deadline) return m;
    std::this_thread::sleep_for(std::min<Clock::duration>(kPollEvery, deadline - Clock::now()));
  }
}

std::string join_and(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i == 0 ? "" : i + 1 == v.size() ? " and " : ", ") + v[i];
  return s;
}

}  // namespace cfgprobe
