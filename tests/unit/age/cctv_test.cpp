// The C2SP CCTV age test vectors (../shared/testdata/age-cctv, README
// there): every vector decrypts to exactly its `expect:` result. The 125
// that need only X25519 identities and passphrases run through decrypt();
// the 18 whose only identities are post-quantum AGE-SECRET-KEY-PQ-1 are
// refused by parse_identities() as an unsupported identity type.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>

#include <fstream>
#include <thread>
#include <map>
#include <set>
#include <sstream>

#include "age_test_util.hpp"

namespace probe::age {
namespace {

struct Vector {
  std::string name;
  std::multimap<std::string, std::string> keys;
  std::string file;  // the age file, decompressed
};

std::string vectors_dir() {
  const char* src = std::getenv("CFGPROBE_SOURCE_ROOT");
  return std::string(src ? src : ".") + "/../shared/testdata/age-cctv";
}

Vector load(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  Vector v{p.filename().string(), {}, {}};
  size_t pos = 0;
  while (pos < all.size() && all[pos] != '\n') {
    size_t lf = all.find('\n', pos);
    std::string line = all.substr(pos, lf - pos);
    size_t colon = line.find(": ");
    v.keys.emplace(line.substr(0, colon), line.substr(colon + 2));
    pos = lf + 1;
  }
  v.file = all.substr(pos + 1);
  auto c = v.keys.find("compressed");
  if (c != v.keys.end() && c->second == "zlib") v.file = test::inflate_all(v.file);
  return v;
}

std::string one(const Vector& v, const std::string& k) {
  auto it = v.keys.find(k);
  return it == v.keys.end() ? "" : it->second;
}

// The AGE- IDs that stand for each `expect:` value.
const std::map<std::string, std::set<std::string>>& expected_ids() {
  static const std::map<std::string, std::set<std::string>> m = {
      {"no match", {"AGE-004"}},
      {"HMAC failure", {"AGE-006"}},
      {"header failure", {"AGE-001", "AGE-002", "AGE-005"}},
      {"armor failure", {"AGE-003"}},
      {"payload failure", {"AGE-007"}},
  };
  return m;
}

// Identities for the vector; *pq_only: it has identities, all post-quantum.
std::vector<Identity> identities(const Vector& v, bool* pq_only) {
  std::vector<Identity> ids;
  size_t pq = 0, total = 0;
  for (auto [it, end] = v.keys.equal_range("identity"); it != end; ++it) {
    ++total;
    auto r = parse_identities(it->second);
    if (it->second.rfind("AGE-SECRET-KEY-PQ-1", 0) == 0) {
      ++pq;
      auto* f = std::get_if<Failure>(&r);
      EXPECT_TRUE(f != nullptr && f->id == "AGE-009") << "a PQ identity must be refused as unsupported";
      if (f) {
        EXPECT_EQ(f->message.find(it->second), std::string::npos) << "the identity leaked into the message";
      }
      continue;
    }
    EXPECT_TRUE(std::holds_alternative<std::vector<Identity>>(r));
    if (auto* got = std::get_if<std::vector<Identity>>(&r)) {
      EXPECT_EQ(got->size(), 1u);
      for (auto& id : *got) ids.push_back(std::move(id));
    }
  }
  for (auto [it, end] = v.keys.equal_range("passphrase"); it != end; ++it) ids.push_back(passphrase_identity(it->second));
  *pq_only = total > 0 && pq == total && !v.keys.count("passphrase");
  return ids;
}

void check_result(const Vector& v, std::variant<Decrypted, Failure>& r) {
  std::string expect = one(v, "expect");
  if (expect == "success") {
    ASSERT_TRUE(std::holds_alternative<Decrypted>(r)) << std::get<Failure>(r).id << " " << std::get<Failure>(r).message;
    auto& d = std::get<Decrypted>(r);
    std::string plain = test::read_all(d.plaintext.get());
    EXPECT_EQ(plain.size(), d.size);
    EXPECT_EQ(test::sha256_hex(plain), one(v, "payload"));
    return;
  }
  ASSERT_TRUE(std::holds_alternative<Failure>(r)) << "expected " << expect << ", but it decrypted: bytes released";
  const Failure& f = std::get<Failure>(r);
  ASSERT_TRUE(expected_ids().count(expect)) << "unknown expect: " << expect;
  EXPECT_TRUE(expected_ids().at(expect).count(f.id)) << "expected " << expect << ", got " << f.id << ": " << f.message;
  EXPECT_FALSE(f.message.empty());
  EXPECT_FALSE(f.hint.empty()) << f.id;
  for (auto [it, end] = v.keys.equal_range("identity"); it != end; ++it)
    EXPECT_EQ(f.message.find(it->second.substr(16, 20)), std::string::npos) << "key material in the message";
  EXPECT_EQ(f.message.find(one(v, "file key")), std::string::npos);
}

TEST(AgeCctv, EveryVectorGivesItsExpectedResult) {
  ASSERT_TRUE(crypto_ready());
  std::string dir = vectors_dir();
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir << " missing (CFGPROBE_SOURCE_ROOT?)";
  static const std::set<std::string> known = {"expect", "payload", "file key", "identity", "passphrase",
                                              "armored", "comment", "compressed"};
  size_t ran = 0, unsupported = 0, successes = 0, payload_failures = 0, files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name == "README.md" || name == "LICENSE") continue;
    ++files;
    SCOPED_TRACE(name);
    Vector v = load(e.path());
    bool unknown_key = false;
    for (const auto& [k, _] : v.keys) unknown_key |= !known.count(k);
    ASSERT_FALSE(unknown_key) << "a key this test does not know: upstream says skip, but count it as a failure";
    bool pq_only = false;
    auto ids = identities(v, &pq_only);
    if (pq_only) {
      ++unsupported;
      continue;
    }
    size_t fds = test::open_fd_count();
    auto r = test::decrypt_bytes(v.file, ids);
    check_result(v, r);
    if (std::holds_alternative<Failure>(r)) {
      EXPECT_EQ(test::open_fd_count(), fds) << "a plaintext memfd stayed open";
    }
    successes += one(v, "expect") == "success";
    payload_failures += one(v, "expect") == "payload failure";
    ++ran;
  }
  // The counts make the test fail when vectors go missing or are skipped.
  EXPECT_EQ(files, 143u);
  EXPECT_EQ(ran, 125u);
  EXPECT_EQ(unsupported, 18u);
  EXPECT_EQ(successes, 21u);
  EXPECT_EQ(payload_failures, 19u);
}

// Each armored vector also through a pipe (a stream, not a file).
TEST(AgeCctv, ArmoredAndStreamVectorsThroughAPipe) {
  signal(SIGPIPE, SIG_IGN);
  std::string dir = vectors_dir();
  size_t ran = 0;
  for (const char* name : {"armor_x25519", "armor_crlf", "armor_whitespace_outside", "stream_258_chunks",
                           "stream_last_chunk_full", "stream_trailing_garbage_long", "armor_garbage_trailing"}) {
    SCOPED_TRACE(name);
    Vector v = load(std::filesystem::path(dir) / name);
    bool pq_only = false;
    auto ids = identities(v, &pq_only);
    int p[2];
    ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
    UniqueFd rd(p[0]), wr(p[1]);
    std::thread writer([&] {
      size_t off = 0;
      while (off < v.file.size()) {
        ssize_t w = write(wr.get(), v.file.data() + off, v.file.size() - off);
        if (w <= 0) break;
        off += static_cast<size_t>(w);
      }
      wr.reset();
    });
    auto r = decrypt(rd.get(), ids);
    rd.reset();  // a failure may stop reading early: unblock the writer
    writer.join();
    check_result(v, r);
    ++ran;
  }
  EXPECT_EQ(ran, 7u);
}

}  // namespace
}  // namespace probe::age
