// cfgprobe preflight [--user USER[:GROUP]] [--config PATH]... [--key DESC]...
//   [--decrypt FILE.age[=NAME]]... [--wait DURATION] [--format text|json]
//   [--report FILE] [--verbose] -- COMMAND [ARG...]
//
// An ENTRYPOINT: checks what the app will be able to do with the credentials
// it will really have (after the user switch and the exec), releases
// decrypted credentials the way systemd does ($CREDENTIALS_DIRECTORY on a
// tmpfs), then becomes the app with execve(). Fails closed: on any error
// finding the command never runs.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "probe/age.hpp"
#include "probe/caps.hpp"
#include "probe/exe.hpp"
#include "probe/keyring.hpp"
#include "probe/preflight.hpp"
#include "probe/probe.hpp"
#include "probe/release.hpp"
#include "probe/render.hpp"
#include "wait.hpp"

extern char** environ;

namespace cfgprobe {
namespace {

struct PreflightArgs {
  std::string user;
  std::vector<std::string> configs, keys, decrypts;
  std::string wait, report;
  bool verbose = false;
  OutputOptions out;
  std::vector<std::string> command;
};

struct DecryptSpec {
  std::string file, name;
};

// "FILE.age[=NAME]": NAME defaults to the file name without ".age".
std::optional<DecryptSpec> parse_decrypt(const std::string& arg) {
  DecryptSpec d;
  auto eq = arg.rfind('=');
  d.file = eq == std::string::npos ? arg : arg.substr(0, eq);
  if (eq != std::string::npos) {
    d.name = arg.substr(eq + 1);
  } else {
    d.name = d.file.substr(d.file.rfind('/') + 1);
    if (d.name.size() > 4 && d.name.ends_with(".age")) d.name.resize(d.name.size() - 4);
  }
  if (d.file.empty() || d.name.empty() || d.name == "." || d.name == ".." || d.name.find('/') != std::string::npos)
    return std::nullopt;
  return d;
}

// Where decrypted credentials may go: memory-backed file systems only.
bool memory_backed(const std::string& dir) {
  struct statfs fs{};
  if (::statfs(dir.c_str(), &fs) != 0) return false;
  return fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC;
}

std::vector<std::string> credential_roots() {
  std::vector<std::string> out;
  if (const char* r = std::getenv("CFGPROBE_CREDENTIALS_ROOT"); r != nullptr && *r != '\0') return {r};
  return {"/run", "/dev/shm"};
}

// What the run decided: the plan, the report, and what to exec.
struct Outcome {
  int rc = kExitOk;
  probe::Report report;
  nlohmann::ordered_json extra;  // the "preflight" object of the JSON report
  std::string credentials_dir;
  std::string exec_path;
  std::optional<probe::Creds> drop_to;
  std::string summary;  // the --verbose line
};

void add(Outcome& o, std::vector<probe::Finding> f) {
  o.report.findings.insert(o.report.findings.end(), f.begin(), f.end());
}

bool has_error(const Outcome& o) {
  for (const auto& f : o.report.findings)
    if (f.severity == probe::Severity::Error) return true;
  for (const auto& t : o.report.targets)
    if (t.walk.verdict != probe::Verdict::Allowed) return true;
  return false;
}

// The identities of every --key, for --decrypt. A key that cannot be had
// adds its KEY- findings.
// Without --decrypt the keys are only checked: reachable and readable.
std::vector<probe::age::Identity> load_identities(const PreflightArgs& a, const probe::Subject& self, bool parse,
                                                  Outcome& o) {
  std::vector<probe::age::Identity> ids;
  auto facts = probe::gather_keyring_self(a.keys);
  for (const auto& k : facts.keys) {
    if (probe::classify_key(facts, k) != probe::KeyState::Readable) {
      add(o, probe::explain_key(self, facts, k));
      continue;
    }
    if (!parse) continue;
    auto payload = probe::read_key_payload(k.key->serial);
    if (!payload) {
      add(o, probe::explain_key(self, facts, k));
      continue;
    }
    auto parsed = probe::age::parse_identities(payload->view());
    if (auto* f = std::get_if<probe::age::Failure>(&parsed)) {
      o.report.findings.push_back(probe::make_finding(f->id, "key " + quoted(k.desc), f->message, {{f->hint, ""}}));
      o.rc = kExitDecrypt;
      continue;
    }
    for (auto& i : std::get<0>(parsed)) ids.push_back(std::move(i));
  }
  // The keyring syscalls themselves (this container's seccomp filter).
  for (const auto& f : probe::explain_keyring(self, facts, nullptr))
    if (f.severity == probe::Severity::Error &&
        std::none_of(o.report.findings.begin(), o.report.findings.end(),
                     [&](const probe::Finding& x) { return x.id == f.id && x.object == f.object; }))
      o.report.findings.push_back(f);
  return ids;
}

// --decrypt: each file into a fresh private directory on a tmpfs, owned by
// the app's user. Nothing is written unless every file decrypted.
void decrypt_all(const PreflightArgs& a, const std::vector<DecryptSpec>& specs, const std::vector<probe::age::Identity>& ids,
                 const probe::Creds& app, Outcome& o) {
  std::vector<std::pair<DecryptSpec, probe::age::Decrypted>> plain;
  for (const auto& d : specs) {
    probe::UniqueFd in(::open(d.file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
    if (!in) {
      o.report.findings.push_back(probe::make_finding(std::string(probe::age::kReadError), d.file,
                                                      probe::errno_error("cannot open " + d.file).message()));
      o.rc = kExitDecrypt;
      return;
    }
    auto r = probe::age::decrypt(in.get(), ids);
    if (auto* f = std::get_if<probe::age::Failure>(&r)) {
      std::vector<std::string> names;
      for (const auto& k : a.keys) names.push_back(quoted(k));
      std::string msg = probe::age::message_for(*f, join_and(names));
      o.report.findings.push_back(probe::make_finding(f->id, d.file, msg, {{f->hint, ""}}));
      o.rc = kExitDecrypt;
      return;
    }
    plain.emplace_back(d, std::move(std::get<probe::age::Decrypted>(r)));
  }
  std::string root;
  for (const auto& cand : credential_roots())
    if (memory_backed(cand)) {
      root = cand;
      break;
    }
  if (root.empty()) {
    auto roots = credential_roots();
    o.report.findings.push_back(probe::make_finding("PF-004", join_and(roots),
                                                    "none of " + join_and(roots) + " is a tmpfs or ramfs",
                                                    {{"docker run --tmpfs /run:mode=0755 ...", "Docker"},
                                                     {"emptyDir: {medium: Memory} mounted at /run", "Kubernetes"}}));
    return;
  }
  std::string dir = root + "/cfgprobe-credentials.XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    o.report.findings.push_back(probe::make_finding("PF-004", root, probe::errno_error("mkdtemp in " + root).message()));
    return;
  }
  auto undo = [&] {
    for (const auto& [d, _] : plain) ::unlink((dir + "/" + d.name).c_str());
    ::rmdir(dir.c_str());
  };
  if (::chown(dir.c_str(), app.uid.effective, app.gid.effective) != 0 || ::chmod(dir.c_str(), 0700) != 0) {
    o.report.findings.push_back(probe::make_finding("PF-004", dir, probe::errno_error("chown/chmod " + dir).message()));
    undo();
    return;
  }
  for (const auto& [d, p] : plain) {
    auto w = probe::release_to_file(p.plaintext.get(), p.size, dir + "/" + d.name,
                                    {0400, app.uid.effective, app.gid.effective, false});
    if (!w) {
      o.report.findings.push_back(probe::make_finding("PF-004", dir + "/" + d.name, w.error().message()));
      undo();
      return;
    }
  }
  o.credentials_dir = dir;
}

std::string basename_of(const std::string& p) { return p.substr(p.rfind('/') + 1); }

// Everything short of the exec: gather, explain, decrypt.
Outcome plan(const PreflightArgs& a) {
  Outcome o;
  auto self = probe::gather_self();
  if (!self) {
    o.rc = subject_error(self.error(), "cfgprobe preflight ...");
    return o;
  }
  probe::PreflightPlan p;
  p.now = probe::creds_of(self->subject);
  p.switched = p.now;
  std::string who = "uid " + std::to_string(p.now.uid.effective);
  if (!a.user.empty()) {
    auto colon = a.user.find(':');
    probe::SyntheticSpec spec;
    spec.user = a.user.substr(0, colon);
    auto u = probe::make_synthetic_subject(spec);  // the login groups
    if (colon != std::string::npos) spec.group = a.user.substr(colon + 1);
    auto ug = colon == std::string::npos ? u : probe::make_synthetic_subject(spec);
    if (!u || !ug) {
      o.rc = fail(kExitUsage, (!u ? u : ug).error().message(), "--user NAME|UID[:GROUP|GID]");
      return o;
    }
    uint32_t uid = ug->uid.effective, gid = ug->gid.effective;
    p.user_switch = true;
    probe::Creds c = p.now;
    c.groups = u->groups;
    c = probe::after_setresgid(c, gid, gid, gid);
    p.switched = probe::after_setresuid(c, uid, uid, uid);
    who = ug->user_name.value_or("uid " + std::to_string(uid));
  }
  probe::Subject switched = probe::with_creds(self->subject, p.switched);
  switched.kind = probe::SubjectKind::Synthetic;
  switched.root = switched.root_handle = "/";
  auto fs = probe::RealFs::open("/");
  if (!fs) {
    o.rc = fail(kExitSubject, fs.error().message());
    return o;
  }
  probe::SystemFacts sys = probe::gather_system();
  const char* path_env = std::getenv("PATH");
  p.command = probe::find_command(switched, **fs, sys, a.command.empty() ? std::string() : a.command[0],
                                  path_env ? std::optional<std::string>(path_env) : std::nullopt);
  if (p.command.file) p.exec = probe::after_execve(p.switched, *p.command.file, probe::running_setid_rule());
  else p.exec.creds = p.switched;
  // The app as it will be after the exec: the subject of every check.
  probe::Subject app = probe::with_creds(self->subject, p.exec.err == 0 ? p.exec.creds : p.switched);
  app.kind = probe::SubjectKind::Synthetic;
  app.pid.reset();
  app.comm = a.command.empty() ? "(no command)" : basename_of(a.command[0]);
  app.exe = p.command.resolved;
  app.cmdline = a.command;
  app.user_name = who;
  app.root = app.root_handle = "/";  // preflight runs in the app's own root
  app.own_mount_ns = false;
  o.report.subject = app;
  probe::add_subject_names(o.report.names, app);
  add(o, probe::explain_preflight(p, o.report.names));
  // cfgprobe's own binary deleted or replaced under it (an image layer or
  // package upgraded in place): worth a warning, never a reason to stop.
  for (auto& f : probe::explain_exe(self->subject, probe::gather_exe(*self)))
    if (f.id == "EXE-001" || f.id == "EXE-002") o.report.findings.push_back(std::move(f));

  auto session = probe::Session::start(app, nullptr, {});
  if (!session) {
    o.rc = subject_error(session.error(), "cfgprobe preflight ...");
    return o;
  }
  // --wait: for the keys and the files to decrypt (configs are not waited for).
  std::vector<DecryptSpec> specs;
  for (const auto& d : a.decrypts) {
    auto spec = parse_decrypt(d);
    if (!spec) {
      o.rc = fail(kExitUsage, "bad --decrypt " + quoted(d), "--decrypt FILE.age or FILE.age=NAME (NAME: a file name)");
      return o;
    }
    specs.push_back(*spec);
  }
  if (!specs.empty() && a.keys.empty()) {
    o.rc = fail(kExitUsage, "--decrypt needs the identity: --key DESC", "cfgprobe preflight --key DESC --decrypt FILE.age -- app");
    return o;
  }
  if (!a.wait.empty()) {
    auto limit = parse_duration(a.wait);
    if (!limit) {
      o.rc = fail(kExitUsage, "not a duration: " + quoted(a.wait), "--wait 500ms, 30s, 2m or 1h");
      return o;
    }
    Wanted w{a.keys, "", {}};
    for (const auto& s : specs) w.files.push_back(s.file);
    if (auto m = wait_for(w, *limit); !m.empty()) {
      o.rc = fail(kExitWaitTimeout, "gave up after " + a.wait + ": still missing: " + join_and(m),
                  "add the key with keyctl padd user DESC @u, or wait longer");
      return o;
    }
  }
  for (size_t i = 0; i < a.configs.size(); ++i) {
    o.report.targets.push_back((*session)->probe({a.configs[i], "given with --config"}));
    add(o, probe::explain_target(app, (*session)->names(), o.report.targets.back(), static_cast<int>(i)));
  }
  o.report.names = (*session)->names();
  probe::add_subject_names(o.report.names, app);
  std::vector<probe::age::Identity> ids;
  if (!a.keys.empty()) ids = load_identities(a, self->subject, !specs.empty(), o);
  if (o.rc == kExitOk && !has_error(o) && !specs.empty()) decrypt_all(a, specs, ids, p.exec.creds, o);

  nlohmann::ordered_json& x = o.extra;
  x["command"] = a.command;
  x["resolved"] = p.command.resolved.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(p.command.resolved);
  x["user_switch"] = p.user_switch;
  x["capabilities_now"] = probe::cap_names(p.now.caps.effective);
  x["capabilities_at_exec"] = {{"effective", probe::cap_names(p.exec.creds.caps.effective)},
                               {"permitted", probe::cap_names(p.exec.creds.caps.permitted)},
                               {"ambient", probe::cap_names(p.exec.creds.caps.ambient)}};
  x["credentials_directory"] = o.credentials_dir.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(o.credentials_dir);
  o.report.notes.push_back("command: " + (p.command.resolved.empty() ? a.command.empty() ? "(none)" : a.command[0] + " (not runnable)" : p.command.resolved) +
                           ", as " + who + "; effective capabilities after exec: " +
                           probe::describe_caps(p.exec.creds.caps.effective));
  if (o.rc == kExitOk && has_error(o)) o.rc = kExitDenied;
  if (o.rc == kExitOk) {
    o.exec_path = p.command.resolved;
    if (p.user_switch) o.drop_to = p.switched;
    o.summary = "cfgprobe: preflight ok: " + std::to_string(a.configs.size()) + " config(s) readable by " + who +
                (o.credentials_dir.empty() ? "" : ", " + std::to_string(specs.size()) + " credential(s) in " + o.credentials_dir) +
                "; exec " + p.command.resolved;
  }
  return o;
}

std::string render(const Outcome& o, const OutputOptions& out) {
  if (out.format != "json") return probe::render_text(o.report, {false});
  auto j = nlohmann::ordered_json::parse(probe::render_json(o.report));
  j["preflight"] = o.extra;
  return j.dump(2, ' ', true) + "\n";
}

// Writes the report where it was asked for; stderr by default.
void emit(const Outcome& o, const PreflightArgs& a) {
  std::string text = render(o, a.out);
  if (a.report.empty()) {
    std::cerr << text << std::flush;
    return;
  }
  std::ofstream f(a.report, std::ios::trunc);
  f << text;
  if (!f) fail(kExitDenied, "cannot write the report to " + a.report);
}

// Removes a directory cfgprobe made and the files it put in it.
void remove_flat(const std::string& dir) {
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..")
        ::unlinkat(::dirfd(d), e->d_name, 0);
    ::closedir(d);
  }
  ::rmdir(dir.c_str());
}

// setgroups, setresgid, setresuid - each checked, and read back.
bool drop(const probe::Creds& c) {
  std::vector<gid_t> groups(c.groups.begin(), c.groups.end());
  if (::setgroups(groups.size(), groups.data()) != 0) return false;
  if (::setresgid(c.gid.real, c.gid.effective, c.gid.saved) != 0) return false;
  if (::setresuid(c.uid.real, c.uid.effective, c.uid.saved) != 0) return false;
  uid_t r = 0, e = 0, s = 0;
  gid_t gr = 0, ge = 0, gs = 0;
  return ::getresuid(&r, &e, &s) == 0 && ::getresgid(&gr, &ge, &gs) == 0 && r == c.uid.real && e == c.uid.effective &&
         s == c.uid.saved && gr == c.gid.real && ge == c.gid.effective && gs == c.gid.saved;
}

int run_preflight(const PreflightArgs& a) {
  if (a.command.empty()) return fail(kExitUsage, "no command to run", "cfgprobe preflight [OPTIONS] -- COMMAND [ARG...]");
  std::string exec_path, creds_dir, summary;
  std::optional<probe::Creds> drop_to;
  {
    Outcome o = plan(a);
    if (o.rc == kExitOk && o.exec_path.empty()) o.rc = kExitDenied;
    if (o.rc != kExitOk) {
      if (!o.report.subject.comm.empty()) emit(o, a);
      return o.rc;
    }
    if (!a.report.empty()) emit(o, a);
    exec_path = o.exec_path;
    creds_dir = o.credentials_dir;
    drop_to = o.drop_to;
    summary = o.summary;
  }  // every fd cfgprobe opened is closed here (and all are O_CLOEXEC)
  if (drop_to && !drop(*drop_to)) {
    int e = errno;
    if (!creds_dir.empty()) remove_flat(creds_dir);  // nothing stays behind for a command that never runs
    return fail(kExitDenied, "PF-005: " + probe::Error{e, "switching to uid " + std::to_string(drop_to->uid.effective)}.message(),
                "cfgprobe explain PF-005");
  }
  if (!creds_dir.empty()) ::setenv("CREDENTIALS_DIRECTORY", creds_dir.c_str(), 1);
  if (a.verbose) std::cerr << summary << "\n" << std::flush;
  std::vector<char*> argv;
  for (const auto& s : a.command) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  ::execve(exec_path.c_str(), argv.data(), environ);
  return fail(kExitDenied, probe::errno_error("execve " + exec_path).message() + " (the checks said it would run)",
              "cfgprobe explain VFY-001");
}

}  // namespace

void register_preflight(CLI::App& app, int& rc, const std::vector<std::string>& command) {
  auto a = std::make_shared<PreflightArgs>();
  a->command = command;
  auto* sub = app.add_subcommand("preflight", "container entrypoint: check as the app will run, decrypt, then exec it");
  sub->add_option("--user", a->user, "run the command as USER[:GROUP] (NAME or number)");
  sub->add_option("--config", a->configs, "a config the app must be able to read (repeatable)");
  sub->add_option("--key", a->keys, "a keyring key (user type) holding an age identity (repeatable)");
  sub->add_option("--decrypt", a->decrypts, "FILE.age[=NAME]: decrypt into $CREDENTIALS_DIRECTORY/NAME (repeatable)");
  sub->add_option("--wait", a->wait, "wait up to DURATION (500ms, 30s, 2m) for the keys and files to appear");
  sub->add_option("--report", a->report, "write the report to FILE instead of stderr");
  sub->add_flag("--verbose", a->verbose, "one line to stderr on success");
  add_output_options(*sub, a->out);
  sub->footer("After the options: -- COMMAND [ARG...], the app to exec.");
  sub->callback([a, &rc] { rc = run_preflight(*a); });
}

}  // namespace cfgprobe
