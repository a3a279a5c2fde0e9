// include/uapi/linux/posix_acl_xattr.h: a 4-byte header (version 2) then
// 8-byte entries {le16 tag, le16 perm, le32 id}. fs/posix_acl.c:
// posix_acl_from_xattr() and posix_acl_valid() define what is accepted.
#include "probe/acl.hpp"

#include <cerrno>

namespace probe {
namespace {

constexpr uint32_t kAclVersion = 2;
constexpr size_t kHeader = 4, kEntry = 8;

uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

Error invalid(const char* why) { return make_error(EINVAL, std::string("ACL xattr: ") + why); }

// posix_acl_valid(): tags in ascending order, one of each *_OBJ, named ids
// ascending and unique, a mask required when named entries exist.
Result<void> validate(const Acl& acl) {
  int user_obj = 0, group_obj = 0, other = 0, mask = 0, named = 0;
  uint16_t last_tag = 0;
  int64_t last_id = -1;
  for (const auto& e : acl.entries) {
    auto tag = static_cast<uint16_t>(e.tag);
    if (tag < last_tag) return invalid("entries out of order");
    if (tag != last_tag) last_id = -1;
    last_tag = tag;
    if (e.perm & ~7U) return invalid("bad permission bits");
    switch (e.tag) {
      case AclTag::UserObj: ++user_obj; break;
      case AclTag::GroupObj: ++group_obj; break;
      case AclTag::Other: ++other; break;
      case AclTag::Mask: ++mask; break;
      case AclTag::User:
      case AclTag::Group:
        if (int64_t{e.id} <= last_id) return invalid("named entries out of order or repeated");
        last_id = e.id;
        ++named;
        break;
      default: return invalid("unknown tag");
    }
  }
  if (user_obj != 1 || group_obj != 1 || other != 1 || mask > 1) return invalid("missing or repeated base entry");
  if (named > 0 && mask != 1) return invalid("named entries without a mask");
  return {};
}

}  // namespace

const AclEntry* Acl::mask() const {
  for (const auto& e : entries)
    if (e.tag == AclTag::Mask) return &e;
  return nullptr;
}

Result<Acl> parse_acl_xattr(std::span<const uint8_t> bytes) {
  if (bytes.size() < kHeader) return invalid("too short");
  if (le32(bytes.data()) != kAclVersion) return invalid("unknown version");
  size_t body = bytes.size() - kHeader;
  if (body % kEntry != 0 || body == 0) return invalid("partial entry");
  Acl acl;
  for (size_t off = kHeader; off < bytes.size(); off += kEntry) {
    const uint8_t* p = bytes.data() + off;
    AclEntry e{static_cast<AclTag>(le16(p)), le16(p + 2), le32(p + 4)};
    // The kernel stores ACL_UNDEFINED_ID (-1) in unnamed entries: normalise.
    if (e.tag != AclTag::User && e.tag != AclTag::Group) e.id = 0;
    acl.entries.push_back(e);
  }
  auto ok = validate(acl);
  if (!ok) return ok.error();
  return acl;
}

std::string acl_to_short_text(const Acl& acl) {
  std::string s;
  for (const auto& e : acl.entries) {
    if (!s.empty()) s += ',';
    switch (e.tag) {
      case AclTag::UserObj: s += "u::"; break;
      case AclTag::User: s += "u:" + std::to_string(e.id) + ":"; break;
      case AclTag::GroupObj: s += "g::"; break;
      case AclTag::Group: s += "g:" + std::to_string(e.id) + ":"; break;
      case AclTag::Mask: s += "m::"; break;
      case AclTag::Other: s += "o::"; break;
    }
    s += (e.perm & 4) ? 'r' : '-';
    s += (e.perm & 2) ? 'w' : '-';
    s += (e.perm & 1) ? 'x' : '-';
  }
  return s;
}

}  // namespace probe
