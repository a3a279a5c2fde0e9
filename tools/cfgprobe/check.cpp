// cfgprobe check [--user] [--group] [--groups] [--caps] [--root] [--verify] [--format] PATH...
#include "cli.hpp"
#include "probe/caps.hpp"
#include "probe/probe.hpp"

namespace cfgprobe {
namespace {

struct CheckArgs {
  probe::SyntheticSpec spec;
  std::string group, groups;
  bool group_set = false, groups_set = false;
  std::vector<std::string> paths;
  bool verify = false;
  OutputOptions out;
};

int run_check(CheckArgs& a) {
  if (a.group_set) a.spec.group = a.group;
  if (a.groups_set) a.spec.groups = a.groups;
  if (auto caps = probe::parse_cap_list(a.spec.caps); !caps)
    return fail(kExitUsage, caps.error().context, "valid names: none, all, " + probe::valid_cap_names());
  auto s = probe::make_synthetic_subject(a.spec);
  if (!s) return fail(kExitUsage, s.error().message(), "give a user or group that exists, or a number");
  std::vector<probe::TargetRequest> targets;
  for (const auto& p : a.paths) targets.push_back({p, "given"});
  auto report = probe::probe_access(*s, targets, {a.verify}, nullptr);
  if (!report) return fail(kExitSubject, report.error().message(), "check --root DIR");
  return emit_report(*report, a.out);
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
  sub->add_option("paths", a->paths, "paths to check")->required();
  sub->add_flag("--verify", a->verify, "also ask the kernel: open each path as this user (root)");
  add_output_options(*sub, a->out);
  sub->callback([a, &rc] { rc = run_check(*a); });
}

}  // namespace cfgprobe
