// render: the one-screen text report. Every name from the system passes
// through escape_for_terminal().
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <sstream>

#include "probe/caps.hpp"
#include "probe/fs.hpp"
#include "probe/render.hpp"

namespace probe {
namespace {

struct Style {
  bool on;
  std::string red(const std::string& s) const { return on ? "\033[1;31m" + s + "\033[0m" : s; }
  std::string green(const std::string& s) const { return on ? "\033[32m" + s + "\033[0m" : s; }
  std::string yellow(const std::string& s) const { return on ? "\033[33m" + s + "\033[0m" : s; }
  std::string bold(const std::string& s) const { return on ? "\033[1m" + s + "\033[0m" : s; }
};

std::string esc(std::string_view s) { return escape_for_terminal(s); }

std::string pad(const std::string& s, size_t w) { return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' '); }

std::string ids_line(const IdSet& ids, const std::function<std::string(uint32_t)>& name, const char* what) {
  std::string s = std::string(what) + " " + std::to_string(ids.fs) + "(" + esc(name(ids.fs)) + ")";
  if (!(ids.real == ids.fs && ids.effective == ids.fs && ids.saved == ids.fs))
    s += " [real " + std::to_string(ids.real) + " effective " + std::to_string(ids.effective) + " saved " +
         std::to_string(ids.saved) + " fs " + std::to_string(ids.fs) + "]";
  return s;
}

std::string map_text(const IdMap& m) {
  std::string s;
  for (const auto& r : m)
    s += (s.empty() ? "" : ", ") + std::to_string(r.inside) + "->" + std::to_string(r.outside) + " x" + std::to_string(r.count);
  return s;
}

void subject_text(const Subject& s, const Names& n, std::ostream& o) {
  if (s.kind == SubjectKind::Synthetic) o << "what-if subject";
  else o << "pid " << *s.pid << " (" << esc(s.comm) << ")";
  if (!s.exe.empty()) o << "  " << esc(s.exe);
  if (s.unit) o << "  unit " << esc(*s.unit);
  o << "\n  as       " << ids_line(s.uid, [&](uint32_t u) { return n.user(u); }, "uid") << "  "
    << ids_line(s.gid, [&](uint32_t g) { return n.group(g); }, "gid") << "  groups:";
  if (s.groups.empty()) o << " none";
  for (uint32_t g : s.groups) o << " " << esc(n.group(g));
  o << "\n  caps     effective: " << describe_caps(s.caps.effective) << "   permitted: " << describe_caps(s.caps.permitted)
    << "   bounding: " << describe_caps(s.caps.bounding) << "   ambient: " << describe_caps(s.caps.ambient);
  if (s.no_new_privs) o << "   NoNewPrivs: " << (*s.no_new_privs ? "yes" : "no");
  if (s.kind != SubjectKind::Synthetic) {
    o << "\n  userns   " << (s.own_user_ns ? "own: uid " + map_text(s.uid_map) + "; gid " + map_text(s.gid_map) : "host user namespace");
  }
  // Until the LSM probes land, say so rather than imply "allowed" there.
  o << "\n  lsm      Landlock: not modelled yet: --verify shows the kernel's answer";
  o << "\n  root     " << esc(s.root);
  if (s.kind != SubjectKind::Synthetic) o << (s.own_mount_ns ? "  (own mount namespace)" : "  (host mount namespace)");
  if (s.cwd != "/" && s.kind != SubjectKind::Synthetic) o << "   cwd " << esc(s.cwd);
  o << "\n";
}

// Padded first, coloured after, so escape codes do not upset the columns.
std::string result_text(const Style& st, const Step& step, bool after_primary) {
  switch (step.result) {
    case StepResult::Ok: return after_primary ? pad("ok (if reached)", 16) : st.green(pad("ok", 16));
    case StepResult::Denied: return st.red(pad(after_primary ? "DENIED too" : "DENIED", 16));
    default: return st.red(pad(step_result_name(step.result), 16));
  }
}

// Column widths for one walk, so its steps line up.
struct Widths {
  size_t name = 4, user = 4, group = 4;
};

std::string step_name(const Step& st) {
  std::string name = esc(st.path);
  if (st.need == Need::Follow && st.inode) name += " -> " + esc(st.inode->link_target);
  return name;
}

Widths widths_of(const Names& n, const Walk& w) {
  Widths wd;
  for (const auto& st : w.steps) {
    wd.name = std::max(wd.name, std::min<size_t>(step_name(st).size() + 1, 60));
    if (!st.inode) continue;
    wd.user = std::max(wd.user, esc(n.user(st.inode->uid)).size() + 1);
    wd.group = std::max(wd.group, esc(n.group(st.inode->gid)).size() + 1);
  }
  return wd;
}

// One line under the step per LSM denial (allowed checks stay quiet).
void lsm_lines(const Style& sty, const Step& st, const Widths& wd, std::ostream& o) {
  for (const auto& l : st.lsm) {
    if (l.denied.empty()) continue;
    std::string verdict = !l.required ? "denied (stat only)" : l.enforced ? "DENIED" : "denied (permissive: logged only)";
    o << "  " << pad("", wd.name) << pad(layer_name(l.layer), 12) << esc(l.object) << "  " << esc(l.denied) << "  "
      << (l.enforced && l.required ? sty.red(verdict) : sty.yellow(verdict)) << "\n";
  }
}

void step_line(const Subject& s, const Names& n, const Style& sty, const Step& st, bool after, const Widths& wd,
               std::ostream& o) {
  o << "  " << pad(step_name(st), wd.name);
  if (st.inode) {
    o << pad(mode_string(*st.inode), 12) << pad(esc(n.user(st.inode->uid)), wd.user)
      << pad(esc(n.group(st.inode->gid)), wd.group);
  } else {
    o << pad("", 12 + wd.user + wd.group);
  }
  o << pad(need_name(st.need), 8) << result_text(sty, st, after);
  std::string why = describe_step(s, n, st);
  if (st.result == StepResult::Unknown) why = Error{st.lookup_err, "cannot look"}.message();
  o << esc(why) << "\n";
  lsm_lines(sty, st, wd, o);
}

void finding_text(const Style& sty, const Finding& f, std::ostream& o) {
  std::string id = f.severity == Severity::Error ? sty.red(f.id) : f.severity == Severity::Warning ? sty.yellow(f.id) : f.id;
  o << "\n  " << id << "  " << esc(f.explanation) << "\n";
  for (size_t i = 0; i < f.fixes.size(); ++i)
    o << "    " << (i == 0 ? "fix   " : "or    ") << pad(esc(f.fixes[i].command), 46) << "  " << esc(f.fixes[i].note)
      << "\n";
  o << "    more  cfgprobe explain " << f.id << "   man 7 cfgprobe-diagnostics\n";
}

void verdict_text(const Style& sty, const Walk& w, std::ostream& o) {
  switch (w.verdict) {
    case Verdict::Allowed: o << sty.green("allowed"); break;
    case Verdict::Denied:
      if (w.err == ENXIO) o << sty.red("CANNOT OPEN") << " (ENXIO: a socket)";
      else o << sty.red("DENIED") << " by " << layer_name(w.denied_by);
      break;
    case Verdict::Missing: o << sty.red("MISSING") << " (" << errno_name(w.err) << ")"; break;
    case Verdict::Unknown: o << sty.yellow("UNKNOWN"); break;
  }
}

}  // namespace

std::string render_text_subject(const Subject& s, const Names& n, const ProcessProbes& p,
                                const std::vector<std::string>& notes, const std::vector<Finding>& subject_findings,
                                const RenderOptions& opt) {
  Style sty{opt.color};
  std::ostringstream o;
  subject_text(s, n, o);
  if (p.exe) o << render_text_exe(*p.exe, opt.color);
  if (p.seccomp) o << render_text_seccomp(*p.seccomp, opt.color);
  if (p.keyring) o << render_text_keyring(*p.keyring, opt.color);
  if (p.selinux) o << render_text_selinux(*p.selinux);
  if (p.apparmor) o << render_text_apparmor(*p.apparmor);
  for (const auto& note : notes) o << "  note     " << esc(note) << "\n";
  for (const auto& f : subject_findings) finding_text(sty, f, o);
  return o.str();
}

std::string render_text_target(const Subject& s, const Names& n, const Target& t,
                               const std::vector<Finding>& findings, const RenderOptions& opt, bool compact) {
  Style sty{opt.color};
  const Walk& w = t.walk;
  bool clean = w.verdict == Verdict::Allowed && findings.empty() && (!t.kernel || t.kernel->agrees);
  // The common case of a long list: one line, no stream set-up.
  if (compact && clean) return "  " + sty.green("allowed") + "  " + esc(w.path) + "\n";
  std::ostringstream o;
  o << "\n" << sty.bold(esc(w.path)) << "   (" << esc(t.source) << ")   ";
  verdict_text(sty, w, o);
  o << "\n";
  bool after = false;
  Widths wd = widths_of(n, w);
  for (const auto& st : w.steps) {
    step_line(s, n, sty, st, after, wd, o);
    after = after || st.primary;
  }
  if (t.kernel) {
    o << "  kernel   " << t.kernel->how << ": " << (t.kernel->err == 0 ? "success" : errno_name(t.kernel->err))
      << (t.kernel->agrees ? "  (agrees with the model)" : sty.red("  DISAGREES with the model")) << "\n";
  }
  for (const auto& f : findings) finding_text(sty, f, o);
  return o.str();
}

std::string render_text_summary(size_t not_readable, size_t total) {
  if (not_readable == 0) return "\nall " + std::to_string(total) + " configs readable.\n";
  return "\n" + std::to_string(not_readable) + " of " + std::to_string(total) + " configs not readable.\n";
}

std::string render_text(const Report& r, const RenderOptions& opt) {
  std::vector<Finding> subject_findings;
  for (const auto& f : r.findings)
    if (f.target < 0) subject_findings.push_back(f);
  std::string out = render_text_subject(r.subject, r.names, r.process, r.notes, subject_findings, opt);
  size_t bad = 0;
  bool compact = r.targets.size() > 3;
  for (size_t i = 0; i < r.targets.size(); ++i) {
    std::vector<Finding> mine;
    for (const auto& f : r.findings)
      if (f.target == static_cast<int>(i)) mine.push_back(f);
    out += render_text_target(r.subject, r.names, r.targets[i], mine, opt, compact);
    if (r.targets[i].walk.verdict != Verdict::Allowed) ++bad;
  }
  return out + render_text_summary(bad, r.targets.size());
}

std::string render_catalog_entry(const CatalogEntry& e) {
  std::ostringstream o;
  o << e.id << "  " << e.title << "  (" << severity_name(e.severity) << ")\n\n"
    << "What it means\n  " << e.meaning << "\n\nWhy\n  " << e.why << "\n\nFix\n  " << e.fix
    << "\n\nFalse alarm\n  " << e.false_alarm << "\n";
  return o.str();
}

}  // namespace probe
