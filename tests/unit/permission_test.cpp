// generic_permission() as modelled: one class, ACLs, capabilities.
#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "probe/caps.hpp"

namespace probe {
namespace {

using namespace probe::testing;

TEST(Permission, OwnerClassIsFinalEvenWhenOtherWouldAllow) {
  // The owner of a ---r--r-- file cannot read it (acl_permission_check).
  auto d = check_permission(user(1000, 1000), file(0044, 1000, 1000), kMayRead);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.cls, PermClass::Owner);
}

TEST(Permission, GroupClassBeforeOther) {
  Inode f = file(0604, 0, 50);  // group has nothing, other has r
  EXPECT_FALSE(check_permission(user(1000, 1000, {50}), f, kMayRead).allowed);
  EXPECT_TRUE(check_permission(user(1000, 1000), f, kMayRead).allowed);
}

TEST(Permission, FsgidCountsAsGroup) {
  EXPECT_TRUE(check_permission(user(1000, 50), file(0640, 0, 50), kMayRead).allowed);
  EXPECT_TRUE(check_permission(user(1000, 1000, {7, 50}), file(0640, 0, 50), kMayRead).allowed);
  EXPECT_FALSE(check_permission(user(1000, 1000, {7}), file(0640, 0, 50), kMayRead).allowed);
}

TEST(Permission, UsesFsuidNotEuid) {
  Subject s = user(0, 0);
  s.uid.fs = 1000;
  EXPECT_EQ(check_permission(s, file(0400, 1000, 0), kMayRead).cls, PermClass::Owner);
}

TEST(Permission, NamedUserAclEntryWinsAndIsMasked) {
  Inode d = with_acl(dir(0750, 0, 0), {{AclTag::UserObj, 7}, {AclTag::User, 1, 998}, {AclTag::GroupObj, 5},
                                       {AclTag::Mask, 5}, {AclTag::Other, 0}});
  auto ok = check_permission(user(998, 998), d, kMayExec);
  EXPECT_TRUE(ok.allowed);
  EXPECT_EQ(ok.cls, PermClass::AclUser);
  // The same entry under a mask without x.
  d.acl->entries[3].perm = 4;
  d.mode = S_IFDIR | 0740;
  auto no = check_permission(user(998, 998), d, kMayExec);
  EXPECT_FALSE(no.allowed);
  EXPECT_TRUE(no.mask_limited);
}

TEST(Permission, AclSkippedWhenGroupBitsAreZero) {
  // mode & S_IRWXG == 0: the ACL is not consulted; the named user gets
  // "other" (here r), not its entry's ---.
  Inode f = with_acl(file(0604, 0, 0), {{AclTag::UserObj, 6}, {AclTag::User, 0, 998}, {AclTag::GroupObj, 0},
                                        {AclTag::Mask, 0}, {AclTag::Other, 4}});
  auto d = check_permission(user(998, 998), f, kMayRead);
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.acl_skipped);
}

TEST(Permission, MatchingGroupWithoutGrantDeniesDespiteOther) {
  // posix_acl_permission(): found a group, none grants -> EACCES, not other.
  Inode f = with_acl(file(0644, 0, 0), {{AclTag::UserObj, 6}, {AclTag::GroupObj, 4}, {AclTag::Group, 4, 50},
                                        {AclTag::Mask, 4}, {AclTag::Other, 4}});
  EXPECT_FALSE(check_permission(user(1000, 1000, {50}), f, kMayRead | kMayExec).allowed);
  auto d = check_permission(user(1000, 1000, {50}), f, kMayRead);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.cls, PermClass::AclGroup);
}

TEST(Permission, DacReadSearchCoversDirsAndReadsOnly) {
  Subject s = user(1000, 1000);
  s.caps.effective = s.caps.permitted = cap_bit(kCapDacReadSearch);
  EXPECT_TRUE(check_permission(s, dir(0700), kMayExec).allowed);
  EXPECT_TRUE(check_permission(s, file(0600), kMayRead).allowed);
  EXPECT_FALSE(check_permission(s, file(0600), kMayRead | kMayWrite).allowed);
  EXPECT_EQ(check_permission(s, file(0600), kMayRead).cap_used, kCapDacReadSearch);
}

TEST(Permission, DacOverrideNeedsAnExecBitForExec) {
  Subject s = user(1000, 1000);
  s.caps.effective = s.caps.permitted = cap_bit(kCapDacOverride);
  EXPECT_FALSE(check_permission(s, file(0600), kMayExec).allowed);
  EXPECT_TRUE(check_permission(s, file(0601), kMayExec).allowed);
  EXPECT_TRUE(check_permission(s, file(0000), kMayRead).allowed);
}

TEST(Permission, PermittedOnlyCapabilityDoesNotCount) {
  Subject s = user(1000, 1000);
  s.caps.permitted = cap_bit(kCapDacReadSearch);
  auto d = check_permission(s, dir(0700), kMayExec);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.caps_not_effective, cap_bit(kCapDacReadSearch));
}

TEST(Permission, CapabilityNeedsOwnerMappedInUserNamespace) {
  Subject s = user(100000, 100000);
  s.caps.effective = s.caps.permitted = cap_bit(kCapDacOverride);
  s.uid_map = {{0, 100000, 65536}};
  s.gid_map = {{0, 100000, 65536}};
  auto unmapped = check_permission(s, file(0600, 0, 0), kMayRead);
  EXPECT_FALSE(unmapped.allowed);
  EXPECT_EQ(unmapped.cap_unmapped, kCapDacOverride);
  EXPECT_TRUE(check_permission(s, file(0600, 100005, 100005), kMayRead).allowed);
  // Owner mapped but group not: still no.
  EXPECT_FALSE(check_permission(s, file(0600, 100005, 0), kMayRead).allowed);
}

}  // namespace
}  // namespace probe
