// Releasing decrypted plaintext: from a sealed memfd to an fd (stdout, a
// pipe) or to a file written atomically - 0600 (or the mode asked for),
// owned by whom it is for, never half-written, never replacing a file
// unless told to.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "probe/result.hpp"

namespace probe {

struct ReleaseOptions {
  mode_t mode = 0600;
  std::optional<uid_t> uid;  // fchown before the file gets its name
  std::optional<gid_t> gid;
  bool force = false;        // replace an existing file (atomically)
};

// Copies size bytes from src (read from offset 0, its offset untouched)
// to out: sendfile where the kernel can, read/write otherwise; short writes
// and EINTR are retried. EPIPE etc. are errors.
Result<void> release_to_fd(int src, uint64_t size, int out);

// Writes the bytes to an unnamed file in path's directory (O_TMPFILE; a
// temp name created O_EXCL where the file system lacks it), fchmod/fchown,
// fsync, then gives it its name in one step: linkat (EEXIST unless force)
// or rename over the old file with force; fsyncs the directory. On any
// error nothing is left behind. EEXIST when path exists and !force.
Result<void> release_to_file(int src, uint64_t size, const std::string& path, const ReleaseOptions& opt);

}  // namespace probe
