// The SELinux layer end to end through the cfgprobe binary, offline against
// Debian's selinux-policy-default (this kernel has SELinux built in but not
// active; labels are plain security.selinux xattrs): a web server domain and
// a home-directory config (denied, boolean named), a drifted label
// (restorecon), an unlabeled file, permissive mode (a warning, exit 0), and
// bad input (malformed --context, not a policy, an invalid label, no
// context). Each test builds its own root in a temp dir and removes it.
// Needs root (writing security.* xattrs) and the policy: skips without.
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kPolicy = "/etc/selinux/default/policy/policy.33";
const std::string kHttpd = "system_u:system_r:httpd_t:s0";

struct Outcome {
  int status = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The binary with args; stdout and stderr through files in the temp dir.
Outcome cfgprobe(const fs::path& dir, const std::vector<std::string>& args) {
  const char* bin = std::getenv("CFGPROBE_BIN");
  std::string o = dir / "stdout", e = dir / "stderr";
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv{const_cast<char*>(bin)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (!freopen(o.c_str(), "w", stdout) || !freopen(e.c_str(), "w", stderr)) _exit(127);
    execv(bin, argv.data());
    _exit(127);
  }
  Outcome r;
  int st = 0;
  if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st)) r.status = WEXITSTATUS(st);
  r.out = slurp(o);
  r.err = slurp(e);
  return r;
}

class SelinuxCli : public ::testing::Test {
 protected:
  fs::path root, work;

  void SetUp() override {
    if (std::getenv("CFGPROBE_BIN") == nullptr) GTEST_SKIP() << "CFGPROBE_BIN not set";
    if (!fs::exists(kPolicy)) GTEST_SKIP() << "needs " << kPolicy << " (selinux-policy-default)";
    if (geteuid() != 0) GTEST_SKIP() << "needs root: writing security.selinux labels";
    char tmpl[] = "/tmp/cfgprobe-selcli-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    work = tmpl;
    root = work / "root";
    for (const char* d : {"home/alice", "etc/app"}) fs::create_directories(root / d);
    fs::permissions(root / "home/alice", fs::perms(0755));
    for (const char* f : {"home/alice/site.conf", "etc/app/app.conf", "etc/app/moved.conf", "etc/app/bare.conf",
                          "etc/app/bogus.conf"})
      std::ofstream(root / f) << "key = value\n";
    label("", "root_t");
    label("home", "home_root_t");
    label("home/alice", "user_home_dir_t");
    label("home/alice/site.conf", "user_home_t");
    label("etc", "etc_t");
    label("etc/app", "etc_t");
    label("etc/app/app.conf", "etc_t");
    label("etc/app/moved.conf", "user_home_t");  // created in a home dir, then mv'd
    set_raw("etc/app/bogus.conf", "system_u:object_r:no_such_type_t:s0");
    // A small file_contexts beside it, as the real one says for these paths.
    std::ofstream(work / "file_contexts") << "/home/[^/]+/.+\tsystem_u:object_r:user_home_t:s0\n"
                                          << "/etc(/.*)?\tsystem_u:object_r:etc_t:s0\n";
  }
  void TearDown() override {
    std::error_code ec;
    if (!work.empty()) fs::remove_all(work, ec);
  }
  void set_raw(const std::string& rel, const std::string& con) {
    std::string p = root / rel;
    if (setxattr(p.c_str(), "security.selinux", con.c_str(), con.size() + 1, 0) != 0)
      GTEST_SKIP() << "cannot set security.selinux here: " << std::strerror(errno);
  }
  void label(const std::string& rel, const std::string& type) { set_raw(rel, "system_u:object_r:" + type + ":s0"); }

  Outcome check(const std::string& path, std::vector<std::string> extra = {}, bool json_out = false) {
    std::vector<std::string> a{"check", "--root", root.string(), "--context", kHttpd, "--selinux-policy", kPolicy,
                               "--file-contexts", (work / "file_contexts").string()};
    a.insert(a.end(), extra.begin(), extra.end());
    if (json_out) a.insert(a.end(), {"--format", "json"});
    a.push_back(path);
    return cfgprobe(work, a);
  }
  json check_json(const std::string& path, std::vector<std::string> extra = {}) {
    Outcome r = check(path, std::move(extra), true);
    last_status = r.status;
    EXPECT_TRUE(json::accept(r.out)) << r.out << r.err;
    return json::accept(r.out) ? json::parse(r.out) : json();
  }
  int last_status = -1;
};

const json* finding(const json& j, const std::string& id) {
  for (const auto& f : j["findings"])
    if (f["id"] == id) return &f;
  return nullptr;
}

bool has_fix(const json& f, const std::string& cmd) {
  for (const auto& x : f["fix"])
    if (x.get<std::string>() == cmd) return true;
  return false;
}

TEST_F(SelinuxCli, WebServerAndHomeDirConfigDeniedBooleanNamed) {
  json j = check_json("/home/alice/site.conf", {"--selinux-mode", "enforcing"});
  EXPECT_EQ(last_status, 1);
  const json& t = j["targets"][0];
  EXPECT_EQ(t["verdict"], "denied");
  EXPECT_EQ(t["denied_by"], "selinux");
  EXPECT_EQ(t["errno"], "EACCES");
  EXPECT_EQ(j["subject"]["selinux"], kHttpd);
  EXPECT_EQ(j["subject"]["selinux_probe"]["source"], "offline");
  EXPECT_EQ(j["subject"]["selinux_probe"]["policy"], kPolicy);
  EXPECT_EQ(j["subject"]["selinux_probe"]["mode"], "enforcing");
  const json& last = t["steps"].back();
  EXPECT_EQ(last["selinux"]["class"], "file");
  EXPECT_EQ(last["selinux"]["denied"], json({"open", "read", "getattr"}));
  EXPECT_TRUE(last["primary"]);
  const json* f = finding(j, "SEL-002");
  ASSERT_NE(f, nullptr) << j["findings"].dump(2);
  EXPECT_TRUE(has_fix(*f, "setsebool -P httpd_read_user_content 1")) << f->dump(2);
  bool named = false;
  for (const auto& b : last["selinux"]["booleans"])
    if (b["name"] == "httpd_read_user_content") named = b["opens"].get<int>() > 1;
  EXPECT_TRUE(named);
  // The text report: one line for the denial, the fix with the boolean.
  Outcome r = check("/home/alice/site.conf", {"--selinux-mode", "enforcing"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("DENIED by selinux"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("file user_home_t  open read getattr  DENIED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fix   setsebool -P httpd_read_user_content 1"), std::string::npos) << r.out;
}

TEST_F(SelinuxCli, AllowedConfigIsAllowed) {
  json j = check_json("/etc/app/app.conf", {"--selinux-mode", "enforcing"});
  EXPECT_EQ(last_status, 0) << j.dump(2);
  EXPECT_EQ(j["targets"][0]["verdict"], "allowed");
  EXPECT_EQ(j["targets"][0]["denied_by"], nullptr);
  EXPECT_TRUE(j["findings"].empty()) << j["findings"].dump(2);
}

TEST_F(SelinuxCli, DriftedLabelSuggestsRestorecon) {
  json j = check_json("/etc/app/moved.conf", {"--selinux-mode", "enforcing"});
  EXPECT_EQ(last_status, 1);
  EXPECT_EQ(j["targets"][0]["denied_by"], "selinux");
  std::string fix = "restorecon -v '" + (root / "etc/app/moved.conf").string() + "'";
  const json* drift = finding(j, "SEL-005");
  ASSERT_NE(drift, nullptr) << j["findings"].dump(2);
  EXPECT_EQ((*drift)["fix"][0], fix);
  EXPECT_NE((*drift)["explanation"].get<std::string>().find("file_contexts say etc_t"), std::string::npos);
  // The denial's own first fix is the relabel too: etc_t is readable by httpd_t.
  const json* deny = finding(j, "SEL-002") ? finding(j, "SEL-002") : finding(j, "SEL-001");
  ASSERT_NE(deny, nullptr);
  EXPECT_EQ((*deny)["fix"][0], fix);
}

TEST_F(SelinuxCli, UnlabeledFile) {
  json j = check_json("/etc/app/bare.conf", {"--selinux-mode", "enforcing"});
  const json* f = finding(j, "SEL-006");
  ASSERT_NE(f, nullptr) << j["findings"].dump(2);
  EXPECT_TRUE(has_fix(*f, "restorecon -v '" + (root / "etc/app/bare.conf").string() + "'"));
  const json& last = j["targets"][0]["steps"].back();
  EXPECT_EQ(last["selinux"]["label_state"], "missing");
  EXPECT_EQ(last["selinux"]["label"], nullptr);
  EXPECT_NE(last["selinux"]["tcon"].get<std::string>().find("unlabeled_t"), std::string::npos);
  EXPECT_EQ(j["targets"][0]["denied_by"], "selinux");  // httpd_t may not read unlabeled_t
  EXPECT_EQ(last_status, 1);
}

TEST_F(SelinuxCli, InvalidLabelIsAFinding) {
  json j = check_json("/etc/app/bogus.conf", {"--selinux-mode", "enforcing"});
  const json* f = finding(j, "SEL-007");
  ASSERT_NE(f, nullptr) << j["findings"].dump(2);
  EXPECT_NE((*f)["explanation"].get<std::string>().find("no_such_type_t"), std::string::npos);
  EXPECT_EQ(j["targets"][0]["steps"].back()["selinux"]["label_state"], "invalid");
}

TEST_F(SelinuxCli, PermissiveIsAWarningAndExitZero) {
  json j = check_json("/home/alice/site.conf", {"--selinux-mode", "permissive"});
  EXPECT_EQ(last_status, 0) << j["findings"].dump(2);  // DESIGN.md: 0 when no error finding
  EXPECT_EQ(j["targets"][0]["verdict"], "allowed");
  EXPECT_EQ(j["verdict"], "ok");
  const json* f = finding(j, "SEL-008");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ((*f)["severity"], "warning");
  EXPECT_TRUE(has_fix(*f, "setsebool -P httpd_read_user_content 1"));
  EXPECT_EQ(j["targets"][0]["steps"].back()["selinux"]["enforced"], false);
  Outcome r = check("/home/alice/site.conf", {"--selinux-mode", "permissive"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("denied (permissive: logged only)"), std::string::npos) << r.out;
}

TEST_F(SelinuxCli, BadInputIsAClearUsageError) {
  Outcome r = cfgprobe(work, {"check", "--context", "httpd_t", "--selinux-policy", kPolicy, "/etc/hostname"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cfgprobe: error: malformed SELinux context"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint: "), std::string::npos);
  std::ofstream(work / "not-a-policy") << "hello\n";
  r = cfgprobe(work, {"check", "--context", kHttpd, "--selinux-policy", (work / "not-a-policy").string(), "/etc/hostname"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("is not a binary SELinux policy"), std::string::npos) << r.err;
  r = cfgprobe(work, {"check", "--context", "system_u:system_r:nope_t:s0", "--selinux-policy", kPolicy, "/etc/hostname"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("is not valid in the policy"), std::string::npos) << r.err;
  r = cfgprobe(work, {"check", "--context", kHttpd, "--selinux-policy", kPolicy, "--file-contexts",
                      (work / "nonexistent").string(), "/etc/hostname"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("file_contexts"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST_F(SelinuxCli, WithoutAContextTheLayerIsNotEvaluated) {
  Outcome r = cfgprobe(work, {"check", "--root", root.string(), "--format", "json", "/etc/app/app.conf"});
  ASSERT_TRUE(json::accept(r.out)) << r.out;
  json j = json::parse(r.out);
  if (j["subject"]["selinux_probe"]["kernel_enabled"] == true) GTEST_SKIP() << "SELinux is enabled here";
  EXPECT_EQ(j["subject"]["selinux"], nullptr);
  EXPECT_EQ(j["subject"]["selinux_probe"]["evaluated"], false);
  EXPECT_NE(j["subject"]["selinux_probe"]["note"].get<std::string>().find("--context"), std::string::npos);
  EXPECT_FALSE(j["targets"][0]["steps"].back().contains("selinux"));
  EXPECT_EQ(r.status, 0);
}

}  // namespace
