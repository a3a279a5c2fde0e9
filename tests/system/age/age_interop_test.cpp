// Interop with Debian's real age and age-keygen: identities from
// age-keygen, files from `age -r` (binary), `age -a` (armored), several
// recipients and `age -p` (scrypt, driven through a pty by script(1)),
// decrypted through the library and compared byte for byte; then damaged
// files (flipped bytes, truncations, trailing data) and a wrong identity
// must fail with the right AGE- ID and release nothing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "probe/age.hpp"

namespace probe::age {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

int sh(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string read_fd(int fd) {
  std::string out;
  char buf[1 << 16];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

class AgeInterop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (sh("command -v age >/dev/null && command -v age-keygen >/dev/null") != 0) return;
    char tmpl[] = "/tmp/cfgprobe-age-XXXXXX";
    dir_ = new fs::path(mkdtemp(tmpl));
    sh("age-keygen -o " + p("ours.txt") + " 2>/dev/null && age-keygen -o " + p("other.txt") + " 2>/dev/null");
  }
  static void TearDownTestSuite() {
    if (dir_ != nullptr) fs::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (dir_ == nullptr) GTEST_SKIP() << "age and age-keygen are not installed (Debian package age)";
    ASSERT_TRUE(crypto_ready());
    ours_ = load_ids("ours.txt");
    other_ = load_ids("other.txt");
    ASSERT_EQ(ours_.size(), 1u);
  }
  static std::string p(const std::string& name) { return (*dir_ / name).string(); }
  static std::string pub(const std::string& key) {
    sh("age-keygen -y " + p(key) + " > " + p(key + ".pub"));
    std::string s = slurp(p(key + ".pub"));
    return s.substr(0, s.find('\n'));
  }
  std::vector<Identity> load_ids(const std::string& name) {
    auto r = parse_identities(slurp(p(name)));
    EXPECT_TRUE(std::holds_alternative<std::vector<Identity>>(r));
    if (auto* v = std::get_if<std::vector<Identity>>(&r)) return std::move(*v);
    return {};
  }
  // Random plaintext of n bytes, encrypted by age with args; the .age path.
  std::string encrypt(size_t n, const std::string& args, std::string* plain) {
    plain->assign(n, '\0');
    randombytes_buf(plain->data(), n);
    std::string in = p("plain." + std::to_string(n)), out = in + ".age";
    spit(in, *plain);
    EXPECT_EQ(sh("age " + args + " -o " + out + " " + in), 0);
    return out;
  }
  std::variant<Decrypted, Failure> run(const std::string& path, const std::vector<Identity>& ids) {
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    return decrypt(fd.get(), ids);
  }
  void expect_plain(std::variant<Decrypted, Failure>& r, const std::string& plain) {
    ASSERT_TRUE(std::holds_alternative<Decrypted>(r)) << std::get<Failure>(r).message;
    auto& d = std::get<Decrypted>(r);
    EXPECT_EQ(d.size, plain.size());
    EXPECT_TRUE(read_fd(d.plaintext.get()) == plain) << "plaintext differs";
  }
  // Fails with id, and returns no plaintext (and leaks no fd).
  std::string expect_failure(const std::string& file_bytes, std::string_view id,
                             const std::vector<Identity>* ids = nullptr) {
    spit(p("damaged.age"), file_bytes);
    size_t fds = open_fds();
    auto r = run(p("damaged.age"), ids ? *ids : ours_);
    EXPECT_TRUE(std::holds_alternative<Failure>(r)) << "damaged file decrypted: bytes released";
    EXPECT_EQ(open_fds(), fds);
    if (!std::holds_alternative<Failure>(r)) return "";
    EXPECT_EQ(std::get<Failure>(r).id, id) << std::get<Failure>(r).message;
    return std::get<Failure>(r).message;
  }
  static fs::path* dir_;
  std::vector<Identity> ours_, other_;
};
fs::path* AgeInterop::dir_ = nullptr;

TEST_F(AgeInterop, BinaryFilesOfEverySizeDecryptByteIdentical) {
  std::string rcpt = pub("ours.txt");
  for (size_t n : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{65537}, size_t{10} << 20}) {
    SCOPED_TRACE(n);
    std::string plain;
    std::string f = encrypt(n, "-r " + rcpt, &plain);
    auto r = run(f, ours_);
    expect_plain(r, plain);
  }
}

TEST_F(AgeInterop, ArmoredFilesOfEverySizeDecryptByteIdentical) {
  std::string rcpt = pub("ours.txt");
  for (size_t n : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{65537}, size_t{10} << 20}) {
    SCOPED_TRACE(n);
    std::string plain;
    std::string f = encrypt(n, "-a -r " + rcpt, &plain);
    ASSERT_EQ(slurp(f).rfind("-----BEGIN AGE ENCRYPTED FILE-----", 0), 0u);
    auto r = run(f, ours_);
    expect_plain(r, plain);
  }
}

TEST_F(AgeInterop, SeveralRecipientsOursSecond) {
  std::string plain;
  std::string f = encrypt(65537, "-r " + pub("other.txt") + " -r " + pub("ours.txt"), &plain);
  auto r = run(f, ours_);
  expect_plain(r, plain);
  // An identity file with several keys, ours last.
  auto both = parse_identities(slurp(p("other.txt")) + slurp(p("ours.txt")));
  ASSERT_TRUE(std::holds_alternative<std::vector<Identity>>(both));
  auto r2 = run(f, std::get<std::vector<Identity>>(both));
  expect_plain(r2, plain);
}

TEST_F(AgeInterop, ThroughAPipe) {
  signal(SIGPIPE, SIG_IGN);
  std::string plain;
  std::string f = encrypt((3 << 20) + 17, "-r " + pub("ours.txt"), &plain);
  std::string bytes = slurp(f);
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  UniqueFd rd(fds[0]), wr(fds[1]);
  std::thread writer([&] {
    for (size_t off = 0; off < bytes.size();) {
      ssize_t w = write(wr.get(), bytes.data() + off, std::min<size_t>(bytes.size() - off, 4093));
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    wr.reset();
  });
  auto r = decrypt(rd.get(), ours_);
  rd.reset();
  writer.join();
  expect_plain(r, plain);
}

TEST_F(AgeInterop, WrongIdentityFailsAndSaysWhatTheFileIsFor) {
  std::string plain;
  std::string f = encrypt(1000, "-r " + pub("ours.txt"), &plain);
  std::string msg = expect_failure(slurp(f), "AGE-004", &other_);
  EXPECT_NE(msg.find("1 X25519 recipient"), std::string::npos) << msg;
}

// Replaces the character at i with another base64 character, so the
// header stays syntactically valid base64 and only its meaning changes.
std::string swap_b64(std::string s, size_t i) {
  s[i] = s[i] == 'A' ? 'B' : 'A';
  return s;
}

TEST_F(AgeInterop, DamagedHeaderFailsWithTheRightId) {
  std::string plain;
  std::string good = slurp(encrypt(200000, "-r " + pub("ours.txt"), &plain));
  size_t stanza = good.find("-> X25519 ") + 10;
  size_t body = good.find('\n', stanza) + 1;
  size_t mac = good.find("\n--- ") + 5;
  expect_failure(swap_b64(good, stanza + 5), "AGE-004");  // the ephemeral share
  expect_failure(swap_b64(good, body + 5), "AGE-004");    // the wrapped file key
  expect_failure(swap_b64(good, mac + 5), "AGE-006");     // the MAC itself
  std::string retyped = good;
  retyped[stanza - 2] = '8';  // "X25518": an unknown stanza type, ignored
  expect_failure(retyped, "AGE-004");
  std::string v2 = good;
  v2[20] = '2';
  expect_failure(v2, "AGE-002");
  std::string bad_char = good;
  bad_char[stanza + 5] = '*';
  expect_failure(bad_char, "AGE-001");
}

TEST_F(AgeInterop, DamagedPayloadFailsNamingTheChunk) {
  std::string plain;
  std::string good = slurp(encrypt(200000, "-r " + pub("ours.txt"), &plain));  // 4 chunks
  size_t payload = good.find('\n', good.find("\n--- ") + 1) + 1;
  size_t chunk0 = payload + 16, enc = 65536 + 16;
  struct Case {
    size_t at;
    const char* chunk;
  } cases[] = {{payload + 3, "chunk 0 "},  // the nonce: every chunk key changes
               {chunk0 + 10, "chunk 0 "},
               {chunk0 + enc + 40000, "chunk 1 "},
               {chunk0 + 2 * enc + 65551, "chunk 2 "},  // a tag byte
               {good.size() - 1, "chunk 3 "}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at);
    std::string bad = good;
    bad[c.at] ^= 0x20;
    std::string msg = expect_failure(bad, "AGE-007");
    EXPECT_NE(msg.find(c.chunk), std::string::npos) << msg;
    EXPECT_NE(msg.find("no plaintext was released"), std::string::npos) << msg;
  }
}

TEST_F(AgeInterop, TruncatedOrExtendedFilesFail) {
  std::string plain;
  std::string good = slurp(encrypt(200000, "-r " + pub("ours.txt"), &plain));
  size_t payload = good.find('\n', good.find("\n--- ") + 1) + 1;
  size_t chunk0 = payload + 16, enc = 65536 + 16;
  expect_failure(good.substr(0, 0), "AGE-001");
  expect_failure(good.substr(0, 40), "AGE-001");                // inside the header
  expect_failure(good.substr(0, payload), "AGE-001");           // no nonce
  expect_failure(good.substr(0, payload + 9), "AGE-001");       // half a nonce
  expect_failure(good.substr(0, chunk0), "AGE-007");            // no chunk
  expect_failure(good.substr(0, chunk0 + 7), "AGE-007");        // shorter than a tag
  std::string msg = expect_failure(good.substr(0, chunk0 + 2 * enc), "AGE-007");  // at a chunk boundary
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  expect_failure(good.substr(0, chunk0 + 2 * enc + 1000), "AGE-007");
  expect_failure(good.substr(0, good.size() - 1), "AGE-007");
  expect_failure(good + "\n", "AGE-007");
  expect_failure(good + good, "AGE-007");
}

TEST_F(AgeInterop, ArmoredDamageFails) {
  std::string plain;
  std::string good = slurp(encrypt(100000, "-a -r " + pub("ours.txt"), &plain));
  expect_failure(good.substr(0, good.size() / 2), "AGE-003");  // no END line
  std::string wrapped = good;
  wrapped.insert(good.find('\n', 100) - 10, "\n");  // a line broken in two
  expect_failure(wrapped, "AGE-003");
  expect_failure(good + "trailer\n", "AGE-003");
  std::string crlf;
  for (char c : good) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  spit(p("crlf.age"), crlf);
  auto r = run(p("crlf.age"), ours_);
  expect_plain(r, plain);  // CRLF armor is allowed
}

// `age -p` reads the passphrase from a terminal; script(1) gives it one.
TEST_F(AgeInterop, ScryptFromAgeDashP) {
  if (sh("command -v script >/dev/null") != 0) GTEST_SKIP() << "script(1) (bsdutils) missing: no pty for age -p";
  std::string plain(70000, 'x');
  randombytes_buf(plain.data(), plain.size());
  spit(p("pw.txt"), plain);
  ASSERT_EQ(sh("printf 'correct horse\\ncorrect horse\\n' | timeout 60 script -qec 'age -p -o " + p("pw.age") + " " +
               p("pw.txt") + "' /dev/null >/dev/null 2>&1"),
            0);
  ASSERT_NE(slurp(p("pw.age")).find("-> scrypt "), std::string::npos);
  std::vector<Identity> right, wrong;
  right.push_back(passphrase_identity("correct horse"));
  wrong.push_back(passphrase_identity("correct horse\n"));
  auto r = run(p("pw.age"), right);
  expect_plain(r, plain);
  std::string msg = expect_failure(slurp(p("pw.age")), "AGE-004", &wrong);
  EXPECT_NE(msg.find("passphrase"), std::string::npos) << msg;
  expect_failure(slurp(p("pw.age")), "AGE-004", &ours_);  // an X25519 identity cannot open it
}

}  // namespace
}  // namespace probe::age
