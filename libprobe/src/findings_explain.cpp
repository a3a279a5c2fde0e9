// explain: from a Walk to findings with exact fixes, least privilege first.
// Pure: Subject, Names and the Walk in, findings out.
#include <cerrno>

#include "probe/caps.hpp"
#include "probe/fs.hpp"
#include "probe/report.hpp"

namespace probe {
namespace {

char need_bit(Need n) { return n == Need::Search || n == Need::Exec ? 'x' : 'r'; }
unsigned need_mask(Need n) { return n == Need::Search || n == Need::Exec ? kMayExec : kMayRead; }

// "rx" for setfacl: the letters only.
std::string perm_letters(unsigned bits) {
  std::string s;
  if (bits & 4) s += 'r';
  if (bits & 2) s += 'w';
  if (bits & 1) s += 'x';
  return s.empty() ? "-" : s;
}

std::string perm_text(unsigned bits) {
  std::string s = "---";
  if (bits & 4) s[0] = 'r';
  if (bits & 2) s[1] = 'w';
  if (bits & 1) s[2] = 'x';
  return s;
}

std::string uid_text(const Names& n, uint32_t uid) {
  return n.has_user(uid) ? std::to_string(uid) + "(" + n.user(uid) + ")" : std::to_string(uid);
}

std::string acl_entry_text(const Names& n, const AclEntry& e) {
  switch (e.tag) {
    case AclTag::UserObj: return "u::" + perm_text(e.perm);
    case AclTag::User: return "u:" + n.user(e.id) + ":" + perm_text(e.perm);
    case AclTag::GroupObj: return "g::" + perm_text(e.perm);
    case AclTag::Group: return "g:" + n.group(e.id) + ":" + perm_text(e.perm);
    case AclTag::Mask: return "m::" + perm_text(e.perm);
    case AclTag::Other: return "o::" + perm_text(e.perm);
  }
  return "";
}

// Who setfacl/usermod should name: the user name, else the number.
std::string who(const Subject& s, const Names& n) {
  return n.has_user(s.uid.fs) ? n.user(s.uid.fs) : std::to_string(s.uid.fs);
}

std::string ambient_fix_note(const FixContext& ctx) {
  return "reads every file on the system: last resort" +
         (ctx.unit ? " (systemctl edit " + *ctx.unit + ", [Service])" : std::string(" (systemd [Service])"));
}

void owner_and_group_fixes(const Subject& s, const Names& n, const Step& st, const std::string& p,
                           std::vector<Fix>& out) {
  const Inode& ino = *st.inode;
  const PermDecision& d = st.decision;
  char bit = need_bit(st.need);
  std::string b(1, bit);
  unsigned want = need_mask(st.need);
  unsigned group_bits = (ino.mode >> 3) & 7;
  if (ino.acl) {
    for (const auto& e : ino.acl->entries)
      if (e.tag == AclTag::GroupObj) group_bits = e.perm & (ino.acl->mask() ? ino.acl->mask()->perm : 7);
  }
  // Never suggest joining group root (gid 0): it opens far more than this.
  if (!d.in_owning_group && (group_bits & want) && n.has_user(s.uid.fs) && ino.gid != 0)
    out.push_back({"usermod -aG " + n.group(ino.gid) + " " + n.user(s.uid.fs),
                   "everything group " + n.group(ino.gid) + " can access; effective after a restart"});
  if (d.in_owning_group && !(group_bits & want) && !ino.acl)
    out.push_back({"chmod g+" + b + " " + p, "everyone in group " + n.group(ino.gid)});
  out.push_back({"chmod o+" + b + " " + p,
                 st.need == Need::Search ? "every user may pass through" : "every user can read it: not for secrets"});
}

// Has the subject a named ACL entry that grants want (mask aside)?
bool acl_entry_grants(const Subject& s, const Inode& ino, unsigned want) {
  if (!ino.acl) return false;
  for (const auto& e : ino.acl->entries)
    if (e.tag == AclTag::User && e.id == s.uid.fs) return (e.perm & want) == want;
  return false;
}

// Fixes for a denied search/read step, least privilege first.
std::vector<Fix> permission_fixes(const Subject& s, const Names& n, const FixContext& ctx, const Step& st) {
  std::vector<Fix> out;
  const Inode& ino = *st.inode;
  const PermDecision& d = st.decision;
  std::string p = ctx.path_prefix + st.path;
  std::string b(1, need_bit(st.need));
  unsigned want = need_mask(st.need);
  if (d.cls == PermClass::Owner) {
    out.push_back({"chmod u+" + b + " " + p, "the owner, who is this subject"});
  } else if (d.acl_skipped && acl_entry_grants(s, ino, want)) {
    // The subject's own entry would do: only the emptied mask is in the way.
    out.push_back({"setfacl -m m::" + perm_letters(want | 4) + " " + p, "re-enables the ACL's entries"});
  } else if (d.mask_limited && ino.acl && ino.acl->mask()) {
    out.push_back({"setfacl -m m::" + perm_letters(ino.acl->mask()->perm | want) + " " + p,
                   "the mask limits every named entry and the owning group"});
  } else {
    unsigned bits = want;
    if (d.cls == PermClass::AclUser && d.acl_entry >= 0)
      bits |= ino.acl->entries[static_cast<size_t>(d.acl_entry)].perm;
    out.push_back({"setfacl -m u:" + who(s, n) + ":" + perm_letters(bits) + " " + p, "this user only"});
    if (d.cls != PermClass::AclUser) owner_and_group_fixes(s, n, st, p, out);
  }
  out.push_back({"AmbientCapabilities=CAP_DAC_READ_SEARCH", ambient_fix_note(ctx)});
  return out;
}

std::string denied_explanation(const Subject& s, const Names& n, const Step& st) {
  std::string what = st.need == Need::Search ? "no search permission on " : "no read permission on ";
  return what + st.path + " for uid " + uid_text(n, s.uid.fs) + ": " + describe_step(s, n, st);
}

void denied_findings(const Subject& s, const Names& n, const FixContext& ctx, const Step& st,
                     std::vector<Finding>& out) {
  const PermDecision& d = st.decision;
  std::string expl = denied_explanation(s, n, st);
  auto fixes = permission_fixes(s, n, ctx, st);
  if (d.cap_unmapped >= 0) {
    std::vector<Fix> f;
    if (auto root = s.uid_map.empty() ? std::nullopt : std::optional<uint32_t>(s.uid_map[0].outside)) {
      uint32_t g = s.gid_map.empty() ? 0 : s.gid_map[0].outside;
      f.push_back({"chown " + std::to_string(*root) + ":" + std::to_string(g) + " " + ctx.path_prefix + st.path,
                   "owned by an id the namespace maps (its first mapped uid/gid)"});
    }
    out.push_back(make_finding("CAP-003", st.path,
                               cap_name(d.cap_unmapped) + " is effective in the subject's user namespace, but " +
                                   st.path + " is owned by " + std::to_string(st.inode->uid) + ":" +
                                   std::to_string(st.inode->gid) + ", not mapped there",
                               f));
  }
  const char* id = st.need == Need::Search ? "DAC-002" : "DAC-001";
  if (d.mask_limited) id = "ACL-002";
  else if (d.cls == PermClass::AclUser || d.cls == PermClass::AclGroup || d.cls == PermClass::AclGroupObj ||
           d.cls == PermClass::AclOther)
    id = "ACL-001";
  out.push_back(make_finding(id, st.path, expl, fixes));
  if (d.acl_skipped)
    out.push_back(make_finding("ACL-003", st.path,
                               st.path + " has an ACL, but its group bits are 0, so the kernel ignores it",
                               {{"setfacl -m m::" + perm_letters(need_mask(st.need) | 4) + " " + ctx.path_prefix + st.path,
                                 "re-enables the ACL's entries"}}));
  if (d.caps_not_effective)
    out.push_back(make_finding("CAP-002", st.path,
                               describe_caps(d.caps_not_effective) + " would allow this, but is only permitted, not effective",
                               {{"AmbientCapabilities=" + describe_caps(d.caps_not_effective), ambient_fix_note(ctx)}}));
}

void follow_finding(const Subject& s, const Names& n, const FixContext& ctx, const Step& st,
                    std::vector<Finding>& out) {
  std::string p = ctx.path_prefix + st.path;
  out.push_back(make_finding(
      "DAC-003", st.path,
      "the link " + st.path + " is owned by " + n.user(st.inode->uid) + ", in a sticky world-writable directory owned by " +
          n.user(st.parent_uid) + ", and the subject (uid " + uid_text(n, s.uid.fs) + ") owns neither",
      {{"chown -h " + who(s, n) + " " + p, "the link becomes the subject's own"},
       {"point the program at " + st.inode->link_target + " directly", "no link to follow"},
       {"sysctl fs.protected_symlinks=0", "weakens a protection for every user: not recommended"}}));
}

void lookup_findings(const Subject& s, const FixContext& ctx, const Target& t, const Step& st,
                     std::vector<Finding>& out) {
  switch (st.result) {
    case StepResult::Missing: {
      bool elsewhere = s.own_mount_ns || (s.root != "/" && s.kind != SubjectKind::Synthetic);
      if (elsewhere && t.exists_on_host.value_or(false)) {
        std::vector<Fix> f;
        if (ctx.unit) f.push_back({"BindReadOnlyPaths=" + t.walk.path, "systemctl edit " + *ctx.unit + ", [Service]"});
        f.push_back({"docker run -v " + t.walk.path + ":" + t.walk.path + ":ro ...", "for a container"});
        out.push_back(make_finding("NS-002", t.walk.path,
                                   t.walk.path + " exists on the host, but " + st.path + " is missing in the subject's root", f));
      } else {
        out.push_back(make_finding("NS-001", t.walk.path, st.path + " does not exist for the subject",
                                   {{"namei -l " + ctx.path_prefix + st.path, "shows where the path stops"}}));
      }
      break;
    }
    case StepResult::NotDir:
      out.push_back(make_finding("NS-003", t.walk.path, st.path + " is a " + type_name(st.inode->mode) + ", not a directory"));
      break;
    case StepResult::Loop:
      out.push_back(make_finding("NS-004", t.walk.path, "more than 40 symbolic links while resolving " + t.walk.path,
                                 {{"namei -l " + ctx.path_prefix + st.path, "shows the chain of links"}}));
      break;
    case StepResult::NameTooLong:
      out.push_back(make_finding("NS-005", t.walk.path, "the path or one of its names is longer than the kernel allows"));
      break;
    case StepResult::Unknown:
      out.push_back(make_finding("NS-006", t.walk.path,
                                 "cfgprobe could not look at " + st.path + " (" + Error{st.lookup_err, ""}.message() + ")",
                                 {{"sudo cfgprobe ...", "inspect as root"}}));
      break;
    default: break;
  }
}

void target_findings(const Subject& s, const Names& n, const Target& t, std::vector<Finding>& out) {
  const Walk& w = t.walk;
  if (w.steps.empty() || !w.steps.back().inode || w.verdict == Verdict::Missing) return;
  const Step& last = w.steps.back();
  if (w.target_not_regular && w.err == ENXIO)
    out.push_back(make_finding("DAC-004", w.path, w.resolved + " is a socket: open(2) fails with ENXIO",
                               {{"point the program at the config file, not the socket", "connect(2) is for sockets"}}));
  else if (w.target_not_regular)
    out.push_back(make_finding("DAC-004", w.path, w.resolved + " is a " + type_name(last.inode->mode) +
                                                      "; cfgprobe does not open it"));
  else if (last.need == Need::List)
    out.push_back(make_finding("DAC-005", w.path, w.resolved + " is a directory"));
  if (w.verdict != Verdict::Allowed) return;
  for (const auto& st : w.steps) {
    if (st.decision.cap_used < 0 || st.need == Need::Follow) continue;
    out.push_back(make_finding("CAP-001", w.path,
                               st.path + " is readable only through " + cap_name(st.decision.cap_used) + ": " +
                                   describe_step(s, n, st),
                               {{"setfacl -m u:" + who(s, n) + ":" + std::string(1, need_bit(st.need)) + " " +
                                     fix_context(s).path_prefix + st.path,
                                 "so the capability can be dropped"}}));
    break;
  }
}

void kernel_findings(const Target& t, std::vector<Finding>& out) {
  if (!t.kernel_error.empty())
    out.push_back(make_finding("VFY-002", t.walk.path, t.kernel_error, {{"sudo cfgprobe ... --verify", "run as root"}}));
  if (!t.kernel || t.kernel->agrees) return;
  std::string k = t.kernel->err == 0 ? "success" : Error{t.kernel->err, ""}.message();
  std::string m = t.walk.err == 0 ? "success" : Error{t.walk.err, ""}.message();
  out.push_back(make_finding("VFY-001", t.walk.path,
                             "DISAGREEMENT: the kernel says " + k + ", the model says " + m + " (" + t.kernel->how + ")"));
}

}  // namespace

FixContext fix_context(const Subject& s) {
  FixContext ctx;
  if (s.kind != SubjectKind::Synthetic && (s.own_mount_ns || s.root != "/") && s.pid)
    ctx.path_prefix = "/proc/" + std::to_string(*s.pid) + "/root";
  else if (s.kind == SubjectKind::Synthetic && s.root_handle != "/")
    ctx.path_prefix = s.root_handle;
  ctx.unit = s.unit;
  return ctx;
}

std::string describe_step(const Subject& s, const Names& n, const Step& st) {
  if (!st.inode) return "";
  const Inode& ino = *st.inode;
  const PermDecision& d = st.decision;
  if (st.need == Need::Follow) return "";
  std::string b(1, need_bit(st.need));
  std::string has = (d.class_bits & need_mask(st.need)) ? " has " + b : " has no " + b;
  std::string why;
  switch (d.cls) {
    case PermClass::Owner: why = "owner" + has; break;
    case PermClass::Group: why = "not owner, in group " + n.group(ino.gid) + ", group" + has; break;
    case PermClass::Other:
      why = ino.uid == s.uid.fs ? "other" + has
                                : "not owner, not in group " + n.group(ino.gid) + ", other" + has;
      break;
    default: {
      const AclEntry& e = ino.acl->entries[static_cast<size_t>(d.acl_entry)];
      why = "ACL " + acl_entry_text(n, e);
      if (d.mask_limited) why += " limited by mask " + acl_entry_text(n, *ino.acl->mask());
      else why += has;
    }
  }
  if (d.acl_skipped) why += " (ACL ignored: group bits 0)";
  if (d.cap_used >= 0) why += ", allowed by " + cap_name(d.cap_used);
  if (d.cap_unmapped >= 0) why += ", " + cap_name(d.cap_unmapped) + " does not count (owner unmapped)";
  return why;
}

std::vector<Finding> explain_target(const Subject& s, const Names& names, const Target& t, int index) {
  std::vector<Finding> out;
  FixContext ctx = fix_context(s);
  for (const auto& st : t.walk.steps) {
    if (st.result == StepResult::Denied && st.need == Need::Follow) follow_finding(s, names, ctx, st, out);
    else if (st.result == StepResult::Denied) denied_findings(s, names, ctx, st, out);
    else lookup_findings(s, ctx, t, st, out);
  }
  target_findings(s, names, t, out);
  if (t.selinux) {
    auto sel = explain_selinux(*t.selinux, ctx.path_prefix);
    out.insert(out.end(), sel.begin(), sel.end());
  }
  if (t.apparmor) {
    auto aa = explain_apparmor(*t.apparmor, ctx.path_prefix);
    out.insert(out.end(), aa.begin(), aa.end());
  }
  kernel_findings(t, out);
  for (auto& f : out) f.target = index;
  return out;
}

std::vector<Finding> explain_subject(const Subject& s) {
  std::vector<Finding> out;
  std::string prefix = fix_context(s).path_prefix;
  if (!prefix.empty() && s.kind != SubjectKind::Synthetic)
    out.push_back(make_finding("NS-007", s.root, "paths are resolved beneath " + prefix + " (" + s.root + ")"));
  return out;
}

std::vector<Finding> explain_process(const Subject& s, const ProcessProbes& p) {
  std::vector<Finding> out;
  if (p.exe) out = explain_exe(s, *p.exe);
  if (p.seccomp) {
    auto sc = explain_seccomp(s, *p.seccomp);
    out.insert(out.end(), sc.begin(), sc.end());
  }
  if (p.keyring) {
    auto k = explain_keyring(s, *p.keyring, p.seccomp ? &*p.seccomp : nullptr);
    out.insert(out.end(), k.begin(), k.end());
  }
  for (auto& f : out) f.target = -1;
  return out;
}

void explain_report(Report& r) {
  r.findings = explain_subject(r.subject);
  auto process = explain_process(r.subject, r.process);
  r.findings.insert(r.findings.end(), process.begin(), process.end());
  for (size_t i = 0; i < r.targets.size(); ++i) {
    auto f = explain_target(r.subject, r.names, r.targets[i], static_cast<int>(i));
    r.findings.insert(r.findings.end(), f.begin(), f.end());
  }
}

ReportVerdict report_verdict(const Report& r) {
  bool denied = false, error = false;
  for (const auto& t : r.targets) {
    if (t.walk.verdict == Verdict::Denied || t.walk.verdict == Verdict::Missing) denied = true;
    if (t.walk.verdict == Verdict::Unknown) error = true;
  }
  for (const auto& f : r.findings)
    if (f.severity == Severity::Error) error = true;
  if (denied) return ReportVerdict::Denied;
  return error ? ReportVerdict::Error : ReportVerdict::Ok;
}

int exit_status(const Report& r) { return report_verdict(r) == ReportVerdict::Ok ? 0 : 1; }

}  // namespace probe
