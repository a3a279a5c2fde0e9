// gather_subject() against real processes: the oracle is what the kernel
// and libcap-ng say about them. Root for the privileged cases.
#include <cap-ng.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "probe/caps.hpp"
#include "probe/probe.hpp"
#include "probe/subject.hpp"

namespace probe {
namespace {

// A child we started, stopped by its pid and reaped however the test ends.
class Child {
 public:
  template <class F>
  explicit Child(F body) {
    int p[2];
    EXPECT_EQ(pipe(p), 0);
    pid_ = fork();
    if (pid_ == 0) {
      close(p[0]);
      body(p[1]);  // writes one byte when ready
      for (;;) pause();
    }
    close(p[1]);
    char c;
    ready_ = read(p[0], &c, 1) == 1;
    close(p[0]);
  }
  ~Child() { stop(); }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }
  bool ready() const { return ready_; }

 private:
  pid_t pid_ = -1;
  bool ready_ = false;
};

void signal_ready(int fd) {
  char c = 1;
  if (write(fd, &c, 1) != 1) _exit(1);
  close(fd);
}

TEST(GatherSubject, SelfMatchesTheKernel) {
  auto live = gather_self();
  ASSERT_TRUE(live) << live.error().message();
  const Subject& s = live->subject;
  uid_t r, e, sv;
  ASSERT_EQ(getresuid(&r, &e, &sv), 0);
  EXPECT_EQ(s.uid.real, r);
  EXPECT_EQ(s.uid.effective, e);
  EXPECT_EQ(s.uid.saved, sv);
  EXPECT_EQ(s.kind, SubjectKind::Self);
  EXPECT_TRUE(s.securebits.has_value());
  EXPECT_FALSE(s.own_user_ns);
  EXPECT_FALSE(s.own_mount_ns);
  EXPECT_TRUE(live->still_same());
}

TEST(GatherSubject, CapabilitiesAgreeWithLibcapNgForAnotherProcess) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a child capabilities";
  Child child([](int ready) {
    // Effective: DAC_READ_SEARCH only; permitted also DAC_OVERRIDE.
    capng_clear(CAPNG_SELECT_BOTH);
    capng_update(CAPNG_ADD, CAPNG_PERMITTED, CAP_DAC_READ_SEARCH);
    capng_update(CAPNG_ADD, CAPNG_PERMITTED, CAP_DAC_OVERRIDE);
    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE, CAP_DAC_READ_SEARCH);
    if (capng_apply(CAPNG_SELECT_CAPS) != 0) _exit(1);
    signal_ready(ready);
  });
  ASSERT_TRUE(child.ready());
  auto live = gather_subject(child.pid());
  ASSERT_TRUE(live) << live.error().message();
  capng_clear(CAPNG_SELECT_BOTH);
  capng_setpid(child.pid());
  ASSERT_EQ(capng_get_caps_process(), 0);
  for (int c = 0; c <= last_cap(); ++c) {
    auto u = static_cast<unsigned>(c);
    EXPECT_EQ(has_cap(live->subject.caps.effective, c), capng_have_capability(CAPNG_EFFECTIVE, u) != 0) << c;
    EXPECT_EQ(has_cap(live->subject.caps.permitted, c), capng_have_capability(CAPNG_PERMITTED, u) != 0) << c;
  }
  EXPECT_EQ(live->subject.caps.effective, cap_bit(kCapDacReadSearch));
  capng_setpid(static_cast<int>(getpid()));
}

TEST(GatherSubject, CommWithSpacesAndParens) {
  Child child([](int ready) {
    prctl(PR_SET_NAME, "a) (b c", 0, 0, 0);
    signal_ready(ready);
  });
  ASSERT_TRUE(child.ready());
  auto live = gather_subject(child.pid());
  ASSERT_TRUE(live) << live.error().message();
  EXPECT_EQ(live->subject.comm, "a) (b c");
}

TEST(GatherSubject, UserNamespaceWithPartialMaps) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to write another process's id maps";
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  Child child([&](int ready) {
    close(go[1]);
    if (unshare(CLONE_NEWUSER) != 0) _exit(1);
    signal_ready(ready);
    char c;
    if (read(go[0], &c, 1) != 1) _exit(1);  // maps written
    for (;;) pause();
  });
  close(go[0]);
  ASSERT_TRUE(child.ready());
  std::string proc = "/proc/" + std::to_string(child.pid());
  std::ofstream(proc + "/uid_map") << "0 100000 10\n1000 1000 1\n";
  std::ofstream(proc + "/setgroups") << "deny";
  std::ofstream(proc + "/gid_map") << "0 100000 10\n";
  char c = 1;
  ASSERT_EQ(write(go[1], &c, 1), 1);
  close(go[1]);
  auto live = gather_subject(child.pid());
  ASSERT_TRUE(live) << live.error().message();
  const Subject& s = live->subject;
  EXPECT_TRUE(s.own_user_ns);
  ASSERT_EQ(s.uid_map.size(), 2u);
  EXPECT_EQ(s.uid_map[0], (IdMapRange{0, 100000, 10}));
  EXPECT_EQ(s.uid_map[1], (IdMapRange{1000, 1000, 1}));
  EXPECT_TRUE(id_is_mapped(s.uid_map, 100009));
  EXPECT_FALSE(id_is_mapped(s.uid_map, 0));
  EXPECT_EQ(s.gid_map.size(), 1u);
  EXPECT_EQ(s.uid.fs, 0u);  // its kuid is still root, unmapped inside
}

TEST(GatherSubject, ExitAndReuseAreNoticedNotReported) {
  Child child([](int ready) { signal_ready(ready); });
  ASSERT_TRUE(child.ready());
  auto live = gather_subject(child.pid());
  ASSERT_TRUE(live) << live.error().message();
  EXPECT_TRUE(live->still_same());
  // Another process under the same pid has another start time.
  LiveSubject& l = *live;
  l.subject.start_time += 1;
  auto reused = l.still_same();
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, ESRCH);
  l.subject.start_time -= 1;
  child.stop();
  auto gone = l.still_same();
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ESRCH);
}

TEST(GatherSubject, ExitMidProbeStopsBeforeAnyTargetIsHandedOut) {
  Child child([](int ready) { signal_ready(ready); });
  ASSERT_TRUE(child.ready());
  auto live = gather_subject(child.pid());
  ASSERT_TRUE(live) << live.error().message();
  auto session = Session::start(live->subject, &*live, {});
  ASSERT_TRUE(session) << session.error().message();
  child.stop();  // it exits after gather, before the walk
  int handed_out = 0;
  auto done = probe_each(**session, {{"/etc/hostname"}, {"/etc/passwd"}},
                         [&](const Target&, const std::vector<Finding>&, int) { ++handed_out; });
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, ESRCH);
  EXPECT_EQ(handed_out, 0);
}

void* sleep_forever(void*) {
  for (;;) pause();
  return nullptr;
}

TEST(GatherSubject, MainThreadExitedIsStillALiveProcess) {
  // The leader shows state Z and its own links are gone, but the process
  // lives on in its other thread: gather through that thread.
  Child child([](int ready) {
    pthread_t t;
    if (pthread_create(&t, nullptr, sleep_forever, nullptr) != 0) _exit(1);
    signal_ready(ready);
    // exit(2) of this thread only; pthread_exit() would unwind into gtest.
    syscall(SYS_exit, 0);
  });
  ASSERT_TRUE(child.ready());
  std::string stat;
  for (int i = 0; i < 200; ++i) {  // until the leader has exited
    std::ifstream f("/proc/" + std::to_string(child.pid()) + "/stat");
    std::getline(f, stat);
    if (stat.find(") Z ") != std::string::npos) break;
    usleep(5000);
  }
  ASSERT_NE(stat.find(") Z "), std::string::npos) << stat;
  auto live = gather_subject(child.pid());
  ASSERT_TRUE(live) << live.error().message();
  EXPECT_NE(live->root_name, "root");
  EXPECT_EQ(live->subject.root, "/");
  EXPECT_TRUE(live->still_same());
}

TEST(GatherSubject, ZombieAndMissingProcess) {
  pid_t z = fork();
  if (z == 0) _exit(0);
  // Wait until it is a zombie (state Z) without reaping it.
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, static_cast<id_t>(z), &info, WEXITED | WNOWAIT), 0);
  auto zombie = gather_subject(z);
  EXPECT_FALSE(zombie);
  if (!zombie) {
    EXPECT_EQ(zombie.error().code, ESRCH);
  }
  waitpid(z, nullptr, 0);
  auto none = gather_subject(z);  // reaped: no such process now
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ESRCH);
}

TEST(GatherSubject, TooLittlePrivilegeIsAnErrorNotData) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to start a root process and drop to another uid";
  Child target([](int ready) { signal_ready(ready); });
  ASSERT_TRUE(target.ready());
  pid_t probe_pid = fork();
  if (probe_pid == 0) {
    if (setgroups(0, nullptr) != 0 || setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
      _exit(2);
    auto live = gather_subject(target.pid());
    _exit(live ? 0 : (live.error().code == EACCES || live.error().code == EPERM) ? 3 : 4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(probe_pid, &status, 0), probe_pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
}

}  // namespace
}  // namespace probe
