// render for seccomp: the lines of the subject block and the JSON fragment.
// Every string here is ours (syscall and errno names), none from the system.
#include <map>
#include <sstream>

#include "probe/seccomp.hpp"
#include "seccomp_json.hpp"

namespace probe {
namespace {

using Kind = SyscallVerdict::Kind;

const char* mode_name(SeccompMode m) {
  switch (m) {
    case SeccompMode::Disabled: return "disabled";
    case SeccompMode::Strict: return "strict";
    case SeccompMode::Filter: return "filter";
    case SeccompMode::Unknown: return "unknown";
  }
  return "?";
}

const char* dump_name(SeccompDump d) {
  switch (d) {
    case SeccompDump::NotFiltered: return "not_filtered";
    case SeccompDump::Dumped: return "dumped";
    case SeccompDump::NoPrivilege: return "no_privilege";
    case SeccompDump::InspectorFiltered: return "inspector_filtered";
    case SeccompDump::Exited: return "exited";
    case SeccompDump::Failed: return "failed";
  }
  return "?";
}

std::string paint(bool color, const SyscallVerdict& v, const std::string& s) {
  if (!color) return s;
  bool ok = v.kind == Kind::Exact && (v.action == SeccompAction::Allow || v.action == SeccompAction::Log);
  const char* c = ok ? "\033[32m" : v.kind == Kind::Exact ? "\033[1;31m" : "\033[33m";
  return c + s + "\033[0m";
}

// "allowed: open openat read; EPERM: keyctl add_key request_key" for one ABI.
std::string abi_line(const std::vector<SyscallVerdict>& vs, std::string_view abi, bool color) {
  std::vector<std::pair<std::string, std::string>> groups;  // outcome -> names, in first-seen order
  std::map<std::string, const SyscallVerdict*> first;
  for (const auto& v : vs) {
    if (v.sys.abi != abi) continue;
    std::string how = describe_verdict(v);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == how; });
    if (it == groups.end()) {
      groups.push_back({how, v.sys.name});
      first[how] = &v;
    } else {
      it->second += std::string(" ") + v.sys.name;
    }
  }
  std::string s;
  for (const auto& [how, names] : groups) s += (s.empty() ? "" : "; ") + paint(color, *first[how], how) + ": " + names;
  return s;
}

std::string head_line(const SeccompFacts& f) {
  std::string s = std::string("  seccomp  ") + mode_name(f.mode);
  if (f.mode != SeccompMode::Filter) return s + "\n";
  s += " (" + std::to_string(f.filter_count) + " stacked";
  if (f.dump == SeccompDump::Dumped) {
    s += ", instructions:";
    for (const auto& p : f.filters) s += " " + std::to_string(p.size());
  }
  return s + ")\n";
}

}  // namespace

std::string render_text_seccomp(const SeccompFacts& f, bool color) {
  std::string out = head_line(f);
  if (f.mode == SeccompMode::Disabled) return out;
  if (f.mode == SeccompMode::Strict) return out + "           only read, write, _exit and sigreturn: open and keyctl kill the process\n";
  if (f.dump != SeccompDump::Dumped) {
    std::string hint = f.dump == SeccompDump::NoPrivilege
                           ? "; run: sudo cfgprobe inspect " + (f.pid ? std::to_string(*f.pid) : std::string("PID"))
                           : "";
    std::string unknown = color ? "\033[33munknown\033[0m" : "unknown";
    return out + "           " + unknown + ": the filter could not be read (" + f.error.message() + ")" + hint + "\n";
  }
  auto vs = evaluate_seccomp(f);
  std::string native = abi_line(vs, "x86_64", color);
  out += "    x86_64 " + native + "\n";
  for (const char* abi : {"i386", "x32"}) {
    std::string l = abi_line(vs, abi, color);
    out += std::string("    ") + abi + (std::string_view(abi) == "x32" ? "    " : "   ") + (l == native ? "same as x86_64" : l) + "\n";
  }
  return out;
}

nlohmann::ordered_json seccomp_to_json(const SeccompFacts& f) {
  using json = nlohmann::ordered_json;
  json j;
  j["mode"] = mode_name(f.mode);
  j["filters"] = f.filter_count;
  j["dump"] = dump_name(f.dump);
  j["error"] = f.dump == SeccompDump::Dumped || f.dump == SeccompDump::NotFiltered ? json(nullptr) : json(f.error.message());
  json lens = json::array();
  for (const auto& p : f.filters) lens.push_back(p.size());
  j["instructions"] = lens;
  json calls = json::array();
  for (const auto& v : evaluate_seccomp(f)) {
    json c{{"name", v.sys.name}, {"abi", v.sys.abi}, {"nr", v.sys.nr}};
    c["result"] = v.kind == Kind::Exact ? "exact" : v.kind == Kind::DependsOnArgs ? "depends_on_arguments" : "unknown";
    c["action"] = v.kind == Kind::Exact ? json(seccomp_action_name(v.action)) : json(nullptr);
    c["errno"] = v.kind == Kind::Exact && v.err != 0 ? json(errno_name(v.err)) : json(nullptr);
    json dep = json::array();
    for (int i = 0; i < 6; ++i)
      if (v.depends & (1U << i)) dep.push_back("arg" + std::to_string(i));
    if (v.depends & kDependsOnIp) dep.push_back("instruction_pointer");
    c["depends_on"] = dep;
    json poss = json::array();
    for (uint32_t r : v.possible) poss.push_back(seccomp_action_name(seccomp_action_of(r)));
    c["possible"] = v.kind == Kind::DependsOnArgs ? poss : json::array();
    c["text"] = describe_verdict(v);
    calls.push_back(c);
  }
  j["syscalls"] = calls;
  return j;
}

}  // namespace probe
