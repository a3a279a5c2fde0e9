// What credentials a program will have after cfgprobe preflight switches to
// the app user and execs it: the kernel's capability rules for setresuid()
// (security/commoncap.c: cap_emulate_setxuid) and for execve()
// (fs/exec.c: bprm_fill_uid, security/commoncap.c: cap_bprm_creds_from_file).
// Pure: credentials and the binary's facts in, credentials out.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "probe/result.hpp"
#include "probe/subject.hpp"

namespace probe {

// linux/securebits.h
inline constexpr uint32_t kSecbitNoroot = 1U << 0;
inline constexpr uint32_t kSecbitNoSetuidFixup = 1U << 2;
inline constexpr uint32_t kSecbitKeepCaps = 1U << 4;

// The credentials the exec rules read and write.
struct Creds {
  IdSet uid, gid;
  CapSets caps;
  std::vector<uint32_t> groups;  // supplementary (in_group_p)
  uint32_t securebits = 0;
  bool no_new_privs = false;
};

// Which set-id test execve() uses. Linux 6.15 changed it ("don't assume
// setid if all ids are identical"): before, the new euid/egid were compared
// with the old *real* ids; since, with the old euid and in_group_p(). The
// two differ only when euid != ruid or egid != rgid before the exec.
enum class SetidRule { RealIds, EffectiveIds };
// From a kernel release string ("6.1.0-28-amd64"): RealIds before 6.15.
SetidRule setid_rule_for(std::string_view release);
// For the running kernel (uname).
SetidRule running_setid_rule();

// security.capability (struct vfs_cap_data, revisions 1-3).
struct FileCaps {
  uint64_t permitted = 0, inheritable = 0;
  bool effective = false;            // VFS_CAP_FLAGS_EFFECTIVE
  std::optional<uint32_t> rootid;    // revision 3 (namespaced file caps)
};
// EINVAL for a value the kernel would reject (bad size or revision).
Result<FileCaps> parse_file_caps(std::span<const uint8_t> xattr);

// The binary execve() will load (after following links).
struct ExecFile {
  uint32_t mode = 0, uid = 0, gid = 0;
  std::optional<FileCaps> fcaps;
  bool nosuid_mount = false;  // MNT_NOSUID: set-id bits and file caps ignored
};

// setresuid(r, e, s) by a process allowed to make the change, with the
// capability fix-up the kernel applies unless SECBIT_NO_SETUID_FIXUP.
Creds after_setresuid(const Creds& old, uint32_t r, uint32_t e, uint32_t s);
// setresgid(r, e, s): ids only.
Creds after_setresgid(const Creds& old, uint32_t r, uint32_t e, uint32_t s);

struct ExecResult {
  Creds creds;
  int err = 0;                 // EPERM: file caps with the effective bit that
                               // the process cannot fully obtain
  bool privileged_file = false;   // set-id (honoured) or file caps
  bool fcaps_ignored = false;     // present but not applied (nosuid, rootid)
  bool setid_ignored = false;     // set-id bit not honoured (nosuid, NNP)
  bool downgraded_by_nnp = false; // no_new_privs limited what the exec gains
};
// execve() of f by a process with old credentials, in the initial user
// namespace (ids are kernel ids) and not being traced.
ExecResult after_execve(const Creds& old, const ExecFile& f, SetidRule rule);

}  // namespace probe
