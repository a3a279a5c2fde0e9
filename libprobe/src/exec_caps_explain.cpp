// The capability rules of setresuid() and execve(), as in Linux 6.1..6.18
// (the set-id test of 6.15 included: SetidRule).
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "probe/exec_caps.hpp"

namespace probe {
namespace {

// linux/capability.h
constexpr uint32_t kVfsCapRevisionMask = 0xFF000000, kVfsCapFlagsEffective = 0x000001;
constexpr uint32_t kRev1 = 0x01000000, kRev2 = 0x02000000, kRev3 = 0x03000000;
constexpr size_t kSizeRev1 = 4 + 2 * 4, kSizeRev2 = 4 + 2 * 2 * 4, kSizeRev3 = kSizeRev2 + 4;

uint32_t le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

bool is_subset(uint64_t a, uint64_t b) { return (a & ~b) == 0; }

// kernel/groups.c: in_group_p() - the fsgid or a supplementary group.
bool in_group_p(const Creds& c, uint32_t gid) {
  return c.gid.fs == gid || std::find(c.groups.begin(), c.groups.end(), gid) != c.groups.end();
}

}  // namespace

SetidRule setid_rule_for(std::string_view release) {
  int major = 0, minor = 0;
  const char* p = release.data();
  const char* end = release.data() + release.size();
  auto a = std::from_chars(p, end, major);
  if (a.ec != std::errc() || a.ptr == end || *a.ptr != '.') return SetidRule::EffectiveIds;
  if (std::from_chars(a.ptr + 1, end, minor).ec != std::errc()) return SetidRule::EffectiveIds;
  return major < 6 || (major == 6 && minor < 15) ? SetidRule::RealIds : SetidRule::EffectiveIds;
}

// security/commoncap.c: get_vfs_caps_from_disk()
Result<FileCaps> parse_file_caps(std::span<const uint8_t> x) {
  if (x.size() < 4) return make_error(EINVAL, "security.capability is too short");
  uint32_t magic = le32(x.data());
  FileCaps f;
  f.effective = (magic & kVfsCapFlagsEffective) != 0;
  size_t words = 0;
  switch (magic & kVfsCapRevisionMask) {
    case kRev1:
      if (x.size() != kSizeRev1) return make_error(EINVAL, "security.capability revision 1 has the wrong size");
      words = 1;
      break;
    case kRev2:
      if (x.size() != kSizeRev2) return make_error(EINVAL, "security.capability revision 2 has the wrong size");
      words = 2;
      break;
    case kRev3:
      if (x.size() != kSizeRev3) return make_error(EINVAL, "security.capability revision 3 has the wrong size");
      words = 2;
      f.rootid = le32(x.data() + kSizeRev2);
      break;
    default:
      return make_error(EINVAL, "security.capability has an unknown revision");
  }
  for (size_t i = 0; i < words; ++i) {
    f.permitted |= uint64_t{le32(x.data() + 4 + 8 * i)} << (32 * i);
    f.inheritable |= uint64_t{le32(x.data() + 8 + 8 * i)} << (32 * i);
  }
  return f;
}

// security/commoncap.c: cap_task_fix_setuid(LSM_SETID_RES) ->
// cap_emulate_setxuid(); the fsuid follows the euid (kernel/sys.c:
// __sys_setresuid) without the setfsuid() fix-up.
Creds after_setresuid(const Creds& old, uint32_t r, uint32_t e, uint32_t s) {
  Creds n = old;
  n.uid = {r, e, s, e};
  if (old.securebits & kSecbitNoSetuidFixup) return n;
  bool was_root = old.uid.real == 0 || old.uid.effective == 0 || old.uid.saved == 0;
  bool none_root = r != 0 && e != 0 && s != 0;
  if (was_root && none_root) {
    if (!(old.securebits & kSecbitKeepCaps)) {
      n.caps.permitted = 0;
      n.caps.effective = 0;
    }
    // Pre-ambient programs expect setresuid to non-root then exec to drop
    // every capability.
    n.caps.ambient = 0;
  }
  if (old.uid.effective == 0 && e != 0) n.caps.effective = 0;
  if (old.uid.effective != 0 && e == 0) n.caps.effective = n.caps.permitted;
  return n;
}

Creds after_setresgid(const Creds& old, uint32_t r, uint32_t e, uint32_t s) {
  Creds n = old;
  n.gid = {r, e, s, e};
  return n;
}

// fs/exec.c: bprm_fill_uid(), then security/commoncap.c:
// cap_bprm_creds_from_file() with get_file_caps() and handle_privileged_root().
ExecResult after_execve(const Creds& old, const ExecFile& f, SetidRule rule) {
  ExecResult r;
  Creds& n = r.creds;
  n = old;
  // bprm_fill_uid: set-id bits, unless the mount is nosuid or NNP is set.
  bool suid = f.mode & S_ISUID;
  bool sgid = (f.mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);
  if (suid || sgid) {
    if (f.nosuid_mount || old.no_new_privs) {
      r.setid_ignored = true;
    } else {
      if (suid) n.uid.effective = f.uid;
      if (sgid) n.gid.effective = f.gid;
    }
  }
  // get_file_caps: pP' starts empty; file caps only from a suid-capable
  // mount, and (revision 3) only when their root id is this namespace's
  // root (the initial namespace here: rootid 0).
  n.caps.permitted = 0;
  bool effective = false, has_fcap = false;
  if (f.fcaps) {
    if (f.nosuid_mount || (f.fcaps->rootid && *f.fcaps->rootid != 0)) {
      r.fcaps_ignored = true;
    } else {
      // bprm_caps_from_vfs_caps: pP' = (X & fP) | (pI & fI)
      has_fcap = true;
      effective = f.fcaps->effective;
      n.caps.permitted = (old.caps.bounding & f.fcaps->permitted) | (old.caps.inheritable & f.fcaps->inheritable);
      if (effective && !is_subset(f.fcaps->permitted, n.caps.permitted)) {
        r.err = EPERM;  // "insufficient to execute correctly"
        return r;
      }
    }
  }
  // handle_privileged_root: root keeps its capabilities across exec unless
  // SECBIT_NOROOT; a set-uid-root binary with file caps uses the file caps.
  if (!(old.securebits & kSecbitNoroot)) {
    bool is_suid_root = n.uid.effective == 0 && n.uid.real != 0;
    if (!(has_fcap && is_suid_root)) {
      if (n.uid.effective == 0 || n.uid.real == 0) n.caps.permitted = old.caps.bounding | old.caps.inheritable;
      if (n.uid.effective == 0) effective = true;
    }
  }
  // Before 6.15: __is_setuid/__is_setgid against the old *real* ids, so a
  // process whose euid already differed from its ruid counted as set-id.
  // Since: id_changed = euid changed || !in_group_p(new egid).
  bool is_setid = rule == SetidRule::RealIds
                      ? n.uid.effective != old.uid.real || n.gid.effective != old.gid.real
                      : n.uid.effective != old.uid.effective || !in_group_p(old, n.gid.effective);
  bool gained = !is_subset(n.caps.permitted, old.caps.permitted);
  // With no_new_privs (LSM_UNSAFE_NO_NEW_PRIVS) nothing is gained: the ids
  // fall back and pP' is limited to what the process had. (Being traced by
  // a tracer without the capability does the same; cfgprobe is not traced.)
  if ((is_setid || gained) && old.no_new_privs) {
    n.uid.effective = n.uid.real;
    n.gid.effective = n.gid.real;
    n.caps.permitted &= old.caps.permitted;
    r.downgraded_by_nnp = true;
  }
  n.uid.saved = n.uid.fs = n.uid.effective;
  n.gid.saved = n.gid.fs = n.gid.effective;
  // File caps or set-id cancel the ambient set.
  if (has_fcap || is_setid) n.caps.ambient = 0;
  n.caps.permitted |= n.caps.ambient;
  n.caps.effective = effective ? n.caps.permitted : n.caps.ambient;
  n.securebits &= ~kSecbitKeepCaps;
  r.privileged_file = has_fcap || is_setid;
  return r;
}

}  // namespace probe
