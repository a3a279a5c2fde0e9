// The file-system seam. The access model (explain) asks an FsView for the
// inode at a canonical path beneath the subject's root; gather implements it
// with O_PATH lookups that never follow a link and never leave that root,
// and tests implement it with a map literal (like ninja's DiskInterface).
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "probe/acl.hpp"
#include "probe/result.hpp"
#include "probe/unique_fd.hpp"

namespace probe {

struct Inode {
  uint32_t mode = 0;  // st_mode: type, setid/sticky and permission bits
  uint32_t uid = 0, gid = 0;
  std::optional<Acl> acl;   // system.posix_acl_access, when present
  std::string link_target;  // for symlinks
  uint64_t dev = 0, ino = 0;
  // security.selinux without its trailing NUL; nullopt: the inode has none
  // (an invalid label is present here and judged by the policy).
  std::optional<std::string> selinux_label;
  int selinux_label_err = 0;  // reading it failed (an errno): the label is unknown

  bool is_dir() const { return S_ISDIR(mode); }
  bool is_link() const { return S_ISLNK(mode); }
  bool is_reg() const { return S_ISREG(mode); }
};

// The answer for one canonical path. err: 0 (inode is set), ENOENT (no
// such entry: a fact), or another errno (the inspector itself could not
// look: the walk is "unknown" from there, never "missing").
struct Lookup {
  int err = 0;
  const Inode* inode = nullptr;
};

class FsView {
 public:
  virtual ~FsView() = default;
  // abs: "/", "/etc", "/etc/app/config.yaml": no "." or "..", no symlink
  // before the last component (the resolver guarantees it).
  virtual Lookup lookup(const std::string& abs) const = 0;
};

// A literal file system for tests and fuzzing.
class MapFs : public FsView {
 public:
  void add(std::string abs, Inode inode) { nodes_[std::move(abs)] = std::move(inode); }
  void fail(std::string abs, int err) { errors_[std::move(abs)] = err; }
  Lookup lookup(const std::string& abs) const override;

 private:
  std::map<std::string, Inode> nodes_;
  std::map<std::string, int> errors_;
};

// gather: lookups beneath a root directory fd, each path gathered once.
class RealFs : public FsView {
 public:
  // root: "/proc/PID/root", a --root directory, or "/".
  static Result<std::unique_ptr<RealFs>> open(const std::string& root);
  // The same, relative to a directory fd (a pinned /proc/PID: "root").
  static Result<std::unique_ptr<RealFs>> open_at(int dirfd, const std::string& name);
  Lookup lookup(const std::string& abs) const override;
  size_t gathered() const { return cache_.size(); }

 private:
  explicit RealFs(UniqueFd root) : root_(std::move(root)) {}
  struct Entry {
    int err = 0;
    Inode inode;
    UniqueFd dir;  // O_PATH fd of a directory, while the budget lasts
  };
  Entry gather(const std::string& abs) const;
  Entry gather_beneath(int parent, const std::string& name) const;
  Entry gather_from_root(const std::string& abs) const;
  UniqueFd root_;
  mutable std::unordered_map<std::string, Entry> cache_;
  mutable size_t dir_fds_ = 0;
};

// System-wide settings the model needs.
struct SystemFacts {
  bool protected_symlinks = false;  // fs.protected_symlinks
};
SystemFacts gather_system();

// "drwxr-x---" plus "+" when an ACL is present.
std::string mode_string(const Inode& inode);
// "directory", "regular file", "symlink", "FIFO", ...
const char* type_name(uint32_t mode);

}  // namespace probe
