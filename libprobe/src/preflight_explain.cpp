// explain for preflight (pure): the command the app becomes, and the
// capabilities it has or loses across the user switch and the exec.
#include <bit>
#include <cerrno>

#include "probe/caps.hpp"
#include "probe/preflight.hpp"

namespace probe {

Creds creds_of(const Subject& s) {
  Creds c;
  c.uid = s.uid;
  c.gid = s.gid;
  c.caps = s.caps;
  c.groups = s.groups;
  c.securebits = s.securebits.value_or(0);
  c.no_new_privs = s.no_new_privs.value_or(false);
  return c;
}

Subject with_creds(const Subject& base, const Creds& c) {
  Subject s = base;
  s.uid = c.uid;
  s.gid = c.gid;
  s.groups = c.groups;
  s.caps = c.caps;
  s.securebits = c.securebits;
  s.no_new_privs = c.no_new_privs;
  return s;
}

namespace {

std::string upper_caps(uint64_t set) {
  std::string out;
  for (const auto& n : cap_names(set)) {
    std::string u;
    for (char ch : n) u += static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
    out += (out.empty() ? "" : " ") + u;
  }
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
  return out;
}

void command_findings(const PreflightPlan& p, const Names& names, std::vector<Finding>& out) {
  const CommandFacts& c = p.command;
  if (!c.resolved.empty()) return;
  Subject s = with_creds(Subject{}, p.switched);
  if (c.walk.err == EACCES || c.noexec_mount) {
    const Step* bad = nullptr;
    for (const auto& st : c.walk.steps)
      if (st.primary) bad = &st;
    std::string why;
    std::vector<Fix> fixes;
    if (c.noexec_mount && c.walk.err == 0) {
      why = c.walk.resolved + " is on a file system mounted noexec";
      fixes.push_back({"mount -o remount,exec MOUNTPOINT", "or install the program on another file system"});
    } else if (bad != nullptr && bad->inode && !bad->inode->is_reg() && bad->need == Need::Exec) {
      why = bad->path + " is a " + type_name(bad->inode->mode) + ", not a regular file";
    } else if (bad != nullptr) {
      why = (bad->need == Need::Exec ? "no execute permission on " : "no search permission on ") + bad->path +
            " for uid " + names.user(p.switched.uid.fs) + ": " + describe_step(s, names, *bad);
      fixes.push_back({"chmod o+x " + bad->path, "every user may run it / pass through"});
    }
    out.push_back(make_finding("PF-002", c.tried.empty() ? c.name : c.walk.path, why, fixes));
    return;
  }
  if (c.walk.err == ENOENT || c.walk.err == ENOTDIR || c.name.empty()) {
    out.push_back(make_finding("PF-001", c.name,
                               c.name.empty() ? std::string("no command after --")
                                              : "not found; looked at " + joined(c.tried),
                               {{"cfgprobe preflight ... -- /full/path/to/" + (c.name.empty() ? std::string("app") : c.name),
                                 "give the full path"}}));
    return;
  }
  out.push_back(make_finding("PF-002", c.name,
                             "execve() would fail: " + Error{c.walk.err, ""}.message() + " at " + c.walk.path));
}

void caps_findings(const PreflightPlan& p, std::vector<Finding>& out) {
  const std::string& bin = p.command.resolved.empty() ? p.command.name : p.command.resolved;
  const ExecResult& x = p.exec;
  if (x.err == EPERM && p.command.file && p.command.file->fcaps) {
    uint64_t missing = p.command.file->fcaps->permitted & ~x.creds.caps.permitted;
    out.push_back(make_finding("PF-003", bin,
                               "its file capabilities ask for " + describe_caps(p.command.file->fcaps->permitted) +
                                   " with the effective bit, but the bounding set lacks " + describe_caps(missing),
                               {{"docker run --cap-add=" + upper_caps(missing) + " ...", "adds it to the bounding set"},
                                {"setcap -r " + bin, "or run it without file capabilities"}}));
    return;
  }
  if (x.fcaps_ignored || x.setid_ignored || x.downgraded_by_nnp) {
    std::string why = x.fcaps_ignored ? "its file capabilities" : "its set-id bit";
    if (p.command.file && p.command.file->nosuid_mount) why += " are ignored: the file system is mounted nosuid";
    else if (p.switched.no_new_privs) why += " are ignored: no_new_privs is set";
    else why += " are ignored: they belong to another user namespace";
    out.push_back(make_finding("CAP-005", bin, why,
                               {{"allowPrivilegeEscalation: true", "Kubernetes securityContext: lets file caps apply"},
                                {"docker run --security-opt no-new-privileges=false ...", "Docker"}}));
  }
  uint64_t lost = p.now.caps.effective & ~x.creds.caps.effective;
  if (lost == 0) return;
  std::string why = "cfgprobe has " + describe_caps(lost) + " now; " + bin + " will not";
  if (p.user_switch && p.switched.uid.effective != 0 && p.now.uid.effective == 0)
    why += ": switching to uid " + std::to_string(p.switched.uid.effective) +
           " clears the permitted and effective sets, and there are no ambient or file capabilities to bring them back";
  else
    why += ": the exec keeps only ambient capabilities (and the binary's file capabilities)";
  // The fixes name the capabilities that matter for reading a config (the
  // least of them first), or the lost ones when they are few.
  uint64_t wanted = lost & cap_bit(kCapDacReadSearch);
  if (wanted == 0) wanted = lost & cap_bit(kCapDacOverride);
  if (wanted == 0 && std::popcount(lost) <= 3) wanted = lost;
  if (wanted != 0 && wanted != lost) why += " (" + describe_caps(wanted) + " among them)";
  std::vector<Fix> fixes{{"make the config readable by the app's user or group", "least privilege: no capability needed"}};
  if (wanted != 0) {
    std::string U = upper_caps(wanted);
    std::string first = cap_names(wanted).front();
    fixes.push_back({"AmbientCapabilities=" + U, "systemd, with User="});
    fixes.push_back({"RUN setcap " + first + "+ep " + bin,
                     "Docker: --cap-add does not reach a non-root USER; a file capability in the image does (no-new-privileges off)"});
    fixes.push_back({"securityContext: {capabilities: {add: [" + U + "]}, allowPrivilegeEscalation: true}",
                     "Kubernetes: with the file capability above; add alone gives a non-root user nothing"});
  }
  out.push_back(make_finding("CAP-004", bin, why, fixes));
}

}  // namespace

std::vector<Finding> explain_preflight(const PreflightPlan& p, const Names& names) {
  std::vector<Finding> out;
  command_findings(p, names, out);
  if (!p.command.resolved.empty()) caps_findings(p, out);
  return out;
}

}  // namespace probe
