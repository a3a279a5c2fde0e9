// explain for AppArmor: the label parser, the per-target decision from the
// oracle's answers and the profiles' modes, and the AA- findings. Pure: no
// syscall here (the oracle is the seam).
#include <cerrno>

#include "probe/access.hpp"
#include "probe/apparmor.hpp"

namespace probe {
namespace {

constexpr std::string_view kStackSep = "//&";  // security/apparmor/include/label.h

std::optional<AaMode> mode_from_name(std::string_view m) {
  if (m == "enforce") return AaMode::Enforce;
  if (m == "complain") return AaMode::Complain;
  if (m == "kill") return AaMode::Kill;
  if (m == "unconfined") return AaMode::Unconfined;
  if (m == "mixed") return AaMode::Unknown;  // label.c: label_modename
  return std::nullopt;
}

// "name (mode)" -> name, mode; "name" -> name, nullopt mode.
struct Member {
  std::string_view name;
  std::optional<AaMode> mode;
  bool has_mode = false;
};

Result<Member> split_mode(std::string_view s) {
  Member m{s, std::nullopt, false};
  if (!s.empty() && s.back() == ')') {
    size_t open = s.rfind(" (");
    if (open == std::string_view::npos) return make_error(EINVAL, "unbalanced mode in \"" + std::string(s) + "\"");
    m.name = s.substr(0, open);
    m.mode = mode_from_name(s.substr(open + 2, s.size() - open - 3));
    if (!m.mode) return make_error(EINVAL, "unknown AppArmor mode in \"" + std::string(s) + "\"");
    m.has_mode = true;
  }
  if (m.name.empty()) return make_error(EINVAL, "empty profile name in the label");
  return m;
}

bool is_unconfined_name(std::string_view n) {
  // ":ns:unconfined" or ":ns://unconfined" is a namespace's unconfined profile.
  if (n == "unconfined") return true;
  size_t last = n.rfind(':');
  return n.front() == ':' && last != 0 && n.substr(last + 1) == "unconfined";
}

bool has_control(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

}  // namespace

Result<ParsedLabel> parse_apparmor_label(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.remove_suffix(1);
  if (text.empty()) return make_error(EINVAL, "empty AppArmor label");
  if (has_control(text)) return make_error(EINVAL, "control character in the AppArmor label");
  std::vector<Member> members;
  for (size_t pos = 0;;) {
    size_t next = text.find(kStackSep, pos);
    auto m = split_mode(text.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (!m) return m.error();
    members.push_back(*m);
    if (next == std::string_view::npos) break;
    pos = next + kStackSep.size();
  }
  // A mode printed once, at the end, is the mode of every member
  // (label.c: aa_label_snxprint prints it once when all agree).
  bool only_last = true;
  for (size_t i = 0; i + 1 < members.size(); ++i) only_last = only_last && !members[i].has_mode;
  ParsedLabel out;
  for (const auto& m : members) {
    AaMode mode = m.mode.value_or(only_last ? members.back().mode.value_or(AaMode::Unknown) : AaMode::Unknown);
    if (is_unconfined_name(m.name)) continue;
    out.profiles.push_back({std::string(m.name), mode});
  }
  out.unconfined = out.profiles.empty();
  return out;
}

void resolve_apparmor_modes(std::vector<AaProfile>& profiles, std::string_view list) {
  while (!list.empty()) {
    size_t nl = list.find('\n');
    std::string_view line = list.substr(0, nl);
    list = nl == std::string_view::npos ? std::string_view{} : list.substr(nl + 1);
    auto m = split_mode(line);
    if (!m || !m->has_mode) continue;
    for (auto& p : profiles)
      if (p.mode == AaMode::Unknown && p.name == m->name) p.mode = *m->mode;
  }
}

const char* aa_mode_name(AaMode m) {
  switch (m) {
    case AaMode::Enforce: return "enforce";
    case AaMode::Complain: return "complain";
    case AaMode::Kill: return "kill";
    case AaMode::Unconfined: return "unconfined";
    case AaMode::Unknown: return "unknown";
  }
  return "unknown";
}

const char* aa_outcome_name(AaOutcome o) {
  switch (o) {
    case AaOutcome::NotApplicable: return "not applicable";
    case AaOutcome::Allowed: return "allowed";
    case AaOutcome::Denied: return "denied";
    case AaOutcome::ComplainOnly: return "complain";
    case AaOutcome::Unknown: return "unknown";
  }
  return "unknown";
}

namespace {

// The file the open reaches: the last step, when the walk got there.
const Step* final_step(const Walk& w) {
  if (w.steps.empty() || w.verdict == Verdict::Missing || w.target_not_regular) return nullptr;
  const Step& last = w.steps.back();
  if (!last.inode || last.need != Need::Read) return nullptr;
  return &last;
}

// security/apparmor/label.c: the label's permission is the intersection
// of its profiles' (aa_label_match walks every profile; any deny denies);
// a complain-mode profile's denial is logged and allowed
// (security/apparmor/lib.c: aa_apply_modes_to_perms, aa_audit -> complain).
AaOutcome combine(const std::vector<AaCheck>& checks) {
  bool unknown = false, complain = false;
  for (const auto& c : checks) {
    if (c.answer.err != 0) { unknown = true; continue; }
    if (c.answer.allowed || c.profile.mode == AaMode::Unconfined) continue;
    if (c.profile.mode == AaMode::Enforce || c.profile.mode == AaMode::Kill) return AaOutcome::Denied;
    if (c.profile.mode == AaMode::Complain) complain = true;
    else unknown = true;  // denied by a profile whose mode is unknown
  }
  if (unknown) return AaOutcome::Unknown;
  return complain ? AaOutcome::ComplainOnly : AaOutcome::Allowed;
}

}  // namespace

ApparmorTarget decide_apparmor(const ApparmorFacts& f, ApparmorOracle& oracle, const Walk& w) {
  ApparmorTarget t;
  t.state = f.state;
  t.label = f.label;
  t.path = w.resolved;
  if (f.state == AaState::NotEnabled || f.state == AaState::Unconfined) return t;
  if (f.state == AaState::Unreadable) {
    t.note = f.note;
    t.outcome = AaOutcome::Unknown;
    return t;
  }
  if (final_step(w) == nullptr) return t;  // nothing the open would reach
  for (const auto& p : f.profiles) t.checks.push_back({p, oracle.query_file(p.name, t.path, kAaMayRead)});
  t.outcome = combine(t.checks);
  return t;
}

void apply_apparmor(const ApparmorTarget& t, Walk& w) {
  if (t.outcome == AaOutcome::NotApplicable || w.steps.empty()) return;
  bool dac_allowed = w.verdict == Verdict::Allowed;
  if (!t.checks.empty()) {
    LsmCheck c;
    c.layer = Layer::Apparmor;
    c.object = "file " + t.path;
    c.asked = "read";
    c.denied = (t.outcome == AaOutcome::Denied || t.outcome == AaOutcome::ComplainOnly) ? "read" : "";
    c.enforced = t.outcome != AaOutcome::ComplainOnly;
    w.steps.back().lsm.push_back(c);
  }
  if (!dac_allowed) return;  // an earlier layer already said no: it is the errno
  if (t.outcome == AaOutcome::Denied) {
    w.verdict = Verdict::Denied;
    w.denied_by = Layer::Apparmor;
    w.err = EACCES;  // security/apparmor/file.c: aa_path_perm -> -EACCES
  } else if (t.outcome == AaOutcome::Unknown) {
    w.verdict = Verdict::Unknown;
  }
}

std::optional<std::string> apparmor_verify_label(const ApparmorFacts& f) {
  switch (f.state) {
    case AaState::NotEnabled:
    case AaState::Unconfined:
      return std::string();
    case AaState::Unreadable:
      return std::nullopt;
    case AaState::Confined:
      break;
  }
  std::string label;
  for (const auto& p : f.profiles) label += (label.empty() ? "" : std::string(kStackSep)) + p.name;
  return label;
}

std::string apparmor_read_rule(std::string_view path) {
  // apparmor.d(5): *, ?, [, ], {, }, ^ and \ are pattern characters: a
  // literal one takes a backslash; a name with white space is quoted.
  std::string esc;
  bool quote = false;
  for (char c : path) {
    if (std::string_view("*?[]{}^\\\"").find(c) != std::string_view::npos) esc += '\\';
    if (c == ' ' || c == '\t') quote = true;
    esc += c;
  }
  return (quote ? "\"" + esc + "\"" : esc) + " r,";
}

std::optional<std::string> apparmor_profile_file(std::string_view profile) {
  if (profile.empty() || profile.front() == ':') return std::nullopt;
  std::string base(profile.substr(0, profile.find("//")));
  if (base.front() == '/') {
    base.erase(0, 1);
    for (char& c : base)
      if (c == '/') c = '.';
  }
  if (base.empty() || base.find_first_of("'\"\\ \t") != std::string::npos) return std::nullopt;
  return base;
}

namespace {

std::string shell_quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The rule line into the profile's local include, then a reload; the
// interactive route second.
std::vector<Fix> rule_fixes(const AaProfile& p, const std::string& path) {
  std::vector<Fix> fixes;
  std::string rule = apparmor_read_rule(path);
  if (auto file = apparmor_profile_file(p.name)) {
    fixes.push_back({"echo " + shell_quote(rule) + " >> /etc/apparmor.d/local/" + *file +
                         " && apparmor_parser -r /etc/apparmor.d/" + *file,
                     "this profile only; the profile must have 'include if exists <local/" + *file + ">'"});
  } else {
    fixes.push_back({"add the rule  " + rule + "  to profile " + p.name + ", then apparmor_parser -r its file",
                     "this profile only"});
  }
  fixes.push_back({"aa-logprof", "interactive: offers the rules for the logged denials"});
  return fixes;
}

std::string denying_profiles(const ApparmorTarget& t, AaMode mode) {
  std::string s;
  for (const auto& c : t.checks)
    if (c.answer.err == 0 && !c.answer.allowed && c.profile.mode == mode) s += (s.empty() ? "" : ", ") + c.profile.name;
  return s;
}

Finding unknown_finding(const ApparmorTarget& t, const std::string& obj) {
  std::string why = t.note;
  for (const auto& c : t.checks) {
    if (c.answer.err == ENOENT) {
      return make_finding("AA-004", obj,
                          "AppArmor has no profile \"" + c.profile.name + "\" loaded (the query for " + t.path +
                              " names a label the kernel does not know: " + c.answer.error + ")",
                          {{"apparmor_parser -r /etc/apparmor.d/FILE", "load the profile that defines it"},
                           {"cat /sys/kernel/security/apparmor/profiles", "the profiles loaded now"}});
    }
    if (c.answer.err != 0) why = "the kernel did not answer for " + c.profile.name + ": " + c.answer.error;
    else if (!c.answer.allowed && c.profile.mode == AaMode::Unknown)
      why = "profile " + c.profile.name + " denies, and its mode (enforce or complain) could not be read";
  }
  return make_finding("AA-003", obj, "AppArmor's decision is unknown: " + why,
                      {{"run cfgprobe as root", "the query interface and the profiles list need it"},
                       {"add --verify", "asks the kernel with an open in the subject's profile"}});
}

}  // namespace

std::vector<Finding> explain_apparmor(const ApparmorTarget& t, const std::string& prefix) {
  std::vector<Finding> out;
  std::string obj = prefix + t.path;
  switch (t.outcome) {
    case AaOutcome::NotApplicable:
    case AaOutcome::Allowed:
      return out;
    case AaOutcome::Unknown:
      out.push_back(unknown_finding(t, obj));
      return out;
    case AaOutcome::Denied:
      for (const auto& c : t.checks) {
        if (c.answer.err != 0 || c.answer.allowed) continue;
        if (c.profile.mode != AaMode::Enforce && c.profile.mode != AaMode::Kill) continue;
        out.push_back(make_finding("AA-001", obj,
                                   "AppArmor profile " + c.profile.name + " (" + aa_mode_name(c.profile.mode) +
                                       ") has no rule that allows reading " + t.path,
                                   rule_fixes(c.profile, t.path)));
      }
      break;
    case AaOutcome::ComplainOnly:
      break;
  }
  for (const auto& c : t.checks) {
    if (c.answer.err != 0 || c.answer.allowed || c.profile.mode != AaMode::Complain) continue;
    out.push_back(make_finding("AA-002", obj,
                               "AppArmor profile " + c.profile.name +
                                   " is in complain mode: reading " + t.path +
                                   " is allowed and logged, and will be denied once the profile enforces (" +
                                   denying_profiles(t, AaMode::Complain) + ")",
                               rule_fixes(c.profile, t.path)));
  }
  return out;
}

}  // namespace probe
