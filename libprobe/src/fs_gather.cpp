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

// Directories kept open as O_PATH fds, so each child is one lookup of one
// name beneath its parent; past this many, lookups start at the root again.
constexpr size_t kDirFdBudget = 256;

#ifndef SYS_getxattrat
#define SYS_getxattrat 464  // Linux 6.13, the same number on every arch
#endif

struct XattrArgs {  // include/uapi/linux/xattr.h: struct xattr_args
  uint64_t value;
  uint32_t size;
  uint32_t flags;
};

// getxattrat(2) is tried once; on an older kernel (ENOSYS) the fallback
// goes through an O_PATH fd's /proc/self/fd link, like crun's openat2.
bool g_have_getxattrat = true;

// name "" means the fd itself (getxattrat() refuses an O_PATH fd there).
ssize_t xattr_beneath(int parent, const std::string& name, const char* attr, uint8_t* buf, size_t size) {
  if (g_have_getxattrat && !name.empty()) {
    XattrArgs args{reinterpret_cast<uintptr_t>(buf), static_cast<uint32_t>(size), 0};
    long n = syscall(SYS_getxattrat, parent, name.c_str(), AT_SYMLINK_NOFOLLOW, attr, &args, sizeof args);
    if (n >= 0 || errno != ENOSYS) return n;
    g_have_getxattrat = false;
  }
  UniqueFd fd;
  if (!name.empty()) {
    fd = UniqueFd(::openat(parent, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return -1;
  }
  std::string path = "/proc/self/fd/" + std::to_string(name.empty() ? parent : fd.get());
  return ::getxattr(path.c_str(), attr, buf, size);
}

// The access ACL of parent/name. ENODATA/EOPNOTSUPP: no ACL.
Result<std::optional<Acl>> read_acl(int parent, const std::string& name) {
  uint8_t buf[4 + 8 * 256];
  ssize_t n = xattr_beneath(parent, name, "system.posix_acl_access", buf, sizeof buf);
  if (n < 0 && (errno == ENODATA || errno == EOPNOTSUPP)) return std::optional<Acl>{};
  if (n < 0) return errno_error("reading the ACL");
  auto acl = parse_acl_xattr(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
  if (!acl) return acl.error();
  return std::optional<Acl>(std::move(*acl));
}

// security.selinux of parent/name, without the trailing NUL the kernel
// stores (security/selinux/hooks.c: inode_doinit_use_xattr). ENODATA: no
// label; EOPNOTSUPP: the file system keeps none (it is labeled by policy).
// Any other error leaves it unread (selinux_label_err).
void read_label(int parent, const std::string& name, Inode& inode) {
  uint8_t buf[4096];
  ssize_t n = xattr_beneath(parent, name, "security.selinux", buf, sizeof buf);
  if (n < 0) {
    if (errno != ENODATA && errno != EOPNOTSUPP) inode.selinux_label_err = errno;
    return;
  }
  size_t len = static_cast<size_t>(n);
  while (len > 0 && buf[len - 1] == 0) --len;
  inode.selinux_label = std::string(reinterpret_cast<const char*>(buf), len);
}

void fill(Inode& inode, const struct stat& st) {
  inode.mode = st.st_mode;
  inode.uid = st.st_uid;
  inode.gid = st.st_gid;
  inode.dev = st.st_dev;
  inode.ino = st.st_ino;
}

std::string parent_path(const std::string& abs) {
  size_t slash = abs.rfind('/');
  return slash == 0 ? "/" : abs.substr(0, slash);
}

}  // namespace

// One name beneath an open parent directory: the name has no '/' and is
// never "." or "..", so nothing can lead outside the parent. Nothing is
// opened except directories, as O_PATH.
RealFs::Entry RealFs::gather_beneath(int parent, const std::string& name) const {
  Entry e;
  struct stat st{};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    e.err = errno;
    return e;
  }
  if (S_ISDIR(st.st_mode) && dir_fds_ < kDirFdBudget) {
    // The fd, not the name, is the truth from here: re-stat it.
    e.dir = UniqueFd(::openat(parent, name.c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC));
    if (!e.dir || ::fstat(e.dir.get(), &st) != 0) {
      e.err = errno;
      return e;
    }
    ++dir_fds_;
  }
  fill(e.inode, st);
  read_label(parent, name, e.inode);
  if (S_ISLNK(st.st_mode)) {
    auto target = sysio::readlink_at(parent, name);
    if (!target) e.err = target.error().code;
    else e.inode.link_target = *target;
    return e;
  }
  auto acl = read_acl(parent, name);
  if (!acl) e.err = acl.error().code;  // the walk says "unknown" from here
  else e.inode.acl = std::move(*acl);
  return e;
}

namespace {

bool g_have_openat2 = true;

// Without openat2 (a kernel before 5.6, or valgrind): one name at a time,
// each O_PATH | O_NOFOLLOW, so no link is followed and no ".." is ever
// looked up: the walk cannot leave the root either.
UniqueFd open_by_components(int root, const std::string& abs) {
  UniqueFd cur(::openat(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  size_t i = 1;
  while (cur && i < abs.size()) {
    size_t j = abs.find('/', i);
    if (j == std::string::npos) j = abs.size();
    std::string name = abs.substr(i, j - i);
    cur = UniqueFd(::openat(cur.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    i = j + 1;
  }
  return cur;
}

// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS): the kernel itself keeps
// the lookup beneath the subject's root and follows no link.
UniqueFd open_in_root(int root, const std::string& abs) {
  if (g_have_openat2) {
    struct open_how how{};
    how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    std::string rel = abs == "/" ? "." : abs.substr(1);
    UniqueFd fd(static_cast<int>(syscall(SYS_openat2, root, rel.c_str(), &how, sizeof how)));
    if (fd || errno != ENOSYS) return fd;
    g_have_openat2 = false;
  }
  return open_by_components(root, abs);
}

}  // namespace

// The slow path: the whole canonical path from the root fd.
RealFs::Entry RealFs::gather_from_root(const std::string& abs) const {
  Entry e;
  UniqueFd fd = open_in_root(root_.get(), abs);
  struct stat st{};
  if (!fd || ::fstat(fd.get(), &st) != 0) {
    e.err = errno;
    return e;
  }
  fill(e.inode, st);
  read_label(fd.get(), "", e.inode);
  if (S_ISLNK(st.st_mode)) {
    auto target = sysio::readlink_at(fd.get(), "");
    if (!target) e.err = target.error().code;
    else e.inode.link_target = *target;
    return e;
  }
  auto acl = read_acl(fd.get(), "");
  if (!acl) e.err = acl.error().code;
  else e.inode.acl = std::move(*acl);
  if (S_ISDIR(st.st_mode) && dir_fds_ < kDirFdBudget) {
    e.dir = std::move(fd);
    ++dir_fds_;
  }
  return e;
}

RealFs::Entry RealFs::gather(const std::string& abs) const {
  if (abs != "/") {
    // The resolver looks a directory up before anything beneath it.
    auto parent = cache_.find(parent_path(abs));
    if (parent != cache_.end() && parent->second.dir)
      return gather_beneath(parent->second.dir.get(), abs.substr(abs.rfind('/') + 1));
  }
  return gather_from_root(abs);
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
