// The ACL xattr parser, and an oracle: libacl writes an ACL, the kernel
// stores it, our parser reads the raw xattr back and must agree with
// libacl's own reading of the same file.
#include <gtest/gtest.h>
#include <acl/libacl.h>
#include <sys/acl.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "probe/acl.hpp"

namespace probe {
namespace {

std::vector<uint8_t> entry(uint16_t tag, uint16_t perm, uint32_t id) {
  return {static_cast<uint8_t>(tag), static_cast<uint8_t>(tag >> 8), static_cast<uint8_t>(perm), 0,
          static_cast<uint8_t>(id), static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id >> 16),
          static_cast<uint8_t>(id >> 24)};
}

std::vector<uint8_t> xattr(std::initializer_list<std::vector<uint8_t>> entries) {
  std::vector<uint8_t> out{2, 0, 0, 0};
  for (const auto& e : entries) out.insert(out.end(), e.begin(), e.end());
  return out;
}

TEST(Acl, ParsesAValidAcl) {
  auto bytes = xattr({entry(1, 7, ~0U), entry(2, 5, 998), entry(4, 5, ~0U), entry(0x10, 5, ~0U), entry(0x20, 0, ~0U)});
  auto acl = parse_acl_xattr(bytes);
  ASSERT_TRUE(acl) << acl.error().message();
  EXPECT_EQ(acl_to_short_text(*acl), "u::rwx,u:998:r-x,g::r-x,m::r-x,o::---");
  ASSERT_NE(acl->mask(), nullptr);
}

TEST(Acl, RejectsWhatTheKernelWouldNot) {
  EXPECT_FALSE(parse_acl_xattr(std::vector<uint8_t>{2, 0, 0}));
  EXPECT_FALSE(parse_acl_xattr(xattr({})));
  auto v1 = xattr({entry(1, 7, 0), entry(4, 5, 0), entry(0x20, 0, 0)});
  v1[0] = 1;
  EXPECT_FALSE(parse_acl_xattr(v1));
  // Named entry without a mask; entries out of order; repeated user.
  EXPECT_FALSE(parse_acl_xattr(xattr({entry(1, 7, 0), entry(2, 5, 9), entry(4, 5, 0), entry(0x20, 0, 0)})));
  EXPECT_FALSE(parse_acl_xattr(xattr({entry(4, 5, 0), entry(1, 7, 0), entry(0x20, 0, 0)})));
  EXPECT_FALSE(parse_acl_xattr(
      xattr({entry(1, 7, 0), entry(2, 5, 9), entry(2, 5, 9), entry(4, 5, 0), entry(0x10, 5, 0), entry(0x20, 0, 0)})));
  auto partial = xattr({entry(1, 7, 0), entry(4, 5, 0), entry(0x20, 0, 0)});
  partial.pop_back();
  EXPECT_FALSE(parse_acl_xattr(partial));
}

TEST(Acl, AgreesWithLibaclOnARealFile) {
  char tmpl[] = "/tmp/cfgprobe-acl-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string path = std::string(tmpl) + "/f";
  ASSERT_EQ(std::system(("touch " + path).c_str()), 0);
  const char* text = "u::rw-,u:998:r--,u:1000:rw-,g::r--,g:50:r-x,m::rwx,o::---";
  acl_t want = acl_from_text(text);
  ASSERT_NE(want, nullptr);
  if (acl_set_file(path.c_str(), ACL_TYPE_ACCESS, want) != 0) {
    acl_free(want);
    std::filesystem::remove_all(tmpl);
    GTEST_SKIP() << "this file system does not take POSIX ACLs";
  }
  acl_free(want);
  uint8_t buf[512];
  ssize_t n = getxattr(path.c_str(), "system.posix_acl_access", buf, sizeof buf);
  ASSERT_GT(n, 0);
  auto ours = parse_acl_xattr(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
  ASSERT_TRUE(ours) << ours.error().message();
  acl_t theirs = acl_get_file(path.c_str(), ACL_TYPE_ACCESS);
  char* t = acl_to_any_text(theirs, nullptr, ',', TEXT_ABBREVIATE | TEXT_NUMERIC_IDS);
  EXPECT_EQ(acl_to_short_text(*ours), std::string(t))
      << "libacl says " << t;
  acl_free(t);
  acl_free(theirs);
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace probe
