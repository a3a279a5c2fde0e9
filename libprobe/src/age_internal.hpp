// Pieces shared by the age_*.cpp files (not part of the libprobe API).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "probe/age.hpp"

namespace probe::age {

inline constexpr std::string_view kIntro = "age-encryption.org/";
inline constexpr std::string_view kV1Line = "age-encryption.org/v1";

// Strict base64 (RFC 4648 section 4; canonical: unused bits must be zero).
// padded: with '=' (armor); unpadded: the header's raw base64.
bool base64_decode(std::string_view in, bool padded, std::vector<uint8_t>& out);

Failure failure(std::string_view id, std::string message);

}  // namespace probe::age

#include <optional>
#include <span>

namespace probe::age {

// HKDF-SHA-256 (RFC 5869) with a 32-byte output, from libsodium's
// HMAC-SHA-256 (libsodium 1.0.18 has no crypto_kdf_hkdf_sha256_*).
Secret hkdf_sha256(std::span<const uint8_t> ikm, std::span<const uint8_t> salt, std::string_view info);

// A stream of bytes: read() returns the count, 0 at the end, or a Failure.
class Source {
 public:
  virtual ~Source() = default;
  virtual std::variant<size_t, Failure> read(uint8_t* p, size_t n) = 0;
};

class FdSource final : public Source {
 public:
  explicit FdSource(int fd) : fd_(fd) {}
  std::variant<size_t, Failure> read(uint8_t* p, size_t n) override;

 private:
  int fd_;
};

// A buffer over a Source: ensure() buffers at least n bytes (fewer only at
// the end), avail() shows them, consume() drops them. n <= capacity.
class Reader {
 public:
  Reader(Source& src, size_t capacity) : src_(src), buf_(capacity) {}
  std::optional<Failure> ensure(size_t n);
  std::span<const uint8_t> avail() const { return {buf_.data() + pos_, end_ - pos_}; }
  void consume(size_t n) { pos_ += n; }
  bool ended() const { return eof_ && pos_ == end_; }
  // Appends through the next LF (included) or to the end, at most limit
  // bytes in all to out; *lf tells whether the LF was reached.
  std::optional<Failure> read_line(std::string& out, size_t limit, bool* lf);

 private:
  Source& src_;
  std::vector<uint8_t> buf_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
};

// The ASCII armor (c2sp.org/age "ASCII armor": RFC 7468 strict, padded
// base64, 64 columns, LF or CRLF): decoded bytes of the armored file.
class ArmorSource final : public Source {
 public:
  explicit ArmorSource(Reader& text) : text_(text) {}
  std::variant<size_t, Failure> read(uint8_t* p, size_t n) override;

 private:
  std::variant<std::string_view, Failure> take_line(bool* lf);
  std::optional<Failure> next_batch();
  std::optional<Failure> decode_batch(size_t first_line, bool end);
  std::optional<Failure> finish();
  Reader& text_;
  bool begun_ = false, done_ = false, last_data_ = false;
  size_t line_no_ = 0;
  std::string line_, b64_;
  std::vector<uint8_t> decoded_;
  size_t used_ = 0;
};

// True when the buffered start of the input looks armored (not binary age).
std::variant<bool, Failure> looks_armored(Reader& raw);

// The 16-byte file key from the stanzas, or why not (Go age's order:
// each identity over each stanza; the first hard error wins).
std::variant<Secret, Failure> unwrap_file_key(const Header& h, std::span<const Identity> ids);

// STREAM over the payload after the nonce, into out_fd; total bytes.
std::variant<uint64_t, Failure> stream_decrypt(Reader& in, const Secret& payload_key, int out_fd);

}  // namespace probe::age
