#include <gtest/gtest.h>

#include "probe/proc_parse.hpp"

namespace probe {
namespace {

constexpr std::string_view kStatus =
    "Name:\tmy app\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t998\t998\t0\t998\nGid:\t50\t50\t50\t51\n"
    "Groups:\t4 24 27 \nNStgid:\t1\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000006\n"
    "CapEff:\t0000000000000004\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n"
    "NoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t3\nThreads:\t4\n";

TEST(ProcParse, Status) {
  auto s = parse_status(kStatus);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->uid, (IdSet{998, 998, 0, 998}));
  EXPECT_EQ(s->gid.fs, 51u);
  EXPECT_EQ(s->groups, (std::vector<uint32_t>{4, 24, 27}));
  EXPECT_EQ(s->caps.permitted, 6u);
  EXPECT_EQ(s->caps.effective, 4u);
  EXPECT_EQ(s->caps.bounding, 0x1ffffffffffu);
  EXPECT_EQ(s->no_new_privs, true);
  EXPECT_EQ(s->seccomp, SeccompMode::Filter);
  EXPECT_EQ(s->seccomp_filters, 3);
  EXPECT_EQ(s->threads, 4);
}

TEST(ProcParse, StatusRejectsGarbageAndMissingLines) {
  EXPECT_FALSE(parse_status("Uid:\t1 2 3\n"));
  EXPECT_FALSE(parse_status(""));
  std::string bad(kStatus);
  bad.replace(bad.find("0000000000000006"), 16, "00000000000000zz");
  EXPECT_FALSE(parse_status(bad));
  EXPECT_FALSE(parse_status(std::string(kStatus).replace(0, 0, "Uid:\t-1 0 0 0\n")));
}

TEST(ProcParse, StatCommWithSpacesAndParens) {
  std::string line = "4123 (a) (b c) S 1 4123 4123 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
  auto s = parse_stat(line);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->pid, 4123);
  EXPECT_EQ(s->comm, "a) (b c");
  EXPECT_EQ(s->state, 'S');
  EXPECT_EQ(s->start_time, 987654u);
  EXPECT_FALSE(parse_stat("4123 (x S 1"));
  EXPECT_FALSE(parse_stat("4123 (x) S 1 2"));
}

TEST(ProcParse, IdMap) {
  auto m = parse_id_map("         0     100000      65536\n      1000       1000          1\n");
  ASSERT_TRUE(m);
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[0], (IdMapRange{0, 100000, 65536}));
  EXPECT_TRUE(id_is_mapped(*m, 100000 + 65535));
  EXPECT_FALSE(id_is_mapped(*m, 100000 + 65536));
  EXPECT_EQ(id_inside(*m, 100005), 5u);
  EXPECT_EQ(id_inside(*m, 1000), 1000u);
  EXPECT_FALSE(parse_id_map("0 4294967295 2\n"));
  EXPECT_FALSE(parse_id_map("0 0\n"));
  EXPECT_TRUE(id_is_mapped(identity_map(), 4294967294u));
}

TEST(ProcParse, Cmdline) {
  using namespace std::string_literals;
  EXPECT_EQ(parse_cmdline("app\0--config\0/etc/a b\0"s), (std::vector<std::string>{"app", "--config", "/etc/a b"}));
  EXPECT_EQ(parse_cmdline("app\0\0x\0"s), (std::vector<std::string>{"app", "", "x"}));
  EXPECT_TRUE(parse_cmdline("").empty());
}

}  // namespace
}  // namespace probe
