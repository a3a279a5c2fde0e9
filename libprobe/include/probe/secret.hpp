// Secret bytes (age identities, file keys, passphrases, key payloads): held
// in libsodium's guarded allocation - locked in RAM, left out of core dumps
// (MADV_DONTDUMP), wiped when freed. Move-only; never printed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace probe {

class Secret {
 public:
  Secret() = default;
  // size bytes of zeroed secure memory; aborts (like new) when none is left.
  explicit Secret(size_t size);
  // A copy of bytes into secure memory (the caller wipes its own copy).
  static Secret copy_of(std::span<const uint8_t> bytes);
  static Secret copy_of(std::string_view text);
  ~Secret();
  Secret(Secret&& o) noexcept;
  Secret& operator=(Secret&& o) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;

  uint8_t* data() { return p_; }
  const uint8_t* data() const { return p_; }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  std::span<uint8_t> bytes() { return {p_, n_}; }
  std::span<const uint8_t> bytes() const { return {p_, n_}; }
  std::string_view view() const { return {reinterpret_cast<const char*>(p_), n_}; }
  // Shrinks the visible size (the tail is wiped); never grows.
  void truncate(size_t size);

 private:
  uint8_t* p_ = nullptr;
  size_t n_ = 0;
};

// sodium_init() once; false when libsodium cannot start (no entropy source).
bool crypto_ready();

}  // namespace probe
