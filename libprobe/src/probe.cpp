// The gather -> explain -> report pipeline for one run.
#include "probe/probe.hpp"

#include <sys/stat.h>

#include <array>

#include "probe/fs.hpp"
#include "probe/verify.hpp"

namespace probe {
namespace {

bool exists_on_host(const std::string& path) {
  struct stat st{};
  return !path.empty() && path[0] == '/' && ::lstat(path.c_str(), &st) == 0;
}

void verify_target(const Subject& s, Target& t) {
  auto k = kernel_open(s, t.walk.path);
  if (!k) {
    t.kernel_error = k.error().message();
    return;
  }
  k->agrees = k->err == t.walk.err;
  t.kernel = *k;
}

}  // namespace

Result<Report> probe_access(const Subject& s, const std::vector<TargetRequest>& targets,
                            const ProbeOptions& opt, const LiveSubject* live) {
  auto fs = live ? RealFs::open_at(live->proc_dir.get(), "root") : RealFs::open(s.root_handle);
  if (!fs) return fs.error();
  Report r;
  r.subject = s;
  SystemFacts sys = gather_system();
  bool other_root = s.own_mount_ns || s.root != "/";
  for (const auto& req : targets) {
    Target t{resolve_access(s, **fs, sys, req.path), req.source};
    if (t.walk.verdict == Verdict::Missing && other_root) t.exists_on_host = exists_on_host(req.path);
    r.targets.push_back(std::move(t));
  }
  std::vector<const Walk*> walks;
  for (const auto& t : r.targets) walks.push_back(&t.walk);
  r.names = gather_names(s, walks);
  if (opt.verify)
    for (auto& t : r.targets) verify_target(s, t);
  // Everything above must describe one process (pid reuse, exit mid-probe).
  if (live)
    if (auto same = live->still_same(); !same) return same.error();
  explain_report(r);
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
