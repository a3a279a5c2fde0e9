// The exec capability rules and preflight's findings, pure. The rules are
// also proved against the kernel (tests/system/exec_caps).
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cerrno>

#include "probe/caps.hpp"
#include "probe/exec_caps.hpp"
#include "probe/preflight.hpp"

namespace probe {
namespace {

constexpr uint64_t kAll = (uint64_t{1} << 41) - 1;

Creds root() {
  Creds c;
  c.caps = {kAll, kAll, 0, kAll, 0};
  return c;
}

ExecFile plain_binary() { return {S_IFREG | 0755, 0, 0, std::nullopt, false}; }

std::vector<uint8_t> xattr(uint32_t magic, uint32_t p, uint32_t i, std::optional<uint32_t> rootid = std::nullopt) {
  std::vector<uint8_t> x;
  auto put = [&](uint32_t v) {
    for (int k = 0; k < 4; ++k) x.push_back(static_cast<uint8_t>(v >> (8 * k)));
  };
  put(magic);
  put(p);
  put(i);
  put(0);
  put(0);
  if (rootid) put(*rootid);
  return x;
}

TEST(FileCaps, Revisions) {
  auto v2 = parse_file_caps(xattr(0x02000001, 1U << kCapDacReadSearch, 0));
  ASSERT_TRUE(v2);
  EXPECT_TRUE(v2->effective);
  EXPECT_EQ(v2->permitted, cap_bit(kCapDacReadSearch));
  EXPECT_FALSE(v2->rootid);
  auto v3 = parse_file_caps(xattr(0x03000000, 0, 4, 1000));
  ASSERT_TRUE(v3);
  EXPECT_EQ(v3->rootid, 1000U);
  EXPECT_EQ(v3->inheritable, 4U);
  EXPECT_FALSE(parse_file_caps(xattr(0x03000000, 0, 0)));         // v3 without rootid
  EXPECT_FALSE(parse_file_caps(xattr(0x05000000, 0, 0)));         // unknown revision
  EXPECT_FALSE(parse_file_caps(std::vector<uint8_t>{1, 2}));      // too short
}

TEST(SetidRule, ByRelease) {
  EXPECT_EQ(setid_rule_for("6.1.0-28-amd64"), SetidRule::RealIds);
  EXPECT_EQ(setid_rule_for("5.10.0"), SetidRule::RealIds);
  EXPECT_EQ(setid_rule_for("6.15.0"), SetidRule::EffectiveIds);
  EXPECT_EQ(setid_rule_for("6.18.44-fc"), SetidRule::EffectiveIds);
  EXPECT_EQ(setid_rule_for("garbage"), SetidRule::EffectiveIds);
}

TEST(ExecCaps, RootToUserLosesEverythingWithoutAmbient) {
  Creds c = after_setresuid(after_setresgid(root(), 1000, 1000, 1000), 1000, 1000, 1000);
  EXPECT_EQ(c.caps.permitted, 0U);
  EXPECT_EQ(c.caps.effective, 0U);
  ExecResult x = after_execve(c, plain_binary(), SetidRule::EffectiveIds);
  EXPECT_EQ(x.err, 0);
  EXPECT_EQ(x.creds.caps.effective, 0U);
  EXPECT_EQ(x.creds.uid.effective, 1000U);
}

TEST(ExecCaps, KeepCapsPlusAmbientSurvive) {
  Creds r = root();
  r.securebits = kSecbitKeepCaps;
  r.caps.inheritable = cap_bit(kCapDacReadSearch);
  Creds c = after_setresuid(r, 1000, 1000, 1000);
  EXPECT_EQ(c.caps.permitted, kAll) << "SECBIT_KEEP_CAPS keeps pP";
  EXPECT_EQ(c.caps.effective, 0U) << "euid left 0: pE cleared";
  c.caps.ambient = cap_bit(kCapDacReadSearch);  // PR_CAP_AMBIENT_RAISE after the switch
  ExecResult x = after_execve(c, plain_binary(), SetidRule::EffectiveIds);
  EXPECT_EQ(x.creds.caps.effective, cap_bit(kCapDacReadSearch));
  EXPECT_EQ(x.creds.securebits & kSecbitKeepCaps, 0U) << "cleared by exec";
}

TEST(ExecCaps, FileCapsNeedSuidMountAndNoNnp) {
  Creds c = after_setresuid(root(), 1000, 1000, 1000);
  ExecFile f = plain_binary();
  f.fcaps = FileCaps{cap_bit(kCapDacReadSearch), 0, true, std::nullopt};
  EXPECT_EQ(after_execve(c, f, SetidRule::EffectiveIds).creds.caps.effective, cap_bit(kCapDacReadSearch));
  f.nosuid_mount = true;
  ExecResult x = after_execve(c, f, SetidRule::EffectiveIds);
  EXPECT_TRUE(x.fcaps_ignored);
  EXPECT_EQ(x.creds.caps.effective, 0U);
  f.nosuid_mount = false;
  c.no_new_privs = true;
  x = after_execve(c, f, SetidRule::EffectiveIds);
  EXPECT_TRUE(x.downgraded_by_nnp);
  EXPECT_EQ(x.creds.caps.effective, 0U);
}

TEST(ExecCaps, EffectiveFileCapsOutsideTheBoundingSetFailWithEperm) {
  Creds c = after_setresuid(root(), 1000, 1000, 1000);
  c.caps.bounding = kAll & ~cap_bit(kCapDacReadSearch);
  ExecFile f = plain_binary();
  f.fcaps = FileCaps{cap_bit(kCapDacReadSearch), 0, true, std::nullopt};
  EXPECT_EQ(after_execve(c, f, SetidRule::EffectiveIds).err, EPERM);
  f.fcaps->effective = false;  // without fE the exec goes on, without the cap
  EXPECT_EQ(after_execve(c, f, SetidRule::EffectiveIds).err, 0);
}

TEST(ExecCaps, SetidRulesDifferOnlyWhenEuidDiffersFromRuid) {
  Creds c = root();
  c.uid = {1000, 0, 0, 0};
  c.caps.inheritable = c.caps.ambient = cap_bit(kCapDacReadSearch);
  EXPECT_EQ(after_execve(c, plain_binary(), SetidRule::RealIds).creds.caps.ambient, 0U);
  EXPECT_EQ(after_execve(c, plain_binary(), SetidRule::EffectiveIds).creds.caps.ambient, cap_bit(kCapDacReadSearch));
}

PreflightPlan plan_root_to_user() {
  PreflightPlan p;
  p.now = root();
  p.switched = after_setresuid(after_setresgid(root(), 1000, 1000, 1000), 1000, 1000, 1000);
  p.user_switch = true;
  p.command.name = p.command.resolved = "/usr/bin/app";
  p.command.file = plain_binary();
  p.exec = after_execve(p.switched, *p.command.file, SetidRule::EffectiveIds);
  return p;
}

bool has(const std::vector<Finding>& f, const std::string& id) {
  return std::any_of(f.begin(), f.end(), [&](const Finding& x) { return x.id == id; });
}

TEST(PreflightExplain, LostCapabilitiesNameTheReadingOne) {
  auto f = explain_preflight(plan_root_to_user(), Names{});
  ASSERT_TRUE(has(f, "CAP-004"));
  const Finding& cap = *std::find_if(f.begin(), f.end(), [](const Finding& x) { return x.id == "CAP-004"; });
  EXPECT_EQ(cap.severity, Severity::Warning);
  EXPECT_NE(cap.explanation.find("cap_dac_read_search"), std::string::npos) << cap.explanation;
  ASSERT_GE(cap.fixes.size(), 4U);
  EXPECT_EQ(cap.fixes[1].command, "AmbientCapabilities=CAP_DAC_READ_SEARCH");
}

TEST(PreflightExplain, NothingLostNothingSaid) {
  PreflightPlan p = plan_root_to_user();
  p.now = p.switched;  // already the app user
  EXPECT_TRUE(explain_preflight(p, Names{}).empty());
}

TEST(PreflightExplain, CommandNotFoundAndNoexec) {
  PreflightPlan p = plan_root_to_user();
  p.command = {};
  p.command.name = "app";
  p.command.tried = {"/usr/bin/app", "/bin/app"};
  p.command.walk.err = ENOENT;
  auto f = explain_preflight(p, Names{});
  ASSERT_TRUE(has(f, "PF-001"));
  EXPECT_NE(f[0].explanation.find("/usr/bin/app, /bin/app"), std::string::npos);
  p.command.walk.err = 0;
  p.command.walk.resolved = "/mnt/app";
  p.command.noexec_mount = true;
  EXPECT_TRUE(has(explain_preflight(p, Names{}), "PF-002"));
}

TEST(PreflightExplain, FileCapsIgnoredAndExecEperm) {
  PreflightPlan p = plan_root_to_user();
  p.command.file->fcaps = FileCaps{cap_bit(kCapDacReadSearch), 0, true, std::nullopt};
  p.command.file->nosuid_mount = true;
  p.exec = after_execve(p.switched, *p.command.file, SetidRule::EffectiveIds);
  EXPECT_TRUE(has(explain_preflight(p, Names{}), "CAP-005"));
  p.command.file->nosuid_mount = false;
  p.switched.caps.bounding = 0;
  p.exec = after_execve(p.switched, *p.command.file, SetidRule::EffectiveIds);
  EXPECT_TRUE(has(explain_preflight(p, Names{}), "PF-003"));
}

}  // namespace
}  // namespace probe
