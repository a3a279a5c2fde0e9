// `cfgprobe preflight` end to end: it execs in place (same pid, same
// parent), fails closed (the command never runs), checks as the user and
// with the capabilities the app will have after the exec, decrypts into a
// private $CREDENTIALS_DIRECTORY on a tmpfs, leaks no fds, and in a
// simulated container (new user + mount + pid namespaces) with Docker's
// default seccomp profile names the blocked keyring before exec.
// Root only (GTEST_SKIP otherwise). Each test runs in its own session
// keyring and removes what it made.
//
// Environment (tests/cli/meson.build): CFGPROBE_BIN, CFGPROBE_SOURCE_ROOT.
#include <fcntl.h>
#include <keyutils.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../system/seccomp/scmp_profile.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr uid_t kApp = 4000123, kOther = 4000124;

std::string bin() {
  const char* b = std::getenv("CFGPROBE_BIN");
  return b ? b : "cfgprobe";
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

void spit(const std::string& path, const std::string& text, mode_t mode = 0644) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  ::chmod(path.c_str(), mode);
}

struct Ran {
  int status = -1;  // exit status, or 128 + signal
  std::string out, err;
  pid_t pid = 0;
};

std::ostream& operator<<(std::ostream& o, const Ran& r) {
  return o << "exit " << r.status << "\n--- stdout\n" << r.out << "--- stderr\n" << r.err;
}

// Runs argv with stdout/stderr into files of dir; extra "K=V" added to the
// environment. prepare runs in the child before the exec.
Ran run(const std::string& dir, const std::vector<std::string>& argv, const std::vector<std::string>& extra = {},
        const std::function<void()>& prepare = {}) {
  std::string o = dir + "/.out", e = dir + "/.err";
  Ran r;
  r.pid = ::fork();
  if (r.pid == 0) {
    int fo = ::open(o.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), fe = ::open(e.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fo, 1);
    ::dup2(fe, 2);
    ::close(fo);
    ::close(fe);
    int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    ::close(null);
    for (const auto& kv : extra) ::putenv(const_cast<char*>(kv.c_str()));
    if (prepare) prepare();
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    ::execv(a[0], a.data());
    _exit(127);
  }
  int st = 0;
  ::waitpid(r.pid, &st, 0);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = slurp(o);
  r.err = slurp(e);
  return r;
}

std::vector<std::string> preflight(std::vector<std::string> args) {
  args.insert(args.begin(), {bin(), "preflight"});
  return args;
}

bool contains(const std::string& h, const std::string& n) { return h.find(n) != std::string::npos; }

std::set<std::string> ids_of(const json& j) {
  std::set<std::string> s;
  for (const auto& f : j["findings"]) s.insert(f["id"].get<std::string>());
  return s;
}

std::set<std::string> credential_dirs() {
  std::set<std::string> out;
  for (const char* root : {"/run", "/dev/shm"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root, ec))
      if (e.path().filename().string().rfind("cfgprobe-credentials.", 0) == 0) out.insert(e.path());
  }
  return out;
}

class Preflight : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (--user, file ownership)";
    char t[] = "/tmp/cfgprobe-preflight-XXXXXX";
    ASSERT_NE(::mkdtemp(t), nullptr);
    dir_ = t;
    ::chmod(dir_.c_str(), 0755);
    ASSERT_GE(keyctl_join_session_keyring(nullptr), 0) << std::strerror(errno);
    before_ = credential_dirs();
  }
  void TearDown() override {
    for (const auto& d : credential_dirs())
      if (!before_.count(d)) fs::remove_all(d);
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string p(const std::string& name) const { return dir_ + "/" + name; }
  // An age identity in a user key of this test's session keyring; returns
  // the recipient.
  std::string age_key(const std::string& desc) {
    EXPECT_EQ(std::system(("age-keygen -o " + p("id.txt") + " 2>/dev/null").c_str()), 0);
    std::string id = slurp(p("id.txt"));
    EXPECT_GT(add_key("user", desc.c_str(), id.data(), id.size(), KEY_SPEC_SESSION_KEYRING), 0);
    auto at = id.find("public key: ");
    return id.substr(at + 12, id.find('\n', at) - at - 12);
  }
  std::string dir_;
  std::set<std::string> before_;
};

TEST_F(Preflight, ExecsInPlaceSamePidAndParent) {
  Ran r = run(dir_, preflight({"--", "/bin/sh", "-c", "echo $$ $PPID > " + p("ids")}));
  ASSERT_EQ(r.status, 0) << r;
  EXPECT_EQ(r.err, "") << "a quiet success by default";
  EXPECT_EQ(slurp(p("ids")), std::to_string(r.pid) + " " + std::to_string(::getpid()) + "\n");
}

TEST_F(Preflight, VerboseSuccessIsOneLine) {
  spit(p("conf"), "x\n");
  Ran r = run(dir_, preflight({"--verbose", "--config", p("conf"), "--", "/bin/true"}));
  ASSERT_EQ(r.status, 0) << r;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r;
  EXPECT_TRUE(contains(r.err, "preflight ok")) << r;
}

TEST_F(Preflight, FailsClosedWhenTheUserCannotReadTheConfig) {
  spit(p("conf"), "secret\n", 0600);
  Ran r = run(dir_, preflight({"--user", std::to_string(kApp), "--config", p("conf"), "--", "/bin/sh", "-c",
                               "touch " + p("marker")}));
  EXPECT_EQ(r.status, 1) << r;
  EXPECT_TRUE(contains(r.err, "DENIED by dac")) << r;
  EXPECT_TRUE(contains(r.err, "DAC-001")) << r;
  EXPECT_FALSE(fs::exists(p("marker"))) << "the command ran";
  // The same as JSON into --report FILE.
  Ran j = run(dir_, preflight({"--user", std::to_string(kApp), "--config", p("conf"), "--format", "json", "--report",
                               p("report.json"), "--", "/bin/sh", "-c", "touch " + p("marker")}));
  EXPECT_EQ(j.status, 1) << j;
  EXPECT_FALSE(fs::exists(p("marker")));
  json doc = json::parse(slurp(p("report.json")));
  EXPECT_EQ(doc["targets"][0]["denied_by"], "dac");
  EXPECT_EQ(doc["preflight"]["resolved"], "/bin/sh");
  EXPECT_TRUE(ids_of(doc).count("DAC-001"));
}

TEST_F(Preflight, CapabilitiesLostAtExec) {
  // Root reads the 0600 file through CAP_DAC_READ_SEARCH; the app user,
  // without ambient or file capabilities, will not.
  spit(p("conf"), "x\n", 0600);
  Ran r = run(dir_, preflight({"--user", std::to_string(kApp), "--config", p("conf"), "--format", "json", "--report",
                               p("r.json"), "--", "/bin/true"}));
  EXPECT_EQ(r.status, 1) << r;
  json doc = json::parse(slurp(p("r.json")));
  auto ids = ids_of(doc);
  EXPECT_TRUE(ids.count("CAP-004")) << doc.dump(2);
  EXPECT_TRUE(ids.count("DAC-001")) << doc.dump(2);
  for (const auto& f : doc["findings"])
    if (f["id"] == "CAP-004") {
      EXPECT_TRUE(contains(f["explanation"].get<std::string>(), "cap_dac_read_search")) << f.dump(2);
      EXPECT_TRUE(contains(f.dump(), "AmbientCapabilities=CAP_DAC_READ_SEARCH")) << f.dump(2);
    }
  EXPECT_TRUE(doc["preflight"]["capabilities_at_exec"]["effective"].empty());
  // Readable without the capability: the loss is a warning, the app runs.
  ::chmod(p("conf").c_str(), 0644);
  fs::create_directory(p("appout"));
  ::chmod(p("appout").c_str(), 0777);
  Ran ok = run(dir_, preflight({"--user", std::to_string(kApp), "--config", p("conf"), "--format", "json", "--report",
                                p("r2.json"), "--", "/bin/sh", "-c", "touch " + p("appout/ran")}));
  EXPECT_EQ(ok.status, 0) << ok;
  EXPECT_TRUE(fs::exists(p("appout/ran")));
  EXPECT_TRUE(ids_of(json::parse(slurp(p("r2.json")))).count("CAP-004"));
}

TEST_F(Preflight, AmbientCapabilitySurvivesTheExec) {
  // As root with cap_dac_read_search in the ambient set and no user switch,
  // the app keeps it: no CAP-004 for it, and the 0600 config is readable.
  spit(p("conf"), "x\n", 0600);
  Ran r = run(dir_, {"/usr/bin/setpriv", "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search", bin(),
                     "preflight", "--config", p("conf"), "--format", "json", "--report", p("r.json"), "--", "/bin/true"});
  ASSERT_EQ(r.status, 0) << r;
  json doc = json::parse(slurp(p("r.json")));
  auto eff = doc["preflight"]["capabilities_at_exec"]["effective"];
  EXPECT_NE(std::find(eff.begin(), eff.end(), "cap_dac_read_search"), eff.end()) << doc.dump(2);
}

TEST_F(Preflight, CommandNotFoundOrNotExecutable) {
  Ran r = run(dir_, preflight({"--", "no-such-command-cfgprobe"}), {"PATH=/usr/bin:/bin"});
  EXPECT_EQ(r.status, 1) << r;
  EXPECT_TRUE(contains(r.err, "PF-001")) << r;
  spit(p("app.sh"), "#!/bin/sh\ntouch " + p("marker") + "\n", 0744);
  Ran x = run(dir_, preflight({"--user", std::to_string(kApp), "--", p("app.sh")}));
  EXPECT_EQ(x.status, 1) << x;
  EXPECT_TRUE(contains(x.err, "PF-002")) << x;
  EXPECT_FALSE(fs::exists(p("marker")));
}

TEST_F(Preflight, UsageErrors) {
  EXPECT_EQ(run(dir_, preflight({"--config", "/etc/hostname"})).status, 2);
  EXPECT_EQ(run(dir_, preflight({"--decrypt", p("x.age"), "--", "/bin/true"})).status, 2);
  EXPECT_EQ(run(dir_, preflight({"--user", "no-such-user-cfgprobe", "--", "/bin/true"})).status, 2);
  EXPECT_EQ(run(dir_, preflight({"--wait", "soon", "--key", "k", "--", "/bin/true"})).status, 2);
}

TEST_F(Preflight, NoFileDescriptorLeaksIntoTheApp) {
  std::string cmd = "ls /proc/$$/fd > ";
  ASSERT_EQ(run(dir_, {"/bin/sh", "-c", cmd + p("direct")}).status, 0);
  ASSERT_EQ(run(dir_, preflight({"--config", "/etc/hostname", "--", "/bin/sh", "-c", cmd + p("via")})).status, 0);
  EXPECT_EQ(slurp(p("via")), slurp(p("direct")));
  EXPECT_FALSE(slurp(p("via")).empty());
}

TEST_F(Preflight, DecryptsIntoCredentialsDirectory) {
  if (std::system("command -v age >/dev/null && command -v age-keygen >/dev/null") != 0)
    GTEST_SKIP() << "needs age and age-keygen";
  std::string pub = age_key("cfgprobe:pf");
  std::string plain;
  for (int i = 0; i < 5000; ++i) plain += static_cast<char>((i * 131 + 7) % 256);
  spit(p("plain"), plain);
  ASSERT_EQ(std::system(("age -r " + pub + " -o " + p("db.age") + " " + p("plain")).c_str()), 0);
  fs::create_directory(p("appout"));
  ::chmod(p("appout").c_str(), 0777);
  std::string script = "cp \"$CREDENTIALS_DIRECTORY/db\" " + p("appout/copy") +
                       " && stat -c '%a %u %g' \"$CREDENTIALS_DIRECTORY\" \"$CREDENTIALS_DIRECTORY/db\" > " +
                       p("appout/stat") + " && echo \"$CREDENTIALS_DIRECTORY\" > " + p("appout/where");
  Ran r = run(dir_, preflight({"--user", std::to_string(kApp), "--key", "cfgprobe:pf", "--decrypt", p("db.age"), "--",
                               "/bin/sh", "-c", script}));
  ASSERT_EQ(r.status, 0) << r;
  EXPECT_EQ(slurp(p("appout/copy")), plain) << "byte-identical";
  std::string a = std::to_string(kApp);
  EXPECT_EQ(slurp(p("appout/stat")), "700 " + a + " " + a + "\n400 " + a + " " + a + "\n");
  std::string where = slurp(p("appout/where"));
  where.pop_back();
  struct statfs sfs{};
  ASSERT_EQ(::statfs(where.c_str(), &sfs), 0);
  EXPECT_EQ(sfs.f_type, 0x01021994) << where << " is not on a tmpfs";
  // Another user cannot read it.
  Ran other = run(dir_, {"/usr/bin/setpriv", "--reuid=" + std::to_string(kOther), "--regid=" + std::to_string(kOther),
                         "--clear-groups", "/bin/cat", where + "/db"});
  EXPECT_NE(other.status, 0) << other;
  EXPECT_EQ(other.out, "");
}

TEST_F(Preflight, DecryptFailureReleasesNothingAndRunsNothing) {
  if (std::system("command -v age >/dev/null && command -v age-keygen >/dev/null") != 0)
    GTEST_SKIP() << "needs age and age-keygen";
  age_key("cfgprobe:pf");
  // Encrypted to someone else.
  ASSERT_EQ(std::system(("age-keygen -o " + p("other.txt") + " 2>/dev/null").c_str()), 0);
  std::string other = slurp(p("other.txt"));
  auto at = other.find("public key: ");
  std::string pub = other.substr(at + 12, other.find('\n', at) - at - 12);
  spit(p("plain"), "top secret\n");
  ASSERT_EQ(std::system(("age -r " + pub + " -o " + p("db.age") + " " + p("plain")).c_str()), 0);
  Ran r = run(dir_, preflight({"--key", "cfgprobe:pf", "--decrypt", p("db.age"), "--", "/bin/sh", "-c",
                               "touch " + p("marker")}));
  EXPECT_EQ(r.status, 4) << r;
  EXPECT_FALSE(fs::exists(p("marker")));
  EXPECT_EQ(credential_dirs(), before_) << "a credentials directory was left behind";
  EXPECT_FALSE(contains(r.err, "AGE-SECRET-KEY")) << "key material in the report";
}

TEST_F(Preflight, RefusesPersistentDiskForCredentials) {
  if (std::system("command -v age >/dev/null && command -v age-keygen >/dev/null") != 0)
    GTEST_SKIP() << "needs age and age-keygen";
  std::string pub = age_key("cfgprobe:pf");
  spit(p("plain"), "top secret\n");
  ASSERT_EQ(std::system(("age -r " + pub + " -o " + p("db.age") + " " + p("plain")).c_str()), 0);
  fs::create_directory(p("disk"));
  Ran r = run(dir_, preflight({"--key", "cfgprobe:pf", "--decrypt", p("db.age"), "--", "/bin/sh", "-c",
                               "touch " + p("marker")}),
              {"CFGPROBE_CREDENTIALS_ROOT=" + p("disk")});
  EXPECT_EQ(r.status, 1) << r;
  EXPECT_TRUE(contains(r.err, "PF-004")) << r;
  EXPECT_FALSE(fs::exists(p("marker")));
  EXPECT_TRUE(fs::is_empty(p("disk")));
}

TEST_F(Preflight, WaitRunsOutWithExit5) {
  auto t0 = std::chrono::steady_clock::now();
  Ran r = run(dir_, preflight({"--key", "cfgprobe:never", "--wait", "300ms", "--", "/bin/sh", "-c",
                               "touch " + p("marker")}));
  EXPECT_EQ(r.status, 5) << r;
  EXPECT_TRUE(contains(r.err, "cfgprobe:never")) << r;
  EXPECT_FALSE(fs::exists(p("marker")));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(300));
}

TEST_F(Preflight, WaitSeesAKeyAddedLater) {
  pid_t adder = ::fork();
  if (adder == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    _exit(add_key("user", "cfgprobe:later", "x", 1, KEY_SPEC_SESSION_KEYRING) > 0 ? 0 : 1);
  }
  Ran r = run(dir_, preflight({"--key", "cfgprobe:later", "--wait", "10s", "--", "/bin/sh", "-c", "touch " + p("ran")}));
  int st = 0;
  ::waitpid(adder, &st, 0);
  EXPECT_EQ(WEXITSTATUS(st), 0);
  EXPECT_EQ(r.status, 0) << r;
  EXPECT_TRUE(fs::exists(p("ran")));
}

// A simulated container: a child in new user, mount and pid namespaces
// (root inside, mapped to root), with a key in its session keyring, runs
// preflight --key; with Docker's default seccomp profile loaded the keyring
// is blocked and the command must not run; without it, it runs.
int in_container(const std::string& dir, bool docker_filter, const std::string& marker) {
  pid_t c = ::fork();
  if (c == 0) {
    if (keyctl_join_session_keyring(nullptr) < 0) _exit(90);
    if (add_key("user", "cfgprobe:ctr", "x", 1, KEY_SPEC_SESSION_KEYRING) < 0) _exit(91);
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) != 0) _exit(92);
    spit("/proc/self/setgroups", "deny");
    std::ofstream("/proc/self/uid_map") << "0 0 1";
    std::ofstream("/proc/self/gid_map") << "0 0 1";
    pid_t init = ::fork();  // pid 1 of the new pid namespace
    if (init == 0) {
      ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
      ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);  // as a runtime does
      scmp_filter_ctx ctx = nullptr;
      if (docker_filter) {
        std::string err;
        ctx = scmptest::profile_to_ctx(scmptest::read_testdata("docker-default.json"), scmptest::docker_default_caps(),
                                       &err);
        if (ctx == nullptr || seccomp_load(ctx) != 0) _exit(93);
      }
      std::vector<std::string> argv = preflight({"--key", "cfgprobe:ctr", "--", "/bin/sh", "-c", "touch " + marker});
      std::string o = dir + "/ctr.out", e = dir + "/ctr.err";
      int fo = ::open(o.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644), fe = ::open(e.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fo, 1);
      ::dup2(fe, 2);
      std::vector<char*> a;
      for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
      a.push_back(nullptr);
      ::execv(a[0], a.data());
      _exit(94);
    }
    int st = 0;
    ::waitpid(init, &st, 0);
    _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 95);
  }
  int st = 0;
  ::waitpid(c, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 96;
}

TEST_F(Preflight, ContainerWithDockerSeccompBlocksTheKeyringBeforeExec) {
  if (scmptest::read_testdata("docker-default.json").empty()) GTEST_SKIP() << "no ../shared/testdata/seccomp";
  int rc = in_container(dir_, true, p("marker"));
  std::string err = slurp(p("ctr.err"));
  EXPECT_EQ(rc, 1) << err;
  EXPECT_FALSE(fs::exists(p("marker"))) << "the command ran";
  EXPECT_TRUE(contains(err, "EPERM")) << err;
  EXPECT_TRUE(contains(err, "KEY-")) << err;
  // Without the filter the same container runs the command.
  int ok = in_container(dir_, false, p("marker"));
  EXPECT_EQ(ok, 0) << slurp(p("ctr.err"));
  EXPECT_TRUE(fs::exists(p("marker")));
}

}  // namespace
