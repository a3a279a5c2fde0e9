// render: JSON schema "cfgprobe/1" (shared/DESIGN.md). Fields may be added,
// never removed or renamed.
#include <cstring>
#include <nlohmann/json.hpp>

#include "probe/caps.hpp"
#include "probe/fs.hpp"
#include "apparmor_json.hpp"
#include "exe_json.hpp"
#include "keyring_json.hpp"
#include "seccomp_json.hpp"
#include "selinux_json.hpp"
#include "probe/render.hpp"

namespace probe {
namespace {

// ordered_json: "schema" first and fields in the documented order.
using json = nlohmann::ordered_json;

json ids(const IdSet& s) { return {{"real", s.real}, {"effective", s.effective}, {"saved", s.saved}, {"fs", s.fs}}; }

json id_map(const IdMap& m) {
  json a = json::array();
  for (const auto& r : m) a.push_back({{"inside", r.inside}, {"outside", r.outside}, {"count", r.count}});
  return a;
}

json subject_json(const Subject& s) {
  json j;
  j["pid"] = s.pid ? json(*s.pid) : json(nullptr);
  j["kind"] = s.kind == SubjectKind::Pid ? "pid" : s.kind == SubjectKind::Self ? "self" : "synthetic";
  j["comm"] = s.comm;
  j["exe"] = s.exe;
  j["cmdline"] = s.cmdline;
  j["uid"] = ids(s.uid);
  j["gid"] = ids(s.gid);
  j["groups"] = s.groups;
  j["caps"] = {{"effective", cap_names(s.caps.effective)}, {"permitted", cap_names(s.caps.permitted)},
               {"inheritable", cap_names(s.caps.inheritable)}, {"bounding", cap_names(s.caps.bounding)},
               {"ambient", cap_names(s.caps.ambient)}};
  j["securebits"] = s.securebits ? json(*s.securebits) : json(nullptr);
  j["no_new_privs"] = s.no_new_privs ? json(*s.no_new_privs) : json(nullptr);
  j["selinux"] = nullptr;
  j["seccomp"] = s.seccomp == SeccompMode::Filter ? "filter" : s.seccomp == SeccompMode::Strict ? "strict" : "disabled";
  j["user_namespace"] = {{"own", s.own_user_ns}, {"uid_map", id_map(s.uid_map)}, {"gid_map", id_map(s.gid_map)}};
  j["mount_namespace"] = {{"own", s.own_mount_ns}};
  j["root"] = s.root;
  j["cwd"] = s.cwd;
  j["unit"] = s.unit ? json(*s.unit) : json(nullptr);
  return j;
}

std::string octal(uint32_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", mode & 07777);
  return buf;
}

json step_json(const Report& r, const Step& st) {
  json j{{"path", st.path}, {"need", need_name(st.need)}, {"result", step_result_name(st.result)},
         {"primary", st.primary}};
  if (st.inode) {
    j["type"] = type_name(st.inode->mode);
    j["mode"] = octal(st.inode->mode);
    j["uid"] = st.inode->uid;
    j["gid"] = st.inode->gid;
    j["acl"] = st.inode->acl ? json(acl_to_short_text(*st.inode->acl)) : json(nullptr);
    if (st.inode->is_link()) j["target"] = st.inode->link_target;
  } else {  // every step carries every key (cfgprobe/1); null when unknown
    j["type"] = nullptr;
    j["mode"] = nullptr;
    j["uid"] = nullptr;
    j["gid"] = nullptr;
    j["acl"] = nullptr;
  }
  j["detail"] = describe_step(r.subject, r.names, st);
  json lsm = json::array();
  for (const auto& l : st.lsm)
    lsm.push_back({{"layer", layer_name(l.layer)}, {"object", l.object}, {"asked", l.asked},
                   {"denied", l.denied.empty() ? json(nullptr) : json(l.denied)}, {"enforced", l.enforced},
                   {"required", l.required}});
  j["lsm"] = lsm;
  return j;
}

json target_json(const Report& r, const Target& t) {
  const Walk& w = t.walk;
  json j{{"path", w.path}, {"resolved", w.resolved}, {"access", "read"}, {"source", t.source},
         {"verdict", verdict_name(w.verdict)}};
  j["denied_by"] = w.denied_by == Layer::None ? json(nullptr) : json(layer_name(w.denied_by));
  j["errno"] = w.err ? json(errno_name(w.err)) : json(nullptr);
  j["steps"] = json::array();
  for (const auto& st : w.steps) j["steps"].push_back(step_json(r, st));
  if (t.selinux)
    for (const auto& c : t.selinux->checks) j["steps"][static_cast<size_t>(c.step)]["selinux"] = selinux_check_to_json(c);
  if (t.apparmor) j["apparmor"] = apparmor_target_to_json(*t.apparmor);
  if (!t.kernel && !t.kernel_error.empty())  // --verify asked, but no honest kernel answer
    j["kernel"] = {{"errno", nullptr}, {"agrees", nullptr}, {"error", t.kernel_error}};
  if (t.kernel)
    j["kernel"] = {{"errno", t.kernel->err ? json(errno_name(t.kernel->err)) : json(nullptr)},
                   {"agrees", t.kernel->agrees}, {"how", t.kernel->how}};
  return j;
}

}  // namespace

std::string render_json(const Report& r) {
  json j;
  j["schema"] = "cfgprobe/1";
  j["subject"] = subject_json(r.subject);
  if (r.process.exe) j["subject"]["exe_probe"] = exe_to_json(*r.process.exe);
  if (r.process.seccomp) j["subject"]["seccomp_probe"] = seccomp_to_json(*r.process.seccomp);
  if (r.process.keyring) j["subject"]["keyring_probe"] = keyring_to_json(*r.process.keyring);
  if (r.process.selinux) {
    const SelinuxFacts& f = *r.process.selinux;
    j["subject"]["selinux"] = f.context.empty() ? json(nullptr) : json(f.context);
    j["subject"]["selinux_probe"] = selinux_facts_to_json(f);
  }
  if (r.process.apparmor) {
    j["subject"]["apparmor"] = r.process.apparmor->label.empty() ? json(nullptr) : json(r.process.apparmor->label);
    j["subject"]["apparmor_probe"] = apparmor_facts_to_json(*r.process.apparmor);
  }
  j["targets"] = json::array();
  for (const auto& t : r.targets) j["targets"].push_back(target_json(r, t));
  j["findings"] = json::array();
  for (const auto& f : r.findings) {
    json fix = json::array();
    for (const auto& x : f.fixes) fix.push_back(x.command);
    j["findings"].push_back({{"id", f.id}, {"severity", severity_name(f.severity)}, {"title", f.title},
                             {"object", f.object}, {"explanation", f.explanation}, {"fix", fix}});
  }
  j["notes"] = r.notes;
  auto v = report_verdict(r);
  j["verdict"] = v == ReportVerdict::Ok ? "ok" : v == ReportVerdict::Denied ? "denied" : "error";
  // Invalid UTF-8 from a file name is replaced, never a thrown exception.
  // ensure_ascii: nothing but printable ASCII, even when it goes to a
  // terminal; invalid UTF-8 from a file name is replaced, never thrown.
  return j.dump(2, ' ', true, json::error_handler_t::replace) + "\n";
}

}  // namespace probe
