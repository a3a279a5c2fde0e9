// Path resolution as modelled: links, loops, ENOTDIR, protected_symlinks.
#include <gtest/gtest.h>

#include <cerrno>

#include "fixtures.hpp"

namespace probe {
namespace {

using namespace probe::testing;

SystemFacts sys(bool protected_symlinks = false) { return SystemFacts{protected_symlinks}; }

TEST(Resolve, DeniedDirectoryIsThePrimaryStepAndTheWalkGoesOn) {
  MapFs fs = etc_tree(dir(0750), file(0600));
  Walk w = resolve_access(user(998, 998), fs, sys(), "/etc/app/config.yaml");
  EXPECT_EQ(w.verdict, Verdict::Denied);
  EXPECT_EQ(w.err, EACCES);
  EXPECT_EQ(w.denied_by, Layer::Dac);
  ASSERT_EQ(w.steps.size(), 4u);  // / /etc /etc/app search, then the file read
  EXPECT_TRUE(w.steps[2].primary);
  EXPECT_EQ(w.steps[2].path, "/etc/app");
  EXPECT_EQ(w.steps[3].result, StepResult::Denied);  // would deny too
  EXPECT_FALSE(w.steps[3].primary);
}

TEST(Resolve, AllowedWalkEndsWithARead) {
  MapFs fs = etc_tree(dir(0755), file(0644));
  Walk w = resolve_access(user(998, 998), fs, sys(), "/etc//app/./config.yaml");
  EXPECT_EQ(w.verdict, Verdict::Allowed);
  EXPECT_EQ(w.resolved, "/etc/app/config.yaml");
  EXPECT_EQ(w.steps.back().need, Need::Read);
}

TEST(Resolve, MissingComponentAfterSearch) {
  MapFs fs = etc_tree(dir(0755), file(0644));
  Walk w = resolve_access(user(998, 998), fs, sys(), "/etc/nope/config.yaml");
  EXPECT_EQ(w.verdict, Verdict::Missing);
  EXPECT_EQ(w.err, ENOENT);
  EXPECT_EQ(w.steps.back().path, "/etc/nope");
}

TEST(Resolve, SearchIsCheckedBeforeLookingUp) {
  // may_lookup() comes first: a missing name under an unsearchable dir is
  // EACCES, not ENOENT.
  MapFs fs = etc_tree(dir(0700), file(0644));
  EXPECT_EQ(resolve_access(user(998, 998), fs, sys(), "/etc/app/nope").err, EACCES);
}

TEST(Resolve, FileUsedAsDirectoryAndTrailingSlash) {
  MapFs fs = etc_tree(dir(0755), file(0644));
  EXPECT_EQ(resolve_access(user(1, 1), fs, sys(), "/etc/app/config.yaml/x").err, ENOTDIR);
  EXPECT_EQ(resolve_access(user(1, 1), fs, sys(), "/etc/app/config.yaml/").err, ENOTDIR);
  EXPECT_EQ(resolve_access(user(1, 1), fs, sys(), "/etc/app/").err, 0);
}

TEST(Resolve, AbsoluteLinkRestartsAtTheSubjectsRoot) {
  MapFs fs = etc_tree(dir(0755), file(0644));
  fs.add("/srv", dir(0755));
  fs.add("/srv/cfg", link("/etc/app/config.yaml"));
  Walk w = resolve_access(user(1, 1), fs, sys(), "/srv/cfg");
  EXPECT_EQ(w.verdict, Verdict::Allowed);
  EXPECT_EQ(w.resolved, "/etc/app/config.yaml");
  EXPECT_EQ(w.links_followed, 1);
}

TEST(Resolve, RelativeLinkFromItsDirectoryAndDotDotAtRoot) {
  MapFs fs = etc_tree(dir(0755), file(0644));
  fs.add("/etc/app/current", link("../app/./config.yaml"));
  EXPECT_EQ(resolve_access(user(1, 1), fs, sys(), "/etc/app/current").resolved, "/etc/app/config.yaml");
  EXPECT_EQ(resolve_access(user(1, 1), fs, sys(), "/../../etc/app/config.yaml").err, 0);
}

TEST(Resolve, RelativePathStartsAtCwd) {
  MapFs fs = etc_tree(dir(0755), file(0644));
  Subject s = user(1, 1);
  s.cwd = "/etc/app";
  EXPECT_EQ(resolve_access(s, fs, sys(), "config.yaml").resolved, "/etc/app/config.yaml");
}

TEST(Resolve, FortyLinksAreFineTheFortyFirstIsELOOP) {
  MapFs fs;
  fs.add("/", dir(0755));
  fs.add("/f", file(0644));
  for (int i = 0; i < 41; ++i) fs.add("/l" + std::to_string(i), link(i == 0 ? "f" : "l" + std::to_string(i - 1)));
  EXPECT_EQ(resolve_access(user(1, 1), fs, sys(), "/l39").err, 0);   // 40 links
  EXPECT_EQ(resolve_access(user(1, 1), fs, sys(), "/l40").err, ELOOP);  // 41
  fs.add("/a", link("b"));
  fs.add("/b", link("a"));
  Walk loop = resolve_access(user(1, 1), fs, sys(), "/a");
  EXPECT_EQ(loop.err, ELOOP);
  EXPECT_EQ(loop.verdict, Verdict::Missing);
}

TEST(Resolve, ProtectedSymlinksOnlyForTheTrailingLink) {
  MapFs fs;
  fs.add("/", dir(0755));
  fs.add("/tmp", dir(01777));
  fs.add("/tmp/d", dir(0755, 1000, 1000));
  fs.add("/tmp/d/f", file(0644, 1000, 1000));
  fs.add("/tmp/l", link("/tmp/d/f", 1000, 1000));
  fs.add("/tmp/ld", link("/tmp/d", 1000, 1000));
  Subject other = user(2000, 2000);
  EXPECT_EQ(resolve_access(other, fs, sys(false), "/tmp/l").err, 0);
  Walk w = resolve_access(other, fs, sys(true), "/tmp/l");
  EXPECT_EQ(w.err, EACCES);
  EXPECT_EQ(w.steps[2].need, Need::Follow);
  EXPECT_TRUE(w.steps[2].primary);
  EXPECT_EQ(resolve_access(other, fs, sys(true), "/tmp/ld/f").err, 0);  // not trailing
  EXPECT_EQ(resolve_access(user(1000, 1000), fs, sys(true), "/tmp/l").err, 0);  // its owner
  // No capability overrides it.
  Subject root = user(0, 0);
  root.caps.effective = root.caps.permitted = ~uint64_t{0};
  EXPECT_EQ(resolve_access(root, fs, sys(true), "/tmp/l").err, EACCES);
}

TEST(Resolve, LinkOfSlashesOnlyJumpsWithoutSearchingTheRoot) {
  // pick_link(): a body of slashes is all_done; nothing is looked up in the
  // root, so "l/" opens it without search permission there (found by the
  // differential test).
  MapFs fs;
  fs.add("/", dir(0704));
  fs.add("/d", dir(0711));
  fs.add("/d/l", link("/"));
  Subject s = user(1000, 1000);
  s.cwd = "/d";
  EXPECT_EQ(resolve_access(s, fs, sys(), "l/").err, 0);
}

TEST(Resolve, CwdThatIsNoLongerADirectoryIsUnknown) {
  MapFs fs;
  fs.add("/", dir(0755));
  fs.add("/a", link("/"));
  Subject s = user(1000, 1000);
  s.cwd = "/a";
  Walk w = resolve_access(s, fs, sys(), ".");
  EXPECT_EQ(w.verdict, Verdict::Unknown);
}

TEST(Resolve, SocketPassesThePermissionCheckThenCannotBeOpened) {
  MapFs fs = etc_tree(dir(0755), Inode{S_IFSOCK | 0777});
  Walk w = resolve_access(user(1, 1), fs, sys(), "/etc/app/config.yaml");
  EXPECT_EQ(w.err, ENXIO);
  EXPECT_EQ(w.verdict, Verdict::Denied);
  EXPECT_EQ(w.denied_by, Layer::None);
  MapFs closed = etc_tree(dir(0755), Inode{S_IFSOCK | 0700});
  EXPECT_EQ(resolve_access(user(1, 1), closed, sys(), "/etc/app/config.yaml").err, EACCES);
}

TEST(Resolve, InspectorsOwnLookupFailureIsUnknownNotMissing) {
  MapFs fs = etc_tree(dir(0755), file(0644));
  fs.fail("/etc/app/config.yaml", EACCES);
  Walk w = resolve_access(user(1, 1), fs, sys(), "/etc/app/config.yaml");
  EXPECT_EQ(w.verdict, Verdict::Unknown);
  EXPECT_EQ(w.steps.back().result, StepResult::Unknown);
}

TEST(Resolve, EmptyAndOverlongPaths) {
  MapFs fs = etc_tree(dir(0755), file(0644));
  EXPECT_EQ(resolve_access(user(1, 1), fs, sys(), "").err, ENOENT);
  EXPECT_EQ(resolve_access(user(1, 1), fs, sys(), std::string(5000, 'a')).err, ENAMETOOLONG);
  EXPECT_EQ(resolve_access(user(1, 1), fs, sys(), "/etc/" + std::string(256, 'a')).err, ENAMETOOLONG);
}

TEST(Resolve, SameDirectorySearchedOnceInTheWalk) {
  MapFs fs = etc_tree(dir(0755), file(0644));
  Walk w = resolve_access(user(1, 1), fs, sys(), "/etc/./././app/config.yaml");
  EXPECT_EQ(w.steps.size(), 4u);
}

}  // namespace
}  // namespace probe
