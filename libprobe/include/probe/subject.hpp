// Subject: everything the kernel looks at when this process opens a path.
// Ids are kernel ids (kuid/kgid) as seen from the initial user namespace,
// which is what /proc shows to an inspector there and what stat(2) returns.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probe/result.hpp"
#include "probe/unique_fd.hpp"

namespace probe {

struct IdSet {
  uint32_t real = 0, effective = 0, saved = 0, fs = 0;
  bool operator==(const IdSet&) const = default;
};

// One bit per capability number (linux/capability.h), as /proc shows them.
struct CapSets {
  uint64_t effective = 0, permitted = 0, inheritable = 0, bounding = 0, ambient = 0;
  bool operator==(const CapSets&) const = default;
};

enum class SeccompMode { Disabled, Strict, Filter, Unknown };

// One line of /proc/PID/uid_map: ids [inside, inside+count) of the subject's
// namespace are [outside, outside+count) of the inspector's.
struct IdMapRange {
  uint32_t inside = 0, outside = 0, count = 0;
  bool operator==(const IdMapRange&) const = default;
};
using IdMap = std::vector<IdMapRange>;

// The identity map of the initial user namespace: "0 0 4294967295".
IdMap identity_map();
// kuid_has_mapping(): is the outside id mapped into the namespace?
bool id_is_mapped(const IdMap& map, uint32_t outside);
// from_kuid(): the id as the subject's namespace sees it.
std::optional<uint32_t> id_inside(const IdMap& map, uint32_t outside);

enum class SubjectKind { Pid, Self, Synthetic };

struct Subject {
  SubjectKind kind = SubjectKind::Synthetic;
  std::optional<int> pid;
  uint64_t start_time = 0;  // /proc/PID/stat field 22, clock ticks after boot
  IdSet uid, gid;
  std::vector<uint32_t> groups;  // supplementary groups
  CapSets caps;
  std::optional<uint32_t> securebits;  // only knowable for self
  std::optional<bool> no_new_privs;
  SeccompMode seccomp = SeccompMode::Disabled;
  int seccomp_filters = 0;
  IdMap uid_map = identity_map(), gid_map = identity_map();
  bool own_user_ns = false;   // not the inspector's user namespace
  bool own_mount_ns = false;  // not the inspector's mount namespace
  std::string root = "/";     // root directory, as the inspector sees it
  std::string cwd = "/";      // cwd, relative to the subject's root
  std::string comm, exe;
  std::vector<std::string> cmdline;
  std::optional<std::string> user_name;  // for display and fixes
  std::optional<std::string> unit;       // systemd unit from /proc/PID/cgroup
  // Where gather opens the subject's root: "/proc/PID/root", --root DIR, "/".
  std::string root_handle = "/";
};

// What a synthetic subject is built from (cfgprobe check).
struct SyntheticSpec {
  std::string user;                  // NAME or UID; empty: the caller's
  std::optional<std::string> group;  // NAME or GID
  std::optional<std::string> groups; // comma list of NAME|GID; "" = none
  std::string caps = "none";         // none | all | cap_a,cap_b
  std::string root = "/";
};

// A live process pinned by a pidfd and its /proc directory, so a pid that
// is reused during the probe is noticed rather than read as data.
struct LiveSubject {
  Subject subject;
  UniqueFd pidfd, proc_dir;
  // The root beneath proc_dir: "root", or "task/TID/root" when the main
  // thread has exited and only another thread's links remain.
  std::string root_name = "root";
  // ESRCH when the process exited or the pid now names another process.
  Result<void> still_same() const;
};

// gather: a live process. Errors: ESRCH (no such process, or it exited or
// was replaced during the probe), EACCES/EPERM (too little privilege).
Result<LiveSubject> gather_subject(int pid);
Result<LiveSubject> gather_self();
Result<Subject> make_synthetic_subject(const SyntheticSpec& spec);

// True when a group id is the fsgid or among the supplementary groups
// (kernel/groups.c: in_group_p).
bool in_group(const Subject& s, uint32_t gid);

}  // namespace probe
