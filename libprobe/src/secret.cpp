#include "probe/secret.hpp"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace probe {

bool crypto_ready() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

Secret::Secret(size_t size) : n_(size) {
  if (!crypto_ready()) std::abort();
  // sodium_malloc(0) is valid, but keep one byte so data() is never null.
  p_ = static_cast<uint8_t*>(sodium_malloc(size == 0 ? 1 : size));
  if (p_ == nullptr) std::abort();
  sodium_memzero(p_, size == 0 ? 1 : size);
}

Secret Secret::copy_of(std::span<const uint8_t> bytes) {
  Secret s(bytes.size());
  if (!bytes.empty()) std::memcpy(s.p_, bytes.data(), bytes.size());
  return s;
}

Secret Secret::copy_of(std::string_view text) {
  return copy_of(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Secret::~Secret() {
  if (p_ != nullptr) sodium_free(p_);  // wipes before unlocking and freeing
}

Secret::Secret(Secret&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}

Secret& Secret::operator=(Secret&& o) noexcept {
  if (this != &o) {
    if (p_ != nullptr) sodium_free(p_);
    p_ = std::exchange(o.p_, nullptr);
    n_ = std::exchange(o.n_, 0);
  }
  return *this;
}

void Secret::truncate(size_t size) {
  if (size >= n_) return;
  sodium_memzero(p_ + size, n_ - size);
  n_ = size;
}

}  // namespace probe
