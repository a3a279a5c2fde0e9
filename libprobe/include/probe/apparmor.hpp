// The AppArmor layer: the subject's label and mode, and the kernel's own
// answer for the file the walk reaches, asked through libapparmor's query
// interface with the subject's label. AppArmor mediates the open of the
// final file by its path (security/apparmor/file.c: aa_path_perm), not the
// directory search on the way, so one question per target is enough.
// The answer sits behind one seam, ApparmorOracle, so the explain code is
// tested without an AppArmor kernel.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probe/finding.hpp"
#include "probe/result.hpp"

namespace probe {

struct Walk;
struct LiveSubject;

// A profile's mode as the kernel prints it (security/apparmor/lib.c:
// aa_profile_mode_names): "enforce", "complain", "kill", "unconfined".
// Unknown: not printed for this profile ("mixed" stack) and not found.
enum class AaMode { Enforce, Complain, Kill, Unconfined, Unknown };

// One profile of the subject's label (a stack has several).
struct AaProfile {
  std::string name;  // as the kernel names it, namespace included (":ns:name")
  AaMode mode = AaMode::Unknown;
  bool operator==(const AaProfile&) const = default;
};

enum class AaState {
  NotEnabled,  // AppArmor is not an active LSM: the layer does not apply
  Unreadable,  // enabled, but the label could not be read or parsed (note says why)
  Unconfined,  // the subject runs unconfined: AppArmor allows
  Confined,    // profiles below
};

struct ApparmorFacts {
  AaState state = AaState::NotEnabled;
  std::string label;         // as read, without the trailing newline
  std::string label_source;  // "/proc/PID/attr/apparmor/current", "--apparmor-profile"
  std::vector<AaProfile> profiles;  // the confining profiles (unconfined parts dropped)
  std::string note;          // why Unreadable, or a caveat
};

// The kernel's answer for one profile and one path.
struct AaAnswer {
  int err = 0;          // the query failed: errno (ENOENT: no such profile or no interface)
  std::string error;    // what failed
  bool allowed = false; // the profile's rules allow all of the mask
  bool audited = false;
};

// The decision seam: the kernel (aa_query_label on
// /sys/kernel/security/apparmor/.access), or a table in tests.
class ApparmorOracle {
 public:
  virtual ~ApparmorOracle() = default;
  virtual AaAnswer query_file(const std::string& profile, const std::string& path, uint32_t mask) = 0;
};

// include/sys/apparmor.h AA_MAY_READ (= MAY_READ, the mask
// security/apparmor/file.c: aa_map_file_to_perms gives an O_RDONLY open).
inline constexpr uint32_t kAaMayRead = 1U << 2;

struct AaCheck {
  AaProfile profile;
  AaAnswer answer;
};

enum class AaOutcome {
  NotApplicable,  // layer off, subject unconfined, or nothing to open
  Allowed,        // every profile allows
  Denied,         // an enforcing (or kill-mode) profile denies: EACCES
  ComplainOnly,   // only complain-mode profiles deny: logged, allowed
  Unknown,        // a profile's answer or mode could not be had
};

// The AppArmor decision for one target.
struct ApparmorTarget {
  AaState state = AaState::NotEnabled;
  std::string label;   // the subject's
  std::string path;    // the path asked, as the subject's mount namespace names it
  std::string note;    // why Unknown / Unreadable
  std::vector<AaCheck> checks;  // one per profile of the stack
  AaOutcome outcome = AaOutcome::NotApplicable;
};

// ---- parse (pure) ----------------------------------------------------

// security/apparmor/label.c: aa_label_snxprint with FLAG_SHOW_MODE:
// "unconfined", "name (enforce)", "a//&b (complain)", "a (enforce)//&b
// (complain)", "a//&b (mixed)". Profiles named "unconfined" (or
// ":ns:unconfined") in a stack are dropped: they allow everything.
// Errors: EINVAL for text that is not a label (empty, a control character,
// an unknown mode, an empty stack member).
struct ParsedLabel {
  bool unconfined = false;
  std::vector<AaProfile> profiles;
};
Result<ParsedLabel> parse_apparmor_label(std::string_view text);

// The modes of /sys/kernel/security/apparmor/profiles ("name (mode)" per
// line) for every profile the label left Unknown.
void resolve_apparmor_modes(std::vector<AaProfile>& profiles, std::string_view profiles_list);

const char* aa_mode_name(AaMode m);
const char* aa_outcome_name(AaOutcome o);

// ---- gather ----------------------------------------------------------

// The subject's label: /proc/PID/attr/apparmor/current, falling back to
// /proc/PID/attr/current on kernels without the per-LSM directory (only
// when AppArmor is the active major LSM, else that file is SELinux's).
// Read through the pinned /proc/PID directory.
ApparmorFacts gather_apparmor(const LiveSubject& live);
// A what-if subject: "--apparmor-profile NAME" (mode from the profiles list).
ApparmorFacts apparmor_facts_for_profile(const std::string& name);
// aa_query_label() on the running kernel. libapparmor 3.0's
// aa_query_file_path() sizes its query one byte short (it leaves out the
// class byte), so the kernel matched the path without its last character
// and every allowed file read as denied (seen in the VM suite,
// tests/vm/); the query is built here in the layout aa_query_label(2)
// documents instead.
std::unique_ptr<ApparmorOracle> kernel_apparmor_oracle();

// Everything a Session needs: the facts and the oracle.
struct ApparmorLayer {
  ApparmorFacts facts;
  std::unique_ptr<ApparmorOracle> oracle;
};
// For a live subject: its label and the kernel oracle. For a synthetic
// one: the profile named (--apparmor-profile), or nullptr when none.
std::shared_ptr<const ApparmorLayer> open_apparmor_layer(const LiveSubject* live,
                                                         const std::optional<std::string>& profile);
// --verify: what the helper must change to before its open
// (aa_change_profile: the profiles joined as a stack), "" when the subject
// is not confined; nullopt when it is confined but the label is unknown,
// so the helper cannot stand for it.
std::optional<std::string> apparmor_verify_label(const ApparmorFacts& f);

// ---- explain (pure, given the oracle) ----------------------------------

// Asks the oracle for the walk's final file (when the walk reached one).
ApparmorTarget decide_apparmor(const ApparmorFacts& f, ApparmorOracle& oracle, const Walk& w);
// Puts the decision on the walk's last step (Step::lsm) and, when DAC
// allowed: Denied -> the verdict is Denied by apparmor (EACCES); Unknown ->
// the verdict is Unknown, never Allowed.
void apply_apparmor(const ApparmorTarget& t, Walk& w);
// AA- findings for one target; prefix is fix_context().path_prefix.
std::vector<Finding> explain_apparmor(const ApparmorTarget& t, const std::string& prefix);

// The rule line that allows reading path ("/etc/app/app.conf r,"), quoted
// and escaped as apparmor.d(5) wants for spaces and glob characters.
std::string apparmor_read_rule(std::string_view path);
// The file under /etc/apparmor.d that defines a profile, as Debian names
// it: "/usr/sbin/nginx" -> "usr.sbin.nginx"; "parent//child" -> the parent's.
// nullopt for a namespaced profile (":ns:name"), which lives elsewhere.
std::optional<std::string> apparmor_profile_file(std::string_view profile);

// ---- render ------------------------------------------------------------

// The subject line: "  apparmor testapp (enforce)\n", or "" when not enabled.
std::string render_text_apparmor(const ApparmorFacts& f);

}  // namespace probe
