// POSIX access ACLs as the kernel stores them in the
// system.posix_acl_access xattr (include/uapi/linux/posix_acl_xattr.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "probe/result.hpp"

namespace probe {

enum class AclTag : uint16_t {
  UserObj = 0x01, User = 0x02, GroupObj = 0x04, Group = 0x08, Mask = 0x10, Other = 0x20,
};

struct AclEntry {
  AclTag tag = AclTag::Other;
  uint16_t perm = 0;  // rwx as 4/2/1
  uint32_t id = 0;    // for User and Group
  bool operator==(const AclEntry&) const = default;
};

struct Acl {
  std::vector<AclEntry> entries;  // in the kernel's sorted order
  bool operator==(const Acl&) const = default;
  const AclEntry* mask() const;
};

// Parses and validates like posix_acl_from_xattr + posix_acl_valid: version
// 2, whole entries, the kernel's order, exactly one of each *_OBJ, a mask
// when named entries exist. Bad input is EINVAL, never a partial ACL.
Result<Acl> parse_acl_xattr(std::span<const uint8_t> bytes);

// "u::rwx,u:998:r-x,g::r-x,m::r-x,o::---" (ids, not names).
std::string acl_to_short_text(const Acl& acl);

}  // namespace probe
