// gather for the file system: each canonical path is looked up once, with
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS) beneath the subject's root,
// O_PATH | O_NOFOLLOW: nothing is ever opened for reading, a FIFO never
// blocks, and no link the subject controls can send us outside its root.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "probe/fs.hpp"
#include "sysio.hpp"

namespace probe {

Lookup MapFs::lookup(const std::string& abs) const {
  if (auto e = errors_.find(abs); e != errors_.end()) return {e->second, nullptr};
  auto it = nodes_.find(abs);
  if (it == nodes_.end()) return {ENOENT, nullptr};
  return {0, &it->second};
}

Result<std::unique_ptr<RealFs>> RealFs::open(const std::string& root) {
  return open_at(AT_FDCWD, root);
}

Result<std::unique_ptr<RealFs>> RealFs::open_at(int dirfd, const std::string& name) {
  auto fd = sysio::open_dir_path(dirfd, name);
  if (!fd) return fd.error().with("opening the subject's root");
  return std::unique_ptr<RealFs>(new RealFs(std::move(*fd)));
}

namespace {

// The access ACL, read through the O_PATH fd's /proc/self/fd link (an O_PATH
// fd has no fgetxattr). ENODATA/EOPNOTSUPP: no ACL.
Result<std::optional<Acl>> read_acl(int fd) {
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  uint8_t buf[4 + 8 * 256];
  ssize_t n = ::getxattr(path.c_str(), "system.posix_acl_access", buf, sizeof buf);
  if (n < 0 && (errno == ENODATA || errno == EOPNOTSUPP)) return std::optional<Acl>{};
  if (n < 0) return errno_error("reading the ACL");
  auto acl = parse_acl_xattr(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
  if (!acl) return acl.error();
  return std::optional<Acl>(std::move(*acl));
}

}  // namespace

RealFs::Entry RealFs::gather(const std::string& abs) const {
  Entry e;
  struct open_how how{};
  how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  std::string rel = abs == "/" ? "." : abs.substr(1);
  UniqueFd fd(static_cast<int>(syscall(SYS_openat2, root_.get(), rel.c_str(), &how, sizeof how)));
  if (!fd) {
    e.err = errno;
    return e;
  }
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) {
    e.err = errno;
    return e;
  }
  e.inode.mode = st.st_mode;
  e.inode.uid = st.st_uid;
  e.inode.gid = st.st_gid;
  e.inode.dev = st.st_dev;
  e.inode.ino = st.st_ino;
  if (S_ISLNK(st.st_mode)) {
    auto target = sysio::readlink_at(fd.get(), "");
    if (!target) e.err = target.error().code;
    else e.inode.link_target = *target;
    return e;
  }
  auto acl = read_acl(fd.get());
  if (!acl) e.err = acl.error().code;  // the walk says "unknown" from here
  else e.inode.acl = std::move(*acl);
  return e;
}

Lookup RealFs::lookup(const std::string& abs) const {
  auto it = cache_.find(abs);
  if (it == cache_.end()) it = cache_.emplace(abs, gather(abs)).first;
  if (it->second.err != 0) return {it->second.err, nullptr};
  return {0, &it->second.inode};
}

SystemFacts gather_system() {
  SystemFacts f;
  std::ifstream in("/proc/sys/fs/protected_symlinks");
  int v = 0;
  if (in >> v) f.protected_symlinks = v != 0;
  return f;
}

const char* type_name(uint32_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR: return "directory";
    case S_IFREG: return "regular file";
    case S_IFLNK: return "symlink";
    case S_IFIFO: return "FIFO";
    case S_IFCHR: return "character device";
    case S_IFBLK: return "block device";
    case S_IFSOCK: return "socket";
  }
  return "unknown type";
}

std::string mode_string(const Inode& inode) {
  uint32_t m = inode.mode;
  std::string s(10, '-');
  switch (m & S_IFMT) {
    case S_IFDIR: s[0] = 'd'; break;
    case S_IFLNK: s[0] = 'l'; break;
    case S_IFIFO: s[0] = 'p'; break;
    case S_IFCHR: s[0] = 'c'; break;
    case S_IFBLK: s[0] = 'b'; break;
    case S_IFSOCK: s[0] = 's'; break;
  }
  const char* rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i)
    if (m & (1U << (8 - i))) s[static_cast<size_t>(i + 1)] = rwx[i];
  auto special = [&](size_t pos, uint32_t bit, char set, char unset) {
    if (m & bit) s[pos] = s[pos] == '-' ? unset : set;
  };
  special(3, S_ISUID, 's', 'S');
  special(6, S_ISGID, 's', 'S');
  special(9, S_ISVTX, 't', 'T');
  if (inode.acl) s += '+';
  return s;
}

}  // namespace probe
