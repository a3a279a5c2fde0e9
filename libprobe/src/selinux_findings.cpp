// explain: the SEL- findings for one target's SELinux decisions (pure).
// Fixes are ordered from least to most privilege: put the label right, a
// boolean the policy author foresaw, a new allow rule last.
#include <algorithm>
#include <set>

#include "probe/selinux.hpp"

namespace probe {
namespace {

// A path inside single quotes for a shell.
std::string quoted(const std::string& p) {
  std::string s = "'";
  for (char c : p) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return s + "'";
}

struct Ctx {
  const SelinuxFacts& f;
  const std::string& prefix;
  std::vector<Finding>& out;
  std::string stype;
};

std::string access_text(const Ctx& x, const SelinuxCheck& c, const std::vector<std::string>& perms) {
  return x.stype + " -> " + context_type(c.tcon) + ":" + c.tclass + " { " + perms_text(perms) + " }";
}

// The drift fix comes first when the policy's own label would allow it.
bool expected_differs(const SelinuxCheck& c) {
  return c.expected && !c.label.empty() && context_type(*c.expected) != context_type(c.label);
}

std::vector<Fix> te_fixes(const Ctx& x, const SelinuxCheck& c, const std::vector<std::string>& perms,
                          bool restorecon_allows) {
  std::vector<Fix> fixes;
  std::string path = x.prefix + c.path;
  if (restorecon_allows) fixes.push_back({"restorecon -v " + quoted(path), "the policy's own label for this path"});
  for (const auto& b : c.booleans) {
    std::string note = "also turns on " + std::to_string(b.opens > 0 ? b.opens - 1 : 0) + " other allow rules";
    if (!b.examples.empty()) note += ", e.g. " + perms_text(b.examples, ", ");
    fixes.push_back({"setsebool -P " + b.name + " " + (b.value ? "1" : "0"), note});
  }
  fixes.push_back({"sesearch -A -s " + x.stype + " -c " + c.tclass + " -p " + perms_text(perms, ","),
                   "types it may already use: relabel with semanage fcontext -a -t TYPE " + quoted(c.path) +
                       " && restorecon -v " + quoted(path)});
  fixes.push_back({"echo '(allow " + x.stype + " " + context_type(c.tcon) + " (" + c.tclass + " (" + perms_text(perms) +
                       ")))' > cfgprobe_local.cil && semodule -i cfgprobe_local.cil",
                   "a new allow rule in a local module: last resort"});
  return fixes;
}

void label_findings(const Ctx& x, const SelinuxCheck& c) {
  std::string path = x.prefix + c.path;
  if (c.label_state == LabelState::Missing)
    x.out.push_back(make_finding("SEL-006", c.path,
                                 c.path + " has no SELinux label: the kernel treats it as " + c.tcon,
                                 {{"restorecon -v " + quoted(path), "give it the policy's label for the path"}}));
  if (c.label_state == LabelState::Invalid)
    x.out.push_back(make_finding("SEL-007", c.path,
                                 c.path + " is labeled " + c.label + ", which the policy does not know: the kernel "
                                 "treats it as " + c.tcon,
                                 {{"restorecon -v " + quoted(path), "give it the policy's label for the path"}}));
  if (expected_differs(c))
    x.out.push_back(make_finding(
        "SEL-005", c.path,
        c.path + " is labeled " + context_type(c.label) + " but the policy's file_contexts say " +
            context_type(*c.expected) + " (a file created elsewhere and moved here keeps its old label)",
        {{"restorecon -v " + quoted(path), "relabel it as the policy expects"},
         {"semanage fcontext -a -t " + context_type(c.label) + " " + quoted(c.path) + " && restorecon -v " +
              quoted(path),
          "or make this label the rule for the path"}}));
}

void denial_findings(const Ctx& x, const SelinuxCheck& c, bool restorecon_allows) {
  auto perms = c.denied_required();
  std::string what = access_text(x, c, perms);
  if (!c.enforced) {
    std::string why = x.f.mode == SelinuxMode::Permissive ? "SELinux is permissive (" + x.f.mode_source + ")"
                                                          : x.stype + " is a permissive domain";
    x.out.push_back(make_finding("SEL-008", c.path,
                                 "the policy denies " + what + ", but " + why + ": enforcing would deny it",
                                 te_fixes(x, c, perms, restorecon_allows)));
    return;
  }
  if (c.av.by_te && !c.booleans.empty())
    x.out.push_back(make_finding("SEL-002", c.path,
                                 "no enabled rule allows " + what + "; boolean " + c.booleans[0].name +
                                     " would allow it",
                                 te_fixes(x, c, perms, restorecon_allows)));
  else if (c.av.by_te)
    x.out.push_back(make_finding("SEL-001", c.path, "no allow rule for " + what, te_fixes(x, c, perms, restorecon_allows)));
  if (c.av.by_constraint || c.av.by_rbac || c.av.by_bounds) {
    std::string which = c.av.constraint.empty() ? std::string(c.av.by_rbac ? "a role rule" : "a type bound")
                                                : c.av.constraint;
    x.out.push_back(make_finding("SEL-003", c.path, "a constraint denies " + what + ": " + which,
                                 {{"ls -Z " + quoted(x.prefix + c.path), "compare the label's user, role and level"},
                                  {"restorecon -v -F " + quoted(x.prefix + c.path),
                                   "reset user, role and level from file_contexts"}}));
  }
}

}  // namespace

std::vector<Finding> explain_selinux(const SelinuxTarget& t, const std::string& prefix) {
  std::vector<Finding> out;
  const SelinuxFacts& f = t.facts;
  if (!f.evaluated) return out;
  Ctx x{f, prefix, out, context_type(f.context)};
  for (const auto& c : t.checks) {
    if (c.av.err != 0) {
      out.push_back(make_finding("SEL-010", c.path, "no decision for " + c.path + ": " + c.av.error));
      continue;
    }
    label_findings(x, c);
    auto denied = c.denied_required();
    if (!denied.empty()) {
      denial_findings(x, c, expected_differs(c) && c.expected_allows);
      std::vector<std::string> hidden;
      for (const auto& p : c.av.hidden)
        if (std::find(denied.begin(), denied.end(), p) != denied.end()) hidden.push_back(p);
      if (!hidden.empty() && c.enforced)
        out.push_back(make_finding("SEL-004", c.path,
                                   "a dontaudit rule hides the denial of " + perms_text(hidden) +
                                       " from the audit log: audit2why and sealert will never see it",
                                   {{"semodule -DB", "rebuild without dontaudit rules, reproduce, read ausearch -m AVC"},
                                    {"semodule -B", "afterwards: put the dontaudit rules back"}}));
    } else if (!c.av.denied.empty() && c.enforced) {
      out.push_back(make_finding("SEL-009", c.path,
                                 "the open is allowed, but stat() is not: " +
                                     access_text(x, c, c.av.denied) + " is denied",
                                 te_fixes(x, c, c.av.denied, false)));
    }
  }
  return out;
}

}  // namespace probe
