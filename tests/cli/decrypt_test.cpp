// `cfgprobe decrypt` end to end against the real age and age-keygen
// (Debian package age): identities from age-keygen in a user key added with
// `keyctl padd`, files from `age -r` / `age -a` / several recipients, every
// size around the 64 KiB chunk boundary and 10 MiB; tampering, truncation
// and a wrong identity release nothing (no stdout bytes, no -o file, no temp
// file); -o is 0600 and refuses to replace without --force; --wait.
//
// Every test joins a new session keyring of its own first
// (KEYCTL_JOIN_SESSION_KEYRING): the keys it adds, and every process it
// starts, live there and nowhere else. Environment: CFGPROBE_BIN.
#include <gtest/gtest.h>
#include <keyutils.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::string bin() {
  const char* b = std::getenv("CFGPROBE_BIN");
  return b ? b : "";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

struct Outcome {
  int rc = -1;
  std::string out, err;
};

class Decrypt : public ::testing::Test {
 protected:
  void SetUp() override {
    if (bin().empty()) GTEST_SKIP() << "CFGPROBE_BIN not set";
    if (std::system("command -v age >/dev/null && command -v age-keygen >/dev/null && command -v keyctl >/dev/null") != 0)
      GTEST_SKIP() << "needs age, age-keygen and keyctl (Debian packages age, keyutils)";
    if (keyctl_join_session_keyring(nullptr) < 0) GTEST_SKIP() << "no session keyring: " << std::strerror(errno);
    dir_ = fs::temp_directory_path() / ("cfgprobe-decrypt-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    identity_ = keygen("id.txt");
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Runs a shell command in the test's directory; stdout/stderr captured.
  Outcome sh(const std::string& cmd) {
    std::string full = "cd " + quote(dir_) + " && (" + cmd + ") >.stdout 2>.stderr";
    Outcome r;
    int st = std::system(full.c_str());
    r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = slurp(dir_ / ".stdout");
    r.err = slurp(dir_ / ".stderr");
    fs::remove(dir_ / ".stdout");
    fs::remove(dir_ / ".stderr");
    return r;
  }

  // age-keygen into name; returns its public key.
  std::string keygen(const std::string& name) {
    Outcome r = sh("age-keygen -o " + name + " 2>&1 | sed 's/^Public key: //'");
    std::string pub = r.out.substr(0, r.out.find('\n'));
    EXPECT_EQ(pub.rfind("age1", 0), 0u) << r.out << r.err;
    return pub;
  }

  void add_key(const std::string& desc, const std::string& file) {
    ASSERT_EQ(sh("keyctl padd user " + quote(desc) + " @s < " + file + " >/dev/null").rc, 0);
  }

  std::string random_bytes(size_t n) {
    std::mt19937_64 rng(n * 7919 + 1);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  }

  // Every name in the directory but the test's own inputs.
  std::vector<std::string> leftovers(const std::set<std::string>& keep) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_))
      if (!keep.count(e.path().filename().string())) out.push_back(e.path().filename().string());
    return out;
  }

  std::string decrypt(const std::string& args) { return bin() + " decrypt " + args; }

  fs::path dir_;
  std::string identity_;
};

TEST_F(Decrypt, EverySizeToStdoutAndToAFileIsByteIdentical) {
  add_key("cfgprobe:app", "id.txt");
  for (size_t size : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{65537}, size_t{10} << 20}) {
    SCOPED_TRACE("size " + std::to_string(size));
    std::string plain = random_bytes(size);
    spit(dir_ / "p.bin", plain);
    ASSERT_EQ(sh("age -r " + identity_ + " -o p.age p.bin").rc, 0);
    Outcome r = sh(decrypt("--key cfgprobe:app p.age"));
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_TRUE(r.out == plain) << "stdout differs: " << r.out.size() << " bytes";
    fs::remove(dir_ / "out.bin");
    r = sh(decrypt("--key cfgprobe:app -o out.bin p.age"));
    EXPECT_EQ(r.rc, 0) << r.err;
    EXPECT_TRUE(slurp(dir_ / "out.bin") == plain);
    EXPECT_TRUE(r.out.empty());
  }
}

TEST_F(Decrypt, ArmoredAndSeveralRecipientsAndAMultiKeyIdentity) {
  std::string other = keygen("other.txt");
  std::string plain = random_bytes(70000);
  spit(dir_ / "p.bin", plain);
  ASSERT_EQ(sh("age -a -r " + identity_ + " -o p.age p.bin").rc, 0);
  ASSERT_EQ(slurp(dir_ / "p.age").rfind("-----BEGIN AGE ENCRYPTED FILE-----", 0), 0u);
  add_key("cfgprobe:app", "id.txt");
  Outcome r = sh(decrypt("--key cfgprobe:app p.age"));
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(r.out == plain);
  // Several recipients; the key holds two identities (comments included),
  // the matching one second.
  ASSERT_EQ(sh("age -r " + keygen("third.txt") + " -r " + identity_ + " -o multi.age p.bin").rc, 0);
  ASSERT_EQ(sh("cat other.txt id.txt > both.txt").rc, 0);
  add_key("cfgprobe:both", "both.txt");
  r = sh(decrypt("--key cfgprobe:both multi.age"));
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(r.out == plain);
  (void)other;
}

TEST_F(Decrypt, OutputFileIs0600AndIsNotReplacedWithoutForce) {
  add_key("cfgprobe:app", "id.txt");
  spit(dir_ / "p.bin", "secret config\n");
  ASSERT_EQ(sh("age -r " + identity_ + " -o p.age p.bin").rc, 0);
  Outcome r = sh("umask 000; " + decrypt("--key cfgprobe:app -o out.txt p.age"));
  ASSERT_EQ(r.rc, 0) << r.err;
  struct stat st{};
  ASSERT_EQ(::stat((dir_ / "out.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  spit(dir_ / "out.txt", "old");
  r = sh(decrypt("--key cfgprobe:app -o out.txt p.age"));
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("cfgprobe: error: out.txt exists"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint: add --force"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(dir_ / "out.txt"), "old");
  r = sh(decrypt("--key cfgprobe:app --force -o out.txt p.age"));
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(slurp(dir_ / "out.txt"), "secret config\n");
  EXPECT_TRUE(leftovers({"id.txt", "p.bin", "p.age", "out.txt"}).empty());
}

// A failed decryption: exit 4, nothing on stdout, no output file, no temp.
void expect_nothing_released(Decrypt* t, const Outcome& r, const std::vector<std::string>& left) {
  (void)t;
  EXPECT_EQ(r.rc, 4) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out.size() << " bytes released";
  EXPECT_EQ(r.err.rfind("cfgprobe: error: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("\nhint: "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("AGE-SECRET-KEY"), std::string::npos) << "key material in a message";
  EXPECT_TRUE(left.empty()) << left.front();
}

TEST_F(Decrypt, TamperedTruncatedOrWrongKeyReleasesNothing) {
  add_key("cfgprobe:app", "id.txt");
  std::string plain = random_bytes(3 * 65536 + 100);
  spit(dir_ / "p.bin", plain);
  ASSERT_EQ(sh("age -r " + identity_ + " -o p.age p.bin").rc, 0);
  std::string good = slurp(dir_ / "p.age");
  size_t header_end = good.find("\n---") + 1;
  std::set<std::string> inputs{"id.txt", "p.bin", "p.age", "bad.age"};
  // A flipped bit in the header, the MAC line, the nonce, the first, a
  // middle and the last chunk, and the last byte.
  for (size_t at : {size_t{30}, header_end + 10, good.find('\n', header_end) + 5, good.find('\n', header_end) + 40,
                    good.size() / 2, good.size() - 20, good.size() - 1}) {
    SCOPED_TRACE("flipped byte at " + std::to_string(at));
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x01);
    spit(dir_ / "bad.age", bad);
    expect_nothing_released(this, sh(decrypt("--key cfgprobe:app bad.age")), {});
    expect_nothing_released(this, sh(decrypt("--key cfgprobe:app -o out.bin bad.age")), leftovers(inputs));
  }
  // Truncated: by one byte, at a chunk boundary, inside the header.
  // The payload: the 16-byte nonce after the MAC line, then 64 KiB + 16 chunks.
  size_t payload = good.find('\n', header_end) + 1 + 16;
  for (size_t len : {good.size() - 1, payload + 2 * (65536 + 16), payload + 65536 + 16 + 1000, payload, header_end - 5}) {
    SCOPED_TRACE("truncated to " + std::to_string(len));
    spit(dir_ / "bad.age", good.substr(0, len));
    expect_nothing_released(this, sh(decrypt("--key cfgprobe:app -o out.bin bad.age")), leftovers(inputs));
  }
  // A wrong identity: age's own words.
  keygen("wrong.txt");
  add_key("cfgprobe:wrong", "wrong.txt");
  inputs.insert("wrong.txt");
  Outcome r = sh(decrypt("--key cfgprobe:wrong -o out.bin p.age"));
  expect_nothing_released(this, r, leftovers(inputs));
  EXPECT_NE(r.err.find("no identity in key \"cfgprobe:wrong\" matches the file's recipients"), std::string::npos)
      << r.err;
}

TEST_F(Decrypt, MissingKeyIsExplainedWithItsFinding) {
  spit(dir_ / "p.bin", "x");
  ASSERT_EQ(sh("age -r " + identity_ + " -o p.age p.bin").rc, 0);
  Outcome r = sh(decrypt("--key cfgprobe:absent p.age"));
  EXPECT_EQ(r.rc, 1);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("cfgprobe: error: KEY-003"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint: keyctl padd user \"cfgprobe:absent\" @u"), std::string::npos) << r.err;
  // A logon key: named as such.
  ASSERT_EQ(sh("keyctl add logon cfgprobe:logon x @s >/dev/null").rc, 0);
  r = sh(decrypt("--key cfgprobe:logon p.age"));
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.err.find("KEY-006"), std::string::npos) << r.err;
  // A key that is not an identity: a decryption failure (exit 4).
  ASSERT_EQ(sh("keyctl add user cfgprobe:junk hello @s >/dev/null").rc, 0);
  r = sh(decrypt("--key cfgprobe:junk p.age"));
  EXPECT_EQ(r.rc, 4) << r.err;
  EXPECT_EQ(r.err.find("hello"), std::string::npos) << "key payload echoed";
}

TEST_F(Decrypt, KeyringOptionSearchesOnlyThatKeyring) {
  spit(dir_ / "p.bin", "x");
  ASSERT_EQ(sh("age -r " + identity_ + " -o p.age p.bin").rc, 0);
  add_key("cfgprobe:app", "id.txt");
  EXPECT_EQ(sh(decrypt("--keyring @s --key cfgprobe:app p.age")).rc, 0);
  EXPECT_EQ(sh(decrypt("--keyring @p --key cfgprobe:app p.age")).rc, 1);
  EXPECT_EQ(sh(decrypt("--keyring @nope --key cfgprobe:app p.age")).rc, 2);
}

TEST_F(Decrypt, WaitForAKeyAddedLaterByAnotherProcess) {
  spit(dir_ / "p.bin", "late secret");
  ASSERT_EQ(sh("age -r " + identity_ + " -o p.age p.bin").rc, 0);
  Outcome r = sh("(sleep 0.3; keyctl padd user cfgprobe:late @s < id.txt >/dev/null) & " +
             decrypt("--wait 10s --key cfgprobe:late p.age") + "; rc=$?; wait; exit $rc");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "late secret");
  // The file appearing later counts too.
  r = sh("(sleep 0.3; cp p.age later.age) & " + decrypt("--wait 10s --key cfgprobe:late later.age") +
         "; rc=$?; wait; exit $rc");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "late secret");
}

TEST_F(Decrypt, WaitRunsOutWithExit5SayingWhatIsMissing) {
  Outcome r = sh(decrypt("--wait 300ms --key cfgprobe:never never.age"));
  EXPECT_EQ(r.rc, 5);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("still missing: key \"cfgprobe:never\" and file never.age"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint: KEY-003: "), std::string::npos) << r.err;
  // A logon key of that name is there, but is not what decrypt can wait for: said so.
  ASSERT_EQ(sh("keyctl add logon cfgprobe:never x @s >/dev/null").rc, 0);
  r = sh(decrypt("--wait 100ms --key cfgprobe:never never.age"));
  EXPECT_EQ(r.rc, 5);
  EXPECT_NE(r.err.find("hint: KEY-006: "), std::string::npos) << r.err;
  r = sh(decrypt("--wait soon --key cfgprobe:never never.age"));
  EXPECT_EQ(r.rc, 2);
}

}  // namespace
