#include "scmp_profile.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace scmptest {
namespace {

using nlohmann::json;

uint32_t action_of(const std::string& a, int errno_ret) {
  if (a == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (a == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(static_cast<uint16_t>(errno_ret));
  if (a == "SCMP_ACT_KILL" || a == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL;
  if (a == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (a == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (a == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(static_cast<uint16_t>(errno_ret));
  if (a == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  return SCMP_ACT_KILL_PROCESS;
}

scmp_compare op_of(const std::string& op) {
  if (op == "SCMP_CMP_NE") return SCMP_CMP_NE;
  if (op == "SCMP_CMP_LT") return SCMP_CMP_LT;
  if (op == "SCMP_CMP_LE") return SCMP_CMP_LE;
  if (op == "SCMP_CMP_GE") return SCMP_CMP_GE;
  if (op == "SCMP_CMP_GT") return SCMP_CMP_GT;
  if (op == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
  return SCMP_CMP_EQ;
}

uint32_t arch_of(const std::string& a) {
  if (a == "SCMP_ARCH_X86") return SCMP_ARCH_X86;
  if (a == "SCMP_ARCH_X32") return SCMP_ARCH_X32;
  if (a == "SCMP_ARCH_X86_64") return SCMP_ARCH_X86_64;
  return 0;
}

bool has_any(const json& list, const std::set<std::string>& have) {
  for (const auto& c : list)
    if (have.count(c.get<std::string>())) return true;
  return false;
}

bool has_all(const json& list, const std::set<std::string>& have) {
  for (const auto& c : list)
    if (!have.count(c.get<std::string>())) return false;
  return true;
}

// moby/profiles seccomp: includes/excludes by caps and arches (we are amd64;
// minKernel is always met on the kernels we test on).
bool applies(const json& rule, const std::set<std::string>& caps) {
  const std::set<std::string> arch{"amd64"};
  if (rule.contains("includes") && rule["includes"].is_object()) {
    const auto& in = rule["includes"];
    if (in.contains("caps") && !has_all(in["caps"], caps)) return false;
    if (in.contains("arches") && !has_any(in["arches"], arch)) return false;
  }
  if (rule.contains("excludes") && rule["excludes"].is_object()) {
    const auto& ex = rule["excludes"];
    if (ex.contains("caps") && has_any(ex["caps"], caps)) return false;
    if (ex.contains("arches") && has_any(ex["arches"], arch)) return false;
  }
  return true;
}

void add_rule(scmp_filter_ctx ctx, const json& rule, int default_errno) {
  int errno_ret = rule.value("errnoRet", default_errno);
  uint32_t act = action_of(rule.value("action", "SCMP_ACT_ALLOW"), errno_ret);
  std::vector<scmp_arg_cmp> args;
  if (rule.contains("args") && rule["args"].is_array())
    for (const auto& a : rule["args"])
      args.push_back({a["index"].get<unsigned>(), op_of(a["op"].get<std::string>()), a["value"].get<uint64_t>(),
                      a.value("valueTwo", uint64_t{0})});
  for (const auto& n : rule["names"]) {
    int nr = seccomp_syscall_resolve_name(n.get<std::string>().c_str());
    if (nr == __NR_SCMP_ERROR) continue;  // unknown to this libseccomp: runc skips it too
    // Errors (an action equal to the default, a conflicting rule) are
    // skipped as runc does.
    if (seccomp_rule_add_array(ctx, act, nr, static_cast<unsigned>(args.size()), args.data()) != 0)
      for (const auto& one : args) seccomp_rule_add_array(ctx, act, nr, 1, &one);
  }
}

}  // namespace

std::set<std::string> docker_default_caps() {
  return {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
          "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"};
}

scmp_filter_ctx profile_to_ctx(const std::string& json_text, const std::set<std::string>& caps, std::string* err) {
  json p = json::parse(json_text, nullptr, false);
  if (p.is_discarded()) {
    *err = "bad JSON";
    return nullptr;
  }
  int default_errno = p.value("defaultErrnoRet", 1);
  scmp_filter_ctx ctx = seccomp_init(action_of(p.value("defaultAction", "SCMP_ACT_ALLOW"), default_errno));
  if (ctx == nullptr) {
    *err = "seccomp_init";
    return nullptr;
  }
  for (const auto& m : p.value("archMap", json::array()))
    if (m.value("architecture", "") == "SCMP_ARCH_X86_64")
      for (const auto& sub : m.value("subArchitectures", json::array()))
        if (uint32_t a = arch_of(sub.get<std::string>()); a != 0) seccomp_arch_add(ctx, a);
  for (const auto& rule : p["syscalls"])
    if (applies(rule, caps)) add_rule(ctx, rule, default_errno);
  return ctx;
}

probe::BpfProgram export_bpf(scmp_filter_ctx ctx) {
  int fd = memfd_create("bpf", MFD_CLOEXEC);
  probe::BpfProgram out;
  if (fd < 0 || seccomp_export_bpf(ctx, fd) != 0) return out;
  off_t size = lseek(fd, 0, SEEK_CUR);
  std::vector<probe::BpfInsn> raw(static_cast<size_t>(size) / 8);
  for (size_t i = 0; i < raw.size(); ++i) {
    uint8_t b[8];
    if (pread(fd, b, 8, static_cast<off_t>(i * 8)) != 8) break;
    raw[i] = {static_cast<uint16_t>(b[0] | b[1] << 8), b[2], b[3],
              static_cast<uint32_t>(b[4] | b[5] << 8 | b[6] << 16 | static_cast<uint32_t>(b[7]) << 24)};
  }
  close(fd);
  return raw;
}

std::string read_testdata(const std::string& name) {
  const char* root = std::getenv("CFGPROBE_SOURCE_ROOT");
  std::string dir = root ? std::string(root) + "/../shared/testdata/seccomp/" : "../shared/testdata/seccomp/";
  std::ifstream in(dir + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace scmptest
