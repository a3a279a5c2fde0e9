// gather for preflight: execvp()'s search for the command, and the facts of
// the binary execve() will load (mode, owner, file capabilities, mount flags).
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/xattr.h>

#include <cerrno>

#include "probe/preflight.hpp"

namespace probe {
namespace {

struct Binary {
  std::optional<ExecFile> file;
  bool noexec = false;
  std::string error;
};

// The binary as the kernel will load it (links followed), as cfgprobe sees
// it: preflight runs in the app's own mount namespace.
Binary gather_binary(const std::string& path) {
  Binary b;
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) {
    b.error = Error{errno, "stat " + path}.message();
    return b;
  }
  ExecFile f{st.st_mode, st.st_uid, st.st_gid};
  uint8_t buf[64];
  ssize_t n = ::getxattr(path.c_str(), "security.capability", buf, sizeof buf);
  if (n >= 0) {
    auto caps = parse_file_caps({buf, static_cast<size_t>(n)});
    if (caps) f.fcaps = *caps;
    else b.error = caps.error().message();
  } else if (errno != ENODATA && errno != ENOTSUP) {
    b.error = Error{errno, "reading security.capability of " + path}.message();
  }
  struct statvfs vfs{};
  if (::statvfs(path.c_str(), &vfs) == 0) {
    f.nosuid_mount = (vfs.f_flag & ST_NOSUID) != 0;
    b.noexec = (vfs.f_flag & ST_NOEXEC) != 0;
  }
  b.file = f;
  return b;
}

std::vector<std::string> candidates(const std::string& name, const std::optional<std::string>& path_env) {
  if (name.find('/') != std::string::npos) return {name};
  std::string path = path_env.value_or("/bin:/usr/bin");
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    out.push_back(dir.empty() ? name : dir + "/" + name);  // "" is the cwd
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return out;
}

}  // namespace

SetidRule running_setid_rule() {
  struct utsname u{};
  if (::uname(&u) != 0) return SetidRule::EffectiveIds;
  return setid_rule_for(u.release);
}

CommandFacts find_command(const Subject& switched, const FsView& fs, const SystemFacts& sys, const std::string& name,
                          const std::optional<std::string>& path_env) {
  CommandFacts c;
  c.name = name;
  if (name.empty()) {
    c.walk = resolve_exec(switched, fs, sys, name);
    return c;
  }
  std::optional<CommandFacts> denied;
  for (const auto& cand : candidates(name, path_env)) {
    c.tried.push_back(cand);
    c.walk = resolve_exec(switched, fs, sys, cand);
    if (c.walk.err == ENOENT || c.walk.err == ENOTDIR) continue;
    Binary b = c.walk.err == 0 || c.walk.err == EACCES ? gather_binary(cand) : Binary{};
    c.file = b.file;
    c.file_error = b.error;
    c.noexec_mount = b.noexec;
    if (c.walk.err == 0 && !b.noexec) {
      c.resolved = cand;
      return c;
    }
    if (c.walk.err != EACCES && !b.noexec) return c;  // execvp() stops on other errors
    if (!denied) denied = c;  // execvp() goes on after EACCES, and reports it
  }
  if (denied) {
    auto tried = c.tried;
    c = *denied;
    c.tried = tried;
  }
  return c;
}

}  // namespace probe
