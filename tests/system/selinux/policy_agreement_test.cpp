// PolicyOracle (libsepol on Debian's selinux-policy-default) against an
// independent reading of the same policy: setools' sesearch -A and seinfo,
// booleans at their defaults. Also bad policy files and file_contexts.
// Needs /etc/selinux/default/policy/policy.33 and setools: skips without.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bitset>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "probe/selinux.hpp"

namespace probe {
namespace {

const std::string kPolicy = "/etc/selinux/default/policy/policy.33";

std::string run(const std::string& cmd) {
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  std::string out;
  if (!p) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p.get())) > 0) out.append(buf, n);
  return out;
}

bool have_tools() {
  struct stat st{};
  return ::stat(kPolicy.c_str(), &st) == 0 && !run("command -v sesearch").empty() && !run("command -v seinfo").empty();
}

// ---- an independent reading of sesearch/seinfo output -------------------

// A boolean expression as setools prints it (infix: ! && || ^ == != and
// parentheses), evaluated by precedence climbing.
class Expr {
 public:
  Expr(const std::string& text, const std::map<std::string, bool>& vals) : vals_(vals) {
    std::istringstream in(text);
    for (std::string t; in >> t;) {
      // split "(" ")" "!" glued to names
      size_t i = 0;
      while (i < t.size()) {
        if (t[i] == '(' || t[i] == ')' || (t[i] == '!' && (i + 1 >= t.size() || t[i + 1] != '='))) {
          toks_.push_back(std::string(1, t[i++]));
          continue;
        }
        size_t j = i;
        while (j < t.size() && t[j] != '(' && t[j] != ')' && !(t[j] == '!' && (j + 1 >= t.size() || t[j + 1] != '=')))
          ++j;
        toks_.push_back(t.substr(i, j - i));
        i = j;
      }
    }
  }
  bool eval() {
    bool v = binary(0);
    if (pos_ != toks_.size()) bad_ = true;
    return v;
  }
  bool bad() const { return bad_; }

 private:
  static int prec(const std::string& op) {
    if (op == "||") return 1;
    if (op == "&&") return 2;
    if (op == "^") return 3;
    if (op == "==" || op == "!=") return 4;
    return -1;
  }
  bool unary() {
    if (pos_ >= toks_.size()) return bad_ = true, false;
    std::string t = toks_[pos_++];
    if (t == "!") return !unary();
    if (t == "(") {
      bool v = binary(0);
      if (pos_ >= toks_.size() || toks_[pos_++] != ")") bad_ = true;
      return v;
    }
    auto it = vals_.find(t);
    if (it == vals_.end()) bad_ = true;
    return it != vals_.end() && it->second;
  }
  bool binary(int min) {
    bool l = unary();
    while (pos_ < toks_.size() && prec(toks_[pos_]) > min) {
      std::string op = toks_[pos_++];
      bool r = binary(prec(op));
      if (op == "||") l = l || r;
      else if (op == "&&") l = l && r;
      else if (op == "^") l = l != r;
      else if (op == "==") l = l == r;
      else l = l != r;
    }
    return l;
  }
  const std::map<std::string, bool>& vals_;
  std::vector<std::string> toks_;
  size_t pos_ = 0;
  bool bad_ = false;
};

struct Rule {
  std::string src, tgt;
  std::string cond;  // "" unconditional
  bool branch = true;
};

// "allow S T:CLASS { ... }; [ EXPR ]:True"
std::vector<Rule> parse_rules(const std::string& text) {
  std::vector<Rule> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("allow ", 0) != 0) continue;
    std::istringstream l(line.substr(6));
    Rule r;
    std::string tc;
    l >> r.src >> tc;
    r.tgt = tc.substr(0, tc.find(':'));
    size_t lb = line.find("; [ ");
    if (lb != std::string::npos) {
      size_t rb = line.rfind(" ]:");
      r.cond = line.substr(lb + 4, rb - lb - 4);
      r.branch = line.compare(rb + 3, 4, "True") == 0;
    }
    out.push_back(r);
  }
  return out;
}

struct Policy {
  std::vector<std::string> types;
  std::map<std::string, int> index;
  std::map<std::string, std::vector<int>> attrs;  // attribute -> member types
  std::map<std::string, bool> bools;

  std::vector<int> expand(const std::string& name) const {
    if (auto a = attrs.find(name); a != attrs.end()) return a->second;
    if (auto t = index.find(name); t != index.end()) return {t->second};
    return {};
  }
};

Policy read_policy() {
  Policy p;
  std::istringstream t(run("seinfo " + kPolicy + " -t"));
  for (std::string line; std::getline(t, line);) {
    if (line.rfind("   ", 0) != 0) continue;
    std::string name = line.substr(3);
    p.index[name] = static_cast<int>(p.types.size());
    p.types.push_back(name);
  }
  std::istringstream a(run("seinfo " + kPolicy + " -a -x"));
  std::string cur;
  for (std::string line; std::getline(a, line);) {
    if (line.rfind("   attribute ", 0) == 0) {
      cur = line.substr(13, line.size() - 14);  // drop ';'
      p.attrs[cur];
    } else if (!cur.empty() && line.rfind("\t", 0) == 0 && p.index.count(line.substr(1))) {
      p.attrs[cur].push_back(p.index[line.substr(1)]);
    }
  }
  std::istringstream b(run("seinfo " + kPolicy + " -b -x"));
  for (std::string line; std::getline(b, line);) {
    std::istringstream l(line);
    std::string kw, name, val;
    if (l >> kw >> name >> val && kw == "bool") p.bools[name] = val.rfind("true", 0) == 0;
  }
  return p;
}

// Pairs as one bit each: type counts are below 4096.
using PairSet = std::vector<bool>;
size_t key(int s, int t) { return static_cast<size_t>(s) * 4096 + static_cast<size_t>(t); }

struct Truth {
  PairSet allowed = PairSet(4096 * 4096), unconditional = PairSet(4096 * 4096);
  std::vector<std::pair<int, int>> cond_pairs, attr_pairs, plain_pairs;
  int bad_exprs = 0;
};

Truth truth_for(const Policy& p, const std::vector<Rule>& rules) {
  Truth t;
  std::mt19937 rng(7);
  for (const auto& r : rules) {
    bool on = true;
    if (!r.cond.empty()) {
      Expr e(r.cond, p.bools);
      on = e.eval() == r.branch;
      t.bad_exprs += e.bad();
    }
    auto ss = p.expand(r.src), ts = p.expand(r.tgt);
    bool attr = p.attrs.count(r.src) || p.attrs.count(r.tgt);
    for (int s : ss)
      for (int x : ts) {
        if (on) t.allowed[key(s, x)] = true;
        if (r.cond.empty()) t.unconditional[key(s, x)] = true;
      }
    if (ss.empty() || ts.empty()) continue;
    // A few sample pairs from each rule.
    std::pair<int, int> pick{ss[rng() % ss.size()], ts[rng() % ts.size()]};
    (!r.cond.empty() ? t.cond_pairs : attr ? t.attr_pairs : t.plain_pairs).push_back(pick);
  }
  return t;
}

struct Check {
  const char* cls;
  const char* perm;
};

bool te_allows(SelinuxOracle& o, const Policy& p, int s, int t, const Check& c) {
  // object_r is valid with every type (policydb_context_isvalid skips it),
  // so any type can be asked about; constraints are not sesearch's business.
  auto d = o.decide("system_u:object_r:" + p.types[static_cast<size_t>(s)] + ":s0",
                    "system_u:object_r:" + p.types[static_cast<size_t>(t)] + ":s0", c.cls, {c.perm});
  EXPECT_EQ(d.err, 0) << d.error;
  return !d.by_te;
}

class PolicyAgreement : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_tools()) GTEST_SKIP() << "needs " << kPolicy << " (selinux-policy-default) and setools";
  }
};

TEST_F(PolicyAgreement, SesearchAgreesOnFileReadOpenAndDirSearch) {
  Policy p = read_policy();
  ASSERT_GT(p.types.size(), 1000u);
  ASSERT_GT(p.attrs.size(), 100u);
  ASSERT_GT(p.bools.size(), 100u);
  auto oracle = open_policy_oracle(kPolicy);
  ASSERT_TRUE(oracle) << oracle.error().message();
  std::mt19937 rng(1);
  const Check checks[] = {{"file", "read"}, {"file", "open"}, {"dir", "search"}};
  size_t total = 0, cond_only = 0, via_attr = 0, allowed = 0, mismatches = 0;
  for (const auto& c : checks) {
    auto rules = parse_rules(run(std::string("sesearch -A -c ") + c.cls + " -p " + c.perm + " " + kPolicy));
    ASSERT_GT(rules.size(), 1000u);
    Truth t = truth_for(p, rules);
    EXPECT_EQ(t.bad_exprs, 0);
    std::vector<std::pair<int, int>> pairs;
    auto take = [&](std::vector<std::pair<int, int>>& from, size_t n) {
      std::shuffle(from.begin(), from.end(), rng);
      for (size_t i = 0; i < n && i < from.size(); ++i) pairs.push_back(from[i]);
    };
    take(t.cond_pairs, 250);
    take(t.attr_pairs, 200);
    take(t.plain_pairs, 100);
    for (int i = 0; i < 100; ++i)  // random pairs: mostly no rule at all
      pairs.emplace_back(rng() % p.types.size(), rng() % p.types.size());
    pairs.emplace_back(p.index.at("httpd_t"), p.index.at("user_home_t"));
    for (auto [s, x] : pairs) {
      bool want = t.allowed[key(s, x)];
      bool got = te_allows(**oracle, p, s, x, c);
      ++total;
      allowed += want;
      if (!t.unconditional[key(s, x)] && want) ++cond_only;
      if (want != got) {
        ++mismatches;
        std::printf("MISMATCH %s %s %s:%s sesearch=%d libsepol=%d\n", p.types[static_cast<size_t>(s)].c_str(),
                    p.types[static_cast<size_t>(x)].c_str(), c.cls, c.perm, want, got);
      }
    }
    via_attr += std::min<size_t>(t.attr_pairs.size(), 200);
  }
  std::printf("pairs checked: %zu (allowed %zu, allowed only by a conditional rule %zu, from attribute rules %zu), "
              "mismatches: %zu\n", total, allowed, cond_only, via_attr, mismatches);
  EXPECT_GE(total, 1500u);  // >= 500 pairs for each of the three checks
  EXPECT_GE(cond_only, 20u);
  EXPECT_GE(via_attr, 300u);
  EXPECT_GT(allowed, total / 4);
  EXPECT_LT(allowed, total);
  EXPECT_EQ(mismatches, 0u);
}

// The known case: httpd_t reads user_home_t files only with
// httpd_read_user_content (off by default).
TEST_F(PolicyAgreement, HttpdReadingUserHomeNeedsItsBoolean) {
  auto o = open_policy_oracle(kPolicy);
  ASSERT_TRUE(o) << o.error().message();
  std::string s = "system_u:system_r:httpd_t:s0", t = "unconfined_u:object_r:user_home_t:s0";
  auto d = (*o)->decide(s, t, "file", {"open", "read", "getattr"});
  ASSERT_EQ(d.err, 0) << d.error;
  EXPECT_EQ(d.denied, (std::vector<std::string>{"open", "read", "getattr"}));
  EXPECT_TRUE(d.by_te);
  auto b = (*o)->booleans_allowing(s, t, "file", {"open", "read"});
  ASSERT_FALSE(b.empty());
  bool named = false;
  for (const auto& h : b) {
    if (h.name != "httpd_read_user_content") continue;
    named = true;
    EXPECT_TRUE(h.value);
    EXPECT_GT(h.opens, 1u);  // it opens more than this one rule
    EXPECT_FALSE(h.examples.empty());
  }
  EXPECT_TRUE(named);
  // The flips are undone: the same question gets the same answer.
  EXPECT_EQ((*o)->decide(s, t, "file", {"read"}).denied, std::vector<std::string>{"read"});
  // And a type httpd_t may read is allowed.
  EXPECT_TRUE((*o)->decide(s, "system_u:object_r:httpd_config_t:s0", "file", {"open", "read"}).allowed());
}

TEST_F(PolicyAgreement, InitialSidsAndValidity) {
  auto o = open_policy_oracle(kPolicy);
  ASSERT_TRUE(o);
  auto file = (*o)->initial_context("file"), unl = (*o)->initial_context("unlabeled");
  ASSERT_TRUE(file);
  ASSERT_TRUE(unl);
  EXPECT_NE(unl->find(":unlabeled_t:"), std::string::npos) << *unl;
  EXPECT_EQ(run("seinfo " + kPolicy + " --initialsid -x" + " | grep -c 'sid file " + *file + "'"), "1\n") << *file;
  EXPECT_TRUE((*o)->valid_context("system_u:system_r:httpd_t:s0"));
  EXPECT_FALSE((*o)->valid_context("system_u:system_r:no_such_type_t:s0"));
  EXPECT_FALSE((*o)->valid_context("garbage"));
  auto d = (*o)->decide("system_u:system_r:httpd_t:s0", "system_u:object_r:nope_t:s0", "file", {"read"});
  EXPECT_EQ(d.err, EINVAL);
  d = (*o)->decide("system_u:system_r:httpd_t:s0", "system_u:object_r:etc_t:s0", "file", {"fly"});
  EXPECT_EQ(d.err, EINVAL);
}

// ---- bad input: an error, never a crash --------------------------------

std::string temp_file(const std::string& bytes) {
  char path[] = "/tmp/cfgprobe-sel-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  close(fd);
  return path;
}

std::string le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

TEST(PolicyBadInput, NotAPolicyUnreadableVersionTruncatedMissing) {
  std::string text = temp_file("this is not a policy\n");
  auto r = open_policy_oracle(text);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EINVAL);
  EXPECT_NE(r.error().context.find("not a binary SELinux policy"), std::string::npos);
  std::string v99 = temp_file(le32(0xf97cff8c) + le32(8) + "SE Linux" + le32(99) + std::string(64, '\0'));
  r = open_policy_oracle(v99);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EPROTONOSUPPORT);
  EXPECT_NE(r.error().context.find("policy version 99"), std::string::npos) << r.error().context;
  std::string hdr = temp_file(le32(0xf97cff8c) + le32(8) + "SE Linux" + le32(33) + std::string(40, '\x7f'));
  r = open_policy_oracle(hdr);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EINVAL);
  r = open_policy_oracle("/nonexistent/policy.33");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENOENT);
  r = open_policy_oracle("/tmp");
  EXPECT_FALSE(r);
  for (const auto& p : {text, v99, hdr}) unlink(p.c_str());
  struct stat st{};
  if (::stat(kPolicy.c_str(), &st) == 0) {  // the real policy, cut short
    std::ifstream in(kPolicy, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (size_t cut : {data.size() / 3, data.size() - 100}) {
      std::string part = temp_file(data.substr(0, cut));
      auto t = open_policy_oracle(part);
      EXPECT_FALSE(t) << "cut at " << cut;
      unlink(part.c_str());
    }
  }
}

TEST(FileContextsTest, RealFileContextsAndBadOnes) {
  std::string fc = "/etc/selinux/default/contexts/files/file_contexts";
  struct stat st{};
  if (::stat(fc.c_str(), &st) != 0) GTEST_SKIP() << "no " << fc;
  auto db = open_file_contexts(fc);
  ASSERT_TRUE(db) << db.error().message();
  auto etc = (*db)->lookup("/etc/fstab", S_IFREG);
  ASSERT_TRUE(etc);
  EXPECT_EQ(context_type(*etc), "etc_t");
  auto shadow = (*db)->lookup("/etc/shadow", S_IFREG);
  ASSERT_TRUE(shadow);
  EXPECT_EQ(context_type(*shadow), "shadow_t");
  auto home = (*db)->lookup("/root/.bashrc", S_IFREG);
  ASSERT_TRUE(home);
  EXPECT_FALSE(open_file_contexts("/nonexistent/file_contexts"));
  std::string junk = temp_file("((( not [a regex\n");
  auto bad = open_file_contexts(junk);
  EXPECT_FALSE(bad);
  unlink(junk.c_str());
}

}  // namespace
}  // namespace probe
