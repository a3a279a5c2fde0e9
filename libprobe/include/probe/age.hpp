// age-encryption.org/v1 decryption (https://c2sp.org/age) with libsodium:
// X25519 and scrypt recipients, ASCII armor, the header MAC and the 64 KiB
// STREAM payload. Plaintext is released only when the whole file
// authenticated, staged in a sealed memfd (outside the process's heap).
// Every key byte lives in probe::Secret. Failures carry an AGE- catalog ID.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "probe/secret.hpp"
#include "probe/unique_fd.hpp"

namespace probe::age {

enum class IdentityKind { X25519, Scrypt };
struct Identity {
  IdentityKind kind;
  Secret secret;  // X25519: the 32-byte scalar; Scrypt: the passphrase bytes
};

struct Failure {
  std::string id;       // catalog ID, AGE-001.. (catalog_age.inc)
  std::string message;  // in age's manner; never key material
  std::string hint;     // what to do next
};

// The catalog IDs decrypt() and parse_identities() return.
inline constexpr std::string_view kHeaderMalformed = "AGE-001";    // not age, bad header
inline constexpr std::string_view kVersionUnsupported = "AGE-002";
inline constexpr std::string_view kArmorMalformed = "AGE-003";
inline constexpr std::string_view kNoMatch = "AGE-004";
inline constexpr std::string_view kScryptRefused = "AGE-005";      // work factor, mixed
inline constexpr std::string_view kHeaderMac = "AGE-006";
inline constexpr std::string_view kPayloadFailed = "AGE-007";      // auth, truncated, trailing
inline constexpr std::string_view kIdentitySyntax = "AGE-008";
inline constexpr std::string_view kIdentityUnsupported = "AGE-009";
inline constexpr std::string_view kReadError = "AGE-010";

// age-keygen output: '#' comments, blank lines, CRLF tolerated, one or more
// AGE-SECRET-KEY-1... lines. Errors name the line number, never echo the
// line. AGE-SECRET-KEY-PQ-1 (ML-KEM-768 + X25519 hybrid) and plugin
// identities are an "unsupported identity type" Failure.
std::variant<std::vector<Identity>, Failure> parse_identities(std::string_view text);
Identity passphrase_identity(std::string_view passphrase);

struct Decrypted {
  UniqueFd plaintext;  // sealed memfd (write, grow, shrink, seal), offset 0
  uint64_t size = 0;
};

// Reads the whole age file (armored or binary) from in_fd (file or pipe),
// streaming. Nothing is returned unless the last chunk verified.
std::variant<Decrypted, Failure> decrypt(int in_fd, std::span<const Identity> ids);

// A failure's message naming where the identities came from: for a
// no-match, "no identity in key \"cfgprobe:app\" matches the file's
// recipients: the file is for 1 X25519 recipient"; others unchanged.
std::string message_for(const Failure& f, std::string_view key_names);

// The scrypt work factor limit (log2 N), as age's ScryptIdentity default.
inline constexpr int kMaxScryptLogN = 22;

// BIP 173 Bech32 (not Bech32m), without BIP 173's 90-character limit (age's
// own keys are longer). All upper or all lower case; hrp is returned lower
// case; data is the 8-bit payload (no padding bits may be set).
struct Bech32 {
  std::string hrp;
  Secret data;
};
std::optional<Bech32> bech32_decode(std::string_view text);

// The header parser, for tests and the fuzzer: header text (through the
// MAC line's LF) -> stanzas. Returns the failure decrypt() would give.
struct Stanza {
  std::vector<std::string> args;  // args[0] is the type
  std::vector<uint8_t> body;
};
struct Header {
  std::vector<Stanza> stanzas;
  uint8_t mac[32] = {};
  size_t mac_covered = 0;  // header bytes the MAC covers (through "---")
};
std::variant<Header, Failure> parse_header(std::string_view text);

}  // namespace probe::age
