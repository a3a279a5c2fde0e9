// Parsers for the text the kernel writes under /proc. The text comes from
// a process we do not trust (comm is chosen by the process), so every parser
// takes a string_view, never trusts lengths, and rejects rather than guesses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "probe/result.hpp"
#include "probe/subject.hpp"

namespace probe {

// The fields of /proc/PID/status that a Subject needs.
struct StatusFields {
  IdSet uid, gid;
  std::vector<uint32_t> groups;
  CapSets caps;
  std::optional<bool> no_new_privs;
  SeccompMode seccomp = SeccompMode::Unknown;
  int seccomp_filters = 0;
  int threads = 0;  // Threads:
};
Result<StatusFields> parse_status(std::string_view text);

// /proc/PID/stat: "pid (comm) state ppid ...". comm may hold spaces and
// parentheses, so it ends at the *last* ')'.
struct StatFields {
  int pid = 0;
  std::string comm;
  char state = '?';
  uint64_t start_time = 0;  // field 22
};
Result<StatFields> parse_stat(std::string_view text);

// /proc/PID/uid_map and gid_map.
Result<IdMap> parse_id_map(std::string_view text);

// /proc/PID/cmdline: NUL-separated; a trailing NUL is not an extra arg.
std::vector<std::string> parse_cmdline(std::string_view bytes);

}  // namespace probe
