#include "sysio.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

namespace probe::sysio {

Result<std::string> read_at(int dirfd, const std::string& name, size_t max) {
  UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
  if (!fd) return errno_error("open " + name);
  std::string out;
  char buf[4096];
  while (out.size() < max) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("read " + name);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

Result<std::string> readlink_at(int dirfd, const std::string& name) {
  std::string buf(PATH_MAX, '\0');
  ssize_t n = ::readlinkat(dirfd, name.c_str(), buf.data(), buf.size());
  if (n < 0) return errno_error("readlink " + (name.empty() ? std::string("(fd)") : name));
  buf.resize(static_cast<size_t>(n));
  return buf;
}

Result<UniqueFd> open_dir_path(int dirfd, const std::string& name) {
  UniqueFd fd(::openat(dirfd, name.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return errno_error("open " + name);
  return fd;
}

bool other_namespace(int dir, const char* ns) {
  struct stat a{}, b{};
  std::string name = std::string("ns/") + ns;
  if (::fstatat(dir, name.c_str(), &a, 0) != 0) return false;
  if (::stat(("/proc/self/" + name).c_str(), &b) != 0) return false;
  return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

}  // namespace probe::sysio
