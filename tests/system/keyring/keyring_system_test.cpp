// The keyring probe against real keyrings. Every scenario runs in a forked
// child that first joins a new session keyring of its own
// (KEYCTL_JOIN_SESSION_KEYRING), so nothing touches the tester's keyrings;
// keys put in a test uid's user keyring are invalidated before the child
// exits. The child reports the key's state and finding IDs through a pipe.
#include <grp.h>
#include <gtest/gtest.h>
#include <keyutils.h>
#include <seccomp.h>
#include <signal.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "probe/keyring.hpp"
#include "probe/subject.hpp"

namespace probe {
namespace {

// High uids no account uses (each scenario its own, so quotas never mix).
constexpr uid_t kNoReadUid = 4000124, kQuotaUid = 4000123, kUserRingUid = 4000125, kHelperUid = 4000126,
              kUsernsUid = 4000127;

std::string unique(const std::string& what) { return "cfgprobe-test:" + what + ":" + std::to_string(::getpid()); }

// Runs fn in a child with its own session keyring; returns what fn said.
std::string in_child(const std::function<std::string()>& fn) {
  int p[2];
  if (::pipe(p) != 0) return "pipe failed";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    std::string out = keyctl_join_session_keyring(nullptr) < 0 ? "join failed" : fn();
    [[maybe_unused]] ssize_t w = ::write(p[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(p[1]);
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
  ::close(p[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  return text;
}

Subject self_subject() {
  auto s = gather_self();
  return s ? s->subject : Subject{};
}

// "state|ID ID ..." for one key as this process sees it.
std::string report(const std::string& desc, const std::string& ring = "") {
  auto f = gather_keyring_self({desc}, ring);
  std::string out = std::string(key_state_name(classify_key(f, f.keys[0]))) + "|";
  for (const auto& x : explain_keyring(self_subject(), f, nullptr)) out += x.id + " ";
  return out;
}

bool drop_to(uid_t uid) {
  return ::setgroups(0, nullptr) == 0 && ::setresgid(uid, uid, uid) == 0 && ::setresuid(uid, uid, uid) == 0;
}

class Keyring : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (test uids, seccomp filters in children)";
    if (keyctl_get_keyring_ID(KEY_SPEC_SESSION_KEYRING, 0) < 0 && errno == ENOSYS) GTEST_SKIP() << "no CONFIG_KEYS";
  }
};

TEST_F(Keyring, KeyInOwnSessionIsReadable) {
  std::string d = unique("own");
  auto out = in_child([&] {
    if (add_key("user", d.c_str(), "AGE-SECRET-KEY-1", 16, KEY_SPEC_SESSION_KEYRING) < 0) return std::string("add");
    return report(d);
  });
  EXPECT_EQ(out, "readable|");
}

TEST_F(Keyring, KeyInAnotherSessionKeyringIsNamedAsSuch) {
  std::string d = unique("other");
  auto out = in_child([&] {
    key_serial_t id = add_key("user", d.c_str(), "x", 1, KEY_SPEC_SESSION_KEYRING);
    key_serial_t first = keyctl_get_keyring_ID(KEY_SPEC_SESSION_KEYRING, 0);
    // A "service" started from here gets a session keyring of its own.
    std::string inner = in_child([&] { return report(d); });
    auto f = in_child([&] {
      auto facts = gather_keyring_self({d});
      auto x = explain_keyring(self_subject(), facts, nullptr);
      return x.empty() ? std::string("none") : x[0].explanation + "\n" + x[0].fixes[0].command;
    });
    return inner + "\n" + f + "\n" + std::to_string(id) + " " + std::to_string(first);
  });
  EXPECT_EQ(out.substr(0, out.find('\n')), "in another session keyring|KEY-004 ");
  std::string ids = out.substr(out.rfind('\n') + 1);
  std::string key_id = ids.substr(0, ids.find(' ')), ring = ids.substr(ids.find(' ') + 1);
  EXPECT_NE(out.find("is linked from keyring " + ring), std::string::npos) << out;
  EXPECT_NE(out.find("keyctl link " + key_id + " @u"), std::string::npos) << out;
}

TEST_F(Keyring, NoReadPermissionForTheUid) {
  std::string d = unique("noread");
  auto out = in_child([&] {
    // A keyring anyone may search, holding a key others may find but not read.
    key_serial_t ring = add_key("keyring", unique("ring").c_str(), nullptr, 0, KEY_SPEC_SESSION_KEYRING);
    key_serial_t id = add_key("user", d.c_str(), "x", 1, ring);
    if (ring < 0 || id < 0 || keyctl_setperm(ring, 0x3f3f0009) < 0 || keyctl_setperm(id, 0x3f010009) < 0)
      return std::string("setup");
    return in_child([&] {
      // New session after the uid change: the key is not possessed.
      if (!drop_to(kNoReadUid) || keyctl_join_session_keyring(nullptr) < 0) return std::string("drop");
      return report(d, std::to_string(ring));
    });
  });
  EXPECT_EQ(out, "not readable (permissions)|KEY-008 ");
}

TEST_F(Keyring, LogonKeyIsNeverReadable) {
  std::string d = unique("logon");
  auto out = in_child([&] {
    if (add_key("logon", d.c_str(), "x", 1, KEY_SPEC_SESSION_KEYRING) < 0) return std::string("add");
    auto f = gather_keyring_self({d});
    return report(d) + std::to_string(f.keys[0].read_err == EOPNOTSUPP);
  });
  EXPECT_EQ(out, "a logon key (never readable from user space)|KEY-006 1");
}

TEST_F(Keyring, ExpiredKey) {
  std::string d = unique("expired");
  auto out = in_child([&] {
    key_serial_t id = add_key("user", d.c_str(), "x", 1, KEY_SPEC_SESSION_KEYRING);
    if (id < 0 || keyctl_set_timeout(id, 1) < 0) return std::string("setup");
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    return report(d);
  });
  EXPECT_EQ(out, "expired|KEY-009 ");
}

TEST_F(Keyring, RevokedKey) {
  std::string d = unique("revoked");
  auto out = in_child([&] {
    key_serial_t id = add_key("user", d.c_str(), "x", 1, KEY_SPEC_SESSION_KEYRING);
    if (id < 0 || keyctl_revoke(id) < 0) return std::string("setup");
    return report(d);
  });
  EXPECT_EQ(out, "revoked|KEY-010 ");
}

TEST_F(Keyring, UserKeyringNotLinkedFromTheSession) {
  std::string d = unique("userring");
  auto out = in_child([&] {
    if (!drop_to(kUserRingUid) || keyctl_join_session_keyring(nullptr) < 0) return std::string("drop");
    key_serial_t id = add_key("user", d.c_str(), "x", 1, KEY_SPEC_USER_KEYRING);
    if (id < 0) return std::string("add");
    std::string r = report(d);
    // A fresh anonymous session does not link @u; linking it fixes it.
    keyctl_link(KEY_SPEC_USER_KEYRING, KEY_SPEC_SESSION_KEYRING);
    r += "\n" + report(d);
    keyctl_invalidate(id);  // @u outlives this process: leave nothing
    return r;
  });
  EXPECT_EQ(out, "in the user keyring, which the session keyring does not link|KEY-005 \nreadable|");
}

TEST_F(Keyring, QuotaExhaustedForATestUid) {
  auto out = in_child([&] {
    if (!drop_to(kQuotaUid) || keyctl_join_session_keyring(nullptr) < 0) return std::string("drop");
    // Big keys, then one-byte ones, until the kernel says EDQUOT both
    // times: what is left is less than any identity needs.
    int added = 0;
    for (size_t size : {500, 1}) {
      std::string payload(size, 'x');
      for (; added < 100000; ++added) {
        std::string d = "cfgprobe-test:quota:" + std::to_string(added);
        if (add_key("user", d.c_str(), payload.data(), payload.size(), KEY_SPEC_SESSION_KEYRING) < 0) break;
      }
    }
    std::string why = errno == EDQUOT ? "EDQUOT" : "errno " + std::to_string(errno);
    auto f = gather_keyring_self({});
    std::string ids;
    for (const auto& x : explain_keyring(self_subject(), f, nullptr)) ids += x.id + " ";
    return why + "|" + ids;  // the session keyring and its keys go with this process
  });
  EXPECT_EQ(out, "EDQUOT|KEY-012 ");
}

std::string under_filter(int keyctl_errno, int add_errno, bool kill = false) {
  return in_child([&] {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (kill) seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(keyctl), 0);
    if (keyctl_errno) seccomp_rule_add(ctx, SCMP_ACT_ERRNO(keyctl_errno), SCMP_SYS(keyctl), 0);
    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(add_errno), SCMP_SYS(add_key), 0);
    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(add_errno), SCMP_SYS(request_key), 0);
    int rc = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rc != 0) return std::string("seccomp_load");
    return report(unique("filtered"));
  });
}

TEST_F(Keyring, DockerLikeFilterEperm) {
  EXPECT_EQ(under_filter(EPERM, EPERM), "keyctl blocked|KEY-002 ");
}

TEST_F(Keyring, KillingFilterDoesNotKillTheProbe) {
  // systemd's SystemCallFilter= kills by default: the probe's own calls run
  // in a child of its own, and the probe lives to say so.
  EXPECT_EQ(under_filter(0, EPERM, true), "keyctl blocked|KEY-002 ");
}

TEST_F(Keyring, PodmanLikeFilterEnosysForAddKeyOnly) {
  // keyctl still works: the key is simply not there; adding is what fails.
  EXPECT_EQ(under_filter(0, ENOSYS), "not found|KEY-011 KEY-003 ");
}

TEST_F(Keyring, AnotherProcessThroughTheHelper) {
  std::string d = unique("helper");
  int go[2], ready[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(go[1]);
    ::close(ready[0]);
    key_serial_t id = -1;
    if (drop_to(kHelperUid) && keyctl_join_session_keyring(nullptr) >= 0)
      id = add_key("user", d.c_str(), "x", 1, KEY_SPEC_USER_KEYRING);
    char c = id >= 0 ? 'y' : 'n';
    [[maybe_unused]] ssize_t w = ::write(ready[1], &c, 1);
    [[maybe_unused]] ssize_t r = ::read(go[0], &c, 1);  // until the parent is done
    // Invalidating needs search permission: possess the key first (@u in
    // the session). @u outlives this process: leave nothing in it.
    keyctl_link(KEY_SPEC_USER_KEYRING, KEY_SPEC_SESSION_KEYRING);
    if (id >= 0) keyctl_invalidate(id);
    ::_exit(0);
  }
  ::close(go[0]);
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  std::string state, ids, missing_ids;
  if (c == 'y') {
    auto live = gather_subject(pid);
    if (live) {
      auto f = gather_keyring(*live, {d, unique("absent")});
      state = key_state_name(classify_key(f, f.keys[0]));
      for (const auto& x : explain_keyring(live->subject, f, nullptr)) ids += x.id + " ";
      EXPECT_TRUE(f.keys[0].via_helper);
      EXPECT_NE(f.keys[0].key, std::nullopt);
      if (f.keys[0].key) {
        EXPECT_EQ(f.keys[0].key->uid, kHelperUid);
      }
    }
  }
  ::close(go[1]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  ASSERT_EQ(c, 'y');
  EXPECT_EQ(in_child([&] {
              if (!drop_to(kHelperUid)) return std::string("drop");
              keyctl_link(KEY_SPEC_USER_KEYRING, KEY_SPEC_SESSION_KEYRING);
              return std::to_string(keyctl_search(KEY_SPEC_USER_KEYRING, "user", d.c_str(), 0) < 0);
            }),
            "1")
      << "the test key was left in uid " << kHelperUid << "'s user keyring";
  // Found in its user keyring; readable only with possession, which
  // depends on its session keyring: said, not guessed.
  EXPECT_EQ(state, "unknown");
  EXPECT_EQ(ids, "KEY-014 KEY-014 ");
}

// A process in its own user namespace (root inside = kuid 4000127): its @u
// is that namespace's. The probe says so, and the helper joins the
// namespace to find the key there.
TEST_F(Keyring, OwnUserNamespaceHasItsOwnUserKeyring) {
  std::string d = unique("userns");
  int go[2], mapped[2], ready[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(mapped), 0);
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(go[1]);
    ::close(mapped[1]);
    ::close(ready[0]);
    char c = 'n';
    key_serial_t id = -1;
    if (keyctl_join_session_keyring(nullptr) >= 0 && ::unshare(CLONE_NEWUSER) == 0) {
      [[maybe_unused]] ssize_t w = ::write(ready[1], "u", 1);
      if (::read(mapped[0], &c, 1) == 1 && ::setresgid(0, 0, 0) == 0 && ::setresuid(0, 0, 0) == 0)
        id = add_key("user", d.c_str(), "x", 1, KEY_SPEC_USER_KEYRING);
    }
    c = id >= 0 ? 'y' : 'n';
    [[maybe_unused]] ssize_t w = ::write(ready[1], &c, 1);
    [[maybe_unused]] ssize_t r = ::read(go[0], &c, 1);
    keyctl_link(KEY_SPEC_USER_KEYRING, KEY_SPEC_SESSION_KEYRING);  // possess it to invalidate it
    if (id >= 0) keyctl_invalidate(id);
    ::_exit(0);
  }
  ::close(go[0]);
  ::close(mapped[0]);
  ::close(ready[1]);
  char c = 0;
  bool unshared = ::read(ready[0], &c, 1) == 1 && c == 'u';
  if (unshared) {
    std::string base = "/proc/" + std::to_string(pid);
    std::ofstream(base + "/setgroups") << "deny";
    std::ofstream(base + "/uid_map") << "0 " << kUsernsUid << " 1\n";
    std::ofstream(base + "/gid_map") << "0 " << kUsernsUid << " 1\n";
    [[maybe_unused]] ssize_t w = ::write(mapped[1], "m", 1);
  }
  ::close(mapped[1]);
  bool added = unshared && ::read(ready[0], &c, 1) == 1 && c == 'y';
  std::string ids, state;
  bool own = false;
  std::optional<uint32_t> found_uid;
  if (added) {
    auto live = gather_subject(pid);
    if (live) {
      auto f = gather_keyring(*live, {d});
      own = f.own_user_ns;
      state = key_state_name(classify_key(f, f.keys[0]));
      for (const auto& x : explain_keyring(live->subject, f, nullptr)) ids += x.id + " ";
      if (!f.keys[0].helper_error.empty()) state += " " + f.keys[0].helper_error;
      if (f.keys[0].key) found_uid = f.keys[0].key->uid;
    }
  }
  ::close(go[1]);
  ::close(ready[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  ASSERT_TRUE(unshared) << "unshare(CLONE_NEWUSER) failed";
  ASSERT_TRUE(added);
  EXPECT_TRUE(own);
  // Not on the host: the root user keyring of this process has no such key.
  EXPECT_LT(keyctl_search(KEY_SPEC_USER_KEYRING, "user", d.c_str(), 0), 0);
  // The helper, inside the namespace as its uid 0, finds it in that @u;
  // readable there only with possession (default perms), which depends on
  // the process's session keyring.
  EXPECT_EQ(state, "unknown");
  EXPECT_EQ(found_uid, std::optional<uint32_t>(0));  // as the namespace sees its owner
  EXPECT_EQ(ids, "KEY-013 KEY-014 ");
}

}  // namespace
}  // namespace probe
