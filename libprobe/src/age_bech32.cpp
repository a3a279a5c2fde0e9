// Bech32 decoding (BIP 173), for AGE-SECRET-KEY-1... identities. No Debian
// library offers it. age's keys exceed BIP 173's 90-character limit, so
// there is none here; the checksum constant is Bech32's 1, not Bech32m's.
#include <cctype>

#include "probe/age.hpp"

namespace probe::age {
namespace {

constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

// BIP 173 "polymod" over 5-bit values.
uint32_t polymod_step(uint32_t chk, uint8_t v) {
  static constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint8_t top = static_cast<uint8_t>(chk >> 25);
  chk = ((chk & 0x1ffffff) << 5) ^ v;
  for (int i = 0; i < 5; ++i)
    if ((top >> i) & 1) chk ^= kGen[i];
  return chk;
}

int value_of(char c) {
  auto pos = kCharset.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// Neither mixed case nor characters outside 33..126 (BIP 173).
bool case_ok(std::string_view s) {
  bool lower = false, upper = false;
  for (char c : s) {
    if (c < 33 || c > 126) return false;
    lower |= c >= 'a' && c <= 'z';
    upper |= c >= 'A' && c <= 'Z';
  }
  return !(lower && upper);
}

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// 5-bit groups -> bytes; leftover bits must be fewer than 5 and zero.
std::optional<Secret> regroup(std::span<const uint8_t> five) {
  Secret out(five.size() * 5 / 8);
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (uint8_t v : five) {
    acc = (acc << 5 | v) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.data()[n++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  bool clean = bits < 5 && (acc & ((1u << bits) - 1)) == 0;
  acc = 0;
  if (!clean) return std::nullopt;
  return out;
}

}  // namespace

std::optional<Bech32> bech32_decode(std::string_view s) {
  if (!case_ok(s)) return std::nullopt;
  auto sep = s.rfind('1');
  if (sep == std::string_view::npos || sep == 0 || s.size() - sep - 1 < 6) return std::nullopt;
  Bech32 r;
  for (char c : s.substr(0, sep)) r.hrp += lower(c);
  uint32_t chk = 1;
  for (char c : r.hrp) chk = polymod_step(chk, static_cast<uint8_t>(c) >> 5);
  chk = polymod_step(chk, 0);
  for (char c : r.hrp) chk = polymod_step(chk, static_cast<uint8_t>(c) & 31);
  // The 5-bit data part is as secret as the key it encodes.
  std::string_view data = s.substr(sep + 1);
  Secret five(data.size());
  for (size_t i = 0; i < data.size(); ++i) {
    int v = value_of(lower(data[i]));
    if (v < 0) return std::nullopt;
    five.data()[i] = static_cast<uint8_t>(v);
    chk = polymod_step(chk, five.data()[i]);
  }
  if (chk != 1) return std::nullopt;
  auto bytes = regroup(five.bytes().first(data.size() - 6));
  if (!bytes) return std::nullopt;
  r.data = std::move(*bytes);
  return r;
}

}  // namespace probe::age
