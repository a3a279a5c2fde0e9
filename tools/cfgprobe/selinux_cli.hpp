// The SELinux options shared by check and inspect (CLI11 wiring only).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "probe/selinux.hpp"

namespace cfgprobe {

struct SelinuxArgs {
  std::string context, policy, file_contexts, mode;
};

inline void add_selinux_options(CLI::App& app, SelinuxArgs& a) {
  app.add_option("--context", a.context, "SELinux context of the subject (what if it ran as CTX)");
  app.add_option("--selinux-policy", a.policy,
                 "decide offline with this binary policy (default: the kernel; without SELinux, the configured policy.N)");
  app.add_option("--file-contexts", a.file_contexts, "file_contexts for label drift (default: the policy's)");
  app.add_option("--selinux-mode", a.mode, "enforcing | permissive (default: the kernel's, else /etc/selinux/config)")
      ->check(CLI::IsMember({"enforcing", "permissive"}));
}

inline probe::SelinuxOptions selinux_options(const SelinuxArgs& a) {
  probe::SelinuxOptions o;
  if (!a.context.empty()) o.context = a.context;
  if (!a.policy.empty()) o.policy = a.policy;
  if (!a.file_contexts.empty()) o.file_contexts = a.file_contexts;
  if (!a.mode.empty()) o.mode = a.mode == "permissive" ? probe::SelinuxMode::Permissive : probe::SelinuxMode::Enforcing;
  return o;
}

inline std::string selinux_hint(const probe::Error& e) {
  if (e.context.find("malformed") != std::string::npos)
    return "a context is user:role:type[:level], e.g. system_u:system_r:httpd_t:s0";
  if (e.context.find("not valid in the policy") != std::string::npos)
    return "list the policy's types and roles: seinfo -t POLICY; seinfo -r ROLE -x POLICY";
  if (e.context.find("file_contexts") != std::string::npos)
    return "--file-contexts FILE: a file_contexts file, e.g. /etc/selinux/default/contexts/files/file_contexts";
  return "--selinux-policy FILE: a binary kernel policy, e.g. /etc/selinux/default/policy/policy.33";
}

}  // namespace cfgprobe
