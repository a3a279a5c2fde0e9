// The SELinux layer: the subject's context against each label on the walk,
// decided by the kernel when SELinux is enabled, or offline from a binary
// policy with libsepol (a container host or CI without SELinux can still
// answer). The decision is behind one seam, SelinuxOracle, so the code that
// only an SELinux kernel reaches is tested with a fake.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probe/finding.hpp"
#include "probe/result.hpp"

namespace probe {

struct Walk;
struct Subject;
struct LiveSubject;

enum class SelinuxMode { Enforcing, Permissive };

// One access-vector decision (security/selinux/ss/services.c:
// context_struct_compute_av, and libsepol's copy of it).
struct AvDecision {
  int err = 0;        // EINVAL: a context is not valid in the policy
  std::string error;  // which one, and why
  std::vector<std::string> denied;  // of the asked permissions
  std::vector<std::string> hidden;  // denied, and a dontaudit rule keeps it out of the audit log
  // Which part of the policy denied (sepol_compute_av_reason flags).
  bool by_te = false, by_constraint = false, by_rbac = false, by_bounds = false;
  std::string constraint;        // the constraint expression that failed
  bool permissive_domain = false;  // the source type is a permissive domain
  bool allowed() const { return err == 0 && denied.empty(); }
};

// A boolean whose flip alone would allow what was denied.
struct BooleanHint {
  std::string name;
  bool value = true;             // the value that allows it
  size_t opens = 0;              // allow rules the flip turns on, in all
  std::vector<std::string> examples;  // a few of them: "httpd_t user_home_t:dir"
};

// The decision seam. PolicyOracle (libsepol, offline) and KernelOracle
// (security_compute_av_flags) implement it; tests implement it with a map.
class SelinuxOracle {
 public:
  virtual ~SelinuxOracle() = default;
  virtual AvDecision decide(const std::string& scon, const std::string& tcon, const std::string& tclass,
                            const std::vector<std::string>& perms) = 0;
  // Booleans that, flipped alone, would allow all of perms. Empty when the
  // oracle cannot tell (the kernel has no such query).
  virtual std::vector<BooleanHint> booleans_allowing(const std::string& scon, const std::string& tcon,
                                                     const std::string& tclass,
                                                     const std::vector<std::string>& perms) = 0;
  // The context of an initial SID: "file" (an inode with no label) and
  // "unlabeled" (an inode whose label is not valid in the policy).
  virtual std::optional<std::string> initial_context(std::string_view sid_name) = 0;
  // Is the context valid in the policy (sepol_context_to_sid)?
  virtual bool valid_context(const std::string& con) = 0;
};

// The policy's default label for a path (file_contexts).
class FileContexts {
 public:
  virtual ~FileContexts() = default;
  virtual std::optional<std::string> lookup(const std::string& path, uint32_t mode) const = 0;
};

// What the layer knows about the subject and where its answers come from
// (JSON subject.selinux_probe).
struct SelinuxFacts {
  bool evaluated = false;
  std::string note;           // why not evaluated, or a caveat
  std::string context;        // the subject's context
  std::string context_source; // "/proc/PID/attr/current", "--context"
  SelinuxMode mode = SelinuxMode::Enforcing;
  std::string mode_source;    // "kernel", "/etc/selinux/config", "--selinux-mode"
  std::string source;         // "kernel" or "offline"
  std::string policy;         // the binary policy file (offline)
  std::string file_contexts;  // "" when none was loaded
  // source "kernel": the loaded policy read back with libsepol, with the
  // kernel's boolean values, for the explanations only ("" when it could
  // not be loaded: then no boolean, constraint or dontaudit is named).
  std::string explain_policy;
  std::string explain_note;   // why there is no explain_policy
  bool kernel_enabled = false;        // SELinux is enabled on this host
  std::string inspector_context;      // cfgprobe's own context (--verify)
};

enum class LabelState { Ok, Missing, Invalid };

// The SELinux decision for one step of a walk.
struct SelinuxCheck {
  int step = 0;               // index into Walk::steps
  std::string path;
  std::string tclass;         // dir, file, lnk_file, ...
  LabelState label_state = LabelState::Ok;
  std::string label;          // as stored on the inode ("" when missing)
  std::string tcon;           // as the kernel uses it (initial SID for a missing/invalid one)
  std::vector<std::string> perms;     // what was asked
  std::vector<std::string> required;  // of those, what the open needs
  AvDecision av;
  bool enforced = true;       // false: permissive mode or a permissive domain
  std::vector<BooleanHint> booleans;
  std::optional<std::string> expected;  // file_contexts' label for the path
  bool expected_allows = false;  // that label (when its type differs) would allow the open
  bool required_denied() const { return !denied_required().empty(); }
  std::vector<std::string> denied_required() const;  // denied perms the open needs
};

struct SelinuxTarget {
  SelinuxFacts facts;  // what the checks were decided under
  std::vector<SelinuxCheck> checks;
};

// Everything a Session needs: the facts, the oracle, the file contexts.
struct SelinuxLayer {
  SelinuxFacts facts;
  std::unique_ptr<SelinuxOracle> oracle;
  std::unique_ptr<FileContexts> file_contexts;
};

// What the CLI asks for.
struct SelinuxOptions {
  std::optional<std::string> context;        // --context
  std::optional<std::string> policy;         // --selinux-policy
  std::optional<std::string> file_contexts;  // --file-contexts
  std::optional<SelinuxMode> mode;           // --selinux-mode
};

// ---- gather ----------------------------------------------------------

// libsepol on a binary policy file. Errors: not a policy (EINVAL), a
// version libsepol cannot read (EPROTONOSUPPORT), unreadable (errno).
// libsepol's services keep one policy per process: the last one opened is
// the one every PolicyOracle asks.
Result<std::unique_ptr<SelinuxOracle>> open_policy_oracle(const std::string& path);
// The same, then each boolean set to the value given (name -> value), as
// security_set_bools() does. A name the policy lacks is an error (ENOENT).
Result<std::unique_ptr<SelinuxOracle>> open_policy_oracle(const std::string& path,
                                                          const std::vector<std::pair<std::string, bool>>& booleans);
// security_compute_av_flags() on the running kernel.
std::unique_ptr<SelinuxOracle> kernel_oracle();
// The loaded policy for explanations: /sys/fs/selinux/policy (the kernel's
// policydb written back: security/selinux/ss/services.c:
// security_read_policy), else default_policy_path(), with the kernel's
// active boolean values (security_get_boolean_active) applied. Ok with the
// path it read, or why not.
Result<std::pair<std::unique_ptr<SelinuxOracle>, std::string>> open_loaded_policy_oracle();
// One oracle that decides with `decider` (the kernel) and explains with
// `explainer` (the loaded policy read offline): allowed/denied, dontaudit
// and the permissive flag are always the decider's; the explainer names the
// booleans and, when it denies the same permissions, which part of the
// policy denied (a constraint's text). A null explainer: no explanations.
std::unique_ptr<SelinuxOracle> explained_oracle(std::unique_ptr<SelinuxOracle> decider,
                                                std::unique_ptr<SelinuxOracle> explainer);
// selabel_open(SELABEL_CTX_FILE) on a file_contexts file.
Result<std::unique_ptr<FileContexts>> open_file_contexts(const std::string& path);
// The configured binary policy: selinux_binary_policy_path() plus the
// highest version present that libsepol reads; "" when there is none.
std::string default_policy_path();
// Builds the layer for a subject. A missing policy on a host without
// SELinux is not an error: facts.evaluated is false with a note. Errors
// (bad --context, --selinux-policy, --file-contexts) are usage errors.
Result<std::shared_ptr<SelinuxLayer>> open_selinux_layer(const SelinuxOptions& opt, const LiveSubject* live);

// ---- explain (pure, given the oracle) ----------------------------------

// "user:role:type[:level]" with a non-empty user, role and type.
Result<void> check_context_syntax(std::string_view con);
std::string context_type(std::string_view con);
// The object class for an inode type: dir, file, lnk_file, chr_file, ...
const char* selinux_class(uint32_t mode);
// Decides every step of a walk that reached an inode.
SelinuxTarget decide_walk(const SelinuxFacts& f, SelinuxOracle& oracle, const FileContexts* fc, const Walk& w);
// Puts the decisions on the walk's steps (Step::lsm) and, when DAC allowed
// and an enforced SELinux check denies, makes the verdict Denied by selinux.
void apply_selinux(const SelinuxTarget& t, Walk& w);
// SEL- findings for one target; prefix is fix_context().path_prefix.
std::vector<Finding> explain_selinux(const SelinuxTarget& t, const std::string& prefix);
// --verify: why the helper's open cannot stand for the subject under
// SELinux (it runs in cfgprobe's domain, not the subject's), or nothing.
std::optional<std::string> verify_blocked_by_selinux(const SelinuxFacts& f);

// render: the subject block's "selinux" line.
std::string render_text_selinux(const SelinuxFacts& f);

// "open read" (sep " ") or "open,read" (sep ",").
std::string perms_text(const std::vector<std::string>& perms, const char* sep = " ");
const char* selinux_mode_name(SelinuxMode m);
const char* label_state_name(LabelState s);

}  // namespace probe
