// explain for the exe probe (pure): ExeFacts in, state and EXE- findings out.
#include <algorithm>
#include <cerrno>

#include "probe/exe.hpp"
#include "probe/report.hpp"

namespace probe {
namespace {

constexpr std::string_view kDeleted = " (deleted)";

// The link that describes the running binary: the leader's, or a live
// thread's once the leader has exited.
const std::string& active_link(const ExeFacts& f) { return f.via_thread ? f.via_thread_link : f.link; }

bool is_deleted(std::string_view link) { return link.ends_with(kDeleted); }

// memfd_create(2) files are named "memfd:NAME" on an internal mount; d_path
// shows "/memfd:NAME (deleted)" (mm/memfd.c, fs/d_path.c).
bool is_memfd(std::string_view link) { return link.starts_with("/memfd:"); }

std::string_view base_name(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

// Unlinked, or another inode at the path now.
ExeState disk_state(const ExeFacts& f) {
  const std::string& l = active_link(f);
  if (l.empty()) return ExeState::Unknown;
  if (is_memfd(l)) return ExeState::Memfd;
  if (f.in_root && f.running && *f.in_root != *f.running) return ExeState::Replaced;
  if (!is_deleted(l)) return ExeState::Ok;
  return f.in_root ? ExeState::Replaced : ExeState::Deleted;
}

std::string pid_text(const ExeFacts& f) { return "process " + std::to_string(f.pid); }

std::vector<Fix> restart_fixes(const Subject& s, const ExeFacts& f) {
  if (s.unit) return {{"systemctl restart " + *s.unit, "runs the binary now installed"}};
  return {{"restart process " + std::to_string(f.pid) + " (however it was started)", "runs the binary now installed"}};
}

// kernel/ptrace.c: __ptrace_may_access() with PTRACE_MODE_READ_FSCREDS:
// the inspector's fsuid/fsgid must equal the target's real, effective and
// saved ids, the target must be dumpable, and security/commoncap.c:
// cap_ptrace_access_check() wants the target's permitted caps to be a
// subset of ours. CAP_SYS_PTRACE overrides all three.
std::string ptrace_reason(const ExeFacts& f) {
  const IdSet& u = f.subject_uid;
  const IdSet& g = f.subject_gid;
  uint32_t me = f.inspector_fsuid, my_g = f.inspector_fsgid;
  if (!(u.real == me && u.effective == me && u.saved == me && g.real == my_g && g.effective == my_g && g.saved == my_g))
    return "it runs as uid " + std::to_string(u.effective) + " and cfgprobe as uid " + std::to_string(me) +
           ": another user's process needs CAP_SYS_PTRACE, which cfgprobe does not have";
  if ((f.subject_permitted & ~f.inspector_permitted) != 0)
    return "it holds capabilities that cfgprobe does not (cap_ptrace_access_check), which needs CAP_SYS_PTRACE";
  return "it is not dumpable (it changed ids, or called prctl(PR_SET_DUMPABLE, 0)), which needs CAP_SYS_PTRACE";
}

// Threads: counts a zombie leader until the whole group is reaped.
int live_threads(const ExeFacts& f) { return std::max(f.state == 'Z' ? f.threads - 1 : f.threads, 1); }

void link_findings(const ExeFacts& f, std::vector<Finding>& out) {
  std::string exe = "/proc/" + std::to_string(f.pid) + "/exe";
  switch (classify_exe(f)) {
    case ExeState::Denied:
      out.push_back(make_finding("EXE-008", exe,
                                 "reading " + exe + " needs ptrace-read access to " + pid_text(f) + ": " + ptrace_reason(f),
                                 {{"sudo cfgprobe inspect " + std::to_string(f.pid), "root has CAP_SYS_PTRACE"}}));
      return;
    case ExeState::MainThreadExited:
      out.push_back(make_finding("EXE-004", exe,
                                 "the main thread of " + pid_text(f) + " has exited while " + std::to_string(live_threads(f)) +
                                     " other thread(s) still run, so " + exe + " is unavailable (ENOENT); thread " +
                                     std::to_string(f.via_thread) + " was read instead",
                                 {{"ls -l /proc/" + std::to_string(f.pid) + "/task/" + std::to_string(f.via_thread) + "/exe",
                                   "the binary, seen through a live thread"}}));
      return;
    case ExeState::Unknown:
      if (f.link_err != 0)
        out.push_back(make_finding("EXE-011", exe, "readlink " + exe + ": " + Error{f.link_err, ""}.message()));
      return;
    default:
      return;
  }
}

void disk_findings(const Subject& s, const ExeFacts& f, std::vector<Finding>& out) {
  auto path = exe_path(f);
  switch (disk_state(f)) {
    case ExeState::Deleted:
      out.push_back(make_finding("EXE-001", *path,
                                 pid_text(f) + " runs " + *path + ", which was deleted after it started: nothing is at "
                                 "that path now, and files looked up next to it may be gone too",
                                 restart_fixes(s, f)));
      break;
    case ExeState::Replaced:
      out.push_back(make_finding("EXE-002", *path,
                                 pid_text(f) + " still runs the old " + *path + "; the file at that path is now another "
                                 "one (an upgrade in place), whose config paths or format may differ",
                                 restart_fixes(s, f)));
      break;
    case ExeState::Memfd:
      out.push_back(make_finding("EXE-003", active_link(f),
                                 pid_text(f) + " was started from an anonymous memory file (" + active_link(f) +
                                     "): its executable has no directory, so no config can be found next to it",
                                 {{"give the program its config path explicitly (its --config option)", ""}}));
      break;
    default:
      break;
  }
}

// Present beneath the subject's root, and absent from ours or another file
// there: a container. (A chroot in our namespace shows the host path, which
// is the same inode.)
void namespace_findings(const ExeFacts& f, std::vector<Finding>& out) {
  auto path = exe_path(f);
  if (!path || !f.in_root) return;
  bool absent = !f.on_host && f.on_host_err == ENOENT;
  bool other = f.on_host && *f.on_host != *f.in_root && (f.own_mount_ns || f.root != "/");
  if (!absent && !other) return;
  std::string seen = "/proc/" + std::to_string(f.pid) + "/root" + *path;
  std::string where = f.own_mount_ns ? "mount namespace" : "root";
  std::string what = absent ? *path + " exists only in the subject's " + where + ", not in cfgprobe's"
                            : *path + " in the subject's " + where + " is another file than " + *path + " on the host";
  out.push_back(make_finding("EXE-005", *path, what + "; from here it is " + seen,
                             {{"ls -l " + seen, "look at it from the host"}}));
}

void argv0_findings(const ExeFacts& f, std::vector<Finding>& out) {
  auto path = exe_path(f);
  if (!f.argv0 || !path || f.argv0->empty()) return;
  const std::string& a = *f.argv0;
  if (a[0] != '/')
    out.push_back(make_finding("EXE-006", a,
                               "argv[0] is \"" + a + "\", not an absolute path: a lookup relative to argv[0] depends on "
                               "$PATH and the working directory, unlike one relative to /proc/self/exe (" + *path + ")",
                               {{"start the program by its absolute path (" + *path + ")", "ExecStart= needs one anyway"}}));
  bool same_inode = f.argv0_target && f.running && *f.argv0_target == *f.running;
  if (!same_inode && (base_name(a) != base_name(*path) || (a[0] == '/' && a != *path)))
    out.push_back(make_finding("EXE-007", a,
                               "argv[0] is \"" + a + "\" but the kernel runs " + *path +
                                   " (a symlink, a multi-call binary, or a caller that set argv[0]): lookups next to "
                                   "argv[0] and next to the executable point to different places"));
}

void dir_findings(const Subject& s, const ExeFacts& f, std::vector<Finding>& out) {
  if (!f.dir) return;
  const ExeDirCheck& d = *f.dir;
  std::string prefix = fix_context(s).path_prefix;
  std::string who = s.user_name ? *s.user_name : std::to_string(s.uid.fs);
  if (d.verdict == Verdict::Missing)
    out.push_back(make_finding("EXE-010", d.dir,
                               "the executable's directory " + d.dir + " does not exist for the subject, so no config "
                               "can be found next to the executable"));
  else if (!d.blocked_at.empty())
    out.push_back(make_finding("EXE-009", d.blocked_at,
                               "uid " + std::to_string(s.uid.fs) + " cannot search " + d.blocked_at + ", so files next to "
                               "the executable (" + d.dir + "/...) cannot be opened",
                               {{"setfacl -m u:" + who + ":x " + prefix + d.blocked_at, "this user only"},
                                {"chmod o+x " + prefix + d.blocked_at, "everyone"}}));
}

}  // namespace

const char* exe_state_name(ExeState s) {
  switch (s) {
    case ExeState::Ok: return "ok";
    case ExeState::Deleted: return "deleted";
    case ExeState::Replaced: return "replaced";
    case ExeState::Memfd: return "memfd";
    case ExeState::MainThreadExited: return "main_thread_exited";
    case ExeState::Denied: return "denied";
    case ExeState::Unknown: return "unknown";
  }
  return "unknown";
}

// fs/proc/base.c: proc_exe_link() fails with ENOENT once the leader has no
// mm; proc_fd_access_allowed() turns a ptrace denial into EACCES.
ExeState classify_exe(const ExeFacts& f) {
  if (f.link_err == EACCES || f.link_err == EPERM) return ExeState::Denied;
  if (f.link_err == ENOENT && f.via_thread != 0) return ExeState::MainThreadExited;
  if (f.link_err != 0) return ExeState::Unknown;
  return disk_state(f);
}

std::optional<std::string> exe_path(const ExeFacts& f) {
  std::string l = active_link(f);
  if (l.empty() || l[0] != '/' || is_memfd(l)) return std::nullopt;
  if (is_deleted(l)) l.resize(l.size() - kDeleted.size());
  // d_path is relative to the inspector's root: strip the subject's root
  // when it is a subtree of ours (a chroot in our mount namespace).
  if (f.root != "/" && l.starts_with(f.root + "/")) l = l.substr(f.root.size());
  return l;
}

std::optional<std::string> exe_dir(const ExeFacts& f) {
  auto p = exe_path(f);
  if (!p) return std::nullopt;
  size_t slash = p->rfind('/');
  return slash == 0 ? std::string("/") : p->substr(0, slash);
}

// Opening DIR/NAME needs search on every directory, DIR included
// (fs/namei.c: may_lookup); the walk itself asks read of its last step.
ExeDirCheck judge_exe_dir(const Subject& s, const Walk& w) {
  ExeDirCheck c{w.path, w.verdict};
  c.err = w.err;
  for (const Step& st : w.steps) {
    if (st.result == StepResult::Denied && st.need != Need::List) {
      c.blocked_at = st.path;
      return c;
    }
  }
  if (w.steps.empty() || !w.steps.back().inode || !w.steps.back().inode->is_dir()) return c;
  const Step& last = w.steps.back();
  if (last.result != StepResult::Ok && last.result != StepResult::Denied) return c;
  c.searchable = check_permission(s, *last.inode, kMayExec).allowed;
  c.listable = check_permission(s, *last.inode, kMayRead).allowed;
  if (!c.searchable) c.blocked_at = last.path;
  return c;
}

std::vector<Finding> explain_exe(const Subject& s, const ExeFacts& f) {
  std::vector<Finding> out;
  link_findings(f, out);
  disk_findings(s, f, out);
  namespace_findings(f, out);
  argv0_findings(f, out);
  dir_findings(s, f, out);
  return out;
}

}  // namespace probe
