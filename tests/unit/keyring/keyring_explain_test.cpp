// The keyring probe's pure parts, from literal facts.
#include <gtest/gtest.h>

#include <cerrno>

#include "probe/keyring.hpp"
#include "probe/seccomp.hpp"

namespace probe {
namespace {

// Real lines from a 6.x kernel (security/keys/proc.c formats).
constexpr std::string_view kProcKeys =
    "0cd4f4a1 I--Q---     1 perm 1f3f0000     0 65534 keyring   _uid_ses.0: 1\n"
    "1e342dca I--Q---     2 perm 1f3f0000     0 65534 keyring   _uid.0: empty\n"
    "2a1b3c4d I--Q---     1 perm 3f010000  1000  1000 user      cfgprobe:app: 189\n"
    "2a1b3c4e IR-Q---     1 perm 3f010000  1000  1000 user      revoked:one: 5\n"
    "2a1b3c4f I--Q---     1 expd 3f010000  1000  1000 user      old: 5\n"
    "2a1b3c50 I--Q---     1  59s 3f010000  1000  1000 logon     has: colon: 7\n"
    "garbage line\n";

TEST(ProcKeys, ParsesEveryField) {
  auto keys = parse_proc_keys(kProcKeys);
  ASSERT_EQ(keys.size(), 6u);
  EXPECT_EQ(keys[0].serial, 0x0cd4f4a1);
  EXPECT_EQ(keys[0].type, "keyring");
  EXPECT_EQ(keys[0].description, "_uid_ses.0");
  EXPECT_EQ(keys[0].gid, 65534u);
  EXPECT_EQ(keys[1].description, "_uid.0");
  EXPECT_EQ(keys[2].description, "cfgprobe:app");
  EXPECT_EQ(keys[2].perm, 0x3f010000u);
  EXPECT_EQ(keys[2].uid, 1000u);
  EXPECT_FALSE(key_revoked(keys[2]));
  EXPECT_TRUE(key_revoked(keys[3]));
  EXPECT_TRUE(key_expired(keys[4]));
  EXPECT_FALSE(key_expired(keys[5]));
  EXPECT_EQ(keys[5].description, "has: colon");  // only the summary is cut
  EXPECT_EQ(keys[5].timeout, "59s");
}

TEST(KeyUsers, ParsesQuotaLines) {
  auto q = parse_key_users("    0:     9 8/8 3/1000000 40/25000000\n 1000:     2 2/2 2/200 150/20000\nbad\n");
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].uid, 0u);
  EXPECT_EQ(q[0].keys, 3u);
  EXPECT_EQ(q[0].max_keys, 1000000u);
  EXPECT_EQ(q[0].bytes, 40u);
  EXPECT_EQ(q[0].max_bytes, 25000000u);
  EXPECT_EQ(q[1].uid, 1000u);
  EXPECT_EQ(q[1].max_keys, 200u);
}

TEST(Describe, ParsesAndKeepsSemicolonsInTheDescription) {
  auto k = parse_key_describe(7, "user;1000;100;3f010000;a;b");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->type, "user");
  EXPECT_EQ(k->uid, 1000u);
  EXPECT_EQ(k->gid, 100u);
  EXPECT_EQ(k->perm, 0x3f010000u);
  EXPECT_EQ(k->description, "a;b");
  EXPECT_FALSE(parse_key_describe(7, "user;x;1;3f"));
  EXPECT_FALSE(parse_key_describe(7, ""));
}

TEST(Perm, DecodesEachClass) {
  uint32_t perm = 0x3f0b0201;
  EXPECT_EQ(key_perm_bits(perm, KeyPermClass::Possessor), 0x3fu);
  EXPECT_EQ(key_perm_bits(perm, KeyPermClass::User), 0x0bu);
  EXPECT_EQ(key_perm_bits(perm, KeyPermClass::Group), 0x02u);
  EXPECT_EQ(key_perm_bits(perm, KeyPermClass::Other), 0x01u);
  EXPECT_EQ(key_perm_words(0x0b), "view read search");
  EXPECT_EQ(key_perm_words(0), "none");
  EXPECT_EQ(describe_key_perm(0x3f010000),
            "possessor: view read write search link setattr; user: view; group: none; other: none");
}

KeyInfo key(uint32_t uid, uint32_t gid, uint32_t perm) { return {1, "user", "d", uid, gid, perm}; }

TEST(Perm, KeyTaskPermissionPicksOneClassAndAddsPossessor) {
  // Owner: the user byte only, even when group or other grant more.
  EXPECT_EQ(key_granted(key(1000, 50, 0x00000b0b), 1000, 50, {}, false), 0u);
  // Group via fsgid and via a supplementary group.
  EXPECT_EQ(key_granted(key(0, 50, 0x00000b00), 1000, 50, {}, false), 0x0bu);
  EXPECT_EQ(key_granted(key(0, 50, 0x00000b00), 1000, 7, {3, 50}, false), 0x0bu);
  // Other.
  EXPECT_EQ(key_granted(key(0, 50, 0x00000b00), 1000, 7, {}, false), 0u);
  EXPECT_EQ(key_granted(key(0, 50, 0x00000001), 1000, 7, {}, false), 1u);
  // Possessor bits are added to whichever class applied.
  EXPECT_EQ(key_granted(key(1000, 50, 0x3f010000), 1000, 50, {}, true), 0x3fu);
  // Root is not special.
  EXPECT_EQ(key_granted(key(1000, 50, 0x3f010000), 0, 0, {}, false), 0u);
}

TEST(Quota, LimitsFollowTheOwnerUid) {
  KeyQuotaLimits lim{200, 20000, 1000000, 25000000};
  auto user = quota_for(1000, std::nullopt, lim);
  EXPECT_EQ(user.max_keys, 200u);
  EXPECT_EQ(user.max_bytes, 20000u);
  auto root = quota_for(0, std::nullopt, lim);
  EXPECT_EQ(root.max_keys, 1000000u);
  EXPECT_EQ(root.max_bytes, 25000000u);
  // The kernel's own line wins.
  KeyUserQuota line{1000, 5, 9, 10, 99};
  EXPECT_EQ(quota_for(1000, line, lim).max_keys, 9u);
}

TEST(Quota, ArithmeticMirrorsKeyAlloc) {
  KeyUserQuota q{1000, 199, 200, 19000, 20000};
  // desclen + 1 + datalen: 10 + 1 + 989 = 1000 fits exactly.
  EXPECT_TRUE(quota_fits(q, 10, 989));
  EXPECT_FALSE(quota_fits(q, 10, 990));
  q.keys = 200;
  EXPECT_FALSE(quota_fits(q, 1, 1));
}

// ---- classic failures -> findings ----

Subject subject(uint32_t uid) {
  Subject s;
  s.kind = SubjectKind::Self;
  s.pid = 42;
  s.uid = {uid, uid, uid, uid};
  s.gid = {uid, uid, uid, uid};
  return s;
}

KeyringFacts facts(uint32_t uid) {
  KeyringFacts f;
  f.self = true;
  f.proc_keys = true;
  f.syscalls.probed = true;
  f.syscalls.keyctl_err = EOPNOTSUPP;  // what the harmless probe gets past seccomp
  f.syscalls.add_key_err = EINVAL;
  f.syscalls.request_key_err = EINVAL;
  f.fsuid = uid;
  return f;
}

KeyProbe not_found(const std::string& desc) {
  KeyProbe k{desc};
  for (const char* r : {"@t", "@p", "@s", "@u"}) k.searches.push_back({r, "user", 0, ENOKEY});
  return k;
}

std::vector<std::string> ids(const std::vector<Finding>& v) {
  std::vector<std::string> out;
  for (const auto& f : v) out.push_back(f.id);
  return out;
}

TEST(Classify, ReadableKeyGivesNoFinding) {
  auto f = facts(1000);
  KeyProbe k{"app"};
  k.searches.push_back({"@s", "user", 5, 0});
  k.key = KeyInfo{5, "user", "app", 1000, 1000, 0x3f010000};
  f.keys.push_back(k);
  EXPECT_EQ(classify_key(f, k), KeyState::Readable);
  EXPECT_TRUE(explain_keyring(subject(1000), f, nullptr).empty());
}

TEST(Classify, NotFoundSaysHowToAddIt) {
  auto f = facts(1000);
  f.keys.push_back(not_found("app"));
  auto out = explain_keyring(subject(1000), f, nullptr);
  ASSERT_EQ(ids(out), std::vector<std::string>{"KEY-003"});
  EXPECT_EQ(out[0].fixes[0].command, "keyctl padd user \"app\" @u < identity.txt");
}

TEST(Classify, KeyInAnotherSessionIsNamedWithTheLinkFix) {
  auto f = facts(1000);
  KeyProbe k = not_found("app");
  k.elsewhere.push_back({77, "user", "app", 1000, 1000, 0x3f010000, "I--Q---", "perm"});
  k.elsewhere_holders.push_back(99);
  f.keys.push_back(k);
  EXPECT_EQ(classify_key(f, k), KeyState::OtherSession);
  auto out = explain_keyring(subject(1000), f, nullptr);
  ASSERT_EQ(ids(out), std::vector<std::string>{"KEY-004"});
  EXPECT_NE(out[0].explanation.find("keyring 99"), std::string::npos);
  EXPECT_EQ(out[0].fixes[0].command, "keyctl link 77 @u");
  EXPECT_EQ(out[0].fixes[1].command, "keyctl padd user \"app\" @u < identity.txt");
}

TEST(Classify, KeyOfAnotherUidInAnotherSessionSaysAddItAsTheProcessUser) {
  auto f = facts(33);
  KeyProbe k = not_found("app");
  k.elsewhere.push_back({77, "user", "app", 0, 0, 0x3f010000, "I--Q---", "perm"});
  k.elsewhere_holders.push_back(0);
  f.keys.push_back(k);
  auto out = explain_keyring(subject(33), f, nullptr);
  ASSERT_EQ(ids(out), std::vector<std::string>{"KEY-004"});
  EXPECT_NE(out[0].explanation.find("belongs to uid 0"), std::string::npos);
  EXPECT_EQ(out[0].fixes[0].command, "sudo -u \\#33 keyctl padd user \"app\" @u < identity.txt");
}

TEST(Classify, UserKeyringNotLinkedFromTheSession) {
  auto f = facts(1000);
  KeyProbe k;
  k.desc = "app";
  k.searches = {{"@s", "user", 0, ENOKEY}, {"@u", "user", 5, 0}};
  k.key = KeyInfo{5, "user", "app", 1000, 1000, 0x3f010000};
  k.read_err = EACCES;
  f.keys.push_back(k);
  EXPECT_EQ(classify_key(f, k), KeyState::UserNotLinked);
  auto out = explain_keyring(subject(1000), f, nullptr);
  ASSERT_EQ(ids(out), std::vector<std::string>{"KEY-005"});
  EXPECT_EQ(out[0].fixes[0].command, "keyctl link @u @s");
  EXPECT_EQ(out[0].fixes.back().command, "keyctl setperm 5 0x3f0b0000");
}

TEST(Classify, LogonKeyCanNeverBeRead) {
  auto f = facts(1000);
  KeyProbe k{"app"};
  k.searches.push_back({"@s", "logon", 5, 0});
  k.key = KeyInfo{5, "logon", "app", 1000, 1000, 0x3d010000};
  k.read_err = EOPNOTSUPP;
  f.keys.push_back(k);
  auto out = explain_keyring(subject(1000), f, nullptr);
  ASSERT_EQ(ids(out), std::vector<std::string>{"KEY-006"});
  EXPECT_NE(out[0].explanation.find("never be read"), std::string::npos);
}

TEST(Classify, WrongTypeElsewhere) {
  auto f = facts(1000);
  KeyProbe k = not_found("app");
  k.elsewhere.push_back({9, "keyring", "app", 1000, 1000, 0x3f010000});
  k.elsewhere_holders.push_back(0);
  f.keys.push_back(k);
  EXPECT_EQ(ids(explain_keyring(subject(1000), f, nullptr)), std::vector<std::string>{"KEY-007"});
}

TEST(Classify, NoReadPermissionGivesSetpermForTheRightClass) {
  auto f = facts(1000);
  KeyProbe k{"app", "123"};
  // Found by naming keyring 123 (--keyring): not possessed, so only the
  // class's own bits count. Owned by root, group 1000: the group byte.
  k.searches.push_back({"123", "user", 5, 0});
  k.key = KeyInfo{5, "user", "app", 0, 1000, 0x3f010900};
  k.read_err = EACCES;
  f.keys.push_back(k);
  EXPECT_EQ(classify_key(f, k), KeyState::NoRead);
  auto out = explain_keyring(subject(1000), f, nullptr);
  ASSERT_EQ(ids(out), std::vector<std::string>{"KEY-008"});
  EXPECT_NE(out[0].explanation.find("grants this process only: view search"), std::string::npos);
  EXPECT_EQ(out[0].fixes[0].command, "keyctl setperm 5 0x3f010b00");
  EXPECT_EQ(out[0].fixes[1].command, "keyctl chown 5 1000");
}

TEST(Perm, PossessionAddsThePossessorByte) {
  // A possessed key is readable through the possessor byte even when its
  // class has nothing (and keyctl_read_key reads any possessed key).
  KeyInfo k{5, "user", "app", 0, 0, 0x3f000000};
  EXPECT_EQ(key_granted(k, 1000, 1000, {}, true) & kKeyRead, kKeyRead);
  EXPECT_EQ(key_granted(k, 1000, 1000, {}, false), 0u);
}

TEST(Classify, ExpiredAndRevoked) {
  auto f = facts(1000);
  KeyProbe e = not_found("a");
  e.searches[2].err = EKEYEXPIRED;
  KeyProbe r = not_found("b");
  r.searches[2].err = EKEYREVOKED;
  f.keys = {e, r};
  EXPECT_EQ(ids(explain_keyring(subject(1000), f, nullptr)), (std::vector<std::string>{"KEY-009", "KEY-010"}));
}

TEST(Classify, DockerEpermBlocksEveryKey) {
  auto f = facts(1000);
  f.syscalls = {EPERM, EPERM, EPERM, true};
  f.keys.push_back(not_found("app"));
  EXPECT_EQ(classify_key(f, f.keys[0]), KeyState::SyscallBlocked);
  auto out = explain_keyring(subject(1000), f, nullptr);
  ASSERT_EQ(ids(out), std::vector<std::string>{"KEY-002"});
  EXPECT_NE(out[0].explanation.find("keyctl fails with EPERM"), std::string::npos);
}

TEST(Classify, PodmanEnosysOnlyWarnsAboutAdding) {
  auto f = facts(1000);
  f.syscalls = {EOPNOTSUPP, ENOSYS, ENOSYS, true};
  auto out = explain_keyring(subject(1000), f, nullptr);
  ASSERT_EQ(ids(out), std::vector<std::string>{"KEY-011"});
  EXPECT_EQ(out[0].severity, Severity::Warning);
}

TEST(Classify, EnosysWithoutSeccompAndWithoutProcKeysIsNoKernelSupport) {
  auto f = facts(1000);
  f.proc_keys = false;
  f.syscalls = {ENOSYS, ENOSYS, ENOSYS, true};
  EXPECT_EQ(ids(explain_keyring(subject(1000), f, nullptr)), std::vector<std::string>{"KEY-001"});
}

TEST(Classify, QuotaExhausted) {
  auto f = facts(4000123);
  f.quota = KeyUserQuota{4000123, 200, 200, 3000, 20000};
  auto out = explain_keyring(subject(4000123), f, nullptr);
  ASSERT_EQ(ids(out), std::vector<std::string>{"KEY-012"});
  EXPECT_EQ(out[0].fixes[1].command, "sysctl -w kernel.keys.maxkeys=400");
  f.quota = KeyUserQuota{4000123, 3, 200, 19900, 20000};
  out = explain_keyring(subject(4000123), f, nullptr);
  ASSERT_EQ(ids(out), std::vector<std::string>{"KEY-012"});
  EXPECT_EQ(out[0].fixes[1].command, "sysctl -w kernel.keys.maxbytes=40000");
}

TEST(Classify, OwnUserNamespaceWarns) {
  KeyringFacts f;  // another process: nothing probed by syscall
  f.proc_keys = true;
  f.own_user_ns = true;
  Subject s = subject(100000);
  s.kind = SubjectKind::Pid;
  s.uid_map = {{0, 100000, 65536}};
  s.gid_map = {{0, 100000, 65536}};
  auto out = explain_keyring(s, f, nullptr);
  ASSERT_EQ(ids(out), std::vector<std::string>{"KEY-013"});
  EXPECT_NE(out[0].fixes[0].command.find("nsenter -t 42 -U -S 0 -G 0"), std::string::npos);
}

TEST(Classify, AnotherProcessSaysWhatCannotBeKnown) {
  KeyringFacts f;
  f.proc_keys = true;
  KeyProbe k{"app", "@u"};
  k.via_helper = true;
  k.searches.push_back({"@u", "user", 0, ENOKEY});
  f.keys.push_back(k);
  Subject s = subject(1000);
  s.kind = SubjectKind::Pid;
  auto out = explain_keyring(s, f, nullptr);
  ASSERT_EQ(ids(out), std::vector<std::string>{"KEY-014"});
  EXPECT_NE(out[0].explanation.find("cannot be inspected from outside"), std::string::npos);
}

TEST(Catalog, EveryKeyFindingHasItsEntry) {
  for (int i = 1; i <= 14; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "KEY-%03d", i);
    EXPECT_NE(find_catalog_entry(id), nullptr) << id;
  }
}

TEST(Spec, KeyringSpecs) {
  EXPECT_EQ(parse_keyring_spec("@s"), -3);
  EXPECT_EQ(parse_keyring_spec("@u"), -4);
  EXPECT_EQ(parse_keyring_spec("123"), 123);
  EXPECT_FALSE(parse_keyring_spec("@x"));
  EXPECT_FALSE(parse_keyring_spec("-3"));
  EXPECT_FALSE(parse_keyring_spec(""));
}

}  // namespace
}  // namespace probe
