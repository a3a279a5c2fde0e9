// Bech32, identity files, the header parser and ASCII armor edge cases.
// Armor cases wrap the CCTV `x25519` vector's binary file in armor built
// here, so each case differs from a valid file in one rule only.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "age_test_util.hpp"

namespace probe::age {
namespace {

constexpr std::string_view kSpecIdentity =
    "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
constexpr std::string_view kSpecRecipient = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";

// ---- Bech32 ----

TEST(AgeBech32, SpecIdentityDecodesAndMatchesItsRecipient) {
  ASSERT_TRUE(crypto_ready());
  auto id = bech32_decode(kSpecIdentity);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->hrp, "age-secret-key-");
  ASSERT_EQ(id->data.size(), 32u);
  auto rcpt = bech32_decode(kSpecRecipient);
  ASSERT_TRUE(rcpt);
  EXPECT_EQ(rcpt->hrp, "age");
  ASSERT_EQ(rcpt->data.size(), 32u);
  // c2sp.org/age: recipient = X25519(identity, basepoint).
  uint8_t pub[32];
  crypto_scalarmult_base(pub, id->data.data());
  EXPECT_EQ(0, memcmp(pub, rcpt->data.data(), 32));
}

TEST(AgeBech32, Bip173ValidStrings) {
  for (std::string_view s :
       {"A12UEL5L", "a12uel5l",
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", "?1ezyfcl"}) {
    EXPECT_TRUE(bech32_decode(s).has_value()) << s;
  }
  EXPECT_TRUE(bech32_decode("11" + std::string(82, 'q') + "c8247j").has_value());  // 90 characters
  auto a = bech32_decode("A12UEL5L");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->hrp, "a");
  EXPECT_EQ(a->data.size(), 0u);
  auto b = bech32_decode("abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->hrp, "abcdef");
  ASSERT_EQ(b->data.size(), 20u);  // the 32 values 0..31 in order, regrouped
  EXPECT_EQ(b->data.data()[0], 0x00);
  EXPECT_EQ(b->data.data()[1], 0x44);
  EXPECT_EQ(b->data.data()[19], 0xdf);
}

TEST(AgeBech32, Bip173InvalidStrings) {
  for (std::string_view s : {"pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "A1G7SGD8", "10a06t8",
                             "1qzzfhee", "a12UEL5L", "a1lqfn3a" /* Bech32m, not Bech32 */, ""}) {
    SCOPED_TRACE(s);
    EXPECT_FALSE(bech32_decode(s).has_value());
  }
  EXPECT_FALSE(bech32_decode(std::string("de1lg7wt") + '\xff'));
}

TEST(AgeBech32, AnyChangedCharacterIsDetected) {
  for (size_t i = 16; i < kSpecIdentity.size(); ++i) {
    std::string s(kSpecIdentity);
    s[i] = s[i] == 'Q' ? 'P' : 'Q';
    EXPECT_FALSE(bech32_decode(s).has_value()) << i;
  }
}

// ---- identity files ----

TEST(AgeIdentities, KeygenOutputWithCommentsCrlfAndSeveralKeys) {
  std::string text = "# created: 2026-12-04T22:00:00Z\r\n# public key: " + std::string(kSpecRecipient) +
                     "\r\n\r\n" + std::string(kSpecIdentity) + "\r\n  \n# second\n" +
                     "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0";  // no final LF
  auto r = parse_identities(text);
  ASSERT_TRUE(std::holds_alternative<std::vector<Identity>>(r)) << std::get<Failure>(r).message;
  auto& ids = std::get<std::vector<Identity>>(r);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0].kind, IdentityKind::X25519);
  EXPECT_EQ(ids[0].secret.size(), 32u);
  EXPECT_EQ(ids[0].secret.data()[0], 0x42);  // the spec's identity is 32 bytes of 0x42
}

void expect_failure(std::string_view text, std::string_view id, std::string_view line_tag, std::string_view secret) {
  auto r = parse_identities(text);
  ASSERT_TRUE(std::holds_alternative<Failure>(r));
  const auto& f = std::get<Failure>(r);
  EXPECT_EQ(f.id, id);
  EXPECT_NE(f.message.find(line_tag), std::string::npos) << f.message;
  EXPECT_FALSE(f.hint.empty());
  if (!secret.empty()) {
    EXPECT_EQ(f.message.find(secret), std::string::npos) << "the line leaked: " << f.message;
    EXPECT_EQ(f.hint.find(secret), std::string::npos);
  }
}

TEST(AgeIdentities, GarbageNamesTheLineNeverItsText) {
  expect_failure("# c\n\nhunter2-is-my-password\n", "AGE-008", "line 3:", "hunter2");
  std::string bad(kSpecIdentity);
  bad[40] = bad[40] == 'Q' ? 'P' : 'Q';
  expect_failure("# ok\n" + bad + "\n", "AGE-008", "line 2:", bad.substr(16, 12));
  expect_failure(std::string(kSpecIdentity) + "X\n", "AGE-008", "line 1:", "GFPYYSJZ");
  // A valid Bech32 string with the wrong HRP: a recipient is not an identity.
  expect_failure(std::string(kSpecRecipient) + "\n", "AGE-008", "line 1:", "");
}

TEST(AgeIdentities, UnsupportedTypesAreSaidSo) {
  expect_failure("#\n#\n#\nAGE-SECRET-KEY-PQ-1XX76JRALNLXDMEW0CRK45QMCCH4X06SE84UN3VPM33W6HWDX0H3SK3ZQFR\n",
                 "AGE-009", "line 4:", "XX76JRAL");
  expect_failure("AGE-PLUGIN-YUBIKEY-1QQQQQQQQQQQQQQQQ\n", "AGE-009", "line 1:", "YUBIKEY-1Q");
  expect_failure("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n", "AGE-009", "line 1:", "b3Bl");
}

TEST(AgeIdentities, NoIdentityAtAll) {
  expect_failure("", "AGE-008", "no AGE-SECRET-KEY-1", "");
  expect_failure("# only a comment\r\n\r\n", "AGE-008", "no AGE-SECRET-KEY-1", "");
}

TEST(AgeIdentities, PassphraseIdentityKeepsTheBytes) {
  Identity p = passphrase_identity("correct horse");
  EXPECT_EQ(p.kind, IdentityKind::Scrypt);
  EXPECT_EQ(p.secret.view(), "correct horse");
}

// ---- header parser ----

std::string cctv_file(const std::string& name, std::string* identity) {
  const char* src = std::getenv("CFGPROBE_SOURCE_ROOT");
  std::ifstream in(std::string(src ? src : ".") + "/../shared/testdata/age-cctv/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string all = ss.str();
  auto id = all.find("identity: ");
  if (identity && id != std::string::npos) *identity = all.substr(id + 10, all.find('\n', id) - id - 10);
  std::string file = all.substr(all.find("\n\n") + 2);
  return all.find("\ncompressed: zlib\n") != std::string::npos ? test::inflate_all(file) : file;
}

std::string header_of(const std::string& file) {
  auto mac = file.find("\n--- ");
  return file.substr(0, file.find('\n', mac + 1) + 1);
}

TEST(AgeHeader, ParsesTheX25519Vector) {
  std::string h = header_of(cctv_file("x25519", nullptr));
  auto r = parse_header(h);
  ASSERT_TRUE(std::holds_alternative<Header>(r)) << std::get<Failure>(r).message;
  const Header& hd = std::get<Header>(r);
  ASSERT_EQ(hd.stanzas.size(), 1u);
  EXPECT_EQ(hd.stanzas[0].args[0], "X25519");
  EXPECT_EQ(hd.stanzas[0].args.size(), 2u);
  EXPECT_EQ(hd.stanzas[0].body.size(), 32u);
  EXPECT_EQ(hd.mac_covered, h.rfind("---") + 3);
}

std::string header_failure_id(const std::string& h) {
  auto r = parse_header(h);
  return std::holds_alternative<Failure>(r) ? std::get<Failure>(r).id : "parsed";
}

TEST(AgeHeader, Malformations) {
  const std::string mac = "--- " + std::string(43, 'A') + "\n";
  const std::string v1 = "age-encryption.org/v1\n";
  EXPECT_EQ(header_failure_id(v1 + "-> a b\n\n" + mac), "parsed");
  EXPECT_EQ(header_failure_id(v1 + "-> a b\n" + mac), "AGE-001");            // no final body line
  EXPECT_EQ(header_failure_id(v1 + "-> a\tb\n\n" + mac), "AGE-001");         // not VCHAR
  EXPECT_EQ(header_failure_id(v1 + "->  a\n\n" + mac), "AGE-001");           // empty argument
  EXPECT_EQ(header_failure_id(v1 + "-> a \n\n" + mac), "AGE-001");           // trailing space
  EXPECT_EQ(header_failure_id(v1 + "->\n\n" + mac), "AGE-001");              // no arguments
  EXPECT_EQ(header_failure_id(v1 + "-> a\n" + std::string(65, 'A') + "\n\n" + mac), "AGE-001");
  EXPECT_EQ(header_failure_id(v1 + "-> a\n" + std::string(64, 'A') + "\nAA\n" + mac), "parsed");
  EXPECT_EQ(header_failure_id(v1 + "-> a\nAB\n" + mac), "AGE-001");          // non-canonical body
  EXPECT_EQ(header_failure_id(v1 + "-> a\nAA==\n" + mac), "AGE-001");        // padded body
  EXPECT_EQ(header_failure_id(v1 + mac), "AGE-001");                          // no stanza
  EXPECT_EQ(header_failure_id(v1 + "-> a\n\n--- " + std::string(42, 'A') + "\n"), "AGE-001");
  EXPECT_EQ(header_failure_id(v1 + "-> a\n\n---" + std::string(43, 'A') + "\n"), "AGE-001");
  EXPECT_EQ(header_failure_id(v1 + "-> a\n\n"), "AGE-001");                   // truncated
  EXPECT_EQ(header_failure_id("age-encryption.org/v2\n-> a\n\n" + mac), "AGE-002");
  EXPECT_EQ(header_failure_id("age-encryption.org/v1\r\n-> a\r\n\r\n" + mac), "AGE-001");
  EXPECT_EQ(header_failure_id("hello world\n"), "AGE-001");
  EXPECT_EQ(header_failure_id(""), "AGE-001");
}

// ---- decrypt: binary and armored forms of one file ----

std::string armor(std::string_view bin, std::string_view eol = "\n", size_t cols = 64) {
  std::string b64(sodium_base64_encoded_len(bin.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(bin.data()), bin.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  b64.pop_back();  // the NUL
  std::string out = "-----BEGIN AGE ENCRYPTED FILE-----" + std::string(eol);
  for (size_t i = 0; i < b64.size(); i += cols) out += b64.substr(i, cols) + std::string(eol);
  return out + "-----END AGE ENCRYPTED FILE-----" + std::string(eol);
}

class AgeArmor : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto_ready());
    std::string id_text;
    bin_ = cctv_file("stream_two_chunks", &id_text);
    auto r = parse_identities(id_text);
    ASSERT_TRUE(std::holds_alternative<std::vector<Identity>>(r));
    ids_ = std::move(std::get<std::vector<Identity>>(r));
    auto ok = test::decrypt_bytes(bin_, ids_);
    ASSERT_TRUE(std::holds_alternative<Decrypted>(ok));
    plain_ = test::read_all(std::get<Decrypted>(ok).plaintext.get());
    ASSERT_GT(plain_.size(), 65536u);
  }
  std::string result(std::string_view file) {
    auto r = test::decrypt_bytes(file, ids_);
    if (auto* f = std::get_if<Failure>(&r)) return f->id;
    return test::read_all(std::get<Decrypted>(r).plaintext.get()) == plain_ ? "ok" : "WRONG PLAINTEXT";
  }
  std::string bin_, plain_;
  std::vector<Identity> ids_;
};

TEST_F(AgeArmor, AcceptedForms) {
  EXPECT_EQ(result(armor(bin_)), "ok");
  EXPECT_EQ(result(armor(bin_, "\r\n")), "ok");
  EXPECT_EQ(result(" \t\r\n\n" + armor(bin_) + "\n \r\n\t"), "ok");
  std::string no_eol = armor(bin_);
  no_eol.pop_back();
  EXPECT_EQ(result(no_eol), "ok");
}

TEST_F(AgeArmor, RejectedForms) {
  const std::string a = armor(bin_);
  EXPECT_EQ(result(armor(bin_, "\n", 76)), "AGE-003");                       // wrong wrapping
  EXPECT_EQ(result(armor(bin_, "\n", 60)), "AGE-003");
  EXPECT_EQ(result(a.substr(0, a.rfind("-----END"))), "AGE-003");            // no END line
  EXPECT_EQ(result(a + "x"), "AGE-003");                                      // data after END
  EXPECT_EQ(result("x" + a), "AGE-003");                                      // data before BEGIN
  std::string trailing_space = a;
  trailing_space.insert(a.find('\n'), " ");
  EXPECT_EQ(result(trailing_space), "AGE-003");                               // BEGIN line + space
  std::string blank = a;
  blank.insert(a.find('\n') + 1, "\n");
  EXPECT_EQ(result(blank), "AGE-003");                                        // empty line
  std::string bare_cr = a;
  bare_cr[a.find('\n', 40)] = '\r';
  EXPECT_EQ(result(bare_cr), "AGE-003");                                      // CR alone
  std::string bad_char = a;
  bad_char[a.find('\n') + 5] = '*';
  EXPECT_EQ(result(bad_char), "AGE-003");
  std::string cut = a;                                                        // a line cut short
  cut.erase(a.find('\n', a.size() / 2) - 4, 4);
  EXPECT_EQ(result(cut), "AGE-003");
  EXPECT_EQ(result("-----BEGIN AGE ENCRYPTED FILE-----\n-----END AGE ENCRYPTED FILE-----\n"), "AGE-001");
}

TEST_F(AgeArmor, BinaryEdges) {
  EXPECT_EQ(result(""), "AGE-001");
  EXPECT_EQ(result("just a plain config file\nkey = value\n"), "AGE-001");
  EXPECT_EQ(result(bin_ + "x"), "AGE-007");                                   // trailing data
  EXPECT_EQ(result(bin_.substr(0, bin_.size() - 1)), "AGE-007");              // truncated
  EXPECT_EQ(result(bin_.substr(0, header_of(bin_).size() + 8)), "AGE-001");   // inside the nonce
  std::string crlf;
  for (char c : header_of(bin_)) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  auto r = test::decrypt_bytes(crlf + bin_.substr(header_of(bin_).size()), ids_);
  ASSERT_TRUE(std::holds_alternative<Failure>(r));
  EXPECT_NE(std::get<Failure>(r).message.find("CRLF"), std::string::npos);
}

TEST_F(AgeArmor, PayloadMessagesNameTheChunkAndSayNothingWasReleased) {
  std::string flipped = bin_;
  flipped[flipped.size() - 100] ^= 1;  // in the second (last) chunk
  auto r = test::decrypt_bytes(flipped, ids_);
  ASSERT_TRUE(std::holds_alternative<Failure>(r));
  EXPECT_NE(std::get<Failure>(r).message.find("chunk 1 "), std::string::npos) << std::get<Failure>(r).message;
  EXPECT_NE(std::get<Failure>(r).message.find("no plaintext was released"), std::string::npos);
  auto t = test::decrypt_bytes(bin_.substr(0, header_of(bin_).size() + 16 + 65536 + 16), ids_);
  ASSERT_TRUE(std::holds_alternative<Failure>(t));
  EXPECT_NE(std::get<Failure>(t).message.find("truncated"), std::string::npos) << std::get<Failure>(t).message;
}

TEST_F(AgeArmor, ResultIsASealedMemfdAtOffsetZero) {
  auto r = test::decrypt_bytes(bin_, ids_);
  ASSERT_TRUE(std::holds_alternative<Decrypted>(r));
  auto& d = std::get<Decrypted>(r);
  int seals = fcntl(d.plaintext.get(), F_GET_SEALS);
  EXPECT_EQ(seals & (F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK), F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK);
  EXPECT_EQ(lseek(d.plaintext.get(), 0, SEEK_CUR), 0);
  EXPECT_EQ(d.size, plain_.size());
  EXPECT_EQ(write(d.plaintext.get(), "x", 1), -1);
  EXPECT_EQ(fcntl(d.plaintext.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
}

TEST_F(AgeArmor, NoIdentityDescribesTheRecipients) {
  auto r = test::decrypt_bytes(bin_, {});
  ASSERT_TRUE(std::holds_alternative<Failure>(r));
  EXPECT_EQ(std::get<Failure>(r).id, "AGE-004");
  EXPECT_NE(std::get<Failure>(r).message.find("1 X25519 recipient"), std::string::npos) << std::get<Failure>(r).message;
  std::vector<Identity> pass;
  pass.push_back(passphrase_identity("x"));
  auto p = test::decrypt_bytes(bin_, pass);
  ASSERT_TRUE(std::holds_alternative<Failure>(p));
  EXPECT_EQ(std::get<Failure>(p).id, "AGE-004");
}

}  // namespace
}  // namespace probe::age
