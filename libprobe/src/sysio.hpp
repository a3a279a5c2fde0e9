// Small system-call helpers shared by the gather code (internal).
#pragma once

#include <string>

#include "probe/result.hpp"
#include "probe/unique_fd.hpp"

namespace probe::sysio {

// Reads a whole (small, /proc-like) file relative to dirfd; at most max bytes.
Result<std::string> read_at(int dirfd, const std::string& name, size_t max = size_t{1} << 20);
// readlinkat() into a string; name "" reads the link fd itself.
Result<std::string> readlink_at(int dirfd, const std::string& name);
// open(O_PATH|O_DIRECTORY|O_CLOEXEC).
Result<UniqueFd> open_dir_path(int dirfd, const std::string& name);

// Is the process behind dir (a /proc/PID or /proc/PID/task/TID fd) in
// another namespace of this kind ("mnt", "user") than the inspector?
bool other_namespace(int dir, const char* ns);

}  // namespace probe::sysio
