// gather for the exe probe: /proc/PID/exe, the inode it names, the same path
// beneath the subject's root and from ours. The only exe code that touches
// the system; it never judges (exe_explain.cpp does).
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "probe/exe.hpp"
#include "probe/probe.hpp"
#include "probe/proc_parse.hpp"
#include "sysio.hpp"

namespace probe {
namespace {

void stat_into(int dirfd, const std::string& name, int flags, std::optional<FileId>& id, int& err) {
  struct stat st{};
  if (::fstatat(dirfd, name.c_str(), &st, flags) != 0) {
    err = errno;
    return;
  }
  id = FileId{st.st_dev, st.st_ino};
}

// The path beneath the subject's root, never leaving it (openat2(2)
// RESOLVE_IN_ROOT). O_PATH: nothing is opened for reading, so a FIFO or a
// device at the path has no effect.
void stat_in_root(int root_fd, const std::string& path, std::optional<FileId>& id, int& err) {
  struct open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof how)));
  if (!fd && errno == ENOSYS) {
    // Before Linux 5.6: the path is d_path's canonical form (no "..", no
    // links), so a lookup that follows no link cannot leave the root.
    std::string rel = path.substr(path.find_first_not_of('/'));
    return stat_into(root_fd, rel, AT_SYMLINK_NOFOLLOW, id, err);
  }
  if (!fd) {
    err = errno;
    return;
  }
  stat_into(fd.get(), "", AT_EMPTY_PATH, id, err);
}

// status, stat and cmdline: readable by anyone, even without ptrace access.
void read_proc_files(int proc_dir, ExeFacts& f) {
  auto text = sysio::read_at(proc_dir, "status");
  if (!text) return;
  if (auto st = parse_status(*text)) {
    f.threads = st->threads;
    f.subject_uid = st->uid;
    f.subject_gid = st->gid;
    f.subject_permitted = st->caps.permitted;
  }
  auto stat = sysio::read_at(proc_dir, "stat");
  if (stat) {
    if (auto sf = parse_stat(*stat)) f.state = sf->state;
  }
  auto cmd = sysio::read_at(proc_dir, "cmdline", 256 * 1024);
  if (cmd) {
    auto args = parse_cmdline(*cmd);
    if (!args.empty()) f.argv0 = args[0];
  }
}

void read_inspector(ExeFacts& f) {
  auto text = sysio::read_at(AT_FDCWD, "/proc/self/status");
  if (!text) return;
  if (auto st = parse_status(*text)) {
    f.inspector_fsuid = st->uid.fs;
    f.inspector_fsgid = st->gid.fs;
    f.inspector_effective = st->caps.effective;
    f.inspector_permitted = st->caps.permitted;
  }
}

// A thread of the process that is still alive: its task directory serves
// for exe and root once the leader has exited (its mm and fs are gone).
int live_thread(int proc_dir, int pid) {
  UniqueFd task(::openat(proc_dir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!task) return 0;
  DIR* d = ::fdopendir(task.release());
  if (d == nullptr) return 0;
  int found = 0;
  while (dirent* e = ::readdir(d)) {
    int tid = 0;
    std::string_view name = e->d_name;
    if (std::from_chars(name.data(), name.data() + name.size(), tid).ec != std::errc{} || tid == pid) continue;
    auto stat = sysio::read_at(::dirfd(d), name.data() + std::string("/stat"));
    if (!stat) continue;
    auto sf = parse_stat(*stat);
    if (sf && sf->state != 'Z' && sf->state != 'X') {
      found = tid;
      break;
    }
  }
  ::closedir(d);
  return found;
}

// exe and root through base: /proc/PID, or /proc/PID/task/TID.
void read_links(int base, ExeFacts& f, std::string& link, int& err) {
  auto l = sysio::readlink_at(base, "exe");
  if (!l) {
    err = l.error().code;
    return;
  }
  link = *l;
  stat_into(base, "exe", 0, f.running, f.running_err);
  if (auto r = sysio::readlink_at(base, "root")) f.root = *r;
  f.own_mount_ns = sysio::other_namespace(base, "mnt");
}

void locate(int base, ExeFacts& f) {
  auto path = exe_path(f);
  if (!path) return;
  UniqueFd root(::openat(base, "root", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) f.in_root_err = errno;
  else stat_in_root(root.get(), *path, f.in_root, f.in_root_err);
  // An absolute argv[0] that leads (through links: /bin/sh -> dash) to
  // the running inode is the same program, not a different one.
  int argv0_err = 0;
  if (root && f.argv0 && !f.argv0->empty() && (*f.argv0)[0] == '/')
    stat_in_root(root.get(), *f.argv0, f.argv0_target, argv0_err);
  std::string seen = f.via_thread ? f.via_thread_link : f.link;
  seen = seen.substr(0, seen.size() - (seen.ends_with(" (deleted)") ? 10 : 0));
  stat_into(AT_FDCWD, seen, AT_SYMLINK_NOFOLLOW, f.on_host, f.on_host_err);
}

}  // namespace

ExeFacts gather_exe_at(int proc_dir, int pid) {
  ExeFacts f;
  f.pid = pid;
  read_proc_files(proc_dir, f);
  read_inspector(f);
  read_links(proc_dir, f, f.link, f.link_err);
  UniqueFd task;
  int base = proc_dir;
  // ENOENT while the process lives: the leader's mm is gone
  // (fs/proc/base.c: proc_exe_link -> get_task_exe_file() finds no mm).
  if (f.link_err == ENOENT && (f.via_thread = live_thread(proc_dir, pid)) != 0) {
    task = UniqueFd(::openat(proc_dir, ("task/" + std::to_string(f.via_thread)).c_str(),
                             O_PATH | O_DIRECTORY | O_CLOEXEC));
    int ignored = 0;  // the thread's errno adds nothing to the leader's
    if (task) read_links(task.get(), f, f.via_thread_link, ignored);
    base = task ? task.get() : proc_dir;
  }
  locate(base, f);
  return f;
}

ExeFacts gather_exe(const LiveSubject& live) {
  return gather_exe_at(live.proc_dir.get(), live.subject.pid.value_or(0));
}

void gather_exe_dir(Session& session, ExeFacts& f) {
  auto dir = exe_dir(f);
  if (!dir) return;
  Target t = session.probe({*dir, "next to the executable"});
  f.dir = judge_exe_dir(session.subject(), t.walk);
}

}  // namespace probe
