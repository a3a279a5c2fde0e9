// The access model: how the kernel resolves a path for a subject and decides
// an open(O_RDONLY). Pure: a Subject, an FsView and SystemFacts in, a Walk
// out. Each rule cites the kernel function it mirrors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probe/fs.hpp"
#include "probe/subject.hpp"

namespace probe {

inline constexpr unsigned kMayExec = 1, kMayWrite = 2, kMayRead = 4;
inline constexpr int kMaxSymlinks = 40;   // include/linux/namei.h MAXSYMLINKS
inline constexpr size_t kPathMax = 4096;  // include/uapi/linux/limits.h
inline constexpr size_t kNameMax = 255;

// Which part of the mode (or ACL) decided a permission check.
enum class PermClass { Owner, Group, Other, AclUser, AclGroupObj, AclGroup, AclOther };

// One generic_permission() decision with its evidence.
struct PermDecision {
  bool allowed = false;
  bool dac_allowed = false;   // allowed by mode bits / ACL alone
  PermClass cls = PermClass::Other;
  uint16_t class_bits = 0;    // rwx the deciding class grants (after the mask)
  int acl_entry = -1;         // index of the deciding ACL entry
  bool mask_limited = false;  // the entry grants want, the ACL mask removes it
  bool acl_skipped = false;   // ACL present but ignored: group bits are 0
  bool in_owning_group = false;
  int cap_used = -1;          // capability that bypassed DAC, or -1
  int cap_unmapped = -1;      // effective cap that would bypass, but the
                              // inode's uid/gid are unmapped in the userns
  uint64_t caps_not_effective = 0;  // permitted-only caps that would bypass
};

// fs/namei.c: generic_permission() with acl_permission_check(),
// fs/posix_acl.c: posix_acl_permission(), kernel/capability.c:
// capable_wrt_inode_uidgid().
PermDecision check_permission(const Subject& s, const Inode& inode, unsigned want);

// Would this capability, if effective, bypass the DAC check?
bool cap_would_bypass(int cap, const Inode& inode, unsigned want);

enum class Need { Search, Read, Follow, List, Exec };
enum class StepResult {
  Ok,           // permission granted
  Denied,       // permission check fails (EACCES)
  Missing,      // ENOENT
  NotDir,       // ENOTDIR
  Loop,         // ELOOP
  NameTooLong,  // ENAMETOOLONG
  NoOpen,       // ENXIO: a socket has no open()
  Unknown,      // the inspector could not look
  NotReached,   // after a failure that stops the walk
};

enum class Layer;  // below

// One LSM's decision for one step (SELinux, AppArmor, ...), added after
// the DAC walk by that LSM's layer; renderers show every LSM alike.
struct LsmCheck {
  Layer layer{};            // Layer::None until the layer sets it
  std::string object;       // "dir user_home_t", "file /etc/app.conf"
  std::string asked;        // "search", "open read"
  std::string denied;       // "" when allowed
  bool enforced = true;     // false: permissive, the denial is only logged
  bool required = true;     // the open needs it (false: getattr for stat())
};

struct Step {
  std::string path;  // canonical, beneath the subject's root
  std::string via;   // the component as written, or "->" target for a link
  std::optional<Inode> inode;
  Need need = Need::Search;
  StepResult result = StepResult::Ok;
  PermDecision decision;    // for Search/Read/List
  int lookup_err = 0;       // for Unknown
  bool primary = false;     // the first failure: what the kernel returns
  bool sticky_parent = false;  // for Follow: parent sticky + world-writable
  uint32_t parent_uid = 0;     // for Follow
  std::vector<LsmCheck> lsm;   // the LSM layers' decisions for this step
};

enum class Verdict { Allowed, Denied, Missing, Unknown };
// The layer that said no. The LSM layers (SELinux, AppArmor) are decided
// after DAC, as the kernel does (security_inode_permission after
// generic_permission), and only name the denial when DAC allowed it.
enum class Layer { None, Namespace, Dac, Acl, Capability, Selinux, Apparmor };

struct Walk {
  std::string path;      // as given
  std::string resolved;  // canonical, beneath the subject's root
  std::vector<Step> steps;
  Verdict verdict = Verdict::Unknown;
  Layer denied_by = Layer::None;
  int err = 0;           // the errno the kernel would return, 0 if allowed
  int links_followed = 0;
  bool target_not_regular = false;  // FIFO, device, socket: never opened
};

// fs/namei.c: path_openat() -> link_path_walk() -> may_lookup(), pick_link(),
// may_follow_link(), then may_open() -> inode_permission(MAY_READ).
// Keeps evaluating after the first failure where the facts allow, so later
// denials are reported too.
Walk resolve_access(const Subject& s, const FsView& fs, const SystemFacts& sys,
                    std::string_view path);
// The same walk for execve() (fs/exec.c: do_open_execat): the last step
// needs MAY_EXEC and a regular file (EACCES otherwise). A noexec mount is
// not in the model: the caller checks it.
Walk resolve_exec(const Subject& s, const FsView& fs, const SystemFacts& sys, std::string_view path);

const char* verdict_name(Verdict v);
const char* layer_name(Layer l);
const char* need_name(Need n);
const char* step_result_name(StepResult r);

}  // namespace probe
