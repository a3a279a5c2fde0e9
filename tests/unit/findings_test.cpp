// explain: the finding IDs and exact fixes for a walk.
#include <gtest/gtest.h>

#include <algorithm>

#include "fixtures.hpp"
#include "probe/caps.hpp"
#include "probe/report.hpp"

namespace probe {
namespace {

using namespace probe::testing;

std::vector<Finding> explain(const Subject& s, const MapFs& fs, const std::string& path, bool protect = false) {
  Target t{resolve_access(s, fs, SystemFacts{protect}, path), "given"};
  Names n;
  n.users = {{0, "root"}, {998, "myapp"}, {1000, "alice"}};
  n.groups = {{0, "root"}, {998, "myapp"}, {50, "staff"}};
  return explain_target(s, n, t, 0);
}

std::vector<std::string> ids(const std::vector<Finding>& f) {
  std::vector<std::string> out;
  for (const auto& x : f) out.push_back(x.id);
  return out;
}

TEST(Findings, SearchDeniedGivesLeastPrivilegeFixesFirst) {
  MapFs fs = etc_tree(dir(0750, 0, 50), file(0644));
  auto f = explain(user(998, 998), fs, "/etc/app/config.yaml");
  ASSERT_EQ(ids(f), std::vector<std::string>{"DAC-002"});
  const auto& fixes = f[0].fixes;
  ASSERT_GE(fixes.size(), 4u);
  EXPECT_EQ(fixes[0].command, "setfacl -m u:myapp:x /etc/app");
  EXPECT_EQ(fixes[1].command, "usermod -aG staff myapp");
  EXPECT_EQ(fixes[2].command, "chmod o+x /etc/app");
  EXPECT_EQ(fixes.back().command, "AmbientCapabilities=CAP_DAC_READ_SEARCH");
  EXPECT_NE(f[0].explanation.find("not in group staff"), std::string::npos);
  EXPECT_EQ(f[0].object, "/etc/app");
}

TEST(Findings, NeverSuggestsJoiningGroupRoot) {
  MapFs fs = etc_tree(dir(0750, 0, 0), file(0644));
  auto f = explain(user(998, 998), fs, "/etc/app/config.yaml");
  for (const auto& x : f[0].fixes) EXPECT_EQ(x.command.find("usermod"), std::string::npos) << x.command;
}

TEST(Findings, ReadDeniedOnTheFile) {
  MapFs fs = etc_tree(dir(0755), file(0600));
  auto f = explain(user(998, 998), fs, "/etc/app/config.yaml");
  ASSERT_EQ(ids(f), std::vector<std::string>{"DAC-001"});
  EXPECT_EQ(f[0].fixes[0].command, "setfacl -m u:myapp:r /etc/app/config.yaml");
}

TEST(Findings, OwnerWithoutTheBitIsToldToChmodUser) {
  MapFs fs = etc_tree(dir(0755), file(0044, 998, 998));
  auto f = explain(user(998, 998), fs, "/etc/app/config.yaml");
  EXPECT_EQ(f[0].fixes[0].command, "chmod u+r /etc/app/config.yaml");
}

TEST(Findings, MaskLimitedEntryRaisesTheMask) {
  Inode d = with_acl(dir(0740), {{AclTag::UserObj, 7}, {AclTag::User, 5, 998}, {AclTag::GroupObj, 4},
                                 {AclTag::Mask, 4}, {AclTag::Other, 0}});
  MapFs fs = etc_tree(d, file(0644));
  auto f = explain(user(998, 998), fs, "/etc/app/config.yaml");
  ASSERT_EQ(ids(f), std::vector<std::string>{"ACL-002"});
  EXPECT_EQ(f[0].fixes[0].command, "setfacl -m m::rx /etc/app");
}

TEST(Findings, AclEntryWithoutTheBit) {
  Inode d = with_acl(dir(0750), {{AclTag::UserObj, 7}, {AclTag::User, 4, 998}, {AclTag::GroupObj, 5},
                                 {AclTag::Mask, 5}, {AclTag::Other, 0}});
  auto f = explain(user(998, 998), etc_tree(d, file(0644)), "/etc/app/config.yaml");
  ASSERT_EQ(ids(f), std::vector<std::string>{"ACL-001"});
  EXPECT_EQ(f[0].fixes[0].command, "setfacl -m u:myapp:rx /etc/app");
}

TEST(Findings, AllowedOnlyByCapabilityWarns) {
  Subject s = user(998, 998);
  s.caps.effective = s.caps.permitted = cap_bit(kCapDacReadSearch);
  auto f = explain(s, etc_tree(dir(0700), file(0600)), "/etc/app/config.yaml");
  ASSERT_EQ(ids(f), std::vector<std::string>{"CAP-001"});
  EXPECT_EQ(f[0].severity, Severity::Warning);
}

TEST(Findings, PermittedButNotEffective) {
  Subject s = user(998, 998);
  s.caps.permitted = cap_bit(kCapDacReadSearch);
  auto f = explain(s, etc_tree(dir(0700), file(0644)), "/etc/app/config.yaml");
  EXPECT_EQ(ids(f), (std::vector<std::string>{"DAC-002", "CAP-002"}));
}

TEST(Findings, UnmappedOwnerInUserNamespace) {
  Subject s = user(100000, 100000);
  s.caps.effective = s.caps.permitted = cap_bit(kCapDacOverride);
  s.uid_map = s.gid_map = {{0, 100000, 65536}};
  auto f = explain(s, etc_tree(dir(0700), file(0644)), "/etc/app/config.yaml");
  EXPECT_EQ(ids(f), (std::vector<std::string>{"CAP-003", "DAC-002"}));
  EXPECT_EQ(f[0].fixes[0].command, "chown 100000:100000 /etc/app");
  Target t{resolve_access(s, etc_tree(dir(0700), file(0644)), SystemFacts{}, "/etc/app/config.yaml"), "given"};
  EXPECT_EQ(t.walk.denied_by, Layer::Capability);
}

TEST(Findings, ProtectedSymlink) {
  MapFs fs;
  fs.add("/", dir(0755));
  fs.add("/tmp", dir(01777));
  fs.add("/tmp/f", file(0644, 1000, 1000));
  fs.add("/tmp/l", link("/tmp/f", 1000, 1000));
  auto f = explain(user(998, 998), fs, "/tmp/l", true);
  ASSERT_EQ(ids(f), std::vector<std::string>{"DAC-003"});
  EXPECT_EQ(f[0].fixes[0].command, "chown -h myapp /tmp/l");
}

TEST(Findings, MissingLoopNotDir) {
  MapFs fs = etc_tree(dir(0755), file(0644));
  fs.add("/a", link("/a"));
  EXPECT_EQ(ids(explain(user(1, 1), fs, "/etc/app/nope")), std::vector<std::string>{"NS-001"});
  EXPECT_EQ(ids(explain(user(1, 1), fs, "/a")), std::vector<std::string>{"NS-004"});
  EXPECT_EQ(ids(explain(user(1, 1), fs, "/etc/app/config.yaml/x")), std::vector<std::string>{"NS-003"});
}

TEST(Findings, MissingInOwnMountNamespaceButOnTheHost) {
  Subject s = user(998, 998);
  s.kind = SubjectKind::Pid;
  s.pid = 4123;
  s.own_mount_ns = true;
  s.unit = "myapp.service";
  MapFs fs = etc_tree(dir(0755), file(0644));
  Target t{resolve_access(s, fs, SystemFacts{}, "/srv/app.yaml"), "given"};
  t.exists_on_host = true;
  auto f = explain_target(s, Names{}, t, 0);
  ASSERT_EQ(ids(f), std::vector<std::string>{"NS-002"});
  EXPECT_EQ(f[0].fixes[0].command, "BindReadOnlyPaths=/srv/app.yaml");
  EXPECT_EQ(fix_context(s).path_prefix, "/proc/4123/root");
}

TEST(Findings, SpecialFilesAndDisagreement) {
  MapFs fs = etc_tree(dir(0755), Inode{S_IFIFO | 0644});
  EXPECT_EQ(ids(explain(user(1, 1), fs, "/etc/app/config.yaml")), std::vector<std::string>{"DAC-004"});
  Target t{resolve_access(user(1, 1), fs, SystemFacts{}, "/etc/app/config.yaml"), "given"};
  t.kernel = KernelCheck{EACCES, false, "access(R_OK)"};
  auto f = explain_target(user(1, 1), Names{}, t, 0);
  EXPECT_EQ(f.back().id, "VFY-001");
  EXPECT_NE(f.back().explanation.find("DISAGREEMENT"), std::string::npos);
}

TEST(Findings, EveryIdComesFromTheCatalog) {
  MapFs fs = etc_tree(dir(0750, 0, 50), file(0600));
  for (const auto& f : explain(user(998, 998), fs, "/etc/app/config.yaml")) {
    const CatalogEntry* e = find_catalog_entry(f.id);
    ASSERT_NE(e, nullptr) << f.id;
    EXPECT_EQ(f.title, e->title);
  }
}

TEST(Report, ExitStatusFollowsTheVerdicts) {
  Report r;
  r.targets.push_back(Target{resolve_access(user(1, 1), etc_tree(dir(0755), file(0644)), SystemFacts{}, "/etc/app/config.yaml")});
  EXPECT_EQ(exit_status(r), 0);
  r.targets.push_back(Target{resolve_access(user(1, 1), etc_tree(dir(0700), file(0644)), SystemFacts{}, "/etc/app/config.yaml")});
  EXPECT_EQ(exit_status(r), 1);
  EXPECT_EQ(report_verdict(r), ReportVerdict::Denied);
}

}  // namespace
}  // namespace probe
