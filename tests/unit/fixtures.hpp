// Literal file systems and subjects for the pure tests.
#pragma once

#include <sys/stat.h>

#include "probe/access.hpp"
#include "probe/fs.hpp"
#include "probe/subject.hpp"

namespace probe::testing {

inline Inode dir(uint32_t perm, uint32_t uid = 0, uint32_t gid = 0) { return Inode{S_IFDIR | perm, uid, gid}; }
inline Inode file(uint32_t perm, uint32_t uid = 0, uint32_t gid = 0) { return Inode{S_IFREG | perm, uid, gid}; }
inline Inode link(std::string target, uint32_t uid = 0, uint32_t gid = 0) {
  Inode i{S_IFLNK | 0777, uid, gid};
  i.link_target = std::move(target);
  return i;
}
inline Inode with_acl(Inode i, std::vector<AclEntry> entries) {
  i.acl = Acl{std::move(entries)};
  return i;
}

// uid/gid everywhere the same, no capabilities, the initial user namespace.
inline Subject user(uint32_t uid, uint32_t gid, std::vector<uint32_t> groups = {}) {
  Subject s;
  s.uid = {uid, uid, uid, uid};
  s.gid = {gid, gid, gid, gid};
  s.groups = std::move(groups);
  return s;
}

// "/", "/etc" (0755 root) and a config file: the usual shape.
inline MapFs etc_tree(Inode app_dir, Inode config) {
  MapFs fs;
  fs.add("/", dir(0755));
  fs.add("/etc", dir(0755));
  fs.add("/etc/app", std::move(app_dir));
  fs.add("/etc/app/config.yaml", std::move(config));
  return fs;
}

}  // namespace probe::testing
