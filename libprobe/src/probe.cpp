// The gather -> explain -> report pipeline for one run.
#include "probe/probe.hpp"

#include <sys/stat.h>

#include <array>
#include <cerrno>

#include "probe/verify.hpp"

namespace probe {
namespace {

bool exists_on_host(const std::string& path) {
  struct stat st{};
  return !path.empty() && path[0] == '/' && ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

Session::Session(const Subject& s, const LiveSubject* live, const ProbeOptions& opt, std::unique_ptr<RealFs> fs)
    : subject_(s), live_(live), opt_(opt), fs_(std::move(fs)), sys_(gather_system()) {
  add_subject_names(names_, subject_);
  if (!opt_.apparmor) opt_.apparmor = open_apparmor_layer(live_, std::nullopt);
}

Result<std::unique_ptr<Session>> Session::start(const Subject& s, const LiveSubject* live, const ProbeOptions& opt) {
  auto fs = live ? RealFs::open_at(live->proc_dir.get(), live->root_name) : RealFs::open(s.root_handle);
  if (!fs) return fs.error();
  return std::unique_ptr<Session>(new Session(s, live, opt, std::move(*fs)));
}

Target Session::probe(const TargetRequest& req) {
  Target t{resolve_access(subject_, *fs_, sys_, req.path), req.source};
  bool other_root = subject_.own_mount_ns || subject_.root != "/";
  if (t.walk.verdict == Verdict::Missing && other_root) {
    t.exists_on_host = exists_on_host(req.path);
    // There on the host, not in the subject's root: the namespace says no.
    if (*t.exists_on_host && t.walk.err == ENOENT) t.walk.denied_by = Layer::Namespace;
  }
  add_walk_names(names_, t.walk);
  if (opt_.selinux && opt_.selinux->facts.evaluated) {
    const SelinuxLayer& sel = *opt_.selinux;
    t.selinux = decide_walk(sel.facts, *sel.oracle, sel.file_contexts.get(), t.walk);
    apply_selinux(*t.selinux, t.walk);
  }
  if (opt_.apparmor) {
    t.apparmor = decide_apparmor(opt_.apparmor->facts, *opt_.apparmor->oracle, t.walk);
    apply_apparmor(*t.apparmor, t.walk);
  }
  // Never the helper's DAC-only answer for a subject in another SELinux domain.
  std::optional<std::string> blocked;
  if (opt_.verify && opt_.selinux) blocked = verify_blocked_by_selinux(opt_.selinux->facts);
  // ... nor for one in an AppArmor profile cfgprobe cannot name.
  std::optional<std::string> aa_label = opt_.apparmor ? apparmor_verify_label(opt_.apparmor->facts) : std::string();
  if (opt_.verify && !blocked && !aa_label)
    blocked = "the subject's AppArmor label is unknown (" + opt_.apparmor->facts.note +
              "): the helper cannot take its profile";
  if (blocked) t.kernel_error = *blocked;
  if (opt_.verify && !blocked) {
    auto k = kernel_open(subject_, req.path, *aa_label);
    if (k) {
      k->agrees = k->err == t.walk.err;
      t.kernel = *k;
    } else {
      t.kernel_error = k.error().message();
    }
  }
  return t;
}

Result<void> Session::still_same() const {
  if (live_ == nullptr) return {};
  return live_->still_same();
}

ProcessProbes probe_process(Session& session, const LiveSubject* live) {
  ProcessProbes p;
  if (session.options().selinux) p.selinux = session.options().selinux->facts;
  if (session.options().apparmor) p.apparmor = session.options().apparmor->facts;
  if (live == nullptr) return p;
  p.exe = gather_exe(*live);
  gather_exe_dir(session, *p.exe);
  p.seccomp = gather_seccomp(*live);
  p.keyring = live->subject.kind == SubjectKind::Self ? gather_keyring_self(session.options().keys)
                                                      : gather_keyring(*live, session.options().keys);
  return p;
}

Result<size_t> probe_each(Session& session, const std::vector<TargetRequest>& targets, const TargetSink& sink) {
  size_t bad = 0;
  for (size_t i = 0; i < targets.size(); ++i) {
    Target t = session.probe(targets[i]);
    if (auto same = session.still_same(); !same) return same.error();
    if (t.walk.verdict != Verdict::Allowed) ++bad;
    sink(t, explain_target(session.subject(), session.names(), t, static_cast<int>(i)), static_cast<int>(i));
  }
  return bad;
}

Result<Report> probe_access(const Subject& s, const std::vector<TargetRequest>& targets,
                            const ProbeOptions& opt, const LiveSubject* live) {
  auto session = Session::start(s, live, opt);
  if (!session) return session.error();
  Report r;
  r.subject = s;
  r.process = probe_process(**session, live);
  r.findings = explain_subject(s);
  auto process_findings = explain_process(s, r.process);
  r.findings.insert(r.findings.end(), process_findings.begin(), process_findings.end());
  auto done = probe_each(**session, targets, [&](const Target& t, const std::vector<Finding>& f, int) {
    r.targets.push_back(t);
    r.findings.insert(r.findings.end(), f.begin(), f.end());
  });
  if (!done) return done.error();
  r.names = (*session)->names();
  return r;
}

std::vector<TargetRequest> discover_configs(const std::vector<std::string>& cmdline) {
  static constexpr std::array<std::string_view, 5> kFlags = {"--config", "-c", "-config", "--config-file", "-config-file"};
  std::vector<TargetRequest> out;
  for (size_t i = 1; i < cmdline.size(); ++i) {
    std::string_view a = cmdline[i];
    if (a == "--") break;
    for (auto flag : kFlags) {
      if (a == flag && i + 1 < cmdline.size()) {
        out.push_back({cmdline[i + 1], "from " + std::string(flag) + " on its command line"});
        ++i;
        break;
      }
      if (a.size() > flag.size() + 1 && a.starts_with(flag) && a[flag.size()] == '=' && flag != "-c") {
        out.push_back({std::string(a.substr(flag.size() + 1)), "from " + std::string(flag) + "= on its command line"});
        break;
      }
    }
  }
  return out;
}

}  // namespace probe
