// The payload: STREAM over 64 KiB ChaCha20-Poly1305 chunks
// (c2sp.org/age "Payload"). Each chunk goes to out_fd only once its tag
// verified; the caller releases out_fd only if this returns a size.
#include <sodium.h>

#include <cerrno>
#include <cstring>

#include "age_internal.hpp"

namespace probe::age {
namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr size_t kTag = crypto_aead_chacha20poly1305_ietf_ABYTES;
constexpr size_t kEncChunk = kChunk + kTag;

// 11-byte big-endian counter || 0x01 for the final chunk, 0x00 before it.
void chunk_nonce(uint64_t counter, bool last, uint8_t nonce[12]) {
  std::memset(nonce, 0, 12);
  for (int i = 10; i >= 3 && counter != 0; --i, counter >>= 8) nonce[i] = static_cast<uint8_t>(counter);
  nonce[11] = last ? 1 : 0;
}

bool open_chunk(std::span<const uint8_t> enc, uint64_t counter, bool last, const Secret& key, Secret& plain,
                size_t* len) {
  uint8_t nonce[12];
  chunk_nonce(counter, last, nonce);
  unsigned long long n = 0;
  int rc = crypto_aead_chacha20poly1305_ietf_decrypt(plain.data(), &n, nullptr, enc.data(), enc.size(), nullptr, 0,
                                                     nonce, key.data());
  *len = static_cast<size_t>(n);
  return rc == 0;
}

Failure payload_bad(uint64_t counter, std::string what) {
  return failure(kPayloadFailed, "payload chunk " + std::to_string(counter) + " (plaintext offset " +
                                     std::to_string(counter * kChunk) + "): " + what + "; no plaintext was released");
}

// Why a chunk failed: trying it with the other final-chunk flag tells a
// truncation or trailing data apart from a modified chunk.
Failure explain_chunk(std::span<const uint8_t> enc, uint64_t counter, bool last, const Secret& key, Secret& plain) {
  size_t len = 0;
  if (last && open_chunk(enc, counter, false, key, plain, &len))
    return payload_bad(counter, "the file is truncated: it ends after a chunk that is not the final one");
  if (!last && open_chunk(enc, counter, true, key, plain, &len))
    return payload_bad(counter, "the final chunk is followed by more data (trailing data or files joined together)");
  return payload_bad(counter, "authentication failed: the file was modified, damaged or truncated");
}

std::optional<Failure> write_all(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0)
      return failure(kReadError, std::string("cannot stage the plaintext in memory (memfd): ") +
                                     (w < 0 ? std::strerror(errno) : "short write"));
    p += w;
    n -= static_cast<size_t>(w);
  }
  return std::nullopt;
}

}  // namespace

std::variant<uint64_t, Failure> stream_decrypt(Reader& in, const Secret& key, int out_fd) {
  Secret plain(kChunk);
  uint64_t total = 0;
  for (uint64_t counter = 0;; ++counter) {
    // One byte beyond the chunk tells whether this chunk is the last.
    if (auto f = in.ensure(kEncChunk + 1)) return *f;
    auto a = in.avail();
    bool last = a.size() <= kEncChunk;
    auto enc = a.first(std::min(a.size(), kEncChunk));
    if (enc.empty() && counter == 0)
      return payload_bad(counter, "the payload has no chunk: the file is truncated after its header");
    if (enc.size() < kTag) return payload_bad(counter, "the chunk is shorter than its 16-byte tag: truncated");
    size_t len = 0;
    if (!open_chunk(enc, counter, last, key, plain, &len)) return explain_chunk(enc, counter, last, key, plain);
    // "The final chunk ... MUST NOT be empty unless the whole payload is empty."
    if (last && len == 0 && counter > 0) return payload_bad(counter, "the final chunk is empty, which age forbids");
    if (auto f = write_all(out_fd, plain.data(), len)) return *f;
    total += len;
    in.consume(enc.size());
    if (last) return total;
  }
}

}  // namespace probe::age
