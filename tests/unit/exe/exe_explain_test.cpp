// The exe probe's explain and render, from ExeFacts literals (no system).
#include <gtest/gtest.h>

#include <cerrno>

#include "exe_json.hpp"
#include "fixtures.hpp"
#include "probe/exe.hpp"
#include "probe/render.hpp"

namespace probe {
namespace {

using testing::dir;
using testing::user;

// A process running /usr/bin/app, nothing wrong with it.
ExeFacts healthy() {
  ExeFacts f;
  f.pid = 42;
  f.link = "/usr/bin/app";
  f.running = FileId{8, 100};
  f.in_root = FileId{8, 100};
  f.on_host = FileId{8, 100};
  f.argv0 = "/usr/bin/app";
  f.threads = 1;
  f.state = 'S';
  return f;
}

// Its main thread has exited; thread 43 still runs.
ExeFacts leader_exited() {
  ExeFacts f = healthy();
  f.link.clear();
  f.link_err = ENOENT;
  f.state = 'Z';
  f.threads = 2;  // the zombie leader counts until the group is reaped
  f.via_thread = 43;
  f.via_thread_link = "/usr/bin/app";
  return f;
}

std::vector<std::string> ids(const std::vector<Finding>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.id);
  return out;
}

bool has(const std::vector<Finding>& fs, const std::string& id) {
  for (const auto& f : fs)
    if (f.id == id) return true;
  return false;
}

const Finding* get(const std::vector<Finding>& fs, const std::string& id) {
  for (const auto& f : fs)
    if (f.id == id) return &f;
  return nullptr;
}

TEST(ExeExplain, HealthyHasNoFindings) {
  ExeFacts f = healthy();
  EXPECT_EQ(classify_exe(f), ExeState::Ok);
  EXPECT_TRUE(explain_exe(user(1000, 1000), f).empty());
  EXPECT_EQ(exe_dir(f), "/usr/bin");
}

TEST(ExeExplain, DeletedWhenNothingIsAtThePath) {
  ExeFacts f = healthy();
  f.link = "/opt/app/bin/app (deleted)";
  f.in_root.reset();
  f.in_root_err = ENOENT;
  f.argv0 = "/opt/app/bin/app";
  EXPECT_EQ(classify_exe(f), ExeState::Deleted);
  EXPECT_EQ(exe_path(f), "/opt/app/bin/app");
  EXPECT_EQ(exe_dir(f), "/opt/app/bin");
  auto out = explain_exe(user(0, 0), f);
  EXPECT_EQ(ids(out), std::vector<std::string>{"EXE-001"});
  EXPECT_EQ(out[0].object, "/opt/app/bin/app");
}

TEST(ExeExplain, ReplacedWhenAnotherInodeIsAtThePath) {
  ExeFacts f = healthy();
  f.link = "/usr/bin/app (deleted)";
  f.in_root = FileId{8, 200};
  Subject s = user(0, 0);
  s.unit = "app.service";
  EXPECT_EQ(classify_exe(f), ExeState::Replaced);
  auto out = explain_exe(s, f);
  ASSERT_EQ(ids(out), std::vector<std::string>{"EXE-002"});
  ASSERT_FALSE(out[0].fixes.empty());
  EXPECT_EQ(out[0].fixes[0].command, "systemctl restart app.service");
}

TEST(ExeExplain, ReplacedWithoutUnitSaysRestartTheProcess) {
  ExeFacts f = healthy();
  f.in_root = FileId{9, 100};  // same ino, other device: another file
  auto out = explain_exe(user(0, 0), f);
  ASSERT_TRUE(has(out, "EXE-002"));
  EXPECT_NE(get(out, "EXE-002")->fixes[0].command.find("restart process 42"), std::string::npos);
}

TEST(ExeExplain, MemfdHasNoPathAndNoDirectory) {
  ExeFacts f = healthy();
  f.link = "/memfd:payload (deleted)";
  f.in_root.reset();
  f.in_root_err = 0;
  f.on_host.reset();
  f.argv0 = "payload";
  EXPECT_EQ(classify_exe(f), ExeState::Memfd);
  EXPECT_EQ(exe_path(f), std::nullopt);
  EXPECT_EQ(exe_dir(f), std::nullopt);
  EXPECT_EQ(ids(explain_exe(user(0, 0), f)), std::vector<std::string>{"EXE-003"});
}

TEST(ExeExplain, MainThreadExitedReadsThroughALiveThread) {
  ExeFacts f = leader_exited();
  EXPECT_EQ(classify_exe(f), ExeState::MainThreadExited);
  EXPECT_EQ(exe_path(f), "/usr/bin/app");
  auto out = explain_exe(user(0, 0), f);
  EXPECT_EQ(ids(out), std::vector<std::string>{"EXE-004"});
  EXPECT_NE(out[0].fixes[0].command.find("/proc/42/task/43/exe"), std::string::npos);
}

TEST(ExeExplain, MainThreadExitedAndReplacedGivesBoth) {
  ExeFacts f = healthy();
  f.link.clear();
  f.link_err = ENOENT;
  f.via_thread = 43;
  f.via_thread_link = "/usr/bin/app (deleted)";
  f.in_root = FileId{8, 300};
  EXPECT_EQ(ids(explain_exe(user(0, 0), f)), (std::vector<std::string>{"EXE-004", "EXE-002"}));
}

TEST(ExeExplain, EnoentWithoutLiveThreadIsUnknown) {
  ExeFacts f = healthy();
  f.link.clear();
  f.link_err = ENOENT;
  EXPECT_EQ(classify_exe(f), ExeState::Unknown);
  EXPECT_EQ(ids(explain_exe(user(0, 0), f)), std::vector<std::string>{"EXE-011"});
}

TEST(ExeExplain, PtraceDeniedNamesTheMissingPrivilege) {
  ExeFacts f;
  f.pid = 7;
  f.link_err = EACCES;
  f.subject_uid = {0, 0, 0, 0};
  f.inspector_fsuid = 65534;
  f.inspector_fsgid = 65534;
  EXPECT_EQ(classify_exe(f), ExeState::Denied);
  auto out = explain_exe(user(0, 0), f);
  ASSERT_EQ(ids(out), std::vector<std::string>{"EXE-008"});
  EXPECT_NE(out[0].explanation.find("another user's process needs CAP_SYS_PTRACE"), std::string::npos);
  EXPECT_EQ(out[0].object, "/proc/7/exe");
}

TEST(ExeExplain, PtraceDeniedSameUserNotDumpable) {
  ExeFacts f;
  f.pid = 7;
  f.link_err = EACCES;
  f.subject_uid = {1000, 1000, 1000, 1000};
  f.subject_gid = {1000, 1000, 1000, 1000};
  f.inspector_fsuid = f.inspector_fsgid = 1000;
  EXPECT_NE(explain_exe(user(1000, 1000), f)[0].explanation.find("not dumpable"), std::string::npos);
  f.subject_permitted = 1u << 21;  // cap_sys_admin
  EXPECT_NE(explain_exe(user(1000, 1000), f)[0].explanation.find("capabilities that cfgprobe does not"),
            std::string::npos);
}

TEST(ExeExplain, OnlyInTheSubjectsMountNamespace) {
  ExeFacts f = healthy();
  f.own_mount_ns = true;
  f.on_host.reset();
  f.on_host_err = ENOENT;
  auto out = explain_exe(user(0, 0), f);
  ASSERT_EQ(ids(out), std::vector<std::string>{"EXE-005"});
  EXPECT_NE(out[0].explanation.find("/proc/42/root/usr/bin/app"), std::string::npos);
}

TEST(ExeExplain, ChrootPathIsRelativeToTheSubjectsRoot) {
  ExeFacts f = healthy();
  f.root = "/srv/jail";
  f.link = "/srv/jail/bin/app";
  f.argv0 = "/bin/app";
  EXPECT_EQ(exe_path(f), "/bin/app");
  EXPECT_EQ(exe_dir(f), "/bin");
  EXPECT_TRUE(explain_exe(user(0, 0), f).empty());
}

TEST(ExeExplain, RootDirectoryBinary) {
  ExeFacts f = healthy();
  f.link = "/init";
  f.argv0 = "/init";
  EXPECT_EQ(exe_dir(f), "/");
}

TEST(ExeExplain, Argv0RelativeAndDifferent) {
  ExeFacts f = healthy();
  f.argv0 = "app";
  EXPECT_EQ(ids(explain_exe(user(0, 0), f)), std::vector<std::string>{"EXE-006"});
  f.argv0 = "./bin/app";
  EXPECT_EQ(ids(explain_exe(user(0, 0), f)), std::vector<std::string>{"EXE-006"});
  f.argv0 = "python3";
  EXPECT_EQ(ids(explain_exe(user(0, 0), f)), (std::vector<std::string>{"EXE-006", "EXE-007"}));
  f.argv0 = "/usr/local/bin/app";  // same name, another place (a symlink)
  EXPECT_EQ(ids(explain_exe(user(0, 0), f)), std::vector<std::string>{"EXE-007"});
  // ... that leads to the running inode (/bin/sh -> dash): the same program.
  f.argv0_target = f.running;
  EXPECT_TRUE(explain_exe(user(0, 0), f).empty());
  f.argv0_target = FileId{1, 2};
  EXPECT_EQ(ids(explain_exe(user(0, 0), f)), std::vector<std::string>{"EXE-007"});
  f.argv0 = "";
  EXPECT_TRUE(explain_exe(user(0, 0), f).empty());
}

// The walk to dirname(exe), as Session::probe would give it.
Walk walk_to(const Subject& s, const MapFs& fs, const std::string& path) {
  return resolve_access(s, fs, SystemFacts{}, path);
}

// "/", "/opt" and "/opt/app", all root's, with these modes.
MapFs opt_app(uint32_t opt, uint32_t app) {
  MapFs fs;
  fs.add("/", dir(0755));
  fs.add("/opt", dir(opt));
  fs.add("/opt/app", dir(app));
  return fs;
}

TEST(ExeDir, SearchableAndListable) {
  MapFs fs = opt_app(0755, 0755);
  Subject s = user(1000, 1000);
  ExeDirCheck c = judge_exe_dir(s, walk_to(s, fs, "/opt/app"));
  EXPECT_TRUE(c.searchable);
  EXPECT_TRUE(c.listable);
  EXPECT_TRUE(c.blocked_at.empty());
  ExeFacts f = healthy();
  f.dir = c;
  EXPECT_TRUE(explain_exe(s, f).empty());
}

TEST(ExeDir, SearchOnlyIsEnoughForANamedConfig) {
  MapFs fs = opt_app(0755, 0711);
  Subject s = user(1000, 1000);
  ExeDirCheck c = judge_exe_dir(s, walk_to(s, fs, "/opt/app"));
  EXPECT_TRUE(c.searchable);
  EXPECT_FALSE(c.listable);
  EXPECT_TRUE(c.blocked_at.empty());
}

TEST(ExeDir, BlockedOnTheWay) {
  MapFs fs = opt_app(0700, 0755);
  Subject s = user(1000, 1000);
  s.user_name = "app";
  ExeFacts f = healthy();
  f.dir = judge_exe_dir(s, walk_to(s, fs, "/opt/app"));
  EXPECT_EQ(f.dir->blocked_at, "/opt");
  auto out = explain_exe(s, f);
  ASSERT_EQ(ids(out), std::vector<std::string>{"EXE-009"});
  EXPECT_EQ(out[0].fixes[0].command, "setfacl -m u:app:x /opt");
}

TEST(ExeDir, BlockedAtTheDirectoryItself) {
  MapFs fs = opt_app(0755, 0744);
  Subject s = user(1000, 1000);
  ExeDirCheck c = judge_exe_dir(s, walk_to(s, fs, "/opt/app"));
  EXPECT_FALSE(c.searchable);
  EXPECT_TRUE(c.listable);
  EXPECT_EQ(c.blocked_at, "/opt/app");
}

TEST(ExeDir, MissingDirectory) {
  MapFs fs;
  fs.add("/", dir(0755));
  fs.add("/opt", dir(0755));
  Subject s = user(0, 0);
  ExeFacts f = healthy();
  f.link = "/opt/app-1.2/app (deleted)";
  f.argv0 = "/opt/app-1.2/app";
  f.in_root.reset();
  f.in_root_err = ENOENT;
  f.dir = judge_exe_dir(s, walk_to(s, fs, *exe_dir(f)));
  EXPECT_EQ(f.dir->verdict, Verdict::Missing);
  EXPECT_EQ(ids(explain_exe(s, f)), (std::vector<std::string>{"EXE-001", "EXE-010"}));
}

TEST(ExeRender, EscapesNamesAndMarksState) {
  ExeFacts f = healthy();
  f.link = "/usr/bin/a\033[2Jpp (deleted)";
  f.in_root = FileId{8, 999};
  f.argv0 = "a\npp";
  std::string text = render_text_exe(f, false);
  EXPECT_EQ(text.find('\033'), std::string::npos);
  EXPECT_NE(text.find("REPLACED"), std::string::npos);
  EXPECT_NE(text.find("  argv[0]  a\\x0app\n"), std::string::npos) << text;
  for (size_t pos = 0; pos < text.size(); pos = text.find('\n', pos) + 1) EXPECT_EQ(text.substr(pos, 2), "  ");
  EXPECT_EQ(text.back(), '\n');
}

TEST(ExeRender, HealthyIsOneLine) {
  EXPECT_EQ(render_text_exe(healthy(), false), "  exe      /usr/bin/app\n");
  EXPECT_EQ(render_text_exe(healthy(), true), "  exe      /usr/bin/app\n");
}

TEST(ExeRender, DeniedSaysWhy) {
  ExeFacts f;
  f.link_err = EACCES;
  EXPECT_EQ(render_text_exe(f, false), "  exe      -  unreadable: no ptrace-read access (EACCES)\n");
}

TEST(ExeJson, Fields) {
  ExeFacts f = healthy();
  f.link = "/usr/bin/app (deleted)";
  f.in_root.reset();
  f.in_root_err = ENOENT;
  auto j = exe_to_json(f);
  EXPECT_EQ(j["state"], "deleted");
  EXPECT_EQ(j["path"], "/usr/bin/app");
  EXPECT_EQ(j["at_path_error"], "ENOENT");
  EXPECT_TRUE(j["error"].is_null());
  EXPECT_EQ(j["running"]["ino"], 100);
  EXPECT_TRUE(j["dir"].is_null());
}


TEST(ExeExplain, HostHasAnotherFileAtThePath) {
  ExeFacts f = healthy();
  f.own_mount_ns = true;
  f.on_host = FileId{5, 77};  // the host's own /usr/bin/app
  auto out = explain_exe(testing::user(0, 0), f);
  ASSERT_EQ(ids(out), std::vector<std::string>{"EXE-005"});
  EXPECT_NE(out[0].explanation.find("another file"), std::string::npos);
  f.own_mount_ns = false;  // same namespace and root: the same file by definition
  EXPECT_TRUE(explain_exe(testing::user(0, 0), f).empty());
}

TEST(ExeExplain, ExitedLeaderIsNotCountedAsRunning) {
  ExeFacts f = leader_exited();
  EXPECT_NE(explain_exe(testing::user(0, 0), f)[0].explanation.find("while 1 other thread(s)"), std::string::npos);
}

}  // namespace
}  // namespace probe
