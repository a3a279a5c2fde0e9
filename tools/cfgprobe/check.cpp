// cfgprobe check [--user] [--group] [--groups] [--caps] [--root] [--verify] [--format] PATH...
#include <fstream>
#include <iostream>

#include "cli.hpp"
#include "probe/caps.hpp"
#include "probe/probe.hpp"
#include "selinux_cli.hpp"

namespace cfgprobe {
namespace {

struct CheckArgs {
  probe::SyntheticSpec spec;
  std::string group, groups;
  bool group_set = false, groups_set = false;
  std::vector<std::string> paths;
  std::string paths_from;
  bool verify = false;
  SelinuxArgs selinux;
  std::string apparmor_profile;  // --apparmor-profile; "" none
  OutputOptions out;
};

// One path a line; "-" is stdin. Lines are taken as they are (a path may
// hold spaces), only the newline is removed.
probe::Result<std::vector<probe::TargetRequest>> read_paths(const std::string& file) {
  std::ifstream f;
  if (file != "-") {
    f.open(file);
    if (!f) return probe::errno_error("cannot read " + file);
  }
  std::istream& in = file == "-" ? std::cin : f;
  std::vector<probe::TargetRequest> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back({line, "from " + (file == "-" ? std::string("stdin") : file)});
  return out;
}

int run_check(CheckArgs& a) {
  if (a.group_set) a.spec.group = a.group;
  if (a.groups_set) a.spec.groups = a.groups;
  if (auto caps = probe::parse_cap_list(a.spec.caps); !caps)
    return fail(kExitUsage, caps.error().context, "valid names: none, all, " + probe::valid_cap_names());
  auto s = probe::make_synthetic_subject(a.spec);
  if (!s) return fail(kExitUsage, s.error().message(), "give a user or group that exists, or a number");
  std::vector<probe::TargetRequest> targets;
  for (const auto& p : a.paths) targets.push_back({p, "given"});
  if (!a.paths_from.empty()) {
    auto more = read_paths(a.paths_from);
    if (!more) return fail(kExitUsage, more.error().message(), "--paths-from FILE: one path a line, - for stdin");
    targets.insert(targets.end(), more->begin(), more->end());
  }
  if (targets.empty()) return fail(kExitUsage, "no path to check", "cfgprobe check [--user U] PATH...");
  auto sel = probe::open_selinux_layer(selinux_options(a.selinux), nullptr);
  if (!sel) return fail(kExitUsage, sel.error().message(), selinux_hint(sel.error()));
  probe::ProbeOptions opt;  // by name: the layers keep adding fields
  opt.verify = a.verify;
  opt.selinux = *sel;
  if (!a.apparmor_profile.empty())
    opt.apparmor = probe::open_apparmor_layer(nullptr, a.apparmor_profile);
  return run_targets(*s, nullptr, targets, opt, a.out, {}, "cfgprobe check ...");
}

}  // namespace

void register_check(CLI::App& app, int& rc) {
  auto a = std::make_shared<CheckArgs>();
  auto* sub = app.add_subcommand("check", "what if: could this user read these paths?");
  sub->add_option("--user", a->spec.user, "NAME or UID (default: you)");
  sub->add_option("--group", a->group, "primary group, NAME or GID")->each([a](const std::string&) { a->group_set = true; });
  sub->add_option("--groups", a->groups, "supplementary groups, comma list (default: the user's)")
      ->each([a](const std::string&) { a->groups_set = true; });
  sub->add_option("--caps", a->spec.caps, "none | all | cap_a,cap_b (effective)");
  sub->add_option("--root", a->spec.root, "resolve beneath this root directory");
  sub->add_option("paths", a->paths, "paths to check");
  sub->add_option("--paths-from", a->paths_from, "read more paths from FILE, one a line (- for stdin)");
  sub->add_flag("--verify", a->verify, "also ask the kernel: open each path as this user (root)");
  add_selinux_options(*sub, a->selinux);
  sub->add_option("--apparmor-profile", a->apparmor_profile, "as if confined by this loaded AppArmor profile (NAME, or a//&b)");
  add_output_options(*sub, a->out);
  sub->callback([a, &rc] { rc = run_check(*a); });
}

}  // namespace cfgprobe
