// Unwrapping the file key: the X25519 and scrypt recipient types
// (c2sp.org/age "The X25519 recipient type", "The scrypt recipient type").
#include <sodium.h>

#include <map>

#include "age_internal.hpp"

namespace probe::age {
namespace {

constexpr size_t kFileKey = 16;
constexpr size_t kWrapped = kFileKey + crypto_aead_chacha20poly1305_ietf_ABYTES;  // the body: exactly 32
constexpr std::string_view kX25519Info = "age-encryption.org/v1/X25519";
constexpr std::string_view kScryptSalt = "age-encryption.org/v1/scrypt";

using Unwrapped = std::variant<std::optional<Secret>, Failure>;  // nullopt: not for this identity

Failure stanza_bad(std::string_view type, std::string what) {
  return failure(kHeaderMalformed, "malformed age header: invalid " + std::string(type) + " stanza: " + what);
}

// ChaCha20-Poly1305 with the all-zero nonce: nullopt when the tag fails.
std::optional<Secret> open_body(const Secret& wrap_key, std::span<const uint8_t> body) {
  static const uint8_t zero_nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = {};
  Secret key(kFileKey);
  if (crypto_aead_chacha20poly1305_ietf_decrypt(key.data(), nullptr, nullptr, body.data(), body.size(), nullptr, 0,
                                                zero_nonce, wrap_key.data()) != 0)
    return std::nullopt;
  return key;
}

Unwrapped unwrap_x25519(const Identity& id, const Stanza& st) {
  if (st.args[0] != "X25519" || id.secret.size() != crypto_scalarmult_SCALARBYTES)
    return std::nullopt;  // not its stanza: ignored, as the spec says
  std::vector<uint8_t> share;
  if (st.args.size() != 2) return stanza_bad("X25519", "expected 1 argument after the type");
  if (!base64_decode(st.args[1], false, share) || share.size() != crypto_scalarmult_BYTES)
    return stanza_bad("X25519", "the share is not 32 bytes of canonical base64");
  if (st.body.size() != kWrapped) return stanza_bad("X25519", "the body is not 32 bytes");
  uint8_t salt[2 * crypto_scalarmult_BYTES];
  std::copy(share.begin(), share.end(), salt);
  crypto_scalarmult_base(salt + crypto_scalarmult_BYTES, id.secret.data());
  Secret shared(crypto_scalarmult_BYTES);
  // libsodium returns -1 for an all-zero shared secret (a low-order share),
  // which the spec says to abort on.
  if (crypto_scalarmult(shared.data(), id.secret.data(), share.data()) != 0)
    return stanza_bad("X25519", "the share is a low-order point (all-zero shared secret)");
  Secret wrap = hkdf_sha256(shared.bytes(), salt, kX25519Info);
  return open_body(wrap, st.body);
}

// log2 N: ^[1-9][0-9]*$ (the spec), at most kMaxScryptLogN; -1: not a
// decimal; 0: too large.
int parse_log_n(std::string_view s) {
  if (s.empty() || s[0] < '1' || s[0] > '9') return -1;
  for (char c : s)
    if (c < '0' || c > '9') return -1;
  if (s.size() > 2) return 0;
  int v = s.size() == 1 ? s[0] - '0' : (s[0] - '0') * 10 + (s[1] - '0');
  return v > kMaxScryptLogN ? 0 : v;
}

Unwrapped unwrap_scrypt(const Identity& id, const Stanza& st) {
  if (st.args[0] != "scrypt") return std::nullopt;
  std::vector<uint8_t> salt;
  if (st.args.size() != 3) return stanza_bad("scrypt", "expected 2 arguments after the type");
  if (!base64_decode(st.args[1], false, salt) || salt.size() != 16)
    return stanza_bad("scrypt", "the salt is not 16 bytes of canonical base64");
  int log_n = parse_log_n(st.args[2]);
  if (log_n < 0) return stanza_bad("scrypt", "the work factor is not a decimal number without leading zeros");
  if (log_n == 0)
    return failure(kScryptRefused, "scrypt work factor too large: the file asks for more than 2^" +
                                       std::to_string(kMaxScryptLogN) + " (age's limit)");
  if (st.body.size() != kWrapped) return stanza_bad("scrypt", "the body is not 32 bytes");
  std::vector<uint8_t> full_salt(kScryptSalt.begin(), kScryptSalt.end());
  full_salt.insert(full_salt.end(), salt.begin(), salt.end());
  Secret wrap(32);
  if (crypto_pwhash_scryptsalsa208sha256_ll(id.secret.data(), id.secret.size(), full_salt.data(), full_salt.size(),
                                            uint64_t{1} << log_n, 8, 1, wrap.data(), wrap.size()) != 0)
    return failure(kScryptRefused, "scrypt failed: not enough memory for work factor 2^" + std::to_string(log_n));
  return open_body(wrap, st.body);
}

std::string plural(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// "the file is for 2 X25519 recipients and 1 unknown stanza type".
std::string describe_recipients(const Header& h) {
  std::map<std::string, size_t> n;
  for (const auto& st : h.stanzas) {
    const std::string& t = st.args[0];
    bool known = t == "X25519" || t == "scrypt" || t == "mlkem768x25519" || t == "ssh-ed25519" || t == "ssh-rsa";
    ++n[known ? t : "?"];
  }
  std::vector<std::string> parts;
  if (n.count("scrypt")) return "the file is encrypted with a passphrase (scrypt)";
  if (n.count("X25519")) parts.push_back(plural(n["X25519"], "X25519 recipient", "X25519 recipients"));
  if (n.count("mlkem768x25519"))
    parts.push_back(plural(n["mlkem768x25519"], "post-quantum mlkem768x25519 recipient (not supported)",
                           "post-quantum mlkem768x25519 recipients (not supported)"));
  size_t ssh = n["ssh-ed25519"] + n["ssh-rsa"];
  if (ssh) parts.push_back(plural(ssh, "SSH recipient (not supported)", "SSH recipients (not supported)"));
  if (n["?"]) parts.push_back(plural(n["?"], "unknown stanza type", "unknown stanza types"));
  std::string s = "the file is for ";
  for (size_t i = 0; i < parts.size(); ++i) s += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
  return s;
}

Failure no_match(const Header& h, std::span<const Identity> ids) {
  size_t x = 0, p = 0;
  for (const auto& id : ids) (id.kind == IdentityKind::X25519 ? x : p) += 1;
  bool scrypt_file = h.stanzas.size() == 1 && h.stanzas[0].args[0] == "scrypt";
  Failure f = failure(kNoMatch, "no identity in key matches the file's recipients: " + describe_recipients(h));
  if (scrypt_file && p > 0)
    f.hint = "the passphrase is wrong; check the passphrase key's payload (a trailing newline counts)";
  else if (scrypt_file)
    f.hint = "the file was encrypted with `age -p`: give its passphrase (--passphrase-key), not an X25519 identity";
  else if (x == 0)
    f.hint = "the file is for public-key recipients: give an AGE-SECRET-KEY-1 identity, not a passphrase";
  else
    f.hint = "the file was encrypted to other public keys: compare `age-keygen -y IDENTITY_FILE` with the "
             "recipients (-r) it was encrypted to, or re-encrypt it to this key";
  return f;
}

}  // namespace

Secret hkdf_sha256(std::span<const uint8_t> ikm, std::span<const uint8_t> salt, std::string_view info) {
  // Extract: PRK = HMAC(salt, ikm). An empty salt is HashLen zero bytes
  // (RFC 5869 2.2), which HMAC's zero-padding of the key makes the same.
  Secret prk(crypto_auth_hmacsha256_BYTES);
  crypto_auth_hmacsha256_state st;
  static const uint8_t kNoSalt = 0;  // the key pointer must not be null, even for length 0
  crypto_auth_hmacsha256_init(&st, salt.empty() ? &kNoSalt : salt.data(), salt.size());
  crypto_auth_hmacsha256_update(&st, ikm.data(), ikm.size());
  crypto_auth_hmacsha256_final(&st, prk.data());
  // Expand, one block: OKM = T(1) = HMAC(PRK, info || 0x01).
  Secret okm(crypto_auth_hmacsha256_BYTES);
  const uint8_t one = 1;
  crypto_auth_hmacsha256_init(&st, prk.data(), prk.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const uint8_t*>(info.data()), info.size());
  crypto_auth_hmacsha256_update(&st, &one, 1);
  crypto_auth_hmacsha256_final(&st, okm.data());
  sodium_memzero(&st, sizeof st);
  return okm;
}

std::variant<Secret, Failure> unwrap_file_key(const Header& h, std::span<const Identity> ids) {
  // c2sp.org/age: "The identity implementation MUST reject headers where an
  // scrypt stanza is present alongside any other stanza."
  for (const auto& st : h.stanzas)
    if (st.args[0] == "scrypt" && h.stanzas.size() != 1)
      return failure(kScryptRefused, "an scrypt (passphrase) stanza must be the only stanza in the header, but the "
                                     "file has " + std::to_string(h.stanzas.size()));
  for (const auto& id : ids) {
    for (const auto& st : h.stanzas) {
      auto r = id.kind == IdentityKind::X25519 ? unwrap_x25519(id, st) : unwrap_scrypt(id, st);
      if (auto* f = std::get_if<Failure>(&r)) return std::move(*f);
      if (auto& key = std::get<std::optional<Secret>>(r)) return std::move(*key);
    }
  }
  return no_match(h, ids);
}

std::string message_for(const Failure& f, std::string_view key_names) {
  constexpr std::string_view kIn = "no identity in key ";
  if (f.id != kNoMatch || !f.message.starts_with(kIn)) return f.message;
  return std::string(kIn) + std::string(key_names) + " " + f.message.substr(kIn.size());
}

}  // namespace probe::age
