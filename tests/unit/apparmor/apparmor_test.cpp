// The AppArmor layer without an AppArmor kernel: labels as the kernel
// prints them, a table oracle, and the findings and fixes they make.
#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "probe/access.hpp"
#include "probe/apparmor.hpp"

namespace probe {
namespace {

// The kernel's answers, by (profile, path); anything else is ENOENT, as the
// kernel answers for a profile it does not know.
class TableOracle : public ApparmorOracle {
 public:
  std::map<std::pair<std::string, std::string>, AaAnswer> answers;
  std::vector<std::tuple<std::string, std::string, uint32_t>> asked;
  AaAnswer query_file(const std::string& profile, const std::string& path, uint32_t mask) override {
    asked.emplace_back(profile, path, mask);
    auto it = answers.find({profile, path});
    if (it != answers.end()) return it->second;
    return AaAnswer{ENOENT, "aa_query_label: No such file or directory", false, false};
  }
  void allow(const std::string& p, const std::string& path) { answers[{p, path}] = AaAnswer{0, "", true, false}; }
  void deny(const std::string& p, const std::string& path) { answers[{p, path}] = AaAnswer{0, "", false, true}; }
};

// A walk DAC allowed to /etc/app/app.conf.
Walk allowed_walk(const std::string& path = "/etc/app/app.conf") {
  Walk w;
  w.path = w.resolved = path;
  for (std::string p : {"/", "/etc", "/etc/app"}) {
    Step s;
    s.path = p;
    s.inode = Inode{};
    s.need = Need::Search;
    w.steps.push_back(s);
  }
  Step f;
  f.path = path;
  f.inode = Inode{};
  f.need = Need::Read;
  w.steps.push_back(f);
  w.verdict = Verdict::Allowed;
  return w;
}

ApparmorFacts facts(std::string_view label) {
  ApparmorFacts f;
  f.label = label;
  auto p = parse_apparmor_label(label);
  EXPECT_TRUE(p.has_value()) << label;
  if (p) {
    f.state = p->unconfined ? AaState::Unconfined : AaState::Confined;
    f.profiles = p->profiles;
  }
  return f;
}

TEST(ApparmorLabel, KernelForms) {
  auto u = parse_apparmor_label("unconfined\n");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->unconfined);
  auto e = parse_apparmor_label("testapp (enforce)\n");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->profiles, (std::vector<AaProfile>{{"testapp", AaMode::Enforce}}));
  auto p = parse_apparmor_label("/usr/sbin/nginx (complain)");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->profiles, (std::vector<AaProfile>{{"/usr/sbin/nginx", AaMode::Complain}}));
  auto child = parse_apparmor_label("/usr/bin/man//man_groff (enforce)");
  ASSERT_TRUE(child);
  EXPECT_EQ(child->profiles, (std::vector<AaProfile>{{"/usr/bin/man//man_groff", AaMode::Enforce}}));
}

TEST(ApparmorLabel, Stacks) {
  auto same = parse_apparmor_label("a//&b (enforce)");
  ASSERT_TRUE(same);
  EXPECT_EQ(same->profiles, (std::vector<AaProfile>{{"a", AaMode::Enforce}, {"b", AaMode::Enforce}}));
  auto each = parse_apparmor_label("a (enforce)//&b (complain)");
  ASSERT_TRUE(each);
  EXPECT_EQ(each->profiles, (std::vector<AaProfile>{{"a", AaMode::Enforce}, {"b", AaMode::Complain}}));
  auto mixed = parse_apparmor_label("a//&b (mixed)");
  ASSERT_TRUE(mixed);
  EXPECT_EQ(mixed->profiles, (std::vector<AaProfile>{{"a", AaMode::Unknown}, {"b", AaMode::Unknown}}));
  // A namespace's unconfined member allows everything: dropped.
  auto ns = parse_apparmor_label("a//&:ns1:unconfined (enforce)");
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->profiles, (std::vector<AaProfile>{{"a", AaMode::Enforce}}));
  EXPECT_FALSE(ns->unconfined);
}

TEST(ApparmorLabel, Garbage) {
  for (std::string_view bad : {"", "\n", "a (sideways)", "a//& (enforce)", "a\x1b[31m (enforce)", " (enforce)"})
    EXPECT_FALSE(parse_apparmor_label(bad).has_value()) << bad;
  // A SELinux context read by mistake is not taken for a profile name with a mode.
  auto se = parse_apparmor_label("system_u:system_r:httpd_t:s0");
  ASSERT_TRUE(se);
  EXPECT_EQ(se->profiles.size(), 1U);
  EXPECT_EQ(se->profiles[0].mode, AaMode::Unknown);
}

TEST(ApparmorLabel, ModesFromProfilesList) {
  auto mixed = parse_apparmor_label("a//&b (mixed)");
  ASSERT_TRUE(mixed);
  resolve_apparmor_modes(mixed->profiles, "zzz (enforce)\nb (complain)\na (enforce)\nbroken line\n");
  EXPECT_EQ(mixed->profiles, (std::vector<AaProfile>{{"a", AaMode::Enforce}, {"b", AaMode::Complain}}));
}

TEST(ApparmorDecide, EnforceDeniesWithRuleFix) {
  TableOracle o;
  o.deny("testapp", "/etc/app/app.conf");
  Walk w = allowed_walk();
  auto t = decide_apparmor(facts("testapp (enforce)"), o, w);
  ASSERT_EQ(o.asked.size(), 1U);
  EXPECT_EQ(std::get<2>(o.asked[0]), kAaMayRead);
  EXPECT_EQ(t.outcome, AaOutcome::Denied);
  apply_apparmor(t, w);
  EXPECT_EQ(w.verdict, Verdict::Denied);
  EXPECT_EQ(w.denied_by, Layer::Apparmor);
  EXPECT_EQ(w.err, EACCES);
  ASSERT_EQ(w.steps.back().lsm.size(), 1U);
  EXPECT_EQ(w.steps.back().lsm[0].denied, "read");
  EXPECT_TRUE(w.steps.back().lsm[0].enforced);
  auto f = explain_apparmor(t, "");
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].id, "AA-001");
  EXPECT_EQ(f[0].severity, Severity::Error);
  ASSERT_EQ(f[0].fixes.size(), 2U);
  EXPECT_EQ(f[0].fixes[0].command,
            "echo '/etc/app/app.conf r,' >> /etc/apparmor.d/local/testapp && apparmor_parser -r /etc/apparmor.d/testapp");
  EXPECT_EQ(f[0].fixes[1].command, "aa-logprof");
}

TEST(ApparmorDecide, AllowedLeavesWalkAlone) {
  TableOracle o;
  o.allow("testapp", "/etc/app/app.conf");
  Walk w = allowed_walk();
  auto t = decide_apparmor(facts("testapp (enforce)"), o, w);
  EXPECT_EQ(t.outcome, AaOutcome::Allowed);
  apply_apparmor(t, w);
  EXPECT_EQ(w.verdict, Verdict::Allowed);
  EXPECT_EQ(w.denied_by, Layer::None);
  EXPECT_TRUE(explain_apparmor(t, "").empty());
}

TEST(ApparmorDecide, ComplainIsAWarningAndAllowed) {
  TableOracle o;
  o.deny("testapp", "/etc/app/app.conf");
  Walk w = allowed_walk();
  auto t = decide_apparmor(facts("testapp (complain)"), o, w);
  EXPECT_EQ(t.outcome, AaOutcome::ComplainOnly);
  apply_apparmor(t, w);
  EXPECT_EQ(w.verdict, Verdict::Allowed);
  ASSERT_EQ(w.steps.back().lsm.size(), 1U);
  EXPECT_FALSE(w.steps.back().lsm[0].enforced);
  auto f = explain_apparmor(t, "/proc/9/root");
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].id, "AA-002");
  EXPECT_EQ(f[0].severity, Severity::Warning);
  EXPECT_EQ(f[0].object, "/proc/9/root/etc/app/app.conf");
}

TEST(ApparmorDecide, StackAnyEnforcedDenyDenies) {
  TableOracle o;
  o.allow("a", "/etc/app/app.conf");
  o.deny("b", "/etc/app/app.conf");
  Walk w = allowed_walk();
  auto t = decide_apparmor(facts("a//&b (enforce)"), o, w);
  EXPECT_EQ(o.asked.size(), 2U);
  EXPECT_EQ(t.outcome, AaOutcome::Denied);
  auto f = explain_apparmor(t, "");
  ASSERT_EQ(f.size(), 1U);
  EXPECT_NE(f[0].explanation.find("profile b "), std::string::npos);
  // Enforce allows, complain denies: a warning only.
  TableOracle o2;
  o2.allow("a", "/etc/app/app.conf");
  o2.deny("b", "/etc/app/app.conf");
  auto t2 = decide_apparmor(facts("a (enforce)//&b (complain)"), o2, w);
  EXPECT_EQ(t2.outcome, AaOutcome::ComplainOnly);
}

TEST(ApparmorDecide, NeverAllowedWhenTheKernelDoesNotAnswer) {
  TableOracle o;
  o.answers[{"testapp", "/etc/app/app.conf"}] = AaAnswer{EACCES, "aa_query_label: Permission denied", false, false};
  Walk w = allowed_walk();
  auto t = decide_apparmor(facts("testapp (enforce)"), o, w);
  EXPECT_EQ(t.outcome, AaOutcome::Unknown);
  apply_apparmor(t, w);
  EXPECT_EQ(w.verdict, Verdict::Unknown);
  auto f = explain_apparmor(t, "");
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].id, "AA-003");
  // A denial by a profile whose mode is unknown is not a verdict either.
  TableOracle o2;
  o2.deny("a", "/etc/app/app.conf");
  o2.allow("b", "/etc/app/app.conf");
  Walk w2 = allowed_walk();
  auto t2 = decide_apparmor(facts("a//&b (mixed)"), o2, w2);
  EXPECT_EQ(t2.outcome, AaOutcome::Unknown);
  apply_apparmor(t2, w2);
  EXPECT_EQ(w2.verdict, Verdict::Unknown);
}

TEST(ApparmorDecide, UnknownProfileIsAClearFinding) {
  TableOracle o;  // knows nothing: ENOENT
  Walk w = allowed_walk();
  auto t = decide_apparmor(facts("no-such-profile (enforce)"), o, w);
  EXPECT_EQ(t.outcome, AaOutcome::Unknown);
  auto f = explain_apparmor(t, "");
  ASSERT_EQ(f.size(), 1U);
  EXPECT_EQ(f[0].id, "AA-004");
  EXPECT_NE(f[0].explanation.find("no-such-profile"), std::string::npos);
}

TEST(ApparmorDecide, UnreadableLabelIsUnknown) {
  TableOracle o;
  ApparmorFacts f;
  f.state = AaState::Unreadable;
  f.note = "cannot read /proc/9/attr/apparmor/current: Permission denied";
  Walk w = allowed_walk();
  auto t = decide_apparmor(f, o, w);
  EXPECT_TRUE(o.asked.empty());
  apply_apparmor(t, w);
  EXPECT_EQ(w.verdict, Verdict::Unknown);
  auto fs = explain_apparmor(t, "");
  ASSERT_EQ(fs.size(), 1U);
  EXPECT_EQ(fs[0].id, "AA-003");
  EXPECT_NE(fs[0].explanation.find("Permission denied"), std::string::npos);
}

TEST(ApparmorDecide, NotAskedWhereItDoesNotApply) {
  TableOracle o;
  Walk w = allowed_walk();
  EXPECT_EQ(decide_apparmor(ApparmorFacts{}, o, w).outcome, AaOutcome::NotApplicable);  // not enabled
  EXPECT_EQ(decide_apparmor(facts("unconfined"), o, w).outcome, AaOutcome::NotApplicable);
  Walk missing = allowed_walk();
  missing.verdict = Verdict::Missing;
  missing.steps.back().inode.reset();
  EXPECT_EQ(decide_apparmor(facts("testapp (enforce)"), o, missing).outcome, AaOutcome::NotApplicable);
  EXPECT_TRUE(o.asked.empty());
}

TEST(ApparmorDecide, DacDenialStaysThePrimaryLayer) {
  TableOracle o;
  o.deny("testapp", "/etc/app/app.conf");
  Walk w = allowed_walk();
  w.verdict = Verdict::Denied;
  w.denied_by = Layer::Dac;
  w.err = EACCES;
  auto t = decide_apparmor(facts("testapp (enforce)"), o, w);
  apply_apparmor(t, w);
  EXPECT_EQ(w.denied_by, Layer::Dac);
  // ... and AppArmor's denial is still reported, so fixing DAC does not just reveal it.
  EXPECT_EQ(explain_apparmor(t, "").size(), 1U);
}

TEST(ApparmorDecide, BothLsmsReport) {
  // An LSM stack where SELinux already denied this step: AppArmor adds its
  // own decision beside it and does not take over the verdict.
  TableOracle o;
  o.deny("testapp", "/etc/app/app.conf");
  Walk w = allowed_walk();
  LsmCheck se;
  se.layer = Layer::Selinux;
  se.denied = "read open";
  w.steps.back().lsm.push_back(se);
  w.verdict = Verdict::Denied;
  w.denied_by = Layer::Selinux;
  w.err = EACCES;
  auto t = decide_apparmor(facts("testapp (enforce)"), o, w);
  apply_apparmor(t, w);
  EXPECT_EQ(w.denied_by, Layer::Selinux);
  ASSERT_EQ(w.steps.back().lsm.size(), 2U);
  EXPECT_EQ(w.steps.back().lsm[1].layer, Layer::Apparmor);
  EXPECT_EQ(explain_apparmor(t, "")[0].id, "AA-001");
}

TEST(ApparmorRule, QuotingAndProfileFiles) {
  EXPECT_EQ(apparmor_read_rule("/etc/app/app.conf"), "/etc/app/app.conf r,");
  EXPECT_EQ(apparmor_read_rule("/etc/my app/a.conf"), "\"/etc/my app/a.conf\" r,");
  EXPECT_EQ(apparmor_read_rule("/etc/app/[x]*.conf"), "/etc/app/\\[x\\]\\*.conf r,");
  EXPECT_EQ(apparmor_profile_file("testapp"), "testapp");
  EXPECT_EQ(apparmor_profile_file("/usr/sbin/nginx"), "usr.sbin.nginx");
  EXPECT_EQ(apparmor_profile_file("/usr/bin/man//man_groff"), "usr.bin.man");
  EXPECT_EQ(apparmor_profile_file(":ns1:app"), std::nullopt);
  EXPECT_EQ(apparmor_profile_file("a'b"), std::nullopt);
  // A profile without a file name of its own gets the rule and the reload as words.
  TableOracle o;
  o.deny(":ns1:app", "/etc/app/app.conf");
  Walk w = allowed_walk();
  auto f = explain_apparmor(decide_apparmor(facts(":ns1:app (enforce)"), o, w), "");
  ASSERT_EQ(f.size(), 1U);
  EXPECT_NE(f[0].fixes[0].command.find("/etc/app/app.conf r,"), std::string::npos);
}

TEST(ApparmorCatalog, EveryIdIsCatalogued) {
  for (const char* id : {"AA-001", "AA-002", "AA-003", "AA-004"}) EXPECT_NE(find_catalog_entry(id), nullptr) << id;
}

}  // namespace
}  // namespace probe
