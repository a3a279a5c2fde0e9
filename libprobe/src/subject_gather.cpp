// gather for subjects: the only code here that reads /proc or NSS.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <charconv>
#include <csignal>

#include "probe/caps.hpp"
#include "probe/proc_parse.hpp"
#include "probe/subject.hpp"
#include "sysio.hpp"

namespace probe {
namespace {

Result<StatFields> read_stat(int proc_dir) {
  auto text = sysio::read_at(proc_dir, "stat");
  if (!text) return text.error();
  return parse_stat(*text);
}

// "0::/system.slice/myapp.service" -> "myapp.service".
std::optional<std::string> unit_from_cgroup(std::string_view text) {
  size_t pos = text.find("0::");
  if (pos == std::string_view::npos) return std::nullopt;
  std::string_view line = text.substr(pos + 3);
  line = line.substr(0, line.find('\n'));
  while (!line.empty()) {
    size_t slash = line.rfind('/');
    std::string_view last = slash == std::string_view::npos ? line : line.substr(slash + 1);
    if (last.ends_with(".service")) return std::string(last);
    if (slash == std::string_view::npos) break;
    line = line.substr(0, slash);
  }
  return std::nullopt;
}

std::optional<std::string> user_name_of(uint32_t uid) {
  struct passwd pw{}, *res = nullptr;
  char buf[4096];
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) != 0 || res == nullptr) return std::nullopt;
  return std::string(pw.pw_name);
}

// Fills the fields that come from /proc/PID files.
Result<void> read_proc(int proc_dir, Subject& s) {
  auto status_text = sysio::read_at(proc_dir, "status");
  if (!status_text) return status_text.error();
  auto st = parse_status(*status_text);
  if (!st) return st.error();
  s.uid = st->uid;
  s.gid = st->gid;
  s.groups = st->groups;
  s.caps = st->caps;
  s.no_new_privs = st->no_new_privs;
  s.seccomp = st->seccomp;
  s.seccomp_filters = st->seccomp_filters;
  for (const char* m : {"uid_map", "gid_map"}) {
    auto text = sysio::read_at(proc_dir, m);
    if (!text) return text.error();
    auto map = parse_id_map(*text);
    if (!map) return map.error();
    (m[0] == 'u' ? s.uid_map : s.gid_map) = *map;
  }
  auto cmd = sysio::read_at(proc_dir, "cmdline", 256 * 1024);
  if (cmd) s.cmdline = parse_cmdline(*cmd);
  auto cg = sysio::read_at(proc_dir, "cgroup");
  if (cg) s.unit = unit_from_cgroup(*cg);
  return {};
}

// root and cwd need ptrace-read access (PTRACE_MODE_READ_FSCREDS): the
// call that fails first for another user's process without privilege.
// base: "" for the process, "task/TID/" when its main thread has exited
// (the leader's own links are gone then; a live thread's still work).
Result<void> read_root_cwd(int proc_dir, const std::string& base, Subject& s) {
  auto root = sysio::readlink_at(proc_dir, base + "root");
  if (!root) return root.error();
  auto cwd = sysio::readlink_at(proc_dir, base + "cwd");
  if (!cwd) return cwd.error();
  s.root = *root;
  s.cwd = *cwd;
  // The cwd relative to the subject's root, when its root is a subtree.
  if (s.root != "/" && s.cwd.starts_with(s.root + "/")) s.cwd = s.cwd.substr(s.root.size());
  else if (s.root != "/" && s.cwd == s.root) s.cwd = "/";
  s.own_user_ns = sysio::other_namespace(proc_dir, "user");
  s.own_mount_ns = sysio::other_namespace(proc_dir, "mnt");
  auto exe = sysio::readlink_at(proc_dir, base + "exe");
  if (exe) s.exe = *exe;
  return {};
}

// A thread of the process that has not exited, other than the leader; 0
// when there is none. A leader in state Z with live threads is a process
// whose main thread called pthread_exit(): alive (fs/proc/base.c).
int live_thread(int proc_dir, int pid) {
  UniqueFd task(::openat(proc_dir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  DIR* d = task ? ::fdopendir(task.release()) : nullptr;
  if (d == nullptr) return 0;
  int found = 0;
  while (struct dirent* e = ::readdir(d)) {
    int tid = std::atoi(e->d_name);
    if (tid <= 0 || tid == pid) continue;
    auto st = sysio::read_at(proc_dir, "task/" + std::to_string(tid) + "/stat");
    auto parsed = st ? parse_stat(*st) : Result<StatFields>(make_error(ESRCH, ""));
    if (parsed && parsed->state != 'Z' && parsed->state != 'X') {
      found = tid;
      break;
    }
  }
  ::closedir(d);
  return found;
}

Error explain_privilege(const Error& e, int pid) {
  if (e.code != EACCES && e.code != EPERM) return e;
  return e.with("process " + std::to_string(pid) +
                " belongs to another user and this needs ptrace-read access to it");
}

}  // namespace

Result<void> LiveSubject::still_same() const {
  // pidfd_send_signal(sig 0): ESRCH once the process is gone (a zombie too).
  // Any other error (EPERM from an LSM that forbids signalling it: an
  // AppArmor profile without "signal (receive)") says nothing about it
  // being gone; the start time below decides.
  if (syscall(SYS_pidfd_send_signal, pidfd.get(), 0, nullptr, 0) != 0 && errno == ESRCH)
    return make_error(ESRCH, "process " + std::to_string(*subject.pid) + " exited during the probe");
  auto st = read_stat(proc_dir.get());
  bool gone = !st || st->start_time != subject.start_time ||
              (st->state == 'Z' && live_thread(proc_dir.get(), *subject.pid) == 0);
  if (gone)
    return make_error(ESRCH, "process " + std::to_string(*subject.pid) + " exited during the probe");
  return {};
}

Result<LiveSubject> gather_subject(int pid) {
  LiveSubject live;
  Subject& s = live.subject;
  s.kind = SubjectKind::Pid;
  s.pid = pid;
  std::string ctx = "process " + std::to_string(pid);
  live.pidfd = UniqueFd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (!live.pidfd) return make_error(errno == EINVAL ? ESRCH : errno, ctx);
  auto dir = sysio::open_dir_path(AT_FDCWD, "/proc/" + std::to_string(pid));
  if (!dir) return make_error(ESRCH, ctx);
  live.proc_dir = std::move(*dir);
  auto st = read_stat(live.proc_dir.get());
  if (!st) return st.error().with(ctx);
  int thread = st->state == 'Z' ? live_thread(live.proc_dir.get(), pid) : 0;
  if (st->state == 'Z' && thread == 0) return make_error(ESRCH, ctx + " has exited (zombie)");
  std::string base = thread ? "task/" + std::to_string(thread) + "/" : "";
  s.start_time = st->start_time;
  s.comm = st->comm;
  if (auto r = read_proc(live.proc_dir.get(), s); !r) return r.error().with(ctx);
  if (auto r = read_root_cwd(live.proc_dir.get(), base, s); !r) return explain_privilege(r.error(), pid);
  s.root_handle = "/proc/" + std::to_string(pid) + "/" + base + "root";
  live.root_name = base + "root";
  s.user_name = user_name_of(s.uid.fs);
  // Everything above must describe one process: check it is still the same.
  if (auto r = live.still_same(); !r) return r.error();
  return live;
}

Result<LiveSubject> gather_self() {
  // Our pid as the mounted /proc numbers it: in a new pid namespace whose
  // /proc is still the parent's (a container before it mounts its own),
  // getpid() would name another process there.
  int pid = static_cast<int>(::getpid());
  char buf[32];
  ssize_t n = ::readlink("/proc/self", buf, sizeof buf - 1);
  if (n > 0) {
    int p = 0;
    auto [end, ec] = std::from_chars(buf, buf + n, p);
    if (ec == std::errc() && end == buf + n && p > 0) pid = p;
  }
  auto live = gather_subject(pid);
  if (!live) return live;
  live->subject.kind = SubjectKind::Self;
  int bits = ::prctl(PR_GET_SECUREBITS);
  if (bits >= 0) live->subject.securebits = static_cast<uint32_t>(bits);
  return live;
}

}  // namespace probe
