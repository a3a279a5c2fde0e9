// The SELinux layer, pure: a walk on a literal file system, decided by a
// fake oracle (the seam that the kernel and libsepol implement).
#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "fixtures.hpp"
#include "probe/access.hpp"
#include "probe/report.hpp"
#include "probe/selinux.hpp"

namespace probe {
namespace {

using testing::dir;
using testing::file;
using testing::user;

// A policy as a table: (source type, target type, class) -> allowed perms.
class FakeOracle : public SelinuxOracle {
 public:
  std::map<std::tuple<std::string, std::string, std::string>, std::set<std::string>> allow, dontaudit;
  std::set<std::tuple<std::string, std::string, std::string>> constrained;
  std::map<std::tuple<std::string, std::string, std::string>, BooleanHint> booleans;
  std::set<std::string> types{"httpd_t", "etc_t", "root_t", "user_home_t", "user_home_dir_t", "home_root_t",
                              "httpd_config_t", "unlabeled_t", "file_t"};
  std::set<std::string> permissive;
  int decisions = 0;

  AvDecision decide(const std::string& scon, const std::string& tcon, const std::string& tclass,
                    const std::vector<std::string>& perms) override {
    ++decisions;
    AvDecision d;
    if (!valid_context(scon) || !valid_context(tcon)) {
      d.err = EINVAL;
      d.error = "invalid context";
      return d;
    }
    auto key = std::make_tuple(context_type(scon), context_type(tcon), tclass);
    const auto& ok = allow[key];
    for (const auto& p : perms) {
      if (ok.count(p) && !constrained.count(key)) continue;
      d.denied.push_back(p);
      if (dontaudit[key].count(p)) d.hidden.push_back(p);
      if (ok.count(p)) d.by_constraint = true;
      else d.by_te = true;
    }
    if (d.by_constraint) d.constraint = "mlsconstrain file { read } (l1 dom l2)";
    d.permissive_domain = permissive.count(context_type(scon)) != 0;
    return d;
  }
  std::vector<BooleanHint> booleans_allowing(const std::string& scon, const std::string& tcon,
                                             const std::string& tclass, const std::vector<std::string>&) override {
    auto it = booleans.find(std::make_tuple(context_type(scon), context_type(tcon), tclass));
    if (it == booleans.end()) return {};
    return {it->second};
  }
  std::optional<std::string> initial_context(std::string_view sid) override {
    if (sid == "file") return "system_u:object_r:file_t:s0";
    if (sid == "unlabeled") return "system_u:object_r:unlabeled_t:s0";
    return std::nullopt;
  }
  bool valid_context(const std::string& con) override { return types.count(context_type(con)) != 0; }
};

class FakeContexts : public FileContexts {
 public:
  std::map<std::string, std::string> labels;
  std::optional<std::string> lookup(const std::string& path, uint32_t) const override {
    auto it = labels.find(path);
    if (it == labels.end()) return std::nullopt;
    return it->second;
  }
};

Inode labeled(Inode i, std::optional<std::string> type) {
  if (type) i.selinux_label = "system_u:object_r:" + *type + ":s0";
  return i;
}

const std::string kHttpd = "system_u:system_r:httpd_t:s0";

struct World {
  FakeOracle oracle;
  FakeContexts fc;
  MapFs fs;
  SelinuxFacts facts;
  World() {
    facts.evaluated = true;
    facts.context = kHttpd;
    facts.source = "offline";
    facts.mode_source = "--selinux-mode";
    oracle.allow[{"httpd_t", "root_t", "dir"}] = {"search", "getattr"};
    oracle.allow[{"httpd_t", "home_root_t", "dir"}] = {"search", "getattr"};
    oracle.allow[{"httpd_t", "user_home_dir_t", "dir"}] = {"search", "getattr"};
    oracle.allow[{"httpd_t", "httpd_config_t", "file"}] = {"open", "read", "getattr"};
    fs.add("/", labeled(dir(0755), "root_t"));
    fs.add("/home", labeled(dir(0755), "home_root_t"));
    fs.add("/home/alice", labeled(dir(0755, 1000, 1000), "user_home_dir_t"));
    fc.labels["/home/alice/site.conf"] = "system_u:object_r:user_home_t:s0";
  }
  void config(std::optional<std::string> type) {
    fs.add("/home/alice/site.conf", labeled(file(0644, 1000, 1000), std::move(type)));
  }
  // What Session::probe does, then explain_target's SELinux part.
  std::pair<Walk, std::vector<Finding>> run(const Subject& s = user(33, 33), const std::string& prefix = "") {
    Walk w = resolve_access(s, fs, SystemFacts{}, "/home/alice/site.conf");
    SelinuxTarget t = decide_walk(facts, oracle, &fc, w);
    apply_selinux(t, w);
    return {w, explain_selinux(t, prefix)};
  }
};

const Finding* find(const std::vector<Finding>& v, const std::string& id) {
  auto it = std::find_if(v.begin(), v.end(), [&](const Finding& f) { return f.id == id; });
  return it == v.end() ? nullptr : &*it;
}

bool any_fix(const Finding& f, const std::string& needle) {
  return std::any_of(f.fixes.begin(), f.fixes.end(),
                     [&](const Fix& x) { return x.command.find(needle) != std::string::npos; });
}

TEST(SelinuxExplain, EnforcingDenialAfterDacAllowed) {
  World w;
  w.config("user_home_t");
  auto [walk, findings] = w.run();
  EXPECT_EQ(walk.verdict, Verdict::Denied);
  EXPECT_EQ(walk.denied_by, Layer::Selinux);
  EXPECT_EQ(walk.err, EACCES);
  const Step& last = walk.steps.back();
  EXPECT_TRUE(last.primary);
  ASSERT_EQ(last.lsm.size(), 1u);
  EXPECT_EQ(last.lsm[0].object, "file user_home_t");
  EXPECT_EQ(last.lsm[0].denied, "open read getattr");
  EXPECT_TRUE(last.lsm[0].enforced);
  const Finding* f = find(findings, "SEL-001");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::Error);
  EXPECT_NE(f->explanation.find("httpd_t -> user_home_t:file { open read }"), std::string::npos) << f->explanation;
  EXPECT_TRUE(any_fix(*f, "sesearch -A -s httpd_t -c file -p open,read"));
  EXPECT_TRUE(any_fix(*f, "(allow httpd_t user_home_t (file (open read)))'"));
  EXPECT_EQ(find(findings, "SEL-005"), nullptr);  // the label is the path's own
  // The directories on the way were allowed: one check each, nothing denied.
  for (size_t i = 0; i + 1 < walk.steps.size(); ++i) {
    ASSERT_EQ(walk.steps[i].lsm.size(), 1u);
    EXPECT_TRUE(walk.steps[i].lsm[0].denied.empty());
    EXPECT_EQ(walk.steps[i].lsm[0].asked, "search getattr");
  }
}

TEST(SelinuxExplain, BooleanNamedWithWhatElseItOpens) {
  World w;
  w.config("user_home_t");
  w.oracle.booleans[{"httpd_t", "user_home_t", "file"}] =
      BooleanHint{"httpd_read_user_content", true, 57, {"httpd_t user_home_t:dir", "httpd_t user_home_t:lnk_file"}};
  auto [walk, findings] = w.run();
  EXPECT_EQ(walk.denied_by, Layer::Selinux);
  const Finding* f = find(findings, "SEL-002");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(find(findings, "SEL-001"), nullptr);
  EXPECT_NE(f->explanation.find("httpd_read_user_content"), std::string::npos);
  auto it = std::find_if(f->fixes.begin(), f->fixes.end(),
                         [](const Fix& x) { return x.command == "setsebool -P httpd_read_user_content 1"; });
  ASSERT_NE(it, f->fixes.end());
  EXPECT_NE(it->note.find("56 other allow rules"), std::string::npos) << it->note;
  EXPECT_NE(it->note.find("httpd_t user_home_t:dir"), std::string::npos);
}

TEST(SelinuxExplain, PermissiveModeIsAWarningNotADenial) {
  World w;
  w.config("user_home_t");
  w.facts.mode = SelinuxMode::Permissive;
  auto [walk, findings] = w.run();
  EXPECT_EQ(walk.verdict, Verdict::Allowed);
  EXPECT_EQ(walk.denied_by, Layer::None);
  EXPECT_FALSE(walk.steps.back().lsm[0].enforced);
  const Finding* f = find(findings, "SEL-008");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::Warning);
  EXPECT_NE(f->explanation.find("SELinux is permissive"), std::string::npos);
  for (const auto& x : findings) EXPECT_NE(x.severity, Severity::Error) << x.id;
}

TEST(SelinuxExplain, PermissiveDomainIsAWarningInEnforcingMode) {
  World w;
  w.config("user_home_t");
  w.oracle.permissive.insert("httpd_t");
  auto [walk, findings] = w.run();
  EXPECT_EQ(walk.verdict, Verdict::Allowed);
  const Finding* f = find(findings, "SEL-008");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->explanation.find("httpd_t is a permissive domain"), std::string::npos);
}

TEST(SelinuxExplain, ConstraintNamed) {
  World w;
  w.config("httpd_config_t");
  w.fc.labels["/home/alice/site.conf"] = "system_u:object_r:httpd_config_t:s0";
  w.oracle.constrained.insert({"httpd_t", "httpd_config_t", "file"});
  auto [walk, findings] = w.run();
  EXPECT_EQ(walk.denied_by, Layer::Selinux);
  const Finding* f = find(findings, "SEL-003");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->explanation.find("mlsconstrain file { read } (l1 dom l2)"), std::string::npos);
  EXPECT_EQ(find(findings, "SEL-001"), nullptr);  // TE allowed it
}

TEST(SelinuxExplain, DontauditHidesTheDenial) {
  World w;
  w.config("user_home_t");
  w.oracle.dontaudit[{"httpd_t", "user_home_t", "file"}] = {"read"};
  auto [walk, findings] = w.run();
  const Finding* f = find(findings, "SEL-004");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->explanation.find("audit2why"), std::string::npos);
  EXPECT_NE(f->explanation.find("read"), std::string::npos);
  EXPECT_TRUE(any_fix(*f, "semodule -DB"));
  // Without the dontaudit rule there is no such finding.
  World plain;
  plain.config("user_home_t");
  EXPECT_EQ(find(plain.run().second, "SEL-004"), nullptr);
}

TEST(SelinuxExplain, DriftSuggestsRestoreconFirstWhenThePolicyLabelAllows) {
  World w;
  w.fc.labels["/home/alice/site.conf"] = "system_u:object_r:httpd_config_t:s0";
  w.config("user_home_t");
  Subject s = user(33, 33);
  auto [walk, findings] = w.run(s, "/proc/77/root");
  const Finding* drift = find(findings, "SEL-005");
  ASSERT_NE(drift, nullptr);
  EXPECT_EQ(drift->fixes[0].command, "restorecon -v '/proc/77/root/home/alice/site.conf'");
  const Finding* deny = find(findings, "SEL-001");
  ASSERT_NE(deny, nullptr);
  EXPECT_EQ(deny->fixes[0].command, "restorecon -v '/proc/77/root/home/alice/site.conf'");
}

TEST(SelinuxExplain, NoDriftWhenOnlyUserOrLevelDiffer) {
  World w;
  w.fc.labels["/home/alice/site.conf"] = "unconfined_u:object_r:httpd_config_t:s0";
  w.config("httpd_config_t");
  auto [walk, findings] = w.run();
  EXPECT_EQ(walk.verdict, Verdict::Allowed);
  EXPECT_TRUE(findings.empty()) << findings[0].id;  // restorecon without -F keeps user and level
}

TEST(SelinuxExplain, UnlabeledFileUsesTheFileInitialSid) {
  World w;
  w.config(std::nullopt);
  w.oracle.allow[{"httpd_t", "file_t", "file"}] = {"open", "read", "getattr"};
  auto [walk, findings] = w.run();
  EXPECT_EQ(walk.verdict, Verdict::Allowed);
  EXPECT_EQ(walk.steps.back().lsm[0].object, "file file_t");
  const Finding* f = find(findings, "SEL-006");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->explanation.find("system_u:object_r:file_t:s0"), std::string::npos);
  EXPECT_TRUE(any_fix(*f, "restorecon -v '/home/alice/site.conf'"));
}

TEST(SelinuxExplain, InvalidLabelIsUnlabeled) {
  World w;
  w.fs.add("/home/alice/site.conf", [] {
    Inode i = file(0644, 1000, 1000);
    i.selinux_label = "system_u:object_r:no_such_type_t:s0";
    return i;
  }());
  auto [walk, findings] = w.run();
  EXPECT_EQ(walk.denied_by, Layer::Selinux);  // unlabeled_t: httpd_t has no rule
  EXPECT_EQ(walk.steps.back().lsm[0].object, "file unlabeled_t");
  const Finding* f = find(findings, "SEL-007");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->explanation.find("no_such_type_t"), std::string::npos);
  EXPECT_NE(find(findings, "SEL-001"), nullptr);
}

TEST(SelinuxExplain, DacDenialStaysTheFirstLayer) {
  World w;
  w.fs.add("/home/alice", labeled(dir(0700, 1000, 1000), "user_home_dir_t"));
  w.config("user_home_t");
  auto [walk, findings] = w.run();
  EXPECT_EQ(walk.verdict, Verdict::Denied);
  EXPECT_EQ(walk.denied_by, Layer::Dac);  // the kernel asks SELinux only after DAC allowed
  EXPECT_NE(find(findings, "SEL-001"), nullptr);  // and the next denial is still shown
}

TEST(SelinuxExplain, GetattrOnlyDenialKeepsTheOpenAllowed) {
  World w;
  w.config("httpd_config_t");
  w.fc.labels["/home/alice/site.conf"] = "system_u:object_r:httpd_config_t:s0";
  w.oracle.allow[{"httpd_t", "httpd_config_t", "file"}] = {"open", "read"};
  auto [walk, findings] = w.run();
  EXPECT_EQ(walk.verdict, Verdict::Allowed);
  EXPECT_FALSE(walk.steps.back().lsm[0].required);
  const Finding* f = find(findings, "SEL-009");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::Warning);
}

TEST(SelinuxExplain, FollowedLinkNeedsLnkFileRead) {
  World w;
  w.config("httpd_config_t");
  w.fc.labels.clear();
  w.oracle.allow[{"httpd_t", "httpd_config_t", "file"}] = {"open", "read", "getattr"};
  w.fs.add("/home/alice/link.conf", labeled(testing::link("site.conf", 1000, 1000), "user_home_t"));
  Walk walk = resolve_access(user(33, 33), w.fs, SystemFacts{}, "/home/alice/link.conf");
  SelinuxTarget t = decide_walk(w.facts, w.oracle, &w.fc, walk);
  apply_selinux(t, walk);
  auto link = std::find_if(t.checks.begin(), t.checks.end(), [](const SelinuxCheck& c) { return c.tclass == "lnk_file"; });
  ASSERT_NE(link, t.checks.end());
  EXPECT_EQ(link->perms, std::vector<std::string>{"read"});
  EXPECT_EQ(walk.denied_by, Layer::Selinux);
}

TEST(SelinuxExplain, NotEvaluatedDecidesNothing) {
  World w;
  w.config("user_home_t");
  w.facts.evaluated = false;
  auto [walk, findings] = w.run();
  EXPECT_EQ(walk.verdict, Verdict::Allowed);
  EXPECT_EQ(w.oracle.decisions, 0);
  EXPECT_TRUE(findings.empty());
  for (const auto& st : walk.steps) EXPECT_TRUE(st.lsm.empty());
}

TEST(SelinuxExplain, UndecidableStepIsAFindingNotAnAllow) {
  World w;
  w.config("user_home_t");
  w.facts.context = "system_u:system_r:nosuch_t:s0";
  auto [walk, findings] = w.run();
  EXPECT_NE(find(findings, "SEL-010"), nullptr);
  EXPECT_NE(walk.steps.back().lsm[0].denied.find("undecided"), std::string::npos);
}

// --verify on an SELinux host: the helper runs in cfgprobe's domain, so its
// open is not the subject's answer unless the domains are the same.
TEST(SelinuxExplain, VerifyIsHonestAboutTheDomain) {
  SelinuxFacts f;
  f.evaluated = true;
  f.context = kHttpd;
  EXPECT_EQ(verify_blocked_by_selinux(f), std::nullopt);  // SELinux off here: DAC is the kernel's answer
  f.kernel_enabled = true;
  f.inspector_context = "unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023";
  auto why = verify_blocked_by_selinux(f);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("cannot enter the subject's SELinux domain"), std::string::npos);
  f.inspector_context.clear();
  EXPECT_TRUE(verify_blocked_by_selinux(f));
  f.inspector_context = kHttpd;
  EXPECT_EQ(verify_blocked_by_selinux(f), std::nullopt);
}

// The same through Session-level plumbing: a blocked --verify gives a
// kernel_error (VFY-002), never a KernelCheck.
TEST(SelinuxExplain, BlockedVerifyBecomesAFinding) {
  Target t;
  t.walk.path = "/etc/app.conf";
  t.kernel_error = "the helper cannot enter the subject's SELinux domain";
  auto f = explain_target(user(0, 0), Names{}, t, 0);
  EXPECT_TRUE(std::any_of(f.begin(), f.end(), [](const Finding& x) { return x.id == "VFY-002"; }));
}

TEST(SelinuxExplain, ContextSyntax) {
  EXPECT_TRUE(check_context_syntax("system_u:system_r:httpd_t:s0"));
  EXPECT_TRUE(check_context_syntax("system_u:system_r:httpd_t:s0:c1,c2"));
  EXPECT_TRUE(check_context_syntax("u:r:t"));
  for (const char* bad : {"", "httpd_t", "u:r", "u:r:", "::t", "u::t", "u:r:t:", "u:r:t s0", "u:r:\x1b[2J:s0"})
    EXPECT_FALSE(check_context_syntax(bad)) << bad;
  EXPECT_EQ(context_type("system_u:system_r:httpd_t:s0:c1"), "httpd_t");
  EXPECT_EQ(context_type("u:r:t"), "t");
  EXPECT_EQ(context_type("garbage"), "");
}

TEST(SelinuxExplain, EveryFindingIdIsInTheCatalog) {
  for (int i = 1; i <= 10; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "SEL-%03d", i);
    const CatalogEntry* e = find_catalog_entry(id);
    ASSERT_NE(e, nullptr) << id;
    EXPECT_FALSE(e->fix.empty());
    EXPECT_FALSE(e->false_alarm.empty());
  }
}

// ---- the kernel decides, the loaded policy explains (explained_oracle) ----

// The kernel as KernelOracle sees it: allowed or not, dontaudit and the
// permissive flag, but never which part of the policy denied, never a
// boolean (security_compute_av_flags cannot say).
class FakeKernel : public FakeOracle {
 public:
  AvDecision decide(const std::string& scon, const std::string& tcon, const std::string& tclass,
                    const std::vector<std::string>& perms) override {
    AvDecision d = FakeOracle::decide(scon, tcon, tclass, perms);
    d.by_te = !d.denied.empty();
    d.by_constraint = false;
    d.constraint.clear();
    return d;
  }
  std::vector<BooleanHint> booleans_allowing(const std::string&, const std::string&, const std::string&,
                                             const std::vector<std::string>&) override {
    return {};
  }
};

struct Paired {
  World w;  // w.oracle is the explainer's policy, kernel the kernel's
  FakeKernel kernel;
  Paired() {
    kernel.allow = w.oracle.allow;
    w.config("user_home_t");
    w.oracle.booleans[{"httpd_t", "user_home_t", "file"}] =
        BooleanHint{"httpd_read_user_content", true, 57, {"httpd_t user_home_t:dir"}};
  }
  struct Out {
    Walk walk;
    SelinuxTarget target;
    std::vector<Finding> findings;
  };
  // The oracles are moved into explained_oracle: copies, so that the test
  // still sees the fakes' tables afterwards.
  Out run(bool with_explainer = true) {
    auto o = explained_oracle(std::make_unique<FakeKernel>(kernel),
                              with_explainer ? std::make_unique<FakeOracle>(w.oracle) : nullptr);
    Out out;
    out.walk = resolve_access(user(33, 33), w.fs, SystemFacts{}, "/home/alice/site.conf");
    out.target = decide_walk(w.facts, *o, &w.fc, out.walk);
    apply_selinux(out.target, out.walk);
    out.findings = explain_selinux(out.target, "");
    return out;
  }
};

TEST(SelinuxExplained, KernelDeniesAndTheLoadedPolicyNamesTheBoolean) {
  Paired p;
  p.w.facts.source = "kernel";
  auto r = p.run();
  EXPECT_EQ(r.walk.verdict, Verdict::Denied);
  EXPECT_EQ(r.walk.denied_by, Layer::Selinux);
  const Finding* f = find(r.findings, "SEL-002");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->explanation.find("httpd_read_user_content"), std::string::npos) << f->explanation;
  EXPECT_TRUE(any_fix(*f, "setsebool -P httpd_read_user_content 1"));
  EXPECT_EQ(find(r.findings, "SEL-001"), nullptr);
  // The kernel alone (no explainer could be loaded): the same verdict, no
  // boolean named.
  auto k = p.run(false);
  EXPECT_EQ(k.walk.denied_by, Layer::Selinux);
  EXPECT_NE(find(k.findings, "SEL-001"), nullptr);
  EXPECT_EQ(find(k.findings, "SEL-002"), nullptr);
  EXPECT_TRUE(k.target.checks.back().booleans.empty());
}

TEST(SelinuxExplained, KernelAllowsThoughTheExplainerWouldDeny) {
  Paired p;
  p.kernel.allow[{"httpd_t", "user_home_t", "file"}] = {"open", "read", "getattr"};  // e.g. the boolean is on
  auto r = p.run();
  EXPECT_EQ(r.walk.verdict, Verdict::Allowed);
  EXPECT_TRUE(r.walk.steps.back().lsm[0].denied.empty());
  for (const auto& f : r.findings) EXPECT_NE(f.id.rfind("SEL", 0), 0u) << f.id;
  EXPECT_TRUE(r.target.checks.back().booleans.empty());
}

TEST(SelinuxExplained, NoBooleanClaimedWhenTheExplainerDisagrees) {
  Paired p;
  // The policy read back allows it (not the kernel's): nothing it says about
  // this denial can be trusted, so no boolean and no reason is claimed.
  p.w.oracle.allow[{"httpd_t", "user_home_t", "file"}] = {"open", "read", "getattr"};
  auto r = p.run();
  EXPECT_EQ(r.walk.denied_by, Layer::Selinux);
  EXPECT_EQ(find(r.findings, "SEL-002"), nullptr);
  EXPECT_NE(find(r.findings, "SEL-001"), nullptr);
  EXPECT_TRUE(r.target.checks.back().booleans.empty());
}

TEST(SelinuxExplained, ConstraintTextFromTheExplainer) {
  Paired p;
  p.w.fc.labels["/home/alice/site.conf"] = "system_u:object_r:httpd_config_t:s0";
  p.w.config("httpd_config_t");
  p.w.oracle.constrained.insert({"httpd_t", "httpd_config_t", "file"});
  p.kernel.constrained.insert({"httpd_t", "httpd_config_t", "file"});
  auto r = p.run();
  EXPECT_EQ(r.walk.denied_by, Layer::Selinux);
  const Finding* f = find(r.findings, "SEL-003");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->explanation.find("mlsconstrain file { read } (l1 dom l2)"), std::string::npos);
  EXPECT_EQ(find(r.findings, "SEL-001"), nullptr);  // the kernel's by_te guess is replaced
  // Without the explainer the kernel cannot tell a constraint from TE.
  auto k = p.run(false);
  EXPECT_EQ(find(k.findings, "SEL-003"), nullptr);
  EXPECT_NE(find(k.findings, "SEL-001"), nullptr);
}

TEST(SelinuxExplained, DontauditAndPermissiveDomainAreTheKernels) {
  Paired p;
  p.w.oracle.dontaudit[{"httpd_t", "user_home_t", "file"}] = {"read"};  // only in the explainer
  EXPECT_EQ(find(p.run().findings, "SEL-004"), nullptr);
  p.w.oracle.dontaudit.clear();
  p.kernel.dontaudit[{"httpd_t", "user_home_t", "file"}] = {"read"};
  EXPECT_NE(find(p.run().findings, "SEL-004"), nullptr);
  p.w.oracle.permissive.insert("httpd_t");  // only in the explainer: still enforced
  EXPECT_EQ(p.run().walk.denied_by, Layer::Selinux);
  p.w.oracle.permissive.clear();
  p.kernel.permissive.insert("httpd_t");
  auto r = p.run();
  EXPECT_EQ(r.walk.verdict, Verdict::Allowed);
  EXPECT_NE(find(r.findings, "SEL-008"), nullptr);
}

}  // namespace
}  // namespace probe
