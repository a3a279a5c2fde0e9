// The age parsers over arbitrary bytes. The first byte picks the target:
//   0: parse_header;  1: parse_identities;
//   2..: decrypt() (armor detection and decoding, header, stanzas, unwrap,
//        MAC, STREAM) from a memfd, with the X25519 identity of the
//        seeds (a test key made by age-keygen for them) and, for binary
//        files whose scrypt work factors are at
//        most 2^12, the passphrase "password" (a higher one would spend
//        up to 4 GiB per input: the library allows age's 2^22).
// Checks: failures carry an AGE- ID of their family and a hint, never the
// identity; successes are well formed (stanzas, 32-byte keys, a sealed
// memfd of the reported size).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>

#include "fuzz_check.hpp"
#include "probe/age.hpp"

namespace {

using namespace probe::age;

constexpr std::string_view kIdentity = "AGE-SECRET-KEY-1PKZ8F7RQ4N83ZT285PAX3SMV4FSM44Z6D2RKRNNEAV4GSLSXKJCSTP4FN2";

const std::vector<Identity>& x25519_ids() {
  static const std::vector<Identity> ids = [] {
    auto r = parse_identities(kIdentity);
    FUZZ_CHECK(std::holds_alternative<std::vector<Identity>>(r));
    return std::move(std::get<std::vector<Identity>>(r));
  }();
  return ids;
}

void fuzz_header(std::string_view text) {
  auto r = parse_header(text);
  if (auto* f = std::get_if<Failure>(&r)) {
    FUZZ_CHECK(f->id == "AGE-001" || f->id == "AGE-002");
    return;
  }
  const Header& h = std::get<Header>(r);
  FUZZ_CHECK(!h.stanzas.empty());
  FUZZ_CHECK(h.mac_covered >= 3 && h.mac_covered <= text.size());
  FUZZ_CHECK(text.substr(h.mac_covered - 3, 3) == "---");
  for (const auto& s : h.stanzas) {
    FUZZ_CHECK(!s.args.empty());
    for (const auto& a : s.args) FUZZ_CHECK(!a.empty() && a.find(' ') == std::string::npos);
  }
}

void fuzz_identities(std::string_view text) {
  auto r = parse_identities(text);
  if (auto* f = std::get_if<Failure>(&r)) {
    FUZZ_CHECK(f->id == "AGE-008" || f->id == "AGE-009");
    FUZZ_CHECK(!f->hint.empty());
    return;
  }
  for (const auto& id : std::get<std::vector<Identity>>(r)) {
    FUZZ_CHECK(id.kind == IdentityKind::X25519);
    FUZZ_CHECK(id.secret.size() == 32);
  }
}

// Every scrypt stanza's work factor is small enough to try a passphrase.
bool cheap_scrypt(std::string_view file) {
  auto end = file.find("\n---");
  auto r = parse_header(file.substr(0, end == std::string_view::npos ? 0 : file.find('\n', end + 1) + 1));
  if (!std::holds_alternative<Header>(r)) return false;
  for (const auto& s : std::get<Header>(r).stanzas)
    if (s.args[0] == "scrypt" && (s.args.size() != 3 || s.args[2].size() > 2 || std::atoi(s.args[2].c_str()) > 12))
      return false;
  return true;
}

void fuzz_decrypt(std::string_view file) {
  probe::UniqueFd in(memfd_create("fuzz-age", MFD_CLOEXEC));
  FUZZ_CHECK(in);
  FUZZ_CHECK(write(in.get(), file.data(), file.size()) == static_cast<ssize_t>(file.size()));
  lseek(in.get(), 0, SEEK_SET);
  std::vector<Identity> ids;
  ids.push_back(Identity{IdentityKind::X25519, probe::Secret::copy_of(x25519_ids()[0].secret.bytes())});
  if (cheap_scrypt(file)) ids.push_back(passphrase_identity("password"));
  auto r = decrypt(in.get(), ids);
  if (auto* f = std::get_if<Failure>(&r)) {
    static const std::set<std::string> ok = {"AGE-001", "AGE-002", "AGE-003", "AGE-004", "AGE-005",
                                             "AGE-006", "AGE-007", "AGE-010"};
    FUZZ_CHECK(ok.count(f->id) == 1);
    FUZZ_CHECK(f->id != "AGE-010");  // a memfd read never fails
    FUZZ_CHECK(!f->message.empty() && !f->hint.empty());
    FUZZ_CHECK(f->message.find(kIdentity.substr(16, 16)) == std::string::npos);
    return;
  }
  auto& d = std::get<Decrypted>(r);
  struct stat st {};
  FUZZ_CHECK(fstat(d.plaintext.get(), &st) == 0);
  FUZZ_CHECK(static_cast<uint64_t>(st.st_size) == d.size);
  FUZZ_CHECK(lseek(d.plaintext.get(), 0, SEEK_CUR) == 0);
  FUZZ_CHECK((fcntl(d.plaintext.get(), F_GET_SEALS) & F_SEAL_WRITE) != 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > (1 << 20)) return 0;
  std::string_view text = fuzz::as_text(data + 1, size - 1);
  switch (data[0]) {
    case 0: fuzz_header(text); break;
    case 1: fuzz_identities(text); break;
    default: fuzz_decrypt(text); break;
  }
  return 0;
}
