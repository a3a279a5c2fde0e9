// explain for the SELinux layer: which permission each step of an open
// needs (security/selinux/hooks.c), asked of a SelinuxOracle, and the SEL-
// findings, as audit2why would explain them but before any AVC exists. No
// syscall here: the oracle is a seam (libsepol, the kernel, or a test fake).
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <utility>

#include "probe/access.hpp"
#include "probe/selinux.hpp"

namespace probe {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

struct Need_ {
  std::vector<std::string> perms, required;
};

// What the open asks for at each step:
//  - a directory on the way: may_lookup() -> security_inode_permission(
//    MAY_EXEC) -> selinux_inode_permission(): dir { search }; getattr is
//    asked too, for the stat() most programs do, but the open does not need it;
//  - a followed symlink: selinux_inode_follow_link(): lnk_file { read };
//  - the file: may_open() -> inode_permission(MAY_READ): file { read }, then
//    selinux_file_open(): { open }; getattr for stat()/fstat().
Need_ needs_for(Need n) {
  switch (n) {
    case Need::Search: return {{"search", "getattr"}, {"search"}};
    case Need::Follow: return {{"read"}, {"read"}};
    case Need::Read:
    case Need::List: return {{"open", "read", "getattr"}, {"open", "read"}};
    // execve(): selinux_bprm_creds_for_exec() asks file { execute } (and
    // execute_no_trans or a transition); only the permission check here.
    case Need::Exec: return {{"open", "execute", "getattr"}, {"open", "execute"}};
  }
  return {};
}

// The context the kernel uses for the inode: security/selinux/hooks.c:
// inode_doinit_use_xattr(): no xattr -> the superblock's default (the
// "file" initial SID); a context invalid in the policy -> "unlabeled"
// (ss/sidtab.c: sidtab_search_core()).
bool label_context(SelinuxOracle& o, const Inode& in, SelinuxCheck& c) {
  if (!in.selinux_label) {
    c.label_state = LabelState::Missing;
    auto con = o.initial_context("file");
    if (!con) return false;
    c.tcon = *con;
    return true;
  }
  c.label = *in.selinux_label;
  if (o.valid_context(c.label)) {
    c.tcon = c.label;
    return true;
  }
  c.label_state = LabelState::Invalid;
  auto con = o.initial_context("unlabeled");
  if (!con) return false;
  c.tcon = *con;
  return true;
}

// The kernel decides; the loaded policy, read offline, explains. The
// explainer's word is taken only where it agrees with the kernel: a reason
// (TE, constraint, ...) only when it denies exactly what the kernel denied,
// a boolean only when both deny every permission it is asked to open.
class ExplainedOracle final : public SelinuxOracle {
 public:
  ExplainedOracle(std::unique_ptr<SelinuxOracle> decider, std::unique_ptr<SelinuxOracle> explainer)
      : decider_(std::move(decider)), explainer_(std::move(explainer)) {}

  AvDecision decide(const std::string& scon, const std::string& tcon, const std::string& tclass,
                    const std::vector<std::string>& perms) override {
    AvDecision d = decider_->decide(scon, tcon, tclass, perms);
    if (d.err != 0 || d.denied.empty() || !explainer_) return d;
    AvDecision e = explainer_->decide(scon, tcon, tclass, perms);
    if (e.err != 0 || e.denied != d.denied) return d;  // the policies differ: no reason is claimed
    d.by_te = e.by_te;
    d.by_constraint = e.by_constraint;
    d.by_rbac = e.by_rbac;
    d.by_bounds = e.by_bounds;
    d.constraint = e.constraint;
    return d;
  }
  std::vector<BooleanHint> booleans_allowing(const std::string& scon, const std::string& tcon,
                                             const std::string& tclass,
                                             const std::vector<std::string>& perms) override {
    if (!explainer_ || perms.empty()) return {};
    AvDecision k = decider_->decide(scon, tcon, tclass, perms);
    AvDecision e = explainer_->decide(scon, tcon, tclass, perms);
    if (k.err != 0 || e.err != 0 || k.denied != perms || e.denied != perms) return {};
    return explainer_->booleans_allowing(scon, tcon, tclass, perms);
  }
  std::optional<std::string> initial_context(std::string_view sid_name) override {
    return decider_->initial_context(sid_name);
  }
  bool valid_context(const std::string& con) override { return decider_->valid_context(con); }

 private:
  std::unique_ptr<SelinuxOracle> decider_, explainer_;
};

}  // namespace

std::vector<std::string> SelinuxCheck::denied_required() const {
  std::vector<std::string> out;
  for (const auto& p : av.denied)
    if (contains(required, p)) out.push_back(p);
  return out;
}

std::unique_ptr<SelinuxOracle> explained_oracle(std::unique_ptr<SelinuxOracle> decider,
                                                std::unique_ptr<SelinuxOracle> explainer) {
  return std::make_unique<ExplainedOracle>(std::move(decider), std::move(explainer));
}

std::string perms_text(const std::vector<std::string>& perms, const char* sep) {
  std::string s;
  for (const auto& x : perms) s += (s.empty() ? "" : sep) + x;
  return s;
}

const char* selinux_mode_name(SelinuxMode m) { return m == SelinuxMode::Enforcing ? "enforcing" : "permissive"; }

const char* label_state_name(LabelState s) {
  switch (s) {
    case LabelState::Ok: return "ok";
    case LabelState::Missing: return "missing";
    case LabelState::Invalid: return "invalid";
  }
  return "?";
}

Result<void> check_context_syntax(std::string_view con) {
  // user:role:type[:level]; the level itself may hold ':' (s0:c1).
  size_t a = con.find(':');
  size_t b = a == std::string_view::npos ? a : con.find(':', a + 1);
  size_t c = b == std::string_view::npos ? b : con.find(':', b + 1);
  bool ok = a != std::string_view::npos && b != std::string_view::npos && a > 0 && b > a + 1 &&
            (c == std::string_view::npos ? con.size() > b + 1 : c > b + 1 && con.size() > c + 1);
  for (char ch : con)
    if (static_cast<unsigned char>(ch) <= ' ' || static_cast<unsigned char>(ch) >= 0x7f) ok = false;
  if (!ok) return make_error(EINVAL, "malformed SELinux context \"" + std::string(con) + "\"");
  return {};
}

std::string context_type(std::string_view con) {
  size_t a = con.find(':');
  size_t b = a == std::string_view::npos ? a : con.find(':', a + 1);
  if (b == std::string_view::npos) return "";
  size_t c = con.find(':', b + 1);
  return std::string(con.substr(b + 1, c == std::string_view::npos ? c : c - b - 1));
}

const char* selinux_class(uint32_t mode) {
  switch (mode & S_IFMT) {
    case S_IFDIR: return "dir";
    case S_IFREG: return "file";
    case S_IFLNK: return "lnk_file";
    case S_IFIFO: return "fifo_file";
    case S_IFCHR: return "chr_file";
    case S_IFBLK: return "blk_file";
    case S_IFSOCK: return "sock_file";
  }
  return "file";
}

SelinuxTarget decide_walk(const SelinuxFacts& f, SelinuxOracle& oracle, const FileContexts* fc, const Walk& w) {
  SelinuxTarget t;
  t.facts = f;
  if (!f.evaluated) return t;
  for (size_t i = 0; i < w.steps.size(); ++i) {
    const Step& st = w.steps[i];
    // Not reached, unread, or never opened (a FIFO/device is not opened).
    if (!st.inode || st.result == StepResult::NotReached || st.inode->selinux_label_err != 0) continue;
    if (st.need == Need::Read && !st.inode->is_reg() && !st.inode->is_dir()) continue;
    SelinuxCheck c;
    c.step = static_cast<int>(i);
    c.path = st.path;
    c.tclass = selinux_class(st.inode->mode);
    auto need = needs_for(st.need);
    c.perms = need.perms;
    c.required = need.required;
    if (!label_context(oracle, *st.inode, c)) continue;
    c.av = oracle.decide(f.context, c.tcon, c.tclass, c.perms);
    c.enforced = f.mode == SelinuxMode::Enforcing && !c.av.permissive_domain;
    auto denied = c.denied_required();
    if (!denied.empty() && c.av.by_te) c.booleans = oracle.booleans_allowing(f.context, c.tcon, c.tclass, denied);
    if (fc != nullptr) c.expected = fc->lookup(st.path, st.inode->mode);
    if (!denied.empty() && c.expected && context_type(*c.expected) != context_type(c.tcon))
      c.expected_allows = oracle.decide(f.context, *c.expected, c.tclass, c.required).allowed();
    t.checks.push_back(std::move(c));
  }
  return t;
}

void apply_selinux(const SelinuxTarget& t, Walk& w) {
  bool dac_allowed = w.verdict == Verdict::Allowed;
  for (const auto& c : t.checks) {
    Step& st = w.steps[static_cast<size_t>(c.step)];
    LsmCheck l;
    l.layer = Layer::Selinux;
    l.object = c.tclass + " " + (c.tcon.empty() ? std::string("?") : context_type(c.tcon));
    l.asked = perms_text(c.perms);
    l.denied = c.av.err != 0 ? "undecided: " + c.av.error : perms_text(c.av.denied);
    l.enforced = c.enforced;
    l.required = c.required_denied();
    st.lsm.push_back(std::move(l));
    // security_inode_permission() runs after generic_permission() allowed:
    // SELinux names the denial only when DAC let it through.
    if (dac_allowed && c.enforced && c.required_denied() && w.verdict == Verdict::Allowed) {
      w.verdict = Verdict::Denied;
      w.denied_by = Layer::Selinux;
      w.err = EACCES;
      st.primary = true;
    }
  }
}

std::optional<std::string> verify_blocked_by_selinux(const SelinuxFacts& f) {
  if (!f.kernel_enabled || !f.evaluated) return std::nullopt;
  if (f.inspector_context.empty())
    return "SELinux is enabled and cfgprobe's own context is unknown: the helper's open would not be the "
           "subject's (" + f.context + ")";
  if (f.inspector_context == f.context) return std::nullopt;
  // The helper takes the subject's uids and caps, not its domain: entering
  // it needs setexeccon() and a domain transition the policy rarely allows.
  return "the helper cannot enter the subject's SELinux domain (" + f.context + "; cfgprobe runs as " +
         f.inspector_context + "): the kernel's answer for the subject is not known";
}

}  // namespace probe
