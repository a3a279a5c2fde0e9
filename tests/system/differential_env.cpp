// Building a case on disk and asking both sides: the tree in a fresh
// directory, a user-namespace holder process when the subject has one, the
// model over a RealFs and the kernel through kernel_open.
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <acl/libacl.h>
#include <sys/acl.h>

#include <cerrno>
#include <map>

#include "differential.hpp"
#include "probe/fs.hpp"
#include "probe/verify.hpp"

namespace probe::difftest {
namespace {

constexpr const char* kSysctl = "/proc/sys/fs/protected_symlinks";
// For the signal handler: the value to write back, as text.
volatile sig_atomic_t g_original_sysctl = -1;

bool write_file(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  return fd && ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

int read_sysctl() {
  char c = 0;
  UniqueFd fd(::open(kSysctl, O_RDONLY | O_CLOEXEC));
  return fd && ::read(fd.get(), &c, 1) == 1 && c >= '0' && c <= '9' ? c - '0' : -1;
}

int remove_one(const char* path, const struct stat*, int, struct FTW*) {
  // Errors are ignored: removing the rest is still worth it.
  (void)::remove(path);
  return 0;
}

void remove_tree(const std::string& path) {
  if (!path.empty()) ::nftw(path.c_str(), remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

Result<void> create_node(const std::string& p, const Node& n) {
  int rc = 0;
  switch (n.type) {
    case NodeType::Dir: rc = ::mkdir(p.c_str(), 0700); break;
    case NodeType::File: {
      UniqueFd fd(::open(p.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
      rc = fd ? 0 : -1;
      break;
    }
    case NodeType::Link: rc = ::symlink(n.target.c_str(), p.c_str()); break;
    case NodeType::Fifo: rc = ::mkfifo(p.c_str(), 0600); break;
  }
  if (rc != 0) return errno_error("creating " + p);
  return {};
}

// Owner, then mode (chown clears setid bits), then the ACL, which sets the
// mode's rwx bits from u::, m:: and o:: (the spec already agrees).
Result<void> set_attributes(const std::string& p, const Node& n, bool acls) {
  if (::lchown(p.c_str(), n.uid, n.gid) != 0) return errno_error("lchown " + p);
  if (n.type == NodeType::Link) return {};
  if (::chmod(p.c_str(), n.mode) != 0) return errno_error("chmod " + p);
  if (!acls) return {};
  if (!n.acl) {
    // An ACL inherited from a default ACL above the temp dir would be a
    // fact the case does not list.
    if (::removexattr(p.c_str(), "system.posix_acl_access") != 0 && errno != ENODATA)
      return errno_error("removing the ACL of " + p);
    return {};
  }
  acl_t acl = acl_from_text(acl_text(n).c_str());
  if (acl == nullptr) return errno_error("acl_from_text " + acl_text(n));
  int rc = acl_set_file(p.c_str(), ACL_TYPE_ACCESS, acl);
  int err = errno;  // before acl_free() can change it
  acl_free(acl);
  if (rc != 0) return make_error(err, "acl_set_file " + p + " " + acl_text(n));
  return {};
}

// The kernel may adjust what we asked for (setid bits on chown): check that
// the tree is the one the case lists.
Result<void> check_node(const std::string& p, const Node& n) {
  struct stat st{};
  if (::lstat(p.c_str(), &st) != 0) return errno_error("lstat " + p);
  uint32_t mode = st.st_mode & 07777;
  if (st.st_uid != n.uid || st.st_gid != n.gid || (n.type != NodeType::Link && mode != n.mode))
    return make_error(EIO, "built " + p + " as mode " + std::to_string(mode) + " " + std::to_string(st.st_uid) +
                               ":" + std::to_string(st.st_gid) + ", not as the case says");
  return {};
}

}  // namespace

// Inodes kept for the next case instead of deleted. On an ext4 without a
// journal and mounted with discard (this machine's /tmp), each deleted
// directory costs a synchronous discard and each new inode a scan past the
// recently deleted ones: ~15 ms a case. A rename costs neither.
class InodePool {
 public:
  explicit InodePool(std::string dir) : dir_(std::move(dir)) {}
  // Moves a kept inode of n's kind to path; false when there is none.
  bool take(const Node& n, const std::string& path) {
    auto it = free_.find(key(n));
    if (it == free_.end() || it->second.empty()) return false;
    std::string from = dir_ + "/" + it->second.back();
    it->second.pop_back();
    return ::rename(from.c_str(), path.c_str()) == 0;
  }
  // Keeps the inode at path; nothing happens when it was never built.
  void give(const Node& n, const std::string& path) {
    std::string name = std::to_string(next_++);
    if (::rename(path.c_str(), (dir_ + "/" + name).c_str()) == 0) free_[key(n)].push_back(name);
  }

 private:
  // A link can only be reused with the same target.
  static std::string key(const Node& n) {
    return n.type == NodeType::Link ? "l:" + n.target : std::to_string(static_cast<int>(n.type));
  }
  std::string dir_;
  std::map<std::string, std::vector<std::string>> free_;
  uint64_t next_ = 0;
};

namespace {

std::string node_path(const std::string& root, const Node& n) { return n.path == "/" ? root : root + n.path; }

// A case's tree on disk; its inodes go back to the pool when it goes out
// of scope, children first.
class BuiltTree {
 public:
  BuiltTree(InodePool& pool, std::string root, const std::vector<Node>& nodes)
      : pool_(pool), root_(std::move(root)), nodes_(nodes) {}
  ~BuiltTree() {
    for (size_t i = built_; i-- > 0;) pool_.give(nodes_[i], node_path(root_, nodes_[i]));
    remove_tree(root_);  // anything the pool did not take
  }
  BuiltTree(const BuiltTree&) = delete;
  BuiltTree& operator=(const BuiltTree&) = delete;
  const std::string& root() const { return root_; }
  Result<void> build(bool acls);

 private:
  InodePool& pool_;
  std::string root_;
  const std::vector<Node>& nodes_;
  size_t built_ = 0;
};

Result<void> BuiltTree::build(bool acls) {
  for (const Node& n : nodes_) {
    std::string p = node_path(root_, n);
    if (!pool_.take(n, p))
      if (auto r = create_node(p, n); !r) return r;
    ++built_;
  }
  for (const Node& n : nodes_) {
    std::string p = node_path(root_, n);
    if (auto r = set_attributes(p, n, acls); !r) return r;
    if (auto r = check_node(p, n); !r) return r;
  }
  return {};
}

// A process in its own user namespace with partial id maps, chrooted into
// the tree: the live subject whose namespace, maps and root the model reads
// from /proc. Killed and reaped when it goes out of scope.
class Holder {
 public:
  Holder() = default;
  ~Holder();
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;
  Result<void> start(const std::string& root, const std::string& cwd, const UsernsSpec& ns);
  int pid() const { return pid_; }

 private:
  [[noreturn]] void child(const std::string& root, const std::string& cwd);
  pid_t pid_ = -1;
  UniqueFd to_child_, from_child_;
};

Holder::~Holder() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

void Holder::child(const std::string& root, const std::string& cwd) {
  char c = 0;
  // The cwd is entered while still root of the initial namespace, so it
  // may be one the subject cannot search. unshare(CLONE_NEWUSER) is refused
  // in a chroot: chroot only after it (it keeps the cwd).
  if (::chdir((root + cwd).c_str()) != 0) _exit(9);
  if (::unshare(CLONE_NEWUSER) != 0 || ::write(from_child_.get(), "u", 1) != 1) _exit(10);
  if (::read(to_child_.get(), &c, 1) != 1) _exit(11);
  if (::chroot(root.c_str()) != 0) _exit(12);
  if (::write(from_child_.get(), "r", 1) != 1) _exit(13);
  for (;;) {  // until the parent goes (EOF) or kills it
    ssize_t n = ::read(to_child_.get(), &c, 1);
    if (n == 0 || (n < 0 && errno != EINTR)) _exit(0);
  }
}

Result<void> Holder::start(const std::string& root, const std::string& cwd, const UsernsSpec& ns) {
  int down[2], up[2];
  if (::pipe2(down, O_CLOEXEC) != 0) return errno_error("pipe");
  UniqueFd down_r(down[0]), down_w(down[1]);
  if (::pipe2(up, O_CLOEXEC) != 0) return errno_error("pipe");
  UniqueFd up_r(up[0]), up_w(up[1]);
  pid_ = ::fork();
  if (pid_ < 0) return errno_error("fork");
  if (pid_ == 0) {
    down_w.reset();  // so the holder sees EOF when the parent goes
    up_r.reset();
    to_child_ = std::move(down_r);
    from_child_ = std::move(up_w);
    child(root, cwd);
  }
  to_child_ = std::move(down_w);
  from_child_ = std::move(up_r);
  up_w.reset();
  char c = 0;
  if (::read(from_child_.get(), &c, 1) != 1 || c != 'u')
    return make_error(EIO, "the holder could not enter its cwd or unshare");
  // Root in the parent namespace may write any map, partial ones included.
  std::string proc = "/proc/" + std::to_string(pid_);
  if (!write_file(proc + "/setgroups", ns.setgroups_allow ? "allow" : "deny") ||
      !write_file(proc + "/uid_map", map_text(ns.uid_map)) ||
      !write_file(proc + "/gid_map", map_text(ns.gid_map)))
    return errno_error("writing the id maps of " + proc);
  if (::write(to_child_.get(), "m", 1) != 1) return errno_error("waking the holder");
  if (::read(from_child_.get(), &c, 1) != 1 || c != 'r') return make_error(EIO, "the holder could not chroot");
  return {};
}

Outcome fail(std::string why) {
  Outcome o;
  o.error = std::move(why);
  return o;
}

void ask_kernel(const Subject& s, const std::string& path, Outcome& o) {
  auto k = kernel_open(s, path);
  if (!k) {
    o.error = k.error().message();
    return;
  }
  o.kernel_err = k->err;
  o.kernel_how = k->how;
}

Outcome run_synthetic(const Case& c, const std::string& root) {
  Subject s;
  s.kind = SubjectKind::Synthetic;
  s.root = s.root_handle = root;  // absolute links restart here
  s.cwd = "/";
  apply_subject(c.subject, s);
  auto fs = RealFs::open(root);
  if (!fs) return fail(fs.error().message());
  Outcome o;
  o.walk = resolve_access(s, **fs, gather_system(), c.path);
  ask_kernel(s, c.path, o);
  return o;
}

Outcome run_live(const Case& c, const std::string& root) {
  Holder holder;
  if (auto r = holder.start(root, c.cwd, *c.subject.userns); !r) return fail(r.error().message());
  auto live = gather_subject(holder.pid());
  if (!live) return fail(live.error().message());
  apply_subject(c.subject, live->subject);
  auto fs = RealFs::open_at(live->proc_dir.get(), "root");
  if (!fs) return fail(fs.error().message());
  Outcome o;
  o.walk = resolve_access(live->subject, **fs, gather_system(), c.path);
  ask_kernel(live->subject, c.path, o);
  return o;
}

// Can the temp dir's file system hold an access ACL at all?
bool acls_supported(const std::string& dir) {
  std::string p = dir + "/acl-probe";
  UniqueFd fd(::open(p.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
  if (!fd) return false;
  acl_t acl = acl_from_text("u::rw-,u:1000:r--,g::---,m::r--,o::---");
  bool ok = acl != nullptr && acl_set_file(p.c_str(), ACL_TYPE_ACCESS, acl) == 0;
  if (acl != nullptr) acl_free(acl);
  ::unlink(p.c_str());
  return ok;
}

}  // namespace

void restore_sysctl_now() {
  int v = g_original_sysctl;
  if (v < 0) return;
  char text = static_cast<char>('0' + v);
  int fd = ::open(kSysctl, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  // Nothing more to do if this fails: we are on the way out.
  (void)!::write(fd, &text, 1);
  ::close(fd);
}

Result<std::unique_ptr<Env>> Env::create() {
  std::unique_ptr<Env> env(new Env);
  char tmpl[] = "/tmp/cfgprobe-diff.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return errno_error("mkdtemp " + std::string(tmpl));
  env->base_ = tmpl;  // from here on the destructor removes it
  std::string pool = env->base_ + "/pool";
  if (::mkdir(pool.c_str(), 0700) != 0) return errno_error("mkdir " + pool);
  env->pool_ = std::make_unique<InodePool>(pool);
  env->acls_ = acls_supported(env->base_);
  env->original_sysctl_ = env->current_sysctl_ = read_sysctl();
  if (env->original_sysctl_ < 0) return make_error(EIO, "cannot read " + std::string(kSysctl));
  g_original_sysctl = env->original_sysctl_;
  return env;
}

Env::~Env() {
  if (original_sysctl_ >= 0 && current_sysctl_ != original_sysctl_) restore_sysctl_now();
  g_original_sysctl = -1;
  remove_tree(base_);
}

Outcome Env::run(const Case& c) {
  int want = c.protected_symlinks ? 1 : 0;
  if (want != current_sysctl_) {
    if (!write_file(kSysctl, std::to_string(want))) return fail(errno_error(std::string("writing ") + kSysctl).message());
    current_sysctl_ = want;
  }
  BuiltTree tree(*pool_, base_ + "/t" + std::to_string(++trees_), c.tree);
  if (auto r = tree.build(acls_); !r) return fail(r.error().message());
  return c.subject.userns ? run_live(c, tree.root()) : run_synthetic(c, tree.root());
}

}  // namespace probe::difftest
