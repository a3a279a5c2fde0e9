// decrypt(): armor detection, header, file key, MAC, nonce, payload into a
// sealed memfd that is returned only when every chunk verified.
#include <fcntl.h>
#include <sodium.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include "age_internal.hpp"

namespace probe::age {
namespace {

// Large reads keep the syscall count low; the buffer holds ciphertext only.
constexpr size_t kBuffer = 1 << 20;
// A header is a few hundred bytes; this bounds memory on hostile input.
constexpr size_t kMaxHeader = 1 << 20;
constexpr size_t kNonce = 16;

// Header text through the MAC line (or up to the first line that ends it).
std::variant<std::string, Failure> read_header_text(Reader& in) {
  std::string text;
  for (size_t start = 0;; start = text.size()) {
    bool lf = false;
    if (auto f = in.read_line(text, kMaxHeader, &lf)) return *f;
    std::string_view line = std::string_view(text).substr(start);
    if (start == 0 && line.substr(0, kIntro.size()) != kIntro) return text;
    if (line.substr(0, 3) == "---" || !lf) return text;
    if (text.size() >= kMaxHeader) return failure(kHeaderMalformed, "malformed age header: larger than 1 MiB");
  }
}

std::optional<Failure> check_mac(const Header& h, std::string_view text, const Secret& file_key) {
  Secret key = hkdf_sha256(file_key.bytes(), {}, "header");
  uint8_t mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, key.data(), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const uint8_t*>(text.data()), h.mac_covered);
  crypto_auth_hmacsha256_final(&st, mac);
  sodium_memzero(&st, sizeof st);
  if (crypto_verify_32(mac, h.mac) == 0) return std::nullopt;
  return failure(kHeaderMac, "header MAC mismatch: the file's header was modified after it was encrypted");
}

std::variant<UniqueFd, Failure> make_memfd() {
  UniqueFd fd(memfd_create("cfgprobe-age-plaintext", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) return failure(kReadError, std::string("cannot create a memfd for the plaintext: ") + std::strerror(errno));
  return fd;
}

std::optional<Failure> seal(int fd) {
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0 ||
      lseek(fd, 0, SEEK_SET) != 0)
    return failure(kReadError, std::string("cannot seal the plaintext memfd: ") + std::strerror(errno));
  return std::nullopt;
}

// The payload: nonce, key, STREAM into a fresh memfd.
std::variant<Decrypted, Failure> decrypt_payload(Reader& in, const Secret& file_key) {
  if (auto f = in.ensure(kNonce)) return *f;
  if (in.avail().size() < kNonce)
    return failure(kHeaderMalformed, "the file ends inside the 16-byte payload nonce after the header (truncated)");
  Secret key = hkdf_sha256(file_key.bytes(), in.avail().first(kNonce), "payload");
  in.consume(kNonce);
  auto fd = make_memfd();
  if (auto* f = std::get_if<Failure>(&fd)) return std::move(*f);
  Decrypted d{std::move(std::get<UniqueFd>(fd)), 0};
  auto n = stream_decrypt(in, key, d.plaintext.get());
  if (auto* f = std::get_if<Failure>(&n)) return std::move(*f);
  d.size = std::get<uint64_t>(n);
  if (auto f = seal(d.plaintext.get())) return *f;
  return d;
}

std::variant<Decrypted, Failure> decrypt_from(Reader& in, std::span<const Identity> ids) {
  auto text = read_header_text(in);
  if (auto* f = std::get_if<Failure>(&text)) return std::move(*f);
  auto hdr = parse_header(std::get<std::string>(text));
  if (auto* f = std::get_if<Failure>(&hdr)) return std::move(*f);
  const Header& h = std::get<Header>(hdr);
  auto key = unwrap_file_key(h, ids);
  if (auto* f = std::get_if<Failure>(&key)) return std::move(*f);
  if (auto f = check_mac(h, std::get<std::string>(text), std::get<Secret>(key))) return *f;
  return decrypt_payload(in, std::get<Secret>(key));
}

// What to do next, by ID, when the failure did not say already.
std::string default_hint(std::string_view id) {
  if (id == kHeaderMalformed) return "check that this is the .age file itself and that it was copied in binary mode: `head -c 200 FILE | od -c`";
  if (id == kVersionUnsupported) return "decrypt it with a newer age (`age -d`), or re-encrypt it in the v1 format";
  if (id == kArmorMalformed) return "the armored file was altered in transit (line wrapping, whitespace, a mail client); copy it unchanged or use the binary file";
  if (id == kScryptRefused) return "re-encrypt the file with a sane passphrase alone: `age -p -o FILE.age FILE`";
  if (id == kHeaderMac) return "the header was changed after encryption: restore the file from its source; do not trust this copy";
  if (id == kPayloadFailed) return "the file is damaged, truncated or tampered with: copy it again from its source and compare `sha256sum`";
  if (id == kReadError) return "check that the file is readable and the system has free memory";
  return "";
}

}  // namespace

std::variant<Decrypted, Failure> decrypt(int in_fd, std::span<const Identity> ids) {
  if (!crypto_ready()) return failure(kReadError, "libsodium could not be initialised");
  FdSource fd_source(in_fd);
  Reader raw(fd_source, kBuffer);
  std::variant<Decrypted, Failure> r = failure(kReadError, "");
  auto armored = looks_armored(raw);
  if (auto* f = std::get_if<Failure>(&armored)) {
    r = std::move(*f);
  } else if (std::get<bool>(armored)) {
    ArmorSource armor(raw);
    Reader decoded(armor, kBuffer);
    r = decrypt_from(decoded, ids);
  } else {
    r = decrypt_from(raw, ids);
  }
  if (auto* f = std::get_if<Failure>(&r); f != nullptr && f->hint.empty()) f->hint = default_hint(f->id);
  return r;
}

}  // namespace probe::age
