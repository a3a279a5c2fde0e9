// cfgprobe inspect PID|self [PATH...] [--config PATH]... [--verify] [--format]
#include <fcntl.h>

#include <charconv>
#include <optional>

#include "cli.hpp"
#include "probe/exe.hpp"
#include "probe/probe.hpp"
#include "selinux_cli.hpp"

namespace cfgprobe {
namespace {

struct InspectArgs {
  std::string who;
  std::vector<std::string> paths, configs;
  bool verify = false;
  std::vector<std::string> keys;
  SelinuxArgs selinux;
  OutputOptions out;
};

// Too little privilege to inspect pid: the exact ptrace rule that said no
// (EXE-008), from what /proc still shows to an unprivileged reader.
std::optional<std::string> ptrace_denial(int pid) {
  probe::UniqueFd dir(::open(("/proc/" + std::to_string(pid)).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return std::nullopt;
  for (const auto& f : probe::explain_exe(probe::Subject{}, probe::gather_exe_at(dir.get(), pid)))
    if (f.id == "EXE-008") return f.id + ": " + f.explanation;
  return std::nullopt;
}

int run_inspect(const InspectArgs& a) {
  std::string rerun = "cfgprobe inspect " + a.who;
  probe::Result<probe::LiveSubject> live = probe::make_error(EINVAL, "");
  if (a.who == "self") {
    live = probe::gather_self();
  } else {
    int pid = 0;
    auto [p, ec] = std::from_chars(a.who.data(), a.who.data() + a.who.size(), pid);
    if (ec != std::errc() || p != a.who.data() + a.who.size() || pid <= 0)
      return fail(kExitUsage, "not a pid: \"" + a.who + "\"", "cfgprobe inspect PID|self [PATH...]");
    live = probe::gather_subject(pid);
    if (!live && (live.error().code == EACCES || live.error().code == EPERM))
      if (auto why = ptrace_denial(pid)) return fail(kExitSubject, *why, "run it as root: sudo " + rerun);
  }
  if (!live) return subject_error(live.error(), rerun);
  std::vector<probe::TargetRequest> targets;
  for (const auto& p : a.paths) targets.push_back({p, "given"});
  for (const auto& p : a.configs) targets.push_back({p, "given with --config"});
  std::vector<std::string> notes;
  if (targets.empty()) {
    targets = probe::discover_configs(live->subject.cmdline);
    notes.push_back(targets.empty()
                        ? "no config path given, and none found on its command line (--config, -c, --config-file)"
                        : "no config path given: found " + std::to_string(targets.size()) + " on its command line");
  }
  auto sel = probe::open_selinux_layer(selinux_options(a.selinux), &*live);
  if (!sel) return fail(kExitUsage, sel.error().message(), selinux_hint(sel.error()));
  probe::ProbeOptions opt;  // by name: the layers keep adding fields
  opt.verify = a.verify;
  opt.selinux = *sel;
  opt.keys = a.keys;
  return run_targets(live->subject, &*live, targets, opt, a.out, notes, rerun);
}

}  // namespace

void register_inspect(CLI::App& app, int& rc) {
  auto a = std::make_shared<InspectArgs>();
  auto* sub = app.add_subcommand("inspect", "check a running process's access to its config files");
  sub->add_option("pid", a->who, "PID or self")->required();
  sub->add_option("paths", a->paths, "config paths, as the process names them");
  sub->add_option("--config", a->configs, "a config path (repeatable)");
  sub->add_flag("--verify", a->verify, "also ask the kernel: open each path as the process (root)");
  sub->add_option("--key", a->keys, "a kernel keyring key (user type) the process needs, by description (repeatable)");
  add_selinux_options(*sub, a->selinux);
  add_output_options(*sub, a->out);
  sub->callback([a, &rc] { rc = run_inspect(*a); });
}

}  // namespace cfgprobe
