// The kernel's rules for resolving a path and opening it O_RDONLY, as pure
// functions over a Subject and an FsView. Each rule names the kernel
// function it mirrors (Linux 6.1, fs/namei.c unless said otherwise).
#include <cerrno>
#include <deque>

#include "probe/access.hpp"
#include "probe/caps.hpp"

namespace probe {
namespace {

bool mapped_wrt_inode(const Subject& s, const Inode& inode) {
  // kernel/capability.c: privileged_wrt_inode_uidgid(): the inode's owner
  // and group must both be mapped into the subject's user namespace.
  return id_is_mapped(s.uid_map, inode.uid) && id_is_mapped(s.gid_map, inode.gid);
}

uint16_t apply_mask(const Acl& acl, size_t entry, uint16_t perm) {
  // posix_acl_permission(), label "mask": the first ACL_MASK after the entry.
  for (size_t i = entry + 1; i < acl.entries.size(); ++i)
    if (acl.entries[i].tag == AclTag::Mask) return perm & acl.entries[i].perm;
  return perm;
}

// fs/posix_acl.c: posix_acl_permission(). want is rwx only.
void acl_decide(const Subject& s, const Inode& inode, unsigned want, PermDecision& d) {
  const Acl& acl = *inode.acl;
  bool found = false;
  int first_group = -1;
  auto decide = [&](size_t i, PermClass cls, bool masked) {
    const AclEntry& e = acl.entries[i];
    d.cls = cls;
    d.acl_entry = static_cast<int>(i);
    d.class_bits = masked ? apply_mask(acl, i, e.perm) : e.perm;
    d.dac_allowed = (d.class_bits & want) == want;
    d.mask_limited = masked && !d.dac_allowed && (e.perm & want) == want;
  };
  for (size_t i = 0; i < acl.entries.size(); ++i) {
    const AclEntry& e = acl.entries[i];
    switch (e.tag) {
      case AclTag::UserObj:
        // Checked already by acl_permission_check(); kept for fidelity.
        if (inode.uid == s.uid.fs) return decide(i, PermClass::Owner, false);
        break;
      case AclTag::User:
        if (e.id == s.uid.fs) return decide(i, PermClass::AclUser, true);
        break;
      case AclTag::GroupObj:
      case AclTag::Group: {
        uint32_t gid = e.tag == AclTag::GroupObj ? inode.gid : e.id;
        if (!in_group(s, gid)) break;
        found = true;
        if (first_group < 0) first_group = static_cast<int>(i);
        auto cls = e.tag == AclTag::GroupObj ? PermClass::AclGroupObj : PermClass::AclGroup;
        if ((e.perm & want) == want) return decide(i, cls, true);
        break;
      }
      case AclTag::Mask: break;
      case AclTag::Other:
        if (found) {
          // In a matching group, but no matching group entry grants want.
          const AclEntry& g = acl.entries[static_cast<size_t>(first_group)];
          d.cls = g.tag == AclTag::GroupObj ? PermClass::AclGroupObj : PermClass::AclGroup;
          d.acl_entry = first_group;
          d.class_bits = apply_mask(acl, static_cast<size_t>(first_group), g.perm);
          d.dac_allowed = false;
          return;
        }
        return decide(i, PermClass::AclOther, false);
    }
  }
}

// fs/namei.c: acl_permission_check().
void mode_decide(const Subject& s, const Inode& inode, unsigned want, PermDecision& d) {
  uint32_t mode = inode.mode;
  if (inode.uid == s.uid.fs) {  // the owner: ACLs do not matter
    d.cls = PermClass::Owner;
    d.class_bits = (mode >> 6) & 7;
  } else if (inode.acl && (mode & S_IRWXG)) {
    return acl_decide(s, inode, want, d);
  } else {
    // Group bits are consulted only when they differ from other's in the
    // bits wanted; the answer is the same, so report the class by membership.
    d.acl_skipped = inode.acl.has_value();
    d.cls = d.in_owning_group ? PermClass::Group : PermClass::Other;
    d.class_bits = d.in_owning_group ? (mode >> 3) & 7 : mode & 7;
  }
  d.dac_allowed = (want & ~d.class_bits) == 0;
}

// One capability_wrt_inode_uidgid() try.
bool try_cap(const Subject& s, const Inode& inode, int cap, PermDecision& d) {
  if (has_cap(s.caps.effective, cap)) {
    if (mapped_wrt_inode(s, inode)) {
      d.cap_used = cap;
      return true;
    }
    if (d.cap_unmapped < 0) d.cap_unmapped = cap;
  } else if (has_cap(s.caps.permitted, cap)) {
    d.caps_not_effective |= cap_bit(cap);
  }
  return false;
}

}  // namespace

bool cap_would_bypass(int cap, const Inode& inode, unsigned want) {
  // generic_permission(): DACs are overridable for directories (read and
  // search by DAC_READ_SEARCH, anything by DAC_OVERRIDE); for files
  // DAC_READ_SEARCH covers read only, DAC_OVERRIDE read/write, and exec only
  // when at least one x bit is set.
  want &= kMayRead | kMayWrite | kMayExec;
  if (inode.is_dir()) {
    if (cap == kCapDacReadSearch) return (want & kMayWrite) == 0;
    return cap == kCapDacOverride;
  }
  if (cap == kCapDacReadSearch) return want == kMayRead;
  if (cap == kCapDacOverride) return !(want & kMayExec) || (inode.mode & (S_IXUSR | S_IXGRP | S_IXOTH));
  return false;
}

// fs/namei.c: generic_permission().
PermDecision check_permission(const Subject& s, const Inode& inode, unsigned want) {
  PermDecision d;
  want &= 7;
  d.in_owning_group = in_group(s, inode.gid);
  mode_decide(s, inode, want, d);
  d.allowed = d.dac_allowed;
  if (d.allowed) return d;
  for (int cap : {kCapDacReadSearch, kCapDacOverride}) {
    if (cap_would_bypass(cap, inode, want) && try_cap(s, inode, cap, d)) {
      d.allowed = true;
      break;
    }
  }
  return d;
}

namespace {

struct Comp {
  std::string name;
  bool slash_after = false;  // "a/": must be a directory (LOOKUP_DIRECTORY)
};

std::deque<Comp> split_path(std::string_view p) {
  std::deque<Comp> out;
  size_t i = 0;
  while (i < p.size()) {
    while (i < p.size() && p[i] == '/') ++i;
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (j > i) out.push_back({std::string(p.substr(i, j - i)), j < p.size()});
    i = j;
  }
  return out;
}

std::string join(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

std::string parent_of(const std::string& p) {
  size_t slash = p.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : p.substr(0, slash);
}

// The state of one resolution, like struct nameidata.
class Resolver {
 public:
  Resolver(const Subject& s, const FsView& fs, const SystemFacts& sys, Walk& w)
      : s_(s), fs_(fs), sys_(sys), w_(w) {}
  void run(std::string_view path);

 private:
  bool enter(const std::string& abs);  // look up and make current
  void fail(Step& st, StepResult r, int err);
  void search(const std::string& via);
  bool component(const Comp& c, bool last);
  bool follow(const Comp& c, const Inode& link, const std::string& abs, bool last);
  void open_last();
  bool stopped() const { return stop_; }

  const Subject& s_;
  const FsView& fs_;
  const SystemFacts& sys_;
  Walk& w_;
  std::deque<Comp> queue_;
  std::string cur_;
  const Inode* cur_inode_ = nullptr;
  bool failed_ = false, stop_ = false;

 public:
  bool exec_ = false;  // the last step is execve()'s, not open()'s
};

void Resolver::fail(Step& st, StepResult r, int err) {
  st.result = r;
  if (failed_) return;
  failed_ = true;
  st.primary = true;
  w_.err = err;
}

bool Resolver::enter(const std::string& abs) {
  Lookup l = fs_.lookup(abs);
  if (l.err == 0 && l.inode != nullptr) {
    cur_ = abs;
    cur_inode_ = l.inode;
    return true;
  }
  Step st{abs, "", std::nullopt, Need::Search, StepResult::Unknown};
  st.lookup_err = l.err;
  if (l.err == ENOENT) fail(st, StepResult::Missing, ENOENT);
  w_.steps.push_back(st);
  stop_ = true;
  return false;
}

// fs/namei.c: may_lookup() -> inode_permission(MAY_EXEC) on the directory
// before every component, "." and ".." included.
void Resolver::search(const std::string& via) {
  if (!w_.steps.empty()) {
    const Step& prev = w_.steps.back();
    if (prev.need == Need::Search && prev.path == cur_ && prev.inode) return;  // same check again
  }
  Step st{cur_, via, *cur_inode_, Need::Search};
  st.decision = check_permission(s_, *cur_inode_, kMayExec);
  if (!st.decision.allowed) fail(st, StepResult::Denied, EACCES);
  w_.steps.push_back(std::move(st));
}

// fs/namei.c: pick_link() then may_follow_link() for a trailing link.
bool Resolver::follow(const Comp& c, const Inode& link, const std::string& abs, bool last) {
  Step st{abs, "-> " + link.link_target, link, Need::Follow};
  // reserve_stack(): total_link_count++ >= MAXSYMLINKS is ELOOP.
  if (++w_.links_followed > kMaxSymlinks) {
    fail(st, StepResult::Loop, ELOOP);
    w_.steps.push_back(std::move(st));
    return false;
  }
  st.sticky_parent = (cur_inode_->mode & (S_ISVTX | S_IWOTH)) == (S_ISVTX | S_IWOTH);
  st.parent_uid = cur_inode_->uid;
  // may_follow_link(): only for a trailing link; no capability overrides it.
  if (last && sys_.protected_symlinks && link.uid != s_.uid.fs && st.sticky_parent &&
      cur_inode_->uid != link.uid)
    fail(st, StepResult::Denied, EACCES);
  w_.steps.push_back(std::move(st));
  if (link.link_target.empty()) {  // an empty body is ENOENT (get_link)
    Step m{abs, "(empty link)", std::nullopt, Need::Follow};
    fail(m, StepResult::Missing, ENOENT);
    w_.steps.push_back(std::move(m));
    return false;
  }
  auto body = split_path(link.link_target);
  // A body of slashes only is a pure jump (pick_link(): all_done): nothing
  // is looked up in the root, so "l/" opens it without searching it.
  if (!body.empty()) body.back().slash_after |= c.slash_after;
  queue_.insert(queue_.begin(), body.begin(), body.end());
  // An absolute body restarts at the subject's root (nd_jump_root()).
  if (link.link_target[0] == '/') return enter("/");
  return true;
}

// One component of link_path_walk() / lookup_last().
bool Resolver::component(const Comp& c, bool last) {
  search(c.name);
  if (c.name.size() > kNameMax) {
    Step st{join(cur_, c.name), c.name, std::nullopt, Need::Search};
    fail(st, StepResult::NameTooLong, ENAMETOOLONG);
    w_.steps.push_back(std::move(st));
    return false;
  }
  if (c.name == ".") return true;
  if (c.name == "..") return enter(parent_of(cur_));  // ".." at the root stays
  std::string abs = join(cur_, c.name);
  Lookup l = fs_.lookup(abs);
  if (l.err != 0 || l.inode == nullptr) {
    Step st{abs, c.name, std::nullopt, last ? Need::Read : Need::Search, StepResult::Unknown};
    st.lookup_err = l.err;
    if (l.err == ENOENT) fail(st, StepResult::Missing, ENOENT);
    w_.steps.push_back(std::move(st));
    return false;
  }
  const Inode& inode = *l.inode;
  // open() without O_NOFOLLOW follows a trailing link too.
  if (inode.is_link()) return follow(c, inode, abs, last);
  if ((!last || c.slash_after) && !inode.is_dir()) {
    Step st{abs, c.name, inode, Need::Search};
    fail(st, StepResult::NotDir, ENOTDIR);
    w_.steps.push_back(std::move(st));
    return false;
  }
  cur_ = abs;
  cur_inode_ = &inode;
  return true;
}

// fs/namei.c: may_open() -> inode_permission(MAY_OPEN | MAY_READ), or for
// execve() fs/exec.c: do_open_execat() -> MAY_EXEC | MAY_OPEN on a regular
// file.
void Resolver::open_last() {
  const Inode& t = *cur_inode_;
  if (exec_) {
    Step st{cur_, "", t, Need::Exec};
    st.decision = check_permission(s_, t, kMayExec);
    if (!st.decision.allowed || !t.is_reg()) fail(st, StepResult::Denied, EACCES);
    w_.target_not_regular = !t.is_reg();
    w_.steps.push_back(std::move(st));
    return;
  }
  Step st{cur_, "", t, t.is_dir() ? Need::List : Need::Read};
  st.decision = check_permission(s_, t, kMayRead);
  if (!st.decision.allowed) fail(st, StepResult::Denied, EACCES);
  // do_dentry_open(): a socket's file operations have no open (no_open()),
  // so open(2) fails with ENXIO once the permission check has passed.
  else if (S_ISSOCK(t.mode)) fail(st, StepResult::NoOpen, ENXIO);
  w_.target_not_regular = !t.is_reg() && !t.is_dir();
  w_.steps.push_back(std::move(st));
}

void Resolver::run(std::string_view path) {
  // getname(): an empty name is ENOENT, PATH_MAX or longer ENAMETOOLONG.
  if (path.empty() || path.size() >= kPathMax) {
    Step st{std::string(path.substr(0, 64)), "", std::nullopt, Need::Search};
    fail(st, path.empty() ? StepResult::Missing : StepResult::NameTooLong,
         path.empty() ? ENOENT : ENAMETOOLONG);
    w_.steps.push_back(std::move(st));
    return;
  }
  queue_ = split_path(path);
  bool absolute = path[0] == '/';
  if (!enter(absolute || s_.cwd.empty() || s_.cwd[0] != '/' ? "/" : s_.cwd)) return;
  if (!cur_inode_->is_dir()) {  // the cwd's path names something else now
    Step st{cur_, "", *cur_inode_, Need::Search, StepResult::Unknown};
    st.lookup_err = ENOTDIR;
    w_.steps.push_back(std::move(st));
    return;
  }
  while (!queue_.empty() && !stopped()) {
    Comp c = std::move(queue_.front());
    queue_.pop_front();
    if (!component(c, queue_.empty())) return;
  }
  if (!stopped()) open_last();
}

Layer layer_of(const Step& st) {
  if (st.result != StepResult::Denied) return Layer::None;
  if (st.need == Need::Follow) return Layer::Dac;  // fs.protected_symlinks
  if (st.decision.cap_unmapped >= 0) return Layer::Capability;
  switch (st.decision.cls) {
    case PermClass::AclUser:
    case PermClass::AclGroupObj:
    case PermClass::AclGroup:
    case PermClass::AclOther: return Layer::Acl;
    default: return Layer::Dac;
  }
}

}  // namespace

namespace {

Walk resolve(const Subject& s, const FsView& fs, const SystemFacts& sys, std::string_view path, bool exec) {
  Walk w;
  w.path = std::string(path);
  Resolver r(s, fs, sys, w);
  r.exec_ = exec;
  r.run(path);
  bool unknown = false;
  for (auto& st : w.steps) {
    if (st.primary) w.denied_by = layer_of(st);
    if (st.result == StepResult::Unknown) unknown = true;
  }
  if (!w.steps.empty() && w.steps.back().inode) w.resolved = w.steps.back().path;
  switch (w.err) {
    case 0: w.verdict = unknown ? Verdict::Unknown : Verdict::Allowed; break;
    case EACCES:
    case ENXIO: w.verdict = Verdict::Denied; break;
    default: w.verdict = Verdict::Missing; break;
  }
  return w;
}

}  // namespace

Walk resolve_access(const Subject& s, const FsView& fs, const SystemFacts& sys, std::string_view path) {
  return resolve(s, fs, sys, path, false);
}

Walk resolve_exec(const Subject& s, const FsView& fs, const SystemFacts& sys, std::string_view path) {
  return resolve(s, fs, sys, path, true);
}

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Allowed: return "allowed";
    case Verdict::Denied: return "denied";
    case Verdict::Missing: return "missing";
    case Verdict::Unknown: return "unknown";
  }
  return "unknown";
}

const char* layer_name(Layer l) {
  switch (l) {
    case Layer::None: return "none";
    case Layer::Namespace: return "namespace";
    case Layer::Dac: return "dac";
    case Layer::Acl: return "acl";
    case Layer::Capability: return "capability";
    case Layer::Selinux: return "selinux";
    case Layer::Apparmor: return "apparmor";
  }
  return "none";
}

const char* need_name(Need n) {
  switch (n) {
    case Need::Search: return "search";
    case Need::Read: return "read";
    case Need::Exec: return "execute";
    case Need::Follow: return "follow";
    case Need::List: return "read";
  }
  return "";
}

const char* step_result_name(StepResult r) {
  switch (r) {
    case StepResult::Ok: return "ok";
    case StepResult::Denied: return "denied";
    case StepResult::Missing: return "missing";
    case StepResult::NotDir: return "not a directory";
    case StepResult::Loop: return "too many links";
    case StepResult::NameTooLong: return "name too long";
    case StepResult::NoOpen: return "cannot be opened";
    case StepResult::Unknown: return "unknown";
    case StepResult::NotReached: return "not reached";
  }
  return "";
}

}  // namespace probe
