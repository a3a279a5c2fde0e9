// Releasing plaintext from a sealed memfd: to an fd, or atomically to a file.
#include "probe/release.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "probe/unique_fd.hpp"

namespace probe {
namespace {

Result<void> write_all(int out, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(out, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno_error("writing the plaintext");
    p += w;
    n -= static_cast<size_t>(w);
  }
  return {};
}

// pread/write: for outputs sendfile refuses (EINVAL, e.g. an O_APPEND file).
Result<void> copy_slow(int src, uint64_t off, uint64_t size, int out) {
  static constexpr size_t kBuf = 1 << 16;
  std::string buf(kBuf, '\0');
  while (off < size) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(kBuf, size - off));
    ssize_t r = ::pread(src, buf.data(), want, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return r == 0 ? make_error(EIO, "the staged plaintext is shorter than expected")
                              : errno_error("reading the staged plaintext");
    if (auto w = write_all(out, buf.data(), static_cast<size_t>(r)); !w) return w;
    off += static_cast<uint64_t>(r);
  }
  return {};
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string temp_name(const std::string& path) {
  std::random_device rd;
  return path + ".cfgprobe-" + std::to_string(rd()) + ".tmp";
}

Result<void> finish_file(int fd, int src, uint64_t size, const ReleaseOptions& opt) {
  // The mode is set explicitly: open()'s mode is cut by the umask.
  if (::fchmod(fd, opt.mode) != 0) return errno_error("fchmod");
  if ((opt.uid || opt.gid) && ::fchown(fd, opt.uid ? *opt.uid : static_cast<uid_t>(-1),
                                       opt.gid ? *opt.gid : static_cast<gid_t>(-1)) != 0)
    return errno_error("fchown");
  if (auto c = release_to_fd(src, size, fd); !c) return c;
  if (::fsync(fd) != 0) return errno_error("fsync");
  return {};
}

void sync_dir(const std::string& dir) {
  UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  // A directory fsync failing (some file systems refuse it) leaves the
  // rename done but maybe not durable; the file itself is complete.
  if (d) (void)::fsync(d.get());
}

// Gives the complete file at tmp its final name: rename over an old file
// with force, else RENAME_NOREPLACE (EEXIST). tmp is removed on failure.
Result<void> name_it(const std::string& tmp, const std::string& path, bool force) {
  int rc = force ? ::rename(tmp.c_str(), path.c_str())
                 : ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
  if (rc != 0) {
    Error e = errno_error(path);
    ::unlink(tmp.c_str());
    return e;
  }
  return {};
}

Result<void> via_tmpfile(int src, uint64_t size, const std::string& path, const ReleaseOptions& opt, UniqueFd fd) {
  if (auto f = finish_file(fd.get(), src, size, opt); !f) return f;
  std::string self = "/proc/self/fd/" + std::to_string(fd.get());
  for (int tries = 0; tries < 8; ++tries) {
    std::string tmp = temp_name(path);
    // The unnamed file gets a name only now, complete and synced.
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, tmp.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      if (errno == EEXIST) continue;
      return errno_error("linking the written file into " + dir_of(path));
    }
    return name_it(tmp, path, opt.force);
  }
  return make_error(EEXIST, "no free temporary name beside " + path);
}

Result<void> via_named_temp(int src, uint64_t size, const std::string& path, const ReleaseOptions& opt) {
  for (int tries = 0; tries < 8; ++tries) {
    std::string tmp = temp_name(path);
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd && errno == EEXIST) continue;
    if (!fd) return errno_error("creating a temporary file beside " + path);
    if (auto f = finish_file(fd.get(), src, size, opt); !f) {
      ::unlink(tmp.c_str());
      return f;
    }
    return name_it(tmp, path, opt.force);
  }
  return make_error(EEXIST, "no free temporary name beside " + path);
}

}  // namespace

Result<void> release_to_fd(int src, uint64_t size, int out) {
  off_t off = 0;
  while (static_cast<uint64_t>(off) < size) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(size - static_cast<uint64_t>(off), 1U << 30));
    ssize_t n = ::sendfile(out, src, &off, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EINVAL || errno == ENOSYS)) return copy_slow(src, static_cast<uint64_t>(off), size, out);
    if (n < 0) return errno_error("writing the plaintext");
    if (n == 0) return make_error(EIO, "the staged plaintext is shorter than expected");
  }
  return {};
}

Result<void> release_to_file(int src, uint64_t size, const std::string& path, const ReleaseOptions& opt) {
  struct stat st{};
  if (!opt.force && ::lstat(path.c_str(), &st) == 0) return make_error(EEXIST, path);
  std::string dir = dir_of(path);
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600));
  Result<void> done;
  if (fd) done = via_tmpfile(src, size, path, opt, std::move(fd));
  // No O_TMPFILE on this file system (EOPNOTSUPP; EISDIR on old kernels).
  else if (errno == EOPNOTSUPP || errno == EISDIR) done = via_named_temp(src, size, path, opt);
  else return errno_error("opening " + dir);
  if (!done) return done.error();
  sync_dir(dir);
  return {};
}

}  // namespace probe
