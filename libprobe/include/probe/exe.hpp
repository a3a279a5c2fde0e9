// The exe probe: what /proc/PID/exe says about the running binary (deleted,
// replaced during an upgrade, a memfd, unreachable from the inspector's
// mount namespace, unreadable for lack of ptrace access, gone with the main
// thread), how argv[0] relates to it, and whether a "config next to the
// executable" lookup (dirname(exe)/...) can work for the subject.
//
// gather_exe() is the only part that touches the system and never fails:
// what it could not learn is recorded as an errno. Everything else is pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probe/access.hpp"
#include "probe/finding.hpp"
#include "probe/subject.hpp"

namespace probe {

class Session;

// An inode: what stat(2) says identifies a file.
struct FileId {
  uint64_t dev = 0, ino = 0;
  bool operator==(const FileId&) const = default;
};

// Can the subject use the executable's directory? (judge_exe_dir)
struct ExeDirCheck {
  std::string dir;              // dirname(exe), as the subject sees it
  Verdict verdict = Verdict::Unknown;  // of the walk to dir (read = list it)
  bool searchable = false;      // x on every directory, dir itself included
  bool listable = false;        // r on dir: a glob or readdir works too
  std::string blocked_at;       // the first directory without search
  int err = 0;                  // the walk's errno (ENOENT, EACCES), 0 if ok
};

struct ExeFacts {
  int pid = 0;
  // readlink(/proc/PID/exe): the kernel's d_path from the inspector's root,
  // " (deleted)" appended for an unlinked file (fs/d_path.c: d_path).
  std::string link;
  int link_err = 0;   // its errno; 0 when link is set
  // When the main thread has exited (ENOENT), a live thread's
  // /proc/PID/task/TID/exe is read instead; its tid, else 0.
  int via_thread = 0;
  std::string via_thread_link;
  int threads = 0;    // /proc/PID/status Threads:
  char state = '?';   // /proc/PID/stat state of the thread-group leader
  // stat(/proc/PID/exe): follows the magic link to the inode being run.
  std::optional<FileId> running;
  int running_err = 0;
  // The same path looked up beneath the subject's root (/proc/PID/root,
  // RESOLVE_IN_ROOT), and from the inspector's own root.
  std::optional<FileId> in_root;
  int in_root_err = 0;
  std::optional<FileId> on_host;
  int on_host_err = 0;
  std::string root = "/";       // subject's root as the inspector sees it
  bool own_mount_ns = false;
  std::optional<std::string> argv0;  // none: empty cmdline
  // The inode an absolute argv[0] leads to beneath the subject's root.
  std::optional<FileId> argv0_target;
  // For a ptrace-read denial: who asks and who is asked (/proc/PID/status
  // is readable by anyone; /proc/self/status for the inspector).
  IdSet subject_uid, subject_gid;
  uint64_t subject_permitted = 0;
  uint32_t inspector_fsuid = 0, inspector_fsgid = 0;
  uint64_t inspector_effective = 0, inspector_permitted = 0;
  std::optional<ExeDirCheck> dir;  // filled by gather_exe_dir()
};

// gather. Never fails: unknown states are facts (errnos).
ExeFacts gather_exe(const LiveSubject& live);
// The same from an O_PATH fd of /proc/PID, for a process gather_subject()
// cannot pin (its main thread has exited, or ptrace-read is denied).
ExeFacts gather_exe_at(int proc_dir, int pid);
// gather: walks dirname(exe) for the session's subject; sets f.dir (left
// empty when the exe has no directory: memfd, unreadable link).
void gather_exe_dir(Session& session, ExeFacts& f);

enum class ExeState {
  Ok,                // the file at the path is the one running
  Deleted,           // unlinked, nothing at the path now
  Replaced,          // another inode at the path now (upgrade in place)
  Memfd,             // executed from a memfd (fexecve): no path on disk
  MainThreadExited,  // link unavailable: the leader called pthread_exit
  Denied,            // no ptrace-read access to the process
  Unknown,           // another readlink error, or the process is exiting
};
const char* exe_state_name(ExeState s);

// explain (pure, from here on).
ExeState classify_exe(const ExeFacts& f);
// The exe link without " (deleted)", relative to the subject's root; none
// for a memfd or when the link could not be read.
std::optional<std::string> exe_path(const ExeFacts& f);
// dirname(exe_path): what to hand to Session::probe for a "config next to
// the executable" lookup.
std::optional<std::string> exe_dir(const ExeFacts& f);
ExeDirCheck judge_exe_dir(const Subject& s, const Walk& w);
// EXE- findings (target -1: about the subject).
std::vector<Finding> explain_exe(const Subject& s, const ExeFacts& f);

// render: lines for the subject block ("  exe      ...\n").
std::string render_text_exe(const ExeFacts& f, bool color);

}  // namespace probe
