// probe::escape_for_terminal over arbitrary bytes (a file name, a comm).
// The output must be safe to print: no C0 control, no DEL, valid UTF-8
// (RFC 3629) with no C1 control; and lossless: unescaping gives the input.
#include <optional>
#include <string>

#include "fuzz_check.hpp"
#include "probe/render.hpp"

namespace {

// Decodes one RFC 3629 scalar value at s[i], advancing i; nullopt if the
// bytes there are not one (overlong, surrogate, > U+10FFFF, truncated).
std::optional<uint32_t> decode_utf8(std::string_view s, size_t& i) {
  auto b = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t c = b(i);
  size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return std::nullopt;
  uint32_t cp = n == 1 ? c : c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return std::nullopt;
    cp = cp << 6 | (b(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  i += n;
  return cp;
}

bool is_control(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// True when s is valid UTF-8 holding no control character.
bool printable_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto cp = decode_utf8(s, i);
    if (!cp || is_control(*cp)) return false;
  }
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The inverse of escape_for_terminal: "\\" and "\xNN" (lower-case hex).
std::optional<std::string> unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
    } else if (i + 1 < s.size() && s[i + 1] == '\\') {
      out += '\\';
      i += 1;
    } else if (i + 3 < s.size() && s[i + 1] == 'x' && hex_digit(s[i + 2]) >= 0 && hex_digit(s[i + 3]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 2]) * 16 + hex_digit(s[i + 3]));
      i += 3;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::as_text(data, size);
  std::string out = probe::escape_for_terminal(in);
  FUZZ_CHECK(printable_utf8(out));
  auto back = unescape(out);
  FUZZ_CHECK(back.has_value() && *back == in);
  // Text that is already safe passes through untouched.
  if (printable_utf8(in) && in.find('\\') == std::string_view::npos) FUZZ_CHECK(out == in);
  return 0;
}
