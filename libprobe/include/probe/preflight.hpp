// cfgprobe preflight: the app's credentials after the user switch and the
// exec, the command it will exec, and what is lost on the way. gather finds
// the command and its binary's facts; explain is pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probe/access.hpp"
#include "probe/exec_caps.hpp"
#include "probe/finding.hpp"
#include "probe/fs.hpp"
#include "probe/report.hpp"
#include "probe/subject.hpp"

namespace probe {

// The command as execvp() would find it, judged for the switched subject.
struct CommandFacts {
  std::string name;                  // as given after --
  std::string resolved;              // the path execve() gets ("" when not found)
  std::vector<std::string> tried;    // PATH candidates looked at, in order
  Walk walk;                         // resolve_exec() of resolved (or the last candidate)
  std::optional<ExecFile> file;      // the binary (links followed)
  bool noexec_mount = false;         // MNT_NOEXEC: execve() is EACCES
  std::string file_error;            // the binary's facts could not be read
};

// gather: execvp()'s search (a name with '/' as is; else each PATH entry,
// an empty entry meaning the cwd; glibc's default "/bin:/usr/bin" when PATH
// is unset). A candidate the subject cannot reach is remembered and the
// search goes on, as execvp() does on EACCES.
CommandFacts find_command(const Subject& switched, const FsView& fs, const SystemFacts& sys, const std::string& name,
                          const std::optional<std::string>& path_env);

struct PreflightPlan {
  Creds now;        // cfgprobe's own credentials
  Creds switched;   // after setgroups/setresgid/setresuid
  ExecResult exec;  // after execve() of the command
  CommandFacts command;
  bool user_switch = false;
};

// Creds of a gathered subject (self), and a Subject with a plan's credentials.
Creds creds_of(const Subject& s);
Subject with_creds(const Subject& base, const Creds& c);

// explain: the command and capability findings (pure).
std::vector<Finding> explain_preflight(const PreflightPlan& p, const Names& names);

}  // namespace probe
