// gather: user and group names through the inspector's NSS, once per id.
#include <grp.h>
#include <pwd.h>

#include "probe/report.hpp"

namespace probe {
namespace {

void add_user(Names& n, uint32_t uid) {
  if (n.users.count(uid)) return;
  struct passwd pw{}, *res = nullptr;
  char buf[4096];
  if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res != nullptr) n.users[uid] = pw.pw_name;
}

void add_group(Names& n, uint32_t gid) {
  if (n.groups.count(gid)) return;
  struct group gr{}, *res = nullptr;
  char buf[8192];
  if (getgrgid_r(gid, &gr, buf, sizeof buf, &res) == 0 && res != nullptr) n.groups[gid] = gr.gr_name;
}

}  // namespace

std::string Names::user(uint32_t uid) const {
  auto it = users.find(uid);
  return it == users.end() ? std::to_string(uid) : it->second;
}

std::string Names::group(uint32_t gid) const {
  auto it = groups.find(gid);
  return it == groups.end() ? std::to_string(gid) : it->second;
}

void add_subject_names(Names& n, const Subject& s) {
  for (uint32_t u : {s.uid.real, s.uid.effective, s.uid.saved, s.uid.fs}) add_user(n, u);
  for (uint32_t g : {s.gid.real, s.gid.effective, s.gid.saved, s.gid.fs}) add_group(n, g);
  for (uint32_t g : s.groups) add_group(n, g);
}

void add_walk_names(Names& n, const Walk& w) {
  for (const auto& st : w.steps) {
    if (!st.inode) continue;
    add_user(n, st.inode->uid);
    add_group(n, st.inode->gid);
    if (st.need == Need::Follow) add_user(n, st.parent_uid);
    if (!st.inode->acl) continue;
    for (const auto& e : st.inode->acl->entries) {
      if (e.tag == AclTag::User) add_user(n, e.id);
      if (e.tag == AclTag::Group) add_group(n, e.id);
    }
  }
}

}  // namespace probe
