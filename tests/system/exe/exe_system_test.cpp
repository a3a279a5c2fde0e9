// gather_exe() and the exe findings against real processes. Every process
// is stopped by its pid and every file removed, however a test ends.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "probe/exe.hpp"
#include "probe/probe.hpp"
#include "probe/subject.hpp"

namespace probe {
namespace {

namespace fs = std::filesystem;
constexpr const char* kSleep = "/bin/sleep";

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/cfgprobe-exe-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;  // best effort: the test has reported already
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A process we forked, killed by its pid and reaped however the test ends.
class Proc {
 public:
  explicit Proc(const std::function<void()>& child) {
    pid_ = ::fork();
    if (pid_ == 0) {
      child();
      _exit(127);
    }
  }
  ~Proc() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

std::string readlink_str(const std::string& p, int* err = nullptr) {
  char buf[4096];
  ssize_t n = ::readlink(p.c_str(), buf, sizeof buf);
  if (err) *err = n < 0 ? errno : 0;
  return n < 0 ? std::string() : std::string(buf, static_cast<size_t>(n));
}

// Polls until cond holds (5 s at most).
bool wait_until(const std::function<bool()>& cond) {
  for (int i = 0; i < 500; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Until the child has exec'd: its exe is no longer ours.
bool wait_exec(pid_t pid) {
  std::string self = readlink_str("/proc/self/exe");
  return wait_until([&] {
    std::string l = readlink_str("/proc/" + std::to_string(pid) + "/exe");
    return !l.empty() && l != self;
  });
}

void exec_sleep(const std::string& path) {
  char* argv[] = {const_cast<char*>("app"), const_cast<char*>("1000"), nullptr};
  ::execv(path.c_str(), argv);
}

bool copy_exe(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  return !ec && ::chmod(to.c_str(), 0755) == 0;
}

bool drop_to_nobody() { return ::setgroups(0, nullptr) == 0 && ::setgid(65534) == 0 && ::setuid(65534) == 0; }

bool has(const std::vector<Finding>& fs, const std::string& id) {
  for (const auto& f : fs)
    if (f.id == id) return true;
  return false;
}

ExeFacts gather_pid(pid_t pid, LiveSubject* keep = nullptr) {
  auto live = gather_subject(pid);
  EXPECT_TRUE(live) << live.error().message();
  if (!live) return {};
  ExeFacts f = gather_exe(*live);
  if (keep) *keep = std::move(*live);
  return f;
}

// gather_exe_dir() through a Session, as `cfgprobe inspect` would.
void probe_exe_dir(LiveSubject& live, ExeFacts& f) {
  auto session = Session::start(live.subject, &live, {});
  ASSERT_TRUE(session) << session.error().message();
  gather_exe_dir(**session, f);
  ASSERT_TRUE(f.dir);
}

TEST(ExeSystem, SelfIsHealthy) {
  auto live = gather_self();
  ASSERT_TRUE(live) << live.error().message();
  ExeFacts f = gather_exe(*live);
  std::string self = readlink_str("/proc/self/exe");
  EXPECT_EQ(classify_exe(f), ExeState::Ok);
  EXPECT_EQ(f.link, self);
  EXPECT_EQ(exe_dir(f), fs::path(self).parent_path().string());
  EXPECT_TRUE(f.running && f.running == f.in_root && f.running == f.on_host);
  EXPECT_GE(f.threads, 1);
  auto out = explain_exe(live->subject, f);
  for (const char* id : {"EXE-001", "EXE-002", "EXE-003", "EXE-004", "EXE-005", "EXE-008"}) EXPECT_FALSE(has(out, id)) << id;
}

TEST(ExeSystem, DeletedBinary) {
  TempDir tmp;
  std::string app = tmp.path() + "/app";
  ASSERT_TRUE(copy_exe(kSleep, app));
  Proc p([&] { exec_sleep(app); });
  ASSERT_TRUE(wait_exec(p.pid()));
  ASSERT_EQ(::unlink(app.c_str()), 0);
  LiveSubject live;
  ExeFacts f = gather_pid(p.pid(), &live);
  EXPECT_EQ(f.link, app + " (deleted)");
  EXPECT_EQ(classify_exe(f), ExeState::Deleted);
  EXPECT_EQ(f.in_root_err, ENOENT);
  EXPECT_EQ(f.argv0, "app");
  ASSERT_NO_FATAL_FAILURE(probe_exe_dir(live, f));
  EXPECT_EQ(f.dir->dir, tmp.path());
  EXPECT_TRUE(f.dir->searchable);
  auto out = explain_exe(live.subject, f);
  EXPECT_TRUE(has(out, "EXE-001"));
  EXPECT_TRUE(has(out, "EXE-006"));  // argv[0] "app"
  EXPECT_FALSE(has(out, "EXE-002"));
  EXPECT_NE(render_text_exe(f, false).find("DELETED"), std::string::npos);
}

TEST(ExeSystem, ReplacedBinary) {
  TempDir tmp;
  std::string app = tmp.path() + "/app";
  ASSERT_TRUE(copy_exe(kSleep, app));
  Proc p([&] { exec_sleep(app); });
  ASSERT_TRUE(wait_exec(p.pid()));
  // What a package manager does: write the new file, rename it over.
  ASSERT_TRUE(copy_exe(kSleep, app + ".new"));
  ASSERT_EQ(::rename((app + ".new").c_str(), app.c_str()), 0);
  ExeFacts f = gather_pid(p.pid());
  EXPECT_EQ(classify_exe(f), ExeState::Replaced);
  ASSERT_TRUE(f.running && f.in_root);
  EXPECT_NE(*f.running, *f.in_root);
  Subject s;
  s.unit = "app.service";
  auto out = explain_exe(s, f);
  ASSERT_TRUE(has(out, "EXE-002"));
  EXPECT_FALSE(has(out, "EXE-001"));
}

TEST(ExeSystem, MemfdBinary) {
  UniqueFd src(::open(kSleep, O_RDONLY | O_CLOEXEC));
  UniqueFd mem(::memfd_create("cfgprobe-exe-test", MFD_CLOEXEC));
  ASSERT_TRUE(src && mem);
  char buf[65536];
  for (ssize_t n; (n = ::read(src.get(), buf, sizeof buf)) > 0;) ASSERT_EQ(::write(mem.get(), buf, n), n);
  Proc p([&] {
    char* argv[] = {const_cast<char*>("app"), const_cast<char*>("1000"), nullptr};
    ::fexecve(mem.get(), argv, environ);
  });
  ASSERT_TRUE(wait_exec(p.pid()));
  ExeFacts f = gather_pid(p.pid());
  EXPECT_EQ(f.link, "/memfd:cfgprobe-exe-test (deleted)");
  EXPECT_EQ(classify_exe(f), ExeState::Memfd);
  EXPECT_EQ(exe_dir(f), std::nullopt);
  auto out = explain_exe(Subject{}, f);
  EXPECT_TRUE(has(out, "EXE-003"));
  EXPECT_FALSE(has(out, "EXE-001"));
}

TEST(ExeSystem, BinaryOnlyInItsOwnMountNamespace) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a mount namespace";
  TempDir tmp;
  std::string dir = tmp.path() + "/ns";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  Proc p([&] {
    if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return;
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "mode=0755") != 0) return;
    if (copy_exe(kSleep, dir + "/app")) exec_sleep(dir + "/app");
  });
  ASSERT_TRUE(wait_exec(p.pid()));
  LiveSubject live;
  ExeFacts f = gather_pid(p.pid(), &live);
  EXPECT_TRUE(f.own_mount_ns);
  EXPECT_EQ(f.link, dir + "/app");
  EXPECT_EQ(f.on_host_err, ENOENT);
  ASSERT_TRUE(f.in_root);
  EXPECT_EQ(f.in_root, f.running);
  EXPECT_EQ(classify_exe(f), ExeState::Ok);
  ASSERT_NO_FATAL_FAILURE(probe_exe_dir(live, f));
  EXPECT_TRUE(f.dir->searchable);
  EXPECT_EQ(f.dir->verdict, Verdict::Allowed);
  EXPECT_TRUE(has(explain_exe(live.subject, f), "EXE-005"));
}

void* sleep_forever(void*) {
  for (;;) ::pause();
}

TEST(ExeSystem, MainThreadExited) {
  Proc p([] {
    pthread_t t;
    // exit(2) of this thread only, as pthread_exit() ends; without its
    // forced unwinding, which gtest's catch (...) would swallow in the child.
    if (::pthread_create(&t, nullptr, sleep_forever, nullptr) == 0) ::syscall(SYS_exit, 0);
  });
  std::string exe = "/proc/" + std::to_string(p.pid()) + "/exe";
  int err = 0;
  ASSERT_TRUE(wait_until([&] { return readlink_str(exe, &err).empty() && err == ENOENT; }));
  UniqueFd dir(::open(("/proc/" + std::to_string(p.pid())).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(dir);
  ExeFacts f = gather_exe_at(dir.get(), p.pid());
  EXPECT_EQ(f.link_err, ENOENT);
  EXPECT_EQ(classify_exe(f), ExeState::MainThreadExited);
  EXPECT_NE(f.via_thread, 0);
  EXPECT_EQ(f.via_thread_link, readlink_str("/proc/self/exe"));
  EXPECT_EQ(f.state, 'Z');
  EXPECT_TRUE(has(explain_exe(Subject{}, f), "EXE-004"));
}

TEST(ExeSystem, PtraceReadDeniedToAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop to uid 65534";
  Proc target([] {
    for (;;) ::pause();
  });
  int pipefd[2];
  ASSERT_EQ(::pipe2(pipefd, O_CLOEXEC), 0);
  Proc inspector([&] {
    int result[2] = {-1, 0};
    if (drop_to_nobody()) {
      UniqueFd dir(::open(("/proc/" + std::to_string(target.pid())).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
      ExeFacts f = gather_exe_at(dir.get(), target.pid());
      auto out = explain_exe(Subject{}, f);
      result[0] = f.link_err;
      result[1] = !out.empty() && out[0].id == "EXE-008" &&
                  out[0].explanation.find("another user's process needs CAP_SYS_PTRACE") != std::string::npos;
    }
    if (::write(pipefd[1], result, sizeof result) != sizeof result) _exit(1);
    _exit(0);
  });
  ::close(pipefd[1]);
  int result[2] = {};
  ASSERT_EQ(::read(pipefd[0], result, sizeof result), static_cast<ssize_t>(sizeof result));
  ::close(pipefd[0]);
  EXPECT_EQ(result[0], EACCES);
  EXPECT_EQ(result[1], 1);
}

TEST(ExeSystem, DirectoryOfTheExecutableNotSearchable) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run a child as uid 65534";
  TempDir tmp;
  std::string bin = tmp.path() + "/bin";
  ASSERT_EQ(::chmod(tmp.path().c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(bin.c_str(), 0755), 0);
  ASSERT_TRUE(copy_exe(kSleep, bin + "/app"));
  Proc p([&] {
    if (drop_to_nobody()) exec_sleep(bin + "/app");
  });
  ASSERT_TRUE(wait_exec(p.pid()));
  ASSERT_EQ(::chmod(bin.c_str(), 0700), 0);  // after the exec: it keeps running
  LiveSubject live;
  ExeFacts f = gather_pid(p.pid(), &live);
  ASSERT_NO_FATAL_FAILURE(probe_exe_dir(live, f));
  EXPECT_FALSE(f.dir->searchable);
  EXPECT_EQ(f.dir->blocked_at, bin);
  EXPECT_TRUE(has(explain_exe(live.subject, f), "EXE-009"));
}

}  // namespace
}  // namespace probe
