// The cfgprobe binary end to end: exit status table, the error/hint format,
// what-if checks (DAC, ACLs, capabilities), live processes (a demo service
// as another uid, a relative config, a private mount namespace), hostile
// input (control characters, a FIFO, /dev/null, link loops, long names),
// explain and --paths-from. Every process a test starts is killed and
// reaped by its pid when the test ends, pass or fail.
//
// Environment (set by tests/cli/meson.build): CFGPROBE_BIN, the binary;
// CFGPROBE_EXAMPLES, the source tree's examples/; CFGPROBE_SOURCE_ROOT.
// Cases that change uids, mount file systems or set ACLs need root and
// GTEST_SKIP() without it.
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr uid_t kNobody = 65534;

// ---------------------------------------------------------------- setup

std::string env_path(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

std::string cfgprobe_bin() { return env_path("CFGPROBE_BIN"); }
std::string examples_dir() { return env_path("CFGPROBE_EXAMPLES"); }
std::string source_root() { return env_path("CFGPROBE_SOURCE_ROOT"); }
std::string demo_service() { return examples_dir() + "/demo-service"; }

// The test process adopts orphans (demo-service's `sleep` children once
// their shell is killed) so it can reap them; SIGPIPE is ignored here so a
// child that closes stdin early cannot kill the test (the child itself
// gets SIGPIPE back before exec).
class ProcessEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    ::signal(SIGPIPE, SIG_IGN);
  }
};
[[maybe_unused]] const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new ProcessEnvironment);

#define REQUIRE_ROOT()                                                        \
  do {                                                                        \
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (uids, mounts, ACLs)";  \
  } while (0)

// ------------------------------------------------------ running processes

struct RunOptions {
  std::optional<std::vector<std::string>> env;  // default: kDefaultEnv
  std::optional<std::string> stdin_text;        // default: /dev/null
  milliseconds timeout{30000};
  std::optional<uid_t> uid;                     // drop to uid (and gid = uid)
  std::string cwd;                              // default: inherited
  std::function<void()> on_first_output;        // called once, on the first stdout bytes
};

// No NO_COLOR, and a TERM that would allow colour: stdout being a pipe must
// be enough to keep escape codes out.
const std::vector<std::string> kDefaultEnv = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                              "TERM=xterm-256color", "LANG=C.UTF-8"};

struct RunResult {
  bool exited = false;
  int status = -1;  // exit status when exited
  int signal = 0;   // terminating signal otherwise
  bool timed_out = false;
  std::string out, err;
  milliseconds elapsed{0};

  std::vector<std::string> err_lines() const {
    std::vector<std::string> lines;
    std::istringstream in(err);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }
};

std::ostream& operator<<(std::ostream& o, const RunResult& r) {
  o << (r.timed_out ? "TIMED OUT " : "") << (r.exited ? "exit " + std::to_string(r.status)
                                                      : "signal " + std::to_string(r.signal))
    << "\n--- stdout ---\n" << r.out.substr(0, 6000) << "\n--- stderr ---\n" << r.err.substr(0, 3000);
  return o;
}

// argv/envp as char* arrays, built before fork so the child does not
// allocate.
struct ExecArgs {
  std::vector<std::string> argv_s, env_s;
  std::vector<char*> argv, envp;
  ExecArgs(const std::vector<std::string>& argv_in, const std::vector<std::string>& env_in)
      : argv_s(argv_in), env_s(env_in) {
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
};

[[noreturn]] void child_fail(const char* what) {
  // stderr is already the capture pipe (or /dev/null).
  const char* msg = strerror(errno);
  ssize_t ignored = ::write(2, what, strlen(what));
  ignored = ::write(2, ": ", 2);
  ignored = ::write(2, msg, strlen(msg));
  ignored = ::write(2, "\n", 1);
  (void)ignored;
  _exit(127);
}

// In the child: its own process group (so a timeout can kill it and its
// helpers), the standard fds, cwd, credentials, then exec.
[[noreturn]] void exec_child(const ExecArgs& a, const RunOptions& opt, int in, int out, int err) {
  ::setpgid(0, 0);
  ::signal(SIGPIPE, SIG_DFL);
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) _exit(126);
  if (!opt.cwd.empty() && ::chdir(opt.cwd.c_str()) != 0) child_fail("chdir");
  if (opt.uid) {
    // Check each change, as bubblewrap does: a half-dropped child would
    // make a privilege test pass for the wrong reason.
    if (::setgroups(0, nullptr) != 0) child_fail("setgroups");
    if (::setresgid(*opt.uid, *opt.uid, *opt.uid) != 0) child_fail("setresgid");
    if (::setresuid(*opt.uid, *opt.uid, *opt.uid) != 0) child_fail("setresuid");
    if (::geteuid() != *opt.uid || ::getegid() != *opt.uid) child_fail("credentials did not stick");
  }
  ::execve(a.argv[0], a.argv.data(), a.envp.data());
  child_fail("execve");
}

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) r = fds[0], w = fds[1];
  }
  ~Pipe() {
    close_r();
    close_w();
  }
  void close_r() {
    if (r >= 0) ::close(r);
    r = -1;
  }
  void close_w() {
    if (w >= 0) ::close(w);
    w = -1;
  }
};

void kill_group(pid_t pid) {
  ::kill(-pid, SIGKILL);  // the child's own process group: it and its helpers
  ::kill(pid, SIGKILL);
}

// Reaps what is left of a process group that was reparented to us (we are
// a subreaper): 0 from waitpid means members still run (they were sent
// SIGKILL), ECHILD that none is left.
void reap_group(pid_t pgid, milliseconds patience) {
  auto until = Clock::now() + patience;
  for (;;) {
    pid_t w = ::waitpid(-pgid, nullptr, WNOHANG);
    if (w > 0) continue;
    if (w < 0 || Clock::now() > until) return;
    std::this_thread::sleep_for(milliseconds(2));
  }
}

// Reaps pid, then its group.
int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  reap_group(pid, milliseconds(2000));
  return status;
}

void fill_status(RunResult& r, int status) {
  r.exited = WIFEXITED(status);
  r.status = r.exited ? WEXITSTATUS(status) : -1;
  r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

// One pass of the parent's I/O loop; returns false once both outputs hit EOF.
bool pump(Pipe& in, Pipe& out, Pipe& err, const std::string& input, size_t& written, RunResult& r,
          const RunOptions& opt, bool& first, int wait_ms) {
  pollfd p[3] = {{out.r, POLLIN, 0}, {err.r, POLLIN, 0}, {in.w, POLLOUT, 0}};
  int n = ::poll(p, in.w >= 0 ? 3 : 2, wait_ms);
  if (n <= 0) return out.r >= 0 || err.r >= 0;
  char buf[65536];
  for (int i = 0; i < 2; ++i) {
    if (p[i].revents == 0) continue;
    Pipe& src = i == 0 ? out : err;
    ssize_t k = ::read(src.r, buf, sizeof buf);
    if (k > 0) {
      (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(k));
      if (i == 0 && first && opt.on_first_output) {
        first = false;
        opt.on_first_output();
      }
    } else if (k == 0 || errno != EINTR) {
      src.close_r();
    }
  }
  if (in.w >= 0 && p[2].revents != 0) {
    ssize_t k = written < input.size() ? ::write(in.w, input.data() + written, input.size() - written) : 0;
    if (k > 0) written += static_cast<size_t>(k);
    if (k < 0 || written >= input.size()) in.close_w();  // EPIPE: the child stopped reading
  }
  return out.r >= 0 || err.r >= 0;
}

// Runs argv[0] (a path) with fork/execve and captures everything.
RunResult run(const std::vector<std::string>& argv, const RunOptions& opt = {}) {
  RunResult r;
  ExecArgs a(argv, opt.env.value_or(kDefaultEnv));
  Pipe in, out, err;
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto start = Clock::now();
  pid_t pid = ::fork();
  if (pid == 0) exec_child(a, opt, opt.stdin_text ? in.r : devnull, out.w, err.w);
  ::close(devnull);
  if (pid < 0) {
    r.err = std::string("fork: ") + strerror(errno);
    return r;
  }
  in.close_r();
  out.close_w();
  err.close_w();
  if (!opt.stdin_text) in.close_w();
  else ::fcntl(in.w, F_SETFL, O_NONBLOCK);
  std::string input = opt.stdin_text.value_or("");
  size_t written = 0;
  bool first = true;
  auto deadline = start + opt.timeout;
  while (!r.timed_out) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      r.timed_out = true;
      break;
    }
    if (!pump(in, out, err, input, written, r, opt, first, static_cast<int>(std::min<long>(left, 200)))) break;
  }
  // Both outputs closed: the child is exiting; wait for it within the
  // same deadline, then kill it by its pid.
  int status = 0;
  while (!r.timed_out && ::waitpid(pid, &status, WNOHANG) == 0) {
    if (Clock::now() >= deadline) r.timed_out = true;
    else std::this_thread::sleep_for(milliseconds(5));
  }
  if (r.timed_out) {
    kill_group(pid);
    status = reap(pid);
  } else {
    reap_group(pid, milliseconds(0));
  }
  fill_status(r, status);
  r.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  return r;
}

RunResult cfgprobe(const std::vector<std::string>& args, const RunOptions& opt = {}) {
  std::vector<std::string> argv{cfgprobe_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, opt);
}

std::vector<std::string> read_cmdline(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::vector<std::string> out;
  for (std::string a; std::getline(in, a, '\0');) out.push_back(a);
  return out;
}

char proc_state(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');
  return close == std::string::npos || close + 2 >= text.size() ? '?' : text[close + 2];
}

// A background process, killed (with its process group) and reaped by its
// pid when the object goes, whatever the test did.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv, const RunOptions& opt = {}) {
    ExecArgs a(argv, opt.env.value_or(kDefaultEnv));
    int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    int null_out = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    pid_ = ::fork();
    if (pid_ == 0) exec_child(a, opt, null_in, null_out, null_out);
    ::close(null_in);
    ::close(null_out);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { stop(); }

  pid_t pid() const { return pid_; }
  bool started() const { return pid_ > 0; }

  // Kills and reaps it now (idempotent).
  void stop() {
    if (pid_ <= 0 || reaped_) return;
    kill_group(pid_);
    reap(pid_);
    reaped_ = true;
  }
  // Waits for it to exit on its own and reaps it: its pid is then gone.
  void wait_exit() {
    if (pid_ <= 0 || reaped_) return;
    reap(pid_);
    reaped_ = true;
  }
  // Waits until its command line satisfies pred (it has exec'd what we
  // meant); false if it exited or the time ran out.
  bool wait_for_cmdline(const std::function<bool(const std::vector<std::string>&)>& pred,
                        milliseconds timeout = milliseconds(10000)) const {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto cmd = read_cmdline(pid_);
      if (!cmd.empty() && pred(cmd)) return true;
      char st = proc_state(pid_);
      if (st == 'Z' || st == '?') return false;
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }
  // Waits until it is a zombie (exited, not reaped).
  bool wait_zombie(milliseconds timeout = milliseconds(10000)) const {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (proc_state(pid_) == 'Z') return true;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

bool is_demo_service(const std::vector<std::string>& cmd) {
  // A script: the kernel runs "/bin/sh SCRIPT --config FILE".
  return cmd.size() >= 2 && cmd[1].ends_with("/demo-service");
}

// demo-service as uid/gid 65534 with no supplementary groups.
std::vector<std::string> demo_as_nobody(const std::string& config) {
  return {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", demo_service(), "--config",
          config};
}

// --------------------------------------------------------------- file trees

// A fresh directory under /tmp (mode 0755, so uid 65534 can pass through),
// removed with everything in it at the end.
class TempTree {
 public:
  TempTree() {
    char tmpl[] = "/tmp/cfgprobe-cli.XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    root_ = d != nullptr ? d : "";
    if (!root_.empty()) ::chmod(root_.c_str(), 0755);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;
  ~TempTree() {
    std::error_code ec;
    if (!root_.empty()) fs::remove_all(root_, ec);
  }
  const std::string& root() const { return root_; }
  std::string path(const std::string& rel) const { return root_ + "/" + rel; }

  std::string dir(const std::string& rel, mode_t mode) const {
    std::string p = path(rel);
    ::mkdir(p.c_str(), 0700);
    ::chmod(p.c_str(), mode);  // exact, whatever the umask
    return p;
  }
  std::string file(const std::string& rel, const std::string& content, mode_t mode) const {
    std::string p = path(rel);
    std::ofstream(p, std::ios::binary) << content;
    ::chmod(p.c_str(), mode);
    return p;
  }

 private:
  std::string root_;
};

// ---------------------------------------------------------------- output

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

json parse_json(const RunResult& r) {
  json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(j.is_discarded()) << "stdout is not JSON:\n" << r;
  return j;
}

std::vector<std::string> finding_ids(const json& j) {
  std::vector<std::string> ids;
  if (j.contains("findings") && j.at("findings").is_array())
    for (const auto& f : j.at("findings")) ids.push_back(f.value("id", ""));
  return ids;
}

bool has_id(const json& j, const std::string& id) {
  auto ids = finding_ids(j);
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Copies (null when absent), so a test can index them freely: a missing
// key then fails a comparison instead of tripping nlohmann's assert.
json find_finding(const json& j, const std::string& id) {
  if (j.contains("findings"))
    for (const auto& f : j.at("findings"))
      if (f.value("id", "") == id) return f;
  return nullptr;
}

json find_step(const json& target, const std::string& path) {
  if (target.contains("steps"))
    for (const auto& s : target.at("steps"))
      if (s.value("path", "") == path) return s;
  return nullptr;
}

// A denied target checked with --verify: the kernel said EACCES too.
void expect_kernel_denied(json& t, const std::string& layer) {
  EXPECT_EQ(t["verdict"], "denied") << t.dump(2);
  EXPECT_EQ(t["denied_by"], layer);
  EXPECT_EQ(t["kernel"]["errno"], "EACCES");
  EXPECT_EQ(t["kernel"]["agrees"], true);
}

// Every byte that could move a terminal: C0 except '\n', DEL, and the C1
// controls (U+0080..U+009F, 0xC2 0x80..0x9F in UTF-8).
std::string first_control_byte(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    bool c1 = c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xA0 &&
              static_cast<unsigned char>(s[i + 1]) >= 0x80;
    if ((c < 0x20 && c != '\n') || c == 0x7F || c1) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "byte 0x%02x at offset %zu", c, i);
      return buf;
    }
  }
  return "";
}

// Both stderr lines of a failure, in the house format.
void expect_error_format(const RunResult& r) {
  auto lines = r.err_lines();
  ASSERT_GE(lines.size(), 2u) << r;
  EXPECT_TRUE(lines[0].starts_with("cfgprobe: error: ")) << r;
  EXPECT_TRUE(lines[1].starts_with("hint: ")) << r;
}

void expect_usage_error(const RunResult& r) {
  EXPECT_TRUE(r.exited && r.status == 2) << r;
  EXPECT_EQ(r.out, "") << "a usage error prints nothing on stdout";
  expect_error_format(r);
}

void expect_subject_error(const RunResult& r) {
  EXPECT_TRUE(r.exited && r.status == 3) << r;
  expect_error_format(r);
}

// ----------------------------------------------------------- usage errors

class Usage : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(cfgprobe_bin().empty()) << "CFGPROBE_BIN is not set";
    ASSERT_EQ(::access(cfgprobe_bin().c_str(), X_OK), 0) << cfgprobe_bin();
  }
};

TEST_F(Usage, UnknownSubcommandIs2) { expect_usage_error(cfgprobe({"frobnicate", "/etc/passwd"})); }

TEST_F(Usage, NoSubcommandIs2) { expect_usage_error(cfgprobe({})); }

TEST_F(Usage, CheckWithoutAPathIs2) {
  auto r = cfgprobe({"check"});
  expect_usage_error(r);
  EXPECT_TRUE(contains(r.err, "no path")) << r;
}

TEST_F(Usage, UnknownFormatIs2) {
  auto r = cfgprobe({"check", "--format", "yaml", "/etc/passwd"});
  expect_usage_error(r);
  EXPECT_TRUE(contains(r.err, "yaml")) << r;
}

TEST_F(Usage, UnknownCapabilityIs2AndListsValidNames) {
  auto r = cfgprobe({"check", "--caps", "cap_dac_overide", "/etc/passwd"});
  expect_usage_error(r);
  EXPECT_TRUE(contains(r.err, "cap_dac_overide")) << "the bad name is quoted back\n" << r;
  auto lines = r.err_lines();
  ASSERT_GE(lines.size(), 2u);
  for (const char* name : {"none", "all", "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_sys_admin"})
    EXPECT_TRUE(contains(lines[1], name)) << name << " missing from the hint\n" << r;
}

TEST_F(Usage, InspectNeedsAPid) {
  expect_usage_error(cfgprobe({"inspect"}));
  for (const char* bad : {"abc", "0", "12x", "99999999999"}) {
    auto r = cfgprobe({"inspect", bad});
    expect_usage_error(r);
    EXPECT_TRUE(contains(r.err, "not a pid")) << bad << "\n" << r;
  }
}

TEST_F(Usage, UnknownUserOrGroupIs2) {
  expect_usage_error(cfgprobe({"check", "--user", "no-such-user-cfgprobe", "/etc/passwd"}));
  expect_usage_error(cfgprobe({"check", "--groups", "no-such-group-cfgprobe", "/etc/passwd"}));
}

TEST_F(Usage, UnreadablePathsFromIs2) {
  expect_usage_error(cfgprobe({"check", "--paths-from", "/nonexistent/cfgprobe-list"}));
}

TEST_F(Usage, VersionAndHelpAreNotErrors) {
  auto v = cfgprobe({"--version"});
  EXPECT_TRUE(v.exited && v.status == 0) << v;
  EXPECT_TRUE(contains(v.out, "cfgprobe")) << v;
  auto h = cfgprobe({"--help"});
  EXPECT_TRUE(h.exited && h.status == 0) << h;
  for (const char* sub : {"inspect", "check", "explain"}) EXPECT_TRUE(contains(h.out, sub)) << h;
}

// ----------------------------------------------------------------- explain

TEST_F(Usage, ExplainPrintsTheEntry) {
  for (const char* id : {"DAC-002", "dac-002"}) {
    auto r = cfgprobe({"explain", id});
    EXPECT_TRUE(r.exited && r.status == 0) << r;
    EXPECT_TRUE(r.out.starts_with("DAC-002  no search permission on a directory  (error)")) << r;
    for (const char* part : {"What it means", "Why", "Fix", "False alarm", "may_lookup", "setfacl -m u:USER:x DIR"})
      EXPECT_TRUE(contains(r.out, part)) << part << "\n" << r;
    EXPECT_EQ(r.err, "");
  }
}

TEST_F(Usage, ExplainUnknownIdIs2) {
  auto r = cfgprobe({"explain", "NOPE-1"});
  expect_usage_error(r);
  EXPECT_TRUE(contains(r.err, "NOPE-1")) << r;
  EXPECT_TRUE(contains(r.err, "explain --list")) << r;
  expect_usage_error(cfgprobe({"explain"}));
}

// The IDs kCatalog holds, read from libprobe/src/catalog.cpp and the
// per-probe catalog_*.inc files it includes.
std::set<std::string> catalog_ids_from_source() {
  std::stringstream ss;
  for (const auto& f : std::filesystem::directory_iterator(source_root() + "/libprobe/src")) {
    std::string name = f.path().filename();
    if (name == "catalog.cpp" || (name.starts_with("catalog_") && name.ends_with(".inc"))) {
      std::ifstream in(f.path());
      ss << in.rdbuf();
    }
  }
  std::string text = ss.str();
  std::set<std::string> ids;
  std::regex entry(R"(\{\s*"([A-Z]+-[0-9]{3})\",\s*Severity::)");
  for (std::sregex_iterator it(text.begin(), text.end(), entry), end; it != end; ++it) ids.insert((*it)[1].str());
  return ids;
}

TEST_F(Usage, ExplainListHasEveryCatalogIdAndEachIsExplainable) {
  auto r = cfgprobe({"explain", "--list"});
  ASSERT_TRUE(r.exited && r.status == 0) << r;
  std::set<std::string> listed;
  std::regex line_form(R"(([A-Z]+-[0-9]{3})  \S.*)");
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, line_form)) << "not \"ID  title\": " << line;
    EXPECT_TRUE(listed.insert(m[1].str()).second) << "listed twice: " << m[1];
  }
  EXPECT_GE(listed.size(), 18u);
  if (!source_root().empty()) {
    auto from_source = catalog_ids_from_source();
    EXPECT_GE(from_source.size(), 18u) << "could not parse catalog.cpp";
    EXPECT_EQ(listed, from_source);
  }
  for (const auto& id : listed) {
    auto e = cfgprobe({"explain", id});
    EXPECT_TRUE(e.exited && e.status == 0 && e.out.starts_with(id + "  ")) << id << "\n" << e;
  }
}

// ------------------------------------------------- subject errors (exit 3)

class Root : public Usage {
 protected:
  void SetUp() override {
    Usage::SetUp();
    REQUIRE_ROOT();
    ASSERT_FALSE(tree.root().empty()) << "mkdtemp failed";
  }
  TempTree tree;
};

TEST_F(Usage, NoSuchPidIs3WithAHint) {
  // Far above any pid_max (at most 2^22): never a live process.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"inspect", "999999999"}, {"999999999"}, {"999999999", "--format", "json"}}) {
    auto r = cfgprobe(args);
    expect_subject_error(r);
    EXPECT_TRUE(contains(r.err, "999999999")) << r;
    EXPECT_EQ(r.out, "") << r;
  }
}

TEST_F(Root, ProcessThatIsGoneIs3) {
  Child c({"/bin/true"});
  ASSERT_TRUE(c.started());
  c.wait_exit();  // reaped: the pid names nothing now
  auto r = cfgprobe({std::to_string(c.pid()), "/etc/passwd"});
  expect_subject_error(r);
  EXPECT_TRUE(contains(r.err, "No such process")) << r;
}

TEST_F(Root, ZombieIs3) {
  Child c({"/bin/true"});
  ASSERT_TRUE(c.wait_zombie()) << "child did not exit";
  for (auto fmt : {"text", "json"}) {
    auto r = cfgprobe({"inspect", std::to_string(c.pid()), "/etc/passwd", "--format", fmt});
    expect_subject_error(r);
    EXPECT_TRUE(contains(r.err, "exited")) << r;
    EXPECT_EQ(r.out, "") << "nothing half-wrong on stdout\n" << r;
  }
}

TEST_F(Root, TooLittlePrivilegeIs3AndSaysSudo) {
  Child sleeper({"/bin/sleep", "1000"});
  ASSERT_TRUE(sleeper.wait_for_cmdline([](auto& c) { return c[0] == "/bin/sleep"; }));
  RunOptions as_nobody;
  as_nobody.uid = kNobody;
  for (auto fmt : {"text", "json"}) {
    auto r = cfgprobe({std::to_string(sleeper.pid()), "/etc/passwd", "--format", fmt}, as_nobody);
    expect_subject_error(r);
    auto lines = r.err_lines();
    ASSERT_GE(lines.size(), 2u) << r;
    EXPECT_TRUE(contains(lines[1], "sudo")) << r;
    EXPECT_TRUE(contains(lines[1], std::to_string(sleeper.pid()))) << "the command to re-run names the pid\n" << r;
    EXPECT_EQ(r.out, "") << r;
    // The exact ptrace rule that said no (EXE-008): another uid.
    EXPECT_TRUE(contains(lines[0], "EXE-008")) << r;
    EXPECT_TRUE(contains(lines[0], "runs as uid 0 and cfgprobe as uid 65534")) << r;
  }
}

TEST_F(Root, ProcessExitingMidProbeIs3) {
  // Enough --verify targets (one forked helper each) that the run lasts
  // seconds; the subject is killed as soon as the first results arrive.
  std::string conf = tree.file("app.conf", "k=v\n", 0644);
  Child sleeper({"/bin/sleep", "1000"});
  ASSERT_TRUE(sleeper.wait_for_cmdline([](auto& c) { return c[0] == "/bin/sleep"; }));
  std::vector<std::string> args{"inspect", std::to_string(sleeper.pid()), "--verify"};
  for (int i = 0; i < 6000; ++i) args.push_back(conf);
  RunOptions opt;
  bool killed = false;
  opt.on_first_output = [&] { sleeper.stop(), killed = true; };
  auto r = cfgprobe(args, opt);
  ASSERT_TRUE(killed) << "no output before the end\n" << r;
  expect_subject_error(r);
  EXPECT_TRUE(contains(r.err, "exited during the probe")) << r;
  EXPECT_FALSE(contains(r.out, "configs readable")) << "no summary for a half-done probe\n" << r;
}

// --------------------------------------------------------- exit 0 and 1

TEST_F(Root, AllowedIs0) {
  std::string conf = tree.file("app.conf", "k=v\n", 0644);
  auto r = cfgprobe({"check", "--user", "nobody", conf});
  EXPECT_TRUE(r.exited && r.status == 0) << r;
  EXPECT_TRUE(contains(r.out, conf + "   (given)   allowed")) << r;
  EXPECT_TRUE(contains(r.out, "all 1 configs readable")) << r;
  auto self = cfgprobe({"self", conf});
  EXPECT_TRUE(self.exited && self.status == 0) << self;
  auto j = parse_json(cfgprobe({"check", "--user", "nobody", "--format", "json", conf}));
  EXPECT_EQ(j["verdict"], "ok");
  EXPECT_EQ(j["targets"][0]["verdict"], "allowed");
  EXPECT_TRUE(j["targets"][0]["denied_by"].is_null());
}

TEST_F(Root, MissingIs1) {
  std::string nope = tree.path("nope.conf");
  auto r = cfgprobe({"check", nope});
  EXPECT_TRUE(r.exited && r.status == 1) << r;
  EXPECT_TRUE(contains(r.out, "MISSING (ENOENT)")) << r;
  EXPECT_TRUE(contains(r.out, "NS-001")) << r;
  auto j = parse_json(cfgprobe({"check", "--format", "json", nope}));
  EXPECT_EQ(j["targets"][0]["verdict"], "missing");
  EXPECT_EQ(j["verdict"], "denied");
}

TEST_F(Root, OneDeniedAmongAllowedIs1) {
  std::string ok = tree.file("ok.conf", "", 0644);
  tree.dir("d", 0750);
  std::string bad = tree.file("d/app.conf", "", 0644);
  auto r = cfgprobe({"check", "--user", "nobody", ok, bad});
  EXPECT_TRUE(r.exited && r.status == 1) << r;
  EXPECT_TRUE(contains(r.out, "1 of 2 configs not readable")) << r;
}

// ------------------------------------------------------- what-if: DAC/caps

// A 0750 root-owned directory holding a 0644 file: nobody cannot pass.
class DeniedTree : public Root {
 protected:
  void SetUp() override {
    Root::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    dir = tree.dir("secret", 0750);
    conf = tree.file("secret/app.conf", "password=hunter2\n", 0644);
  }
  std::string dir, conf;
};

TEST_F(DeniedTree, NobodyIsDeniedAtTheDirectory) {
  auto r = cfgprobe({"check", "--user", "nobody", conf});
  EXPECT_TRUE(r.exited && r.status == 1) << r;
  EXPECT_TRUE(contains(r.out, "DENIED by dac")) << r;
  EXPECT_TRUE(contains(r.out, "DAC-002")) << r;
  EXPECT_TRUE(contains(r.out, "no search permission on " + dir + " for uid 65534(nobody)")) << r;
  EXPECT_TRUE(contains(r.out, "setfacl -m u:nobody:x " + dir)) << r;
  EXPECT_FALSE(contains(r.out, "DAC-001")) << "the file itself is readable\n" << r;
  EXPECT_FALSE(contains(r.out, "hunter2")) << "file contents never printed";
}

TEST_F(DeniedTree, CapDacReadSearchAllowsWithAWarning) {
  auto r = cfgprobe({"check", "--user", "nobody", "--caps", "cap_dac_read_search", conf});
  // CAP-001 is a warning: allowed, exit 0.
  EXPECT_TRUE(r.exited && r.status == 0) << r;
  EXPECT_TRUE(contains(r.out, "CAP-001")) << r;
  EXPECT_TRUE(contains(r.out, "allowed by cap_dac_read_search")) << r;
  EXPECT_TRUE(contains(r.out, "setfacl -m u:nobody:x " + dir)) << "the fix that lets the cap go\n" << r;
  auto j = parse_json(cfgprobe({"check", "--user", "nobody", "--caps", "CAP_DAC_READ_SEARCH", "--format", "json",
                                "--verify", conf}));
  EXPECT_EQ(j["verdict"], "ok");
  EXPECT_EQ(j["subject"]["caps"]["effective"], json::array({"cap_dac_read_search"}));
  EXPECT_EQ(j["targets"][0]["kernel"]["errno"], nullptr);
  EXPECT_EQ(j["targets"][0]["kernel"]["agrees"], true);
  json f = find_finding(j, "CAP-001");
  ASSERT_FALSE(f.is_null()) << j.dump(2);
  EXPECT_EQ(f["severity"], "warning");
}

TEST_F(DeniedTree, CapDacOverrideAlsoBypassesSearch) {
  auto r = cfgprobe({"check", "--user", "nobody", "--caps", "dac_override", "--verify", conf});
  EXPECT_TRUE(r.exited && r.status == 0) << r;
  EXPECT_TRUE(contains(r.out, "allowed by cap_dac_override")) << r;
  EXPECT_TRUE(contains(r.out, "success  (agrees with the model)")) << r;
}

TEST_F(DeniedTree, VerifyReportsTheKernelsEaccesAndAgreement) {
  auto r = cfgprobe({"check", "--user", "nobody", "--verify", conf});
  EXPECT_TRUE(r.exited && r.status == 1) << r;
  EXPECT_TRUE(contains(r.out, "kernel   open(O_RDONLY): EACCES  (agrees with the model)")) << r;
  EXPECT_FALSE(contains(r.out, "VFY-")) << r;
  auto j = parse_json(cfgprobe({"check", "--user", "nobody", "--verify", "--format", "json", conf}));
  expect_kernel_denied(j["targets"][0], "dac");
}

TEST_F(DeniedTree, NotRootCannotVerifyAndCannotLookInside) {
  // cfgprobe itself as nobody: --verify cannot take credentials (VFY-002),
  // and the file behind the 0750 dir cannot be looked at (NS-006, unknown).
  RunOptions as_nobody;
  as_nobody.uid = kNobody;
  auto r = cfgprobe({"check", "--user", "root", "--verify", "--format", "json", conf}, as_nobody);
  EXPECT_TRUE(r.exited && r.status == 1) << r;
  auto j = parse_json(r);
  EXPECT_EQ(j["targets"][0]["verdict"], "unknown");
  EXPECT_TRUE(has_id(j, "NS-006")) << j.dump(2);
  EXPECT_TRUE(has_id(j, "VFY-002")) << j.dump(2);
  EXPECT_NE(j["verdict"], "ok");
}

// ------------------------------------------------------------ what-if: ACLs

// setfacl(1) on the tree; false when the file system has no ACLs.
bool setfacl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"/usr/bin/setfacl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run(argv);
  return r.exited && r.status == 0;
}

class AclTree : public DeniedTree {
 protected:
  void SetUp() override {
    DeniedTree::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (::access("/usr/bin/setfacl", X_OK) != 0) GTEST_SKIP() << "no setfacl";
    if (!setfacl({"-m", "u:nobody:x", dir})) GTEST_SKIP() << "no POSIX ACLs on " << tree.root();
  }
  json check_json() {
    auto r = cfgprobe({"check", "--user", "nobody", "--verify", "--format", "json", conf});
    json j = parse_json(r);
    last_status = r.exited ? r.status : -1;
    return j;
  }
  int last_status = -1;
};

TEST_F(AclTree, NamedUserEntryAllows) {
  auto r = cfgprobe({"check", "--user", "nobody", "--verify", conf});
  EXPECT_TRUE(r.exited && r.status == 0) << r;
  EXPECT_TRUE(contains(r.out, "ACL u:nobody:--x has x")) << r;
  EXPECT_TRUE(contains(r.out, "success  (agrees with the model)")) << r;
}

TEST_F(AclTree, MaskWithoutXLimitsTheEntry) {
  // Group bits r-- (non-zero): the ACL is used, and the mask takes x away
  // from u:nobody:--x (fs/posix_acl.c: posix_acl_permission).
  ASSERT_TRUE(setfacl({"-m", "m::r", dir}));
  auto j = check_json();
  EXPECT_EQ(last_status, 1) << j.dump(2);
  expect_kernel_denied(j["targets"][0], "acl");
  json f = find_finding(j, "ACL-002");
  ASSERT_FALSE(f.is_null()) << j.dump(2);
  EXPECT_EQ(f["object"], dir);
  EXPECT_EQ(f["fix"][0], "setfacl -m m::rx " + dir);
  auto ids = finding_ids(j);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "ACL-003"), 0) << "group bits are not 0";
}

TEST_F(AclTree, ZeroGroupBitsMakeTheKernelSkipTheAcl) {
  // m::--- clears the group bits, so acl_permission_check() never looks at
  // the ACL: nobody falls to "other" (---): a plain DAC denial, plus ACL-003.
  ASSERT_TRUE(setfacl({"-m", "m::---", dir}));
  auto j = check_json();
  EXPECT_EQ(last_status, 1) << j.dump(2);
  expect_kernel_denied(j["targets"][0], "dac");
  auto ids = finding_ids(j);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "ACL-003"), 1) << j.dump(2);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "DAC-002"), 1) << j.dump(2);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "ACL-002"), 0) << "the mask is not what the kernel used";
  json f = find_finding(j, "ACL-003");
  ASSERT_FALSE(f.is_null());
  EXPECT_EQ(f["severity"], "warning");
  EXPECT_EQ(f["fix"][0], "setfacl -m m::rx " + dir);
}

// ------------------------------------------------------ live: demo-service

class Live : public DeniedTree {
 protected:
  void SetUp() override {
    DeniedTree::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_EQ(::access(demo_service().c_str(), X_OK), 0) << demo_service() << " (CFGPROBE_EXAMPLES)";
  }
  // Starts demo-service as nobody with --config config; fails the test if
  // it does not get to exec.
  std::unique_ptr<Child> start_demo(const std::string& config, const RunOptions& opt = {}) {
    auto c = std::make_unique<Child>(demo_as_nobody(config), opt);
    EXPECT_TRUE(c->wait_for_cmdline(is_demo_service)) << "demo-service did not start";
    return c;
  }
};

TEST_F(Live, ShortFormDiscoversTheConfigFromTheCommandLine) {
  auto demo = start_demo(conf);
  std::string pid = std::to_string(demo->pid());
  auto r = cfgprobe({pid});
  EXPECT_TRUE(r.exited && r.status == 1) << r;
  EXPECT_TRUE(r.out.starts_with("pid " + pid + " (demo-service)")) << r;
  EXPECT_TRUE(contains(r.out, "uid 65534(nobody)")) << r;
  EXPECT_TRUE(contains(r.out, "note     no config path given: found 1 on its command line")) << r;
  EXPECT_TRUE(contains(r.out, conf + "   (from --config on its command line)   DENIED by dac")) << r;
  EXPECT_TRUE(contains(r.out, "DAC-002")) << r;
  EXPECT_TRUE(contains(r.out, "setfacl -m u:nobody:x " + dir)) << r;
}

TEST_F(Live, VerifySaysTheKernelAgrees) {
  auto demo = start_demo(conf);
  auto r = cfgprobe({std::to_string(demo->pid()), "--verify"});
  EXPECT_TRUE(r.exited && r.status == 1) << r;
  EXPECT_TRUE(contains(r.out, "kernel   open(O_RDONLY): EACCES  (agrees with the model)")) << r;
  EXPECT_FALSE(contains(r.out, "DISAGREES")) << r;
}

void expect_caps_shape(const json& caps) {
  std::regex name("cap_[a-z0-9_]+");
  for (const char* set : {"effective", "permitted", "inheritable", "bounding", "ambient"}) {
    ASSERT_TRUE(caps.contains(set) && caps[set].is_array()) << set << " in " << caps.dump();
    for (const auto& c : caps[set])
      EXPECT_TRUE(c.is_string() && std::regex_match(c.get<std::string>(), name)) << set << ": " << c;
  }
  EXPECT_TRUE(caps["effective"].empty()) << "setpriv as 65534 leaves no capability";
  EXPECT_TRUE(caps["permitted"].empty());
  EXPECT_TRUE(caps["ambient"].empty());
  auto& b = caps["bounding"];
  EXPECT_NE(std::find(b.begin(), b.end(), "cap_dac_override"), b.end()) << b.dump();
}

void expect_step_shape(const json& step) {
  for (const char* k : {"path", "type", "mode", "uid", "gid", "need", "result"})
    EXPECT_TRUE(step.contains(k)) << k << " missing in " << step.dump();
}

TEST_F(Live, JsonFollowsSchemaCfgprobe1) {
  auto demo = start_demo(conf);
  auto r = cfgprobe({std::to_string(demo->pid()), "--verify", "--format", "json"});
  EXPECT_TRUE(r.exited && r.status == 1) << r;
  json j = parse_json(r);
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["schema"], "cfgprobe/1");
  auto& s = j["subject"];
  EXPECT_EQ(s["pid"], demo->pid());
  for (const char* ids : {"uid", "gid"})
    for (const char* k : {"real", "effective", "saved", "fs"}) EXPECT_EQ(s[ids][k], 65534) << ids << "." << k;
  EXPECT_EQ(s["groups"], json::array()) << "--clear-groups";
  expect_caps_shape(s["caps"]);
  EXPECT_TRUE(s.contains("selinux"));
  std::set<std::string> modes{"disabled", "strict", "filter"};
  EXPECT_TRUE(s["seccomp"].is_string() && modes.count(s["seccomp"].get<std::string>())) << s["seccomp"];

  ASSERT_EQ(j["targets"].size(), 1u);
  auto& t = j["targets"][0];
  EXPECT_EQ(t["path"], conf);
  EXPECT_EQ(t["resolved"], conf);
  EXPECT_EQ(t["access"], "read");
  expect_kernel_denied(t, "dac");
  ASSERT_TRUE(t["steps"].is_array());
  for (const auto& st : t["steps"]) expect_step_shape(st);
  json d = find_step(t, dir);
  ASSERT_FALSE(d.is_null()) << t.dump(2);
  EXPECT_EQ(d["type"], "directory");
  EXPECT_EQ(d["mode"], "0750");
  EXPECT_EQ(d["uid"], 0);
  EXPECT_EQ(d["gid"], 0);
  EXPECT_EQ(d["need"], "search");
  EXPECT_EQ(d["result"], "denied");
  json f = find_step(t, conf);
  ASSERT_FALSE(f.is_null());
  EXPECT_EQ(f["type"], "regular file");
  EXPECT_EQ(f["mode"], "0644");
  EXPECT_EQ(f["need"], "read");

  json dac = find_finding(j, "DAC-002");
  ASSERT_FALSE(dac.is_null()) << j.dump(2);
  for (const char* k : {"id", "severity", "title", "object", "explanation", "fix"})
    EXPECT_TRUE(dac.contains(k)) << k;
  EXPECT_EQ(dac["severity"], "error");
  EXPECT_EQ(dac["object"], dir);
  EXPECT_EQ(dac["title"], "no search permission on a directory");
  ASSERT_TRUE(dac["fix"].is_array() && !dac["fix"].empty());
  EXPECT_EQ(dac["fix"][0], "setfacl -m u:nobody:x " + dir);
  EXPECT_EQ(j["verdict"], "denied");
  EXPECT_FALSE(contains(r.out, "hunter2"));
}

TEST_F(Live, ExplicitPathsAndConfigOptionReplaceDiscovery) {
  auto demo = start_demo(conf);
  std::string other = tree.file("other.conf", "", 0644);
  auto r = cfgprobe({"inspect", std::to_string(demo->pid()), other, "--config", conf, "--format", "json"});
  EXPECT_TRUE(r.exited && r.status == 1) << r;
  json j = parse_json(r);
  ASSERT_EQ(j["targets"].size(), 2u);
  EXPECT_EQ(j["targets"][0]["path"], other);
  EXPECT_EQ(j["targets"][0]["verdict"], "allowed");
  EXPECT_EQ(j["targets"][1]["path"], conf);
  EXPECT_EQ(j["targets"][1]["verdict"], "denied");
  EXPECT_TRUE(j["notes"].empty()) << "nothing was discovered";
}

TEST_F(Live, RelativeConfigIsResolvedAgainstTheProcessCwd) {
  // The subject runs in sub/ with --config conf/app.conf. cfgprobe runs in
  // decoy/, which holds a readable conf/app.conf of its own: it must not
  // be the one checked.
  std::string sub = tree.dir("sub", 0755);
  tree.dir("sub/conf", 0755);
  std::string real = tree.file("sub/conf/app.conf", "", 0644);
  std::string decoy = tree.dir("decoy", 0755);
  tree.dir("decoy/conf", 0755);
  tree.file("decoy/conf/app.conf", "", 0644);
  RunOptions in_sub;
  in_sub.cwd = sub;
  auto demo = start_demo("conf/app.conf", in_sub);
  RunOptions in_decoy;
  in_decoy.cwd = decoy;
  auto r = cfgprobe({std::to_string(demo->pid()), "--format", "json", "--verify"}, in_decoy);
  EXPECT_TRUE(r.exited && r.status == 0) << r;
  json j = parse_json(r);
  EXPECT_EQ(j["subject"]["cwd"], sub);
  EXPECT_EQ(j["targets"][0]["path"], "conf/app.conf");
  EXPECT_EQ(j["targets"][0]["resolved"], real);
  EXPECT_EQ(j["targets"][0]["kernel"]["agrees"], true);

  ::chmod((sub + "/conf").c_str(), 0700);  // now only the subject's copy is closed
  auto d = cfgprobe({std::to_string(demo->pid()), "--verify"}, in_decoy);
  EXPECT_TRUE(d.exited && d.status == 1) << d;
  EXPECT_TRUE(contains(d.out, "no search permission on " + sub + "/conf for uid 65534")) << d;
  EXPECT_TRUE(contains(d.out, "EACCES  (agrees with the model)")) << d;
}

TEST_F(Live, OwnMountNamespaceHidesTheConfig) {
  // The subject mounts a tmpfs over the config's directory in a private
  // mount namespace: the file exists on the host, not for the subject.
  tree.dir("mnt", 0755);
  std::string conf_in_mnt = tree.file("mnt/app.conf", "", 0644);
  Child demo({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
              "mount -t tmpfs cfgprobe-test \"$1\" && exec \"$2\" --config \"$3\"", "sh", tree.path("mnt"),
              demo_service(), conf_in_mnt});
  if (!demo.wait_for_cmdline(is_demo_service)) GTEST_SKIP() << "unshare -m / mount tmpfs not possible here";
  std::string pid = std::to_string(demo.pid());
  auto r = cfgprobe({pid, "--verify"});
  EXPECT_TRUE(r.exited && r.status == 1) << r;
  EXPECT_TRUE(contains(r.out, "(own mount namespace)")) << r;
  EXPECT_TRUE(contains(r.out, "MISSING (ENOENT)")) << r;
  EXPECT_TRUE(contains(r.out, "NS-002")) << r;
  EXPECT_TRUE(contains(r.out, "NS-007")) << r;
  EXPECT_TRUE(contains(r.out, "/proc/" + pid + "/root")) << r;
  EXPECT_TRUE(contains(r.out, "ENOENT  (agrees with the model)")) << r;
  auto j = parse_json(cfgprobe({pid, "--format", "json"}));
  EXPECT_EQ(j["subject"]["mount_namespace"]["own"], true);
  EXPECT_EQ(j["targets"][0]["verdict"], "missing");
  EXPECT_TRUE(has_id(j, "NS-002")) << j.dump(2);
  EXPECT_TRUE(has_id(j, "NS-007")) << j.dump(2);
  EXPECT_FALSE(has_id(j, "NS-001")) << "it exists on the host: NS-002, not NS-001";
  EXPECT_TRUE(fs::exists(conf_in_mnt)) << "the host's view is untouched";
}

// ------------------------------------------------------------ hostile input

class Hostile : public Root {};

const std::string kEvilName = "bad\nname\x1b[31m\x1b]0;pwned\x07\x7f\xc2\x9b" "2J.conf";

void expect_terminal_safe(const RunResult& r) {
  EXPECT_EQ(first_control_byte(r.out), "") << r;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r;
  EXPECT_EQ(first_control_byte(r.err), "") << "stderr\n" << r;
}

TEST_F(Hostile, ControlCharactersInFileNamesAreEscaped) {
  std::string evil = tree.file(kEvilName, "", 0644);
  ASSERT_TRUE(fs::exists(evil));
  auto r = cfgprobe({"check", "--verify", evil, tree.path(kEvilName + ".missing")});
  EXPECT_TRUE(r.exited && r.status == 1) << r;
  expect_terminal_safe(r);
  EXPECT_TRUE(contains(r.out, "bad\\x0aname\\x1b[31m")) << r;
  // JSON carries the name exactly (escaped by JSON itself).
  auto jr = cfgprobe({"check", "--format", "json", evil});
  EXPECT_EQ(jr.out.find('\x1b'), std::string::npos);
  json j = parse_json(jr);
  EXPECT_EQ(j["targets"][0]["path"], evil);
  EXPECT_EQ(j["targets"][0]["verdict"], "allowed");
}

TEST_F(Hostile, ControlCharactersInCommAndCmdlineAreEscaped) {
  // comm comes from the executable's name, chosen by whoever starts it.
  std::string link = tree.path("\x1b[31mevil\n");
  ASSERT_EQ(::symlink(demo_service().c_str(), link.c_str()), 0);
  std::string evil = tree.file(kEvilName, "", 0644);
  Child demo({link, "--config", evil});
  ASSERT_TRUE(demo.wait_for_cmdline([](auto& c) { return c.size() >= 3 && c[2] == "--config"; }));
  auto r = cfgprobe({std::to_string(demo.pid())});
  EXPECT_TRUE(r.exited && r.status == 0) << r;
  expect_terminal_safe(r);
  EXPECT_TRUE(contains(r.out, "(\\x1b[31mevil\\x0a)")) << r;
  EXPECT_TRUE(contains(r.out, "found 1 on its command line")) << r;
}

TEST_F(Hostile, ErrorMessagesAreEscaped) {
  auto r = cfgprobe({"explain", "\x1b[2J\x1b]0;x\x07"});
  expect_usage_error(r);
  EXPECT_EQ(first_control_byte(r.err), "") << r;
  auto u = cfgprobe({"check", "--user", "\x1b[2Jx", "/etc/passwd"});
  expect_usage_error(u);
  EXPECT_EQ(first_control_byte(u.err), "") << u;
}

// O_WRONLY|O_NONBLOCK on a FIFO fails with ENXIO exactly when no one has
// it open for reading (fifo(7)).
int open_fifo_writer_errno(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  int e = fd < 0 ? errno : 0;
  if (fd >= 0) ::close(fd);
  return e;
}

TEST_F(Hostile, FifoIsReportedButNeverOpenedForReading) {
  std::string fifo = tree.path("app.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  Child sleeper({"/bin/sleep", "1000"});
  ASSERT_TRUE(sleeper.wait_for_cmdline([](auto& c) { return c[0] == "/bin/sleep"; }));
  RunOptions ten_s;
  ten_s.timeout = milliseconds(10000);
  // No writer: an open for reading would block, and the run would time out.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"check", "--verify", fifo},
           {"check", "--user", "nobody", "--verify", "--format", "json", fifo},
           {"inspect", std::to_string(sleeper.pid()), fifo, "--verify"}}) {
    auto r = cfgprobe(args, ten_s);
    ASSERT_FALSE(r.timed_out) << "cfgprobe blocked on the FIFO\n" << r;
    EXPECT_TRUE(r.exited && r.status == 0) << "DAC-004 is a warning\n" << r;
    EXPECT_TRUE(contains(r.out, "DAC-004")) << r;
    EXPECT_EQ(open_fifo_writer_errno(fifo), ENXIO) << "something still holds the FIFO for reading";
  }
  // With data waiting (we hold both ends), a read by cfgprobe would eat it.
  int fd = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const std::string secret = "SECRET-FROM-FIFO\n";
  ASSERT_EQ(::write(fd, secret.data(), secret.size()), static_cast<ssize_t>(secret.size()));
  auto r = cfgprobe({"inspect", std::to_string(sleeper.pid()), fifo, "--verify"}, ten_s);
  auto c = cfgprobe({"check", "--user", "nobody", "--verify", fifo}, ten_s);
  int pending = -1;
  ::ioctl(fd, FIONREAD, &pending);
  ::close(fd);
  EXPECT_EQ(pending, static_cast<int>(secret.size())) << "cfgprobe read from the FIFO";
  EXPECT_FALSE(contains(r.out + c.out, "SECRET")) << r << c;
  EXPECT_TRUE(contains(r.out, "access(R_OK)")) << "the kernel check must not open it\n" << r;
}

TEST_F(Hostile, DevNullIsReportedNotOpened) {
  auto r = cfgprobe({"check", "--verify", "/dev/null"});
  EXPECT_TRUE(r.exited && r.status == 0) << r;
  EXPECT_TRUE(contains(r.out, "DAC-004")) << r;
  EXPECT_TRUE(contains(r.out, "character device")) << r;
  auto j = parse_json(cfgprobe({"check", "--format", "json", "/dev/null"}));
  json f = find_finding(j, "DAC-004");
  ASSERT_FALSE(f.is_null()) << j.dump(2);
  EXPECT_EQ(f["severity"], "warning");
  EXPECT_EQ(f["object"], "/dev/null");
}

TEST_F(Hostile, SymlinkLoopIsNs004) {
  std::string a = tree.path("a.conf"), b = tree.path("b.conf");
  ASSERT_EQ(::symlink(b.c_str(), a.c_str()), 0);
  ASSERT_EQ(::symlink(a.c_str(), b.c_str()), 0);
  auto r = cfgprobe({"check", "--verify", a});
  EXPECT_TRUE(r.exited && r.status == 1) << r;
  EXPECT_TRUE(contains(r.out, "NS-004")) << r;
  EXPECT_TRUE(contains(r.out, "ELOOP  (agrees with the model)")) << r;
  auto j = parse_json(cfgprobe({"check", "--format", "json", a}));
  EXPECT_NE(j["targets"][0]["verdict"], "allowed");
  EXPECT_EQ(j["targets"][0]["errno"], "ELOOP");
}

TEST_F(Hostile, PathLongerThanPathMaxIsNs005) {
  // getname(): 4096 bytes with the NUL is the limit. 4095 slashes are "/";
  // 4096 are too long.
  std::string fits(4095, '/'), too_long(4096, '/');
  auto ok = cfgprobe({"check", "--verify", fits});
  EXPECT_TRUE(ok.exited && ok.status == 0) << ok;
  EXPECT_FALSE(contains(ok.out, "NS-005")) << ok;
  for (const auto& p : {too_long, tree.path(std::string(5000, 'x'))}) {
    auto r = cfgprobe({"check", "--verify", p});
    EXPECT_TRUE(r.exited && r.status == 1) << "no crash, exit 1\n" << r;
    EXPECT_TRUE(contains(r.out, "NS-005")) << r;
    EXPECT_TRUE(contains(r.out, "ENAMETOOLONG  (agrees with the model)")) << r;
  }
  auto j = parse_json(cfgprobe({"check", "--format", "json", too_long}));
  EXPECT_EQ(j["targets"][0]["errno"], "ENAMETOOLONG");
  EXPECT_EQ(j["targets"][0]["path"], too_long);
}

TEST_F(Hostile, ComponentLongerThanNameMaxIsNs005) {
  auto max = cfgprobe({"check", "--verify", tree.path(std::string(255, 'n'))});
  EXPECT_TRUE(max.exited && max.status == 1) << max;
  EXPECT_TRUE(contains(max.out, "NS-001")) << "255 bytes is a valid name that does not exist\n" << max;
  EXPECT_FALSE(contains(max.out, "NS-005")) << max;
  auto r = cfgprobe({"check", "--verify", tree.path(std::string(256, 'n') + "/app.conf")});
  EXPECT_TRUE(r.exited && r.status == 1) << r;
  EXPECT_TRUE(contains(r.out, "NS-005")) << r;
  EXPECT_TRUE(contains(r.out, "ENAMETOOLONG  (agrees with the model)")) << r;
}

// ------------------------------------------------------------- --paths-from

TEST_F(Root, PathsFromFile) {
  std::string a = tree.file("a.conf", "", 0644);
  std::string spaced = tree.file("with space.conf", "", 0644);
  std::string list = tree.file("list", a + "\n\n" + spaced + "\n" + tree.path("nope.conf") + "\n", 0644);
  auto r = cfgprobe({"check", "--format", "json", "--paths-from", list, "/etc/passwd"});
  EXPECT_TRUE(r.exited && r.status == 1) << r;
  json j = parse_json(r);
  ASSERT_EQ(j["targets"].size(), 4u) << "empty lines are skipped\n" << j.dump(2);
  EXPECT_EQ(j["targets"][0]["path"], "/etc/passwd");
  EXPECT_EQ(j["targets"][1]["path"], a);
  EXPECT_EQ(j["targets"][1]["source"], "from " + list);
  EXPECT_EQ(j["targets"][2]["path"], spaced);
  EXPECT_EQ(j["targets"][2]["verdict"], "allowed");
  EXPECT_EQ(j["targets"][3]["verdict"], "missing");
}

TEST_F(Root, PathsFromStdin) {
  std::string a = tree.file("a.conf", "", 0644);
  std::string b = tree.file("b.conf", "", 0644);
  RunOptions opt;
  opt.stdin_text = a + "\n" + b;  // no final newline
  auto r = cfgprobe({"check", "--user", "nobody", "--paths-from", "-"}, opt);
  EXPECT_TRUE(r.exited && r.status == 0) << r;
  EXPECT_TRUE(contains(r.out, a + "   (from stdin)   allowed")) << r;
  EXPECT_TRUE(contains(r.out, b + "   (from stdin)   allowed")) << r;
  EXPECT_TRUE(contains(r.out, "all 2 configs readable")) << r;
  opt.stdin_text = "";
  expect_usage_error(cfgprobe({"check", "--paths-from", "-"}, opt));
}

// ------------------------------------------------- regressions
// Each of these once failed; they keep the fixes.

// A socket can never be opened: open(2) fails with ENXIO, so it is not a
// readable config (and --verify agrees, since sockets are really opened).
TEST_F(Hostile, SocketIsNotReadable) {
  std::string sock = tree.path("app.sock");
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock.size(), sizeof addr.sun_path);
  std::strcpy(addr.sun_path, sock.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
  ASSERT_EQ(::open(sock.c_str(), O_RDONLY | O_CLOEXEC), -1);
  ASSERT_EQ(errno, ENXIO);
  auto r = cfgprobe({"check", "--verify", sock});
  EXPECT_TRUE(r.exited && r.status == 1) << "the program's open fails with ENXIO\n" << r;
  EXPECT_FALSE(contains(r.out, "all 1 configs readable")) << r;
}

// `cfgprobe check conf/app.conf` from the directory that holds it: a
// relative path means the caller's working directory, not "/".
TEST_F(Root, CheckResolvesARelativePathAgainstTheCallersCwd) {
  tree.dir("conf", 0755);
  std::string conf = tree.file("conf/app.conf", "", 0644);
  RunOptions in_tree;
  in_tree.cwd = tree.root();
  auto r = cfgprobe({"check", "--format", "json", "conf/app.conf"}, in_tree);
  EXPECT_TRUE(r.exited && r.status == 0) << r;
  json j = parse_json(r);
  EXPECT_EQ(j["targets"][0]["resolved"], conf);
}

// NS-001's fix names the resolved path ("namei -l /proc/PID/root/DIR/x"),
// not the process's relative one, which means nothing from the operator's
// cwd.
TEST_F(Live, NamespaceFixNamesTheResolvedPathForARelativeConfig) {
  std::string sub = tree.dir("sub", 0755);
  tree.dir("mnt", 0755);
  RunOptions in_sub;
  in_sub.cwd = sub;
  Child plain(demo_as_nobody("nope.conf"), in_sub);
  ASSERT_TRUE(plain.wait_for_cmdline(is_demo_service));
  auto r = cfgprobe({std::to_string(plain.pid())});
  EXPECT_TRUE(contains(r.out, "namei -l " + sub + "/nope.conf")) << r;

  Child ns({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
            "mount -t tmpfs cfgprobe-test \"$1\" && exec \"$2\" --config nope.conf", "sh", tree.path("mnt"),
            demo_service()},
           in_sub);
  if (!ns.wait_for_cmdline(is_demo_service)) GTEST_SKIP() << "unshare -m not possible here";
  std::string pid = std::to_string(ns.pid());
  auto n = cfgprobe({pid});
  EXPECT_FALSE(contains(n.out, "/proc/" + pid + "/rootnope.conf")) << n;
  EXPECT_TRUE(contains(n.out, "namei -l /proc/" + pid + "/root" + sub + "/nope.conf")) << n;
}

// DESIGN.md lists steps[] as {path, type, mode, uid, gid, need, result};
// a step with no inode (a missing component) still has every key, null.
TEST_F(Root, JsonStepsAlwaysCarryTheSchemaKeys) {
  auto j = parse_json(cfgprobe({"check", "--format", "json", tree.path("nope/app.conf")}));
  for (const auto& st : j["targets"][0]["steps"]) expect_step_shape(st);
}

}  // namespace
