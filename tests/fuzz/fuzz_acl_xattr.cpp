// probe::parse_acl_xattr over arbitrary system.posix_acl_access bytes,
// against an independent oracle: the state machine of fs/posix_acl.c:
// posix_acl_valid(), plus the rule libprobe adds (named ids ascending and
// unique within a tag, as libacl writes them). Accepts exactly what the
// oracle accepts; what it accepts prints and re-encodes losslessly.
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "probe/acl.hpp"

namespace {

using probe::Acl;
using probe::AclEntry;
using probe::AclTag;

struct RawEntry {
  uint16_t tag, perm;
  uint32_t id;
};

// posix_acl_xattr_count() and the le16/le16/le32 layout of
// include/uapi/linux/posix_acl_xattr.h.
std::optional<std::vector<RawEntry>> decode(const uint8_t* p, size_t size) {
  if (size < 4 || (size - 4) % 8 != 0 || size == 4) return std::nullopt;
  if ((p[0] | p[1] << 8 | p[2] << 16 | uint32_t{p[3]} << 24) != 2) return std::nullopt;
  std::vector<RawEntry> out;
  for (size_t off = 4; off < size; off += 8)
    out.push_back({static_cast<uint16_t>(p[off] | p[off + 1] << 8),
                   static_cast<uint16_t>(p[off + 2] | p[off + 3] << 8),
                   p[off + 4] | p[off + 5] << 8 | p[off + 6] << 16 | uint32_t{p[off + 7]} << 24});
  return out;
}

// posix_acl_valid() as written in Linux 6.1, plus ascending named ids.
bool oracle_valid(const std::vector<RawEntry>& entries) {
  enum { kDone, kUserObj, kUser, kGroup, kOther } state = kUserObj;
  bool needs_mask = false;
  int64_t last_id = -1;
  for (const RawEntry& e : entries) {
    if (e.perm & ~7U) return false;
    switch (e.tag) {
      case 0x01: if (state != kUserObj) return false; state = kUser; break;
      case 0x02: case 0x08:
        if (state != (e.tag == 0x02 ? kUser : kGroup) || int64_t{e.id} <= last_id) return false;
        last_id = e.id;
        needs_mask = true;
        break;
      case 0x04: if (state != kUser) return false; state = kGroup; last_id = -1; break;
      case 0x10: if (state != kGroup) return false; state = kOther; break;
      case 0x20:
        if (state != kOther && (state != kGroup || needs_mask)) return false;
        state = kDone;
        break;
      default: return false;
    }
  }
  return state == kDone;
}

// Reads acl_to_short_text() back: "u::rwx,u:998:r-x,g::r-x,m::r-x,o::---".
std::optional<AclEntry> read_entry(std::string_view t) {
  if (t.size() < 6 || t[1] != ':') return std::nullopt;
  std::string_view rwx = t.substr(t.size() - 3), id = t.substr(2, t.size() - 6);
  AclEntry e;
  for (int i = 0; i < 3; ++i) {
    if (rwx[i] != "rwx"[i] && rwx[i] != '-') return std::nullopt;
    if (rwx[i] != '-') e.perm |= static_cast<uint16_t>(4 >> i);
  }
  if (t[t.size() - 4] != ':') return std::nullopt;
  bool named = !id.empty();
  if (named && (std::from_chars(id.data(), id.data() + id.size(), e.id).ptr != id.data() + id.size()))
    return std::nullopt;
  switch (t[0]) {
    case 'u': e.tag = named ? AclTag::User : AclTag::UserObj; break;
    case 'g': e.tag = named ? AclTag::Group : AclTag::GroupObj; break;
    case 'm': if (named) return std::nullopt; e.tag = AclTag::Mask; break;
    case 'o': if (named) return std::nullopt; e.tag = AclTag::Other; break;
    default: return std::nullopt;
  }
  return e;
}

std::optional<Acl> read_short_text(std::string_view text) {
  Acl acl;
  while (!text.empty()) {
    size_t comma = text.find(',');
    auto e = read_entry(text.substr(0, comma));
    if (!e) return std::nullopt;
    acl.entries.push_back(*e);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return acl;
}

// The kernel's own encoding: unnamed entries carry ACL_UNDEFINED_ID.
std::vector<uint8_t> encode(const Acl& acl) {
  std::vector<uint8_t> out = {2, 0, 0, 0};
  for (const AclEntry& e : acl.entries) {
    auto tag = static_cast<uint16_t>(e.tag);
    bool named = e.tag == AclTag::User || e.tag == AclTag::Group;
    uint32_t id = named ? e.id : 0xFFFFFFFFU;
    for (uint32_t v : {uint32_t{tag}, uint32_t{e.perm}}) out.insert(out.end(), {uint8_t(v), uint8_t(v >> 8)});
    out.insert(out.end(), {uint8_t(id), uint8_t(id >> 8), uint8_t(id >> 16), uint8_t(id >> 24)});
  }
  return out;
}

void check_accepted(const std::vector<RawEntry>& raw, const Acl& acl) {
  FUZZ_CHECK(acl.entries.size() == raw.size());
  bool has_mask = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    const AclEntry& e = acl.entries[i];
    bool named = e.tag == AclTag::User || e.tag == AclTag::Group;
    FUZZ_CHECK(static_cast<uint16_t>(e.tag) == raw[i].tag && e.perm == raw[i].perm);
    FUZZ_CHECK(e.id == (named ? raw[i].id : 0));
    has_mask |= e.tag == AclTag::Mask;
  }
  FUZZ_CHECK((acl.mask() != nullptr) == has_mask);
  std::string text = probe::acl_to_short_text(acl);
  auto back = read_short_text(text);
  FUZZ_CHECK(back.has_value() && *back == acl);
  auto reencoded = encode(acl);
  auto again = probe::parse_acl_xattr(reencoded);
  FUZZ_CHECK(again.has_value() && *again == acl);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = probe::parse_acl_xattr({data, size});
  auto raw = decode(data, size);
  bool valid = raw && oracle_valid(*raw);
  FUZZ_CHECK(r.has_value() == valid);
  if (!r) {
    FUZZ_CHECK(r.error().code == EINVAL);
    return 0;
  }
  check_accepted(*raw, *r);
  return 0;
}
