// gather for what-if subjects: user and group names through NSS.
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "probe/caps.hpp"
#include "probe/subject.hpp"

namespace probe {
namespace {

std::optional<uint32_t> as_number(std::string_view s) {
  uint32_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return n;
}

struct UserInfo {
  uint32_t uid = 0, gid = 0;
  std::optional<std::string> name;
};

Result<UserInfo> lookup_user(const std::string& spec) {
  struct passwd pw{}, *res = nullptr;
  char buf[8192];
  auto num = as_number(spec);
  int rc = num ? getpwuid_r(*num, &pw, buf, sizeof buf, &res) : getpwnam_r(spec.c_str(), &pw, buf, sizeof buf, &res);
  if (rc == 0 && res != nullptr) return UserInfo{pw.pw_uid, pw.pw_gid, std::string(pw.pw_name)};
  // A bare number with no passwd entry is still a valid what-if uid.
  if (num) return UserInfo{*num, *num, std::nullopt};
  return make_error(ENOENT, "no such user \"" + spec + "\"");
}

Result<uint32_t> lookup_group(const std::string& spec) {
  if (auto num = as_number(spec)) return *num;
  struct group gr{}, *res = nullptr;
  char buf[8192];
  if (getgrnam_r(spec.c_str(), &gr, buf, sizeof buf, &res) == 0 && res != nullptr) return uint32_t{gr.gr_gid};
  return make_error(ENOENT, "no such group \"" + spec + "\"");
}

Result<std::vector<uint32_t>> lookup_groups(std::string_view list) {
  std::vector<uint32_t> out;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string item(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (item.empty()) continue;
    auto g = lookup_group(item);
    if (!g) return g.error();
    out.push_back(*g);
  }
  return out;
}

// The groups a login of this user would get (initgroups(3)).
std::vector<uint32_t> login_groups(const std::string& name, uint32_t gid) {
  int n = 64;
  std::vector<gid_t> gs(static_cast<size_t>(n));
  while (getgrouplist(name.c_str(), gid, gs.data(), &n) < 0) gs.resize(static_cast<size_t>(n));
  gs.resize(static_cast<size_t>(n));
  std::vector<uint32_t> out(gs.begin(), gs.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

Result<Subject> make_synthetic_subject(const SyntheticSpec& spec) {
  Subject s;
  s.kind = SubjectKind::Synthetic;
  auto user = lookup_user(spec.user.empty() ? std::to_string(::geteuid()) : spec.user);
  if (!user) return user.error();
  uint32_t gid = user->gid;
  if (spec.group) {
    auto g = lookup_group(*spec.group);
    if (!g) return g.error();
    gid = *g;
  }
  s.uid = {user->uid, user->uid, user->uid, user->uid};
  s.gid = {gid, gid, gid, gid};
  s.user_name = user->name;
  if (spec.groups) {
    auto gs = lookup_groups(*spec.groups);
    if (!gs) return gs.error();
    s.groups = *gs;
  } else if (user->name && !spec.group) {
    s.groups = login_groups(*user->name, gid);
  }
  auto caps = parse_cap_list(spec.caps);
  if (!caps) return caps.error();
  s.caps.effective = s.caps.permitted = *caps;
  s.caps.bounding = all_caps();
  s.root = s.root_handle = spec.root.empty() ? "/" : spec.root;
  // A relative path means what it means to the caller; beneath another
  // root there is no such cwd, so it starts at that root.
  if (s.root == "/") {
    char buf[4096];
    if (::getcwd(buf, sizeof buf) != nullptr) s.cwd = buf;
  }
  s.comm = "(what-if)";
  return s;
}

}  // namespace probe
