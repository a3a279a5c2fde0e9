// --wait for decrypt and preflight: durations, and polling until the keys
// and files a run needs are there (the kernel's key notifications,
// CONFIG_WATCH_QUEUE, are not available everywhere; a keyctl_search costs a
// few microseconds).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cfgprobe {

using std::chrono::milliseconds;

// How often --wait looks again: a new key is noticed within this.
inline constexpr milliseconds kPollEvery{10};

// "500ms", "30s", "2m", "1h"; a bare number is seconds.
std::optional<milliseconds> parse_duration(std::string_view s);

struct Wanted {
  std::vector<std::string> keys;  // descriptions
  std::string keyring;            // "" = the process's keyrings
  std::vector<std::string> files;
};

// What is not there yet: key "x", file F. Only absence counts: a key that is
// there but unreadable is an error to report now, not to wait for.
std::vector<std::string> missing(const Wanted& w);
// Polls until nothing is missing or the time is up; returns what is still
// missing (empty: everything is there).
std::vector<std::string> wait_for(const Wanted& w, milliseconds limit);

// "a", "a and b", "a, b and c".
std::string join_and(const std::vector<std::string>& v);
std::string quoted(const std::string& s);

}  // namespace cfgprobe
