// Printing a case and both answers, for the report of a mismatch.
#include <sys/stat.h>

#include "differential.hpp"
#include "probe/acl.hpp"
#include "probe/caps.hpp"
#include "probe/fs.hpp"

namespace probe::difftest {
namespace {

uint32_t type_bits(NodeType t) {
  switch (t) {
    case NodeType::Dir: return S_IFDIR;
    case NodeType::File: return S_IFREG;
    case NodeType::Link: return S_IFLNK;
    case NodeType::Fifo: return S_IFIFO;
  }
  return 0;
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  return s;
}

// Long paths (the PATH_MAX edge) are shown by their length and their end.
std::string show_path(const std::string& p) {
  if (p.size() <= 120) return "\"" + p + "\"";
  return "(" + std::to_string(p.size()) + " bytes) \"..." + p.substr(p.size() - 60) + "\"";
}

std::string ids(const IdSet& s) {
  std::string t = std::to_string(s.fs);
  if (s.real != s.fs || s.effective != s.fs || s.saved != s.fs)
    t += " (real " + std::to_string(s.real) + ", effective " + std::to_string(s.effective) + ", saved " +
         std::to_string(s.saved) + ", fs " + std::to_string(s.fs) + ")";
  return t;
}

std::string one_line(std::string map_text) {
  for (char& ch : map_text)
    if (ch == '\n') ch = ',';
  if (!map_text.empty()) map_text.pop_back();
  return "\"" + map_text + "\"";
}

void print_node(std::ostream& out, const Node& n) {
  static const char* types[] = {"dir", "file", "link", "fifo"};
  Inode shown;
  shown.mode = n.mode | type_bits(n.type);
  if (n.acl) shown.acl = Acl{};
  out << "    " << pad(n.path, 14) << " " << pad(types[static_cast<int>(n.type)], 5) << " "
      << pad(mode_string(shown), 11) << " " << n.uid << ":" << n.gid;
  if (n.acl) out << "  acl " << acl_text(n);
  if (n.type == NodeType::Link) out << "  -> " << n.target;
  out << "\n";
}

void print_subject(std::ostream& out, const SubjectSpec& s) {
  out << "  subject: uid " << ids(s.uid) << "  gid " << ids(s.gid) << "  groups ";
  for (size_t i = 0; i < s.groups.size(); ++i) out << (i ? "," : "") << s.groups[i];
  if (s.groups.empty()) out << "none";
  out << "\n           caps effective: " << describe_caps(s.effective)
      << "  permitted: " << describe_caps(s.permitted | s.effective) << "\n";
  if (!s.userns) {
    out << "           no user namespace (synthetic subject; its root and cwd are the tree)\n";
    return;
  }
  out << "           own user namespace (live holder chrooted into the tree): uid_map "
      << one_line(map_text(s.userns->uid_map)) << "  gid_map " << one_line(map_text(s.userns->gid_map))
      << "  setgroups " << (s.userns->setgroups_allow ? "allow" : "deny") << "\n";
}

const char* class_name(PermClass c) {
  switch (c) {
    case PermClass::Owner: return "owner";
    case PermClass::Group: return "group";
    case PermClass::Other: return "other";
    case PermClass::AclUser: return "acl user";
    case PermClass::AclGroupObj: return "acl group-obj";
    case PermClass::AclGroup: return "acl group";
    case PermClass::AclOther: return "acl other";
  }
  return "?";
}

std::string decision_text(const PermDecision& d) {
  std::string t = std::string(class_name(d.cls)) + " " + rwx(d.class_bits);
  if (d.mask_limited) t += ", limited by the mask";
  if (d.acl_skipped) t += ", ACL skipped (group bits 0)";
  if (d.cap_used >= 0) t += ", bypassed by " + cap_name(d.cap_used);
  if (d.cap_unmapped >= 0) t += ", " + cap_name(d.cap_unmapped) + " useless: owner unmapped";
  if (d.caps_not_effective) t += ", only permitted: " + describe_caps(d.caps_not_effective);
  return t;
}

void print_step(std::ostream& out, const Step& st) {
  out << "   " << (st.primary ? "* " : "  ") << pad(st.path.size() > 40 ? "..." + st.path.substr(st.path.size() - 37) : st.path, 16)
      << " " << pad(need_name(st.need), 7) << pad(step_result_name(st.result), 16);
  if (st.inode) {
    out << mode_string(*st.inode) << " " << st.inode->uid << ":" << st.inode->gid;
    if (st.inode->acl) out << " acl " << acl_to_short_text(*st.inode->acl);
  }
  if (st.need == Need::Follow)
    out << "  " << st.via << (st.sticky_parent ? "  (sticky world-writable parent owned by " + std::to_string(st.parent_uid) + ")" : "");
  else if (st.inode && st.result != StepResult::NotDir)
    out << "  [" << decision_text(st.decision) << "]";
  if (st.lookup_err != 0) out << "  lookup " << errno_name(st.lookup_err);
  out << "\n";
}

}  // namespace

std::string answer_name(int err) { return err == 0 ? "0 (success)" : errno_name(err); }

void print_case(std::ostream& out, const Case& c) {
  out << "  tree:\n";
  for (const Node& n : c.tree) print_node(out, n);
  print_subject(out, c.subject);
  out << "  fs.protected_symlinks = " << (c.protected_symlinks ? 1 : 0) << "\n";
  out << "  path: " << show_path(c.path) << "   (cwd " << c.cwd << ")\n";
}

void print_outcome(std::ostream& out, const Outcome& o) {
  if (!o.error.empty()) {
    out << "  harness error: " << o.error << "\n";
    return;
  }
  out << "  model: " << answer_name(o.walk.err) << "  (" << verdict_name(o.walk.verdict) << ", by "
      << layer_name(o.walk.denied_by) << ", " << o.walk.links_followed << " links followed)\n";
  // A loop repeats its steps 40 times: show the start and the end.
  const auto& steps = o.walk.steps;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps.size() > 40 && i == 20) {
      out << "     ... " << steps.size() - 30 << " more steps ...\n";
      i = steps.size() - 10;
    }
    print_step(out, steps[i]);
  }
  out << "  kernel: " << answer_name(o.kernel_err) << "  via " << o.kernel_how << "\n";
}

}  // namespace probe::difftest
