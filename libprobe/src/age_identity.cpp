// Identities: the text age-keygen writes, and passphrases.
#include <sodium.h>

#include "age_internal.hpp"

namespace probe::age {
namespace {

constexpr std::string_view kSecretPrefix = "AGE-SECRET-KEY-1";
constexpr std::string_view kPqPrefix = "AGE-SECRET-KEY-PQ-1";
constexpr std::string_view kPluginPrefix = "AGE-PLUGIN-";

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != prefix[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

Failure syntax(size_t line, std::string what) {
  Failure f = failure(kIdentitySyntax, "malformed identity: line " + std::to_string(line) + ": " + what);
  f.hint = "the payload must be what `age-keygen` writes: '#' comments and AGE-SECRET-KEY-1... lines; "
           "regenerate it with `age-keygen -o key.txt`";
  return f;
}

Failure unsupported(size_t line, std::string what) {
  Failure f = failure(kIdentityUnsupported, "unsupported identity type: line " + std::to_string(line) + ": " + what);
  f.hint = "cfgprobe decrypts with X25519 identities (AGE-SECRET-KEY-1...) and passphrases; "
           "re-encrypt the file to an X25519 recipient: `age-keygen -o key.txt` and `age -r age1...`";
  return f;
}

// One non-comment line: an X25519 identity or why not.
std::variant<Identity, Failure> parse_line(std::string_view line, size_t n) {
  if (starts_with_nocase(line, kPqPrefix))
    return unsupported(n, "post-quantum ML-KEM-768 + X25519 (AGE-SECRET-KEY-PQ-1...) identities are not supported");
  if (starts_with_nocase(line, kPluginPrefix)) return unsupported(n, "age plugin identities are not supported");
  if (line.substr(0, 5) == "-----" || line.substr(0, 4) == "ssh-")
    return unsupported(n, "SSH keys are not supported");
  if (!starts_with_nocase(line, kSecretPrefix))
    return syntax(n, "expected a '#' comment or an AGE-SECRET-KEY-1... identity");
  auto b = bech32_decode(line);
  if (!b || b->hrp != "age-secret-key-")
    return syntax(n, "the AGE-SECRET-KEY-1... identity is not valid Bech32 (a character changed or missing?)");
  if (b->data.size() != crypto_scalarmult_SCALARBYTES)
    return syntax(n, "the identity does not hold a 32-byte X25519 key");
  return Identity{IdentityKind::X25519, std::move(b->data)};
}

}  // namespace

std::variant<std::vector<Identity>, Failure> parse_identities(std::string_view text) {
  std::vector<Identity> ids;
  size_t n = 0;
  while (!text.empty()) {
    auto lf = text.find('\n');
    std::string_view line = trim(text.substr(0, lf));
    text.remove_prefix(lf == std::string_view::npos ? text.size() : lf + 1);
    ++n;
    if (line.empty() || line[0] == '#') continue;
    auto r = parse_line(line, n);
    if (auto* f = std::get_if<Failure>(&r)) return std::move(*f);
    ids.push_back(std::move(std::get<Identity>(r)));
  }
  if (ids.empty()) {
    Failure f = failure(kIdentitySyntax, "malformed identity: no AGE-SECRET-KEY-1... line found");
    f.hint = "store the whole output of `age-keygen` as the key's payload";
    return f;
  }
  return ids;
}

Identity passphrase_identity(std::string_view passphrase) {
  return Identity{IdentityKind::Scrypt, Secret::copy_of(passphrase)};
}

}  // namespace probe::age
