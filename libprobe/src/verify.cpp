// Ground truth: a forked helper becomes the subject (credentials, then user
// and mount namespace, root, cwd, capabilities), checks after every change
// that it stuck, and really opens the path. It reports one errno through a
// pipe; the parent never takes on the subject's identity.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cap-ng.h>
#include <sys/apparmor.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "probe/caps.hpp"
#include "probe/verify.hpp"
#include "sysio.hpp"

namespace probe {
namespace {

// What the helper sends back: a setup failure (stage != 0) or the result.
struct Reply {
  int stage = 0;  // 0: the open ran; otherwise the Stage that failed
  int err = 0;
  int used_access = 0;
};

enum Stage { kGroups = 1, kGids, kUids, kFsIds, kRaise, kUserNs, kMountNs, kRoot, kCwd, kCaps, kCheck, kApparmor };

const char* stage_name(int s) {
  static const char* names[] = {"", "setgroups", "setresgid", "setresuid", "setfsuid/setfsgid",
                                "raising capabilities", "joining the user namespace",
                                "joining the mount namespace", "chroot", "chdir",
                                "setting capabilities", "checking the credentials",
                                "changing to the subject's AppArmor profile (aa_change_profile)"};
  return s > 0 && s <= kApparmor ? names[s] : "?";
}

// The fds the helper needs, opened before fork by the parent.
struct Handles {
  UniqueFd user_ns, mnt_ns, root, cwd;
};

Result<Handles> open_handles(const Subject& s) {
  Handles h;
  if (s.kind == SubjectKind::Synthetic) {
    if (s.root_handle != "/") {
      auto r = sysio::open_dir_path(AT_FDCWD, s.root_handle);
      if (!r) return r.error();
      h.root = std::move(*r);
    }
    return h;
  }
  // root_handle is /proc/PID/root, or /proc/PID/task/TID/root when the
  // main thread has exited: its siblings hold the namespaces then.
  std::string proc = s.root_handle.substr(0, s.root_handle.size() - 4);
  if (s.own_user_ns) h.user_ns = UniqueFd(::open((proc + "ns/user").c_str(), O_RDONLY | O_CLOEXEC));
  if (s.own_mount_ns) h.mnt_ns = UniqueFd(::open((proc + "ns/mnt").c_str(), O_RDONLY | O_CLOEXEC));
  if ((s.own_user_ns && !h.user_ns) || (s.own_mount_ns && !h.mnt_ns)) return errno_error("opening " + proc + "ns");
  auto root = sysio::open_dir_path(AT_FDCWD, proc + "root");
  auto cwd = sysio::open_dir_path(AT_FDCWD, proc + "cwd");
  if (!root) return root.error();
  if (!cwd) return cwd.error();
  h.root = std::move(*root);
  h.cwd = std::move(*cwd);
  return h;
}

bool set_caps_raw(const CapSets& c) {
  capng_clear(CAPNG_SELECT_BOTH);
  for (int cap = 0; cap <= last_cap(); ++cap) {
    auto u = static_cast<unsigned>(cap);
    if (has_cap(c.permitted | c.effective, cap)) capng_update(CAPNG_ADD, CAPNG_PERMITTED, u);
    if (has_cap(c.effective, cap)) capng_update(CAPNG_ADD, CAPNG_EFFECTIVE, u);
    if (has_cap(c.inheritable, cap)) capng_update(CAPNG_ADD, CAPNG_INHERITABLE, u);
  }
  return capng_apply(CAPNG_SELECT_CAPS) == 0;
}

// The permitted set, read back from the kernel.
uint64_t permitted_now() {
  capng_clear(CAPNG_SELECT_BOTH);
  if (capng_get_caps_process() != 0) return 0;
  uint64_t set = 0;
  for (int cap = 0; cap <= last_cap(); ++cap)
    if (capng_have_capability(CAPNG_PERMITTED, static_cast<unsigned>(cap))) set |= cap_bit(cap);
  return set;
}

// Makes the whole permitted set effective (KEEPCAPS kept it permitted).
bool raise_all() {
  uint64_t p = permitted_now();
  return set_caps_raw(CapSets{p, p, 0, 0, 0});
}

// Gives the subject's capabilities. Only those this helper holds can be
// given (a container's bounding set may lack some); a missing capability
// that matters to file access makes the check fail rather than run with
// other powers than the subject's. Returns the effective set given.
std::optional<uint64_t> set_subject_caps(const CapSets& c) {
  uint64_t have = permitted_now();
  uint64_t dac = cap_bit(kCapDacOverride) | cap_bit(kCapDacReadSearch);
  if ((c.effective | c.permitted) & dac & ~have) return std::nullopt;
  CapSets give{c.effective & have, c.permitted & have, c.inheritable & have, 0, 0};
  if (!set_caps_raw(give)) return std::nullopt;
  return give.effective;
}

// Reads back what the kernel now holds; bubblewrap's habit of checking
// after every privilege change.
bool creds_stuck(const Subject& s, uint64_t effective) {
  uid_t r, e, sv;
  gid_t gr, ge, gs;
  if (getresuid(&r, &e, &sv) || getresgid(&gr, &ge, &gs)) return false;
  if (static_cast<uint32_t>(setfsuid(static_cast<uid_t>(-1))) != id_inside(s.uid_map, s.uid.fs).value_or(65534))
    return false;
  capng_clear(CAPNG_SELECT_BOTH);
  if (capng_get_caps_process() != 0) return false;
  for (int cap = 0; cap <= last_cap(); ++cap)
    if ((capng_have_capability(CAPNG_EFFECTIVE, static_cast<unsigned>(cap)) != 0) != has_cap(effective, cap))
      return false;
  return true;
}

// Stages 1-4: ids, set from the initial user namespace where every kuid is
// valid. KEEPCAPS keeps the permitted set for the namespace joins after.
int become_ids(const Subject& s) {
  std::vector<gid_t> groups(s.groups.begin(), s.groups.end());
  if (setgroups(groups.size(), groups.data()) != 0) return kGroups;
  if (prctl(PR_SET_KEEPCAPS, 1) != 0) return kUids;
  if (setresgid(s.gid.real, s.gid.effective, s.gid.saved) != 0) return kGids;
  if (setresuid(s.uid.real, s.uid.effective, s.uid.saved) != 0) return kUids;
  if (!raise_all()) return kRaise;
  setfsgid(s.gid.fs);
  setfsuid(s.uid.fs);
  if (static_cast<uint32_t>(setfsgid(static_cast<gid_t>(-1))) != s.gid.fs ||
      static_cast<uint32_t>(setfsuid(static_cast<uid_t>(-1))) != s.uid.fs)
    return kFsIds;
  return raise_all() ? 0 : kRaise;  // a fsuid change drops fs caps
}

int enter_namespaces(const Subject& s, const Handles& h) {
  if (h.user_ns && setns(h.user_ns.get(), CLONE_NEWUSER) != 0) return kUserNs;
  if (h.mnt_ns && setns(h.mnt_ns.get(), CLONE_NEWNS) != 0) return kMountNs;
  if (h.root && (fchdir(h.root.get()) != 0 || chroot(".") != 0)) return kRoot;
  // A live subject's cwd is its own fd; a what-if subject's is a path,
  // beneath its root once chrooted.
  if (h.cwd ? fchdir(h.cwd.get()) != 0 : chdir(s.cwd.empty() ? "/" : s.cwd.c_str()) != 0) return kCwd;
  return 0;
}

// The open itself. O_PATH first (the whole walk, trailing links, no read
// check), then a re-open of that very inode for reading through
// /proc/self/fd, which runs may_open(): so a FIFO or device found by the
// walk is never opened, and nothing can be swapped in between.
Reply try_open(const std::string& path, int self_fd_dir) {
  Reply r;
  UniqueFd p(::open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!p) {
    r.err = errno;
    return r;
  }
  struct stat st{};
  if (fstat(p.get(), &st) != 0) {
    r.err = errno;
    return r;
  }
  // Regular files, directories and sockets (whose open only fails, with
  // ENXIO) are really opened; FIFOs and devices never are.
  if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISSOCK(st.st_mode)) {
    UniqueFd f(::openat(self_fd_dir, std::to_string(p.get()).c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    r.err = f ? 0 : errno;
  } else {
    r.used_access = 1;
    r.err = faccessat(AT_FDCWD, path.c_str(), R_OK, AT_EACCESS) == 0 ? 0 : errno;
  }
  return r;
}

[[noreturn]] void helper(const Subject& s, const Handles& h, const std::string& path, const std::string& aa_label,
                         int out) {
  Reply r;
  // Opened here, in the helper: /proc/self is resolved at open time.
  auto self_fd_dir = sysio::open_dir_path(AT_FDCWD, "/proc/self/fd");
  if (!self_fd_dir) r.stage = kRoot;
  if (r.stage == 0 && s.kind != SubjectKind::Self) {
    r.stage = become_ids(s);
    if (r.stage == 0) r.stage = enter_namespaces(s, h);
    std::optional<uint64_t> eff;
    if (r.stage == 0 && !(eff = set_subject_caps(s.caps))) r.stage = kCaps;
    if (r.stage == 0 && !creds_stuck(s, *eff)) r.stage = kCheck;
    r.err = errno;
    // Last: the profile may deny what the steps above need (setuid, chroot).
    if (r.stage == 0 && !aa_label.empty() && aa_change_profile(aa_label.c_str()) != 0) {
      r.stage = kApparmor;
      r.err = errno;
    }
  }
  if (r.stage == 0) r = try_open(path, self_fd_dir->get());
  ssize_t n = write(out, &r, sizeof r);
  _exit(n == sizeof r ? 0 : 1);
}

Result<Reply> wait_reply(pid_t child, int in) {
  struct pollfd pfd{in, POLLIN, 0};
  // A network file system can hang an open; 10 s is far beyond any local one.
  int ready = poll(&pfd, 1, 10000);
  Reply r;
  ssize_t n = ready == 1 ? read(in, &r, sizeof r) : -1;
  if (ready != 1) kill(child, SIGKILL);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (ready != 1) return make_error(ETIMEDOUT, "the kernel check did not finish in 10 s");
  if (n != static_cast<ssize_t>(sizeof r)) return make_error(EIO, "the kernel check helper died");
  return r;
}

}  // namespace

Result<KernelCheck> kernel_open(const Subject& s, const std::string& path, const std::string& apparmor_label) {
  if (s.kind != SubjectKind::Self && geteuid() != 0)
    return make_error(EPERM, "--verify needs root to take the subject's credentials");
  auto h = open_handles(s);
  if (!h) return h.error().with("preparing the kernel check");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return errno_error("pipe");
  UniqueFd in(fds[0]), out(fds[1]);
  pid_t child = fork();
  if (child < 0) return errno_error("fork");
  if (child == 0) helper(s, *h, path, apparmor_label, out.get());
  out.reset();
  auto r = wait_reply(child, in.get());
  if (!r) return r.error();
  if (r->stage != 0) return make_error(r->err, std::string("kernel check: ") + stage_name(r->stage));
  KernelCheck k;
  k.err = r->err;
  k.how = r->used_access ? "access(R_OK)" : "open(O_RDONLY)";
  return k;
}

}  // namespace probe
