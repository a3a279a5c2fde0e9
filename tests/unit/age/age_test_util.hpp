// Helpers shared by the age unit tests: memfds, reading them back, hex.
#pragma once

#include <sodium.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "probe/age.hpp"

namespace probe::age::test {

// A memfd holding bytes, at offset 0 (decrypt() reads files and pipes).
inline UniqueFd memfd_with(std::string_view bytes) {
  UniqueFd fd(memfd_create("age-test-input", MFD_CLOEXEC));
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t w = write(fd.get(), bytes.data() + off, bytes.size() - off);
    if (w <= 0) return UniqueFd();
    off += static_cast<size_t>(w);
  }
  lseek(fd.get(), 0, SEEK_SET);
  return fd;
}

inline std::string read_all(int fd) {
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

inline std::string sha256_hex(std::string_view data) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  char hex[2 * sizeof h + 1];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return hex;
}

inline size_t open_fd_count() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

inline std::variant<Decrypted, Failure> decrypt_bytes(std::string_view file, std::span<const Identity> ids) {
  UniqueFd fd = memfd_with(file);
  return decrypt(fd.get(), ids);
}

inline std::string inflate_all(std::string_view z) {
  z_stream s{};
  inflateInit(&s);
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data()));
  s.avail_in = static_cast<uInt>(z.size());
  std::string out;
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc == Z_OK) {
    s.next_out = reinterpret_cast<Bytef*>(buf);
    s.avail_out = sizeof buf;
    rc = inflate(&s, Z_NO_FLUSH);
    out.append(buf, sizeof buf - s.avail_out);
  }
  inflateEnd(&s);
  return rc == Z_STREAM_END ? out : std::string();
}

}  // namespace probe::age::test
