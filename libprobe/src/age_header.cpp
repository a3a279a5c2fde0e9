// The age v1 header: version line, recipient stanzas, MAC line
// (c2sp.org/age "Header", its ABNF), parsed from the header text alone.
#include <sodium.h>

#include "age_internal.hpp"

namespace probe::age {
namespace {

constexpr size_t kColumns = 64;

bool is_vchar(char c) { return c >= 0x21 && c <= 0x7e; }

// "-> " argument *(SP argument): every argument 1*VCHAR.
bool split_args(std::string_view rest, std::vector<std::string>& args) {
  for (;;) {
    auto sp = rest.find(' ');
    std::string_view a = rest.substr(0, sp);
    if (a.empty()) return false;
    for (char c : a)
      if (!is_vchar(c)) return false;
    args.emplace_back(a);
    if (sp == std::string_view::npos) return true;
    rest.remove_prefix(sp + 1);
  }
}

std::string at_line(size_t n) { return "header line " + std::to_string(n) + ": "; }

Failure bad(size_t line, std::string what) {
  return failure(kHeaderMalformed, "malformed age header: " + at_line(line) + what);
}

// Splits text into LF-terminated lines; false when the last one has no LF.
bool split_lines(std::string_view text, std::vector<std::string_view>& lines) {
  while (!text.empty()) {
    auto lf = text.find('\n');
    if (lf == std::string_view::npos) return false;
    lines.push_back(text.substr(0, lf));
    text.remove_prefix(lf + 1);
  }
  return true;
}

std::optional<Failure> check_version(std::string_view first) {
  if (first.substr(0, kIntro.size()) != kIntro)
    return failure(kHeaderMalformed, "not an age file: it does not begin with \"age-encryption.org/\"");
  if (first == std::string(kV1Line) + "\r")
    return failure(kHeaderMalformed,
                   "malformed age header: lines end in CRLF: the file was converted to Windows line endings "
                   "(a text-mode transfer, git autocrlf)");
  if (first != kV1Line)
    return failure(kVersionUnsupported, "unsupported age format version: only age-encryption.org/v1 is known");
  return std::nullopt;
}

// One stanza from lines[i] on; advances i past its final (short) body line.
std::variant<Stanza, Failure> parse_stanza(std::span<const std::string_view> lines, size_t& i) {
  Stanza st;
  if (!split_args(lines[i].substr(3), st.args)) return bad(i + 1, "invalid stanza arguments");
  std::string b64;
  for (++i;; ++i) {
    if (i >= lines.size() || lines[i].substr(0, 3) == "---" || lines[i].substr(0, 3) == "-> ")
      return bad(i + 1, "stanza body does not end with a line shorter than 64 columns");
    if (lines[i].size() > kColumns) return bad(i + 1, "stanza body line longer than 64 columns");
    b64 += lines[i];
    if (lines[i].size() < kColumns) break;
  }
  ++i;
  if (!base64_decode(b64, false, st.body)) return bad(i, "stanza body is not canonical unpadded base64");
  return st;
}

std::optional<Failure> parse_mac(std::string_view line, size_t n, Header& h) {
  if (line.substr(0, 4) != "--- ") return bad(n, "MAC line does not start with \"--- \"");
  std::vector<uint8_t> mac;
  if (!base64_decode(line.substr(4), false, mac) || mac.size() != sizeof h.mac)
    return bad(n, "the MAC is not 32 bytes of canonical unpadded base64");
  std::copy(mac.begin(), mac.end(), h.mac);
  return std::nullopt;
}

}  // namespace

Failure failure(std::string_view id, std::string message) { return {std::string(id), std::move(message), ""}; }

bool base64_decode(std::string_view in, bool padded, std::vector<uint8_t>& out) {
  out.resize(in.size() / 4 * 3 + 3);
  size_t len = 0;
  int variant = padded ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
  // b64_end null: the whole input must be base64 (libsodium then also
  // rejects non-zero unused bits and wrong padding).
  if (sodium_base642bin(out.data(), out.size(), in.data(), in.size(), nullptr, &len, nullptr, variant) != 0)
    return false;
  out.resize(len);
  return true;
}

std::variant<Header, Failure> parse_header(std::string_view text) {
  std::vector<std::string_view> lines;
  bool complete = split_lines(text, lines);
  if (lines.empty())
    return failure(kHeaderMalformed, text.empty() ? "not an age file: it is empty"
                                                  : "not an age file: it does not begin with \"age-encryption.org/\"");
  if (auto f = check_version(lines[0])) return *f;
  Header h;
  size_t i = 1;
  size_t offset = lines[0].size() + 1;
  while (i < lines.size() && lines[i].substr(0, 3) == "-> ") {
    auto st = parse_stanza(lines, i);
    if (auto* f = std::get_if<Failure>(&st)) return *f;
    h.stanzas.push_back(std::move(std::get<Stanza>(st)));
  }
  for (size_t k = 1; k < i; ++k) offset += lines[k].size() + 1;
  if (i >= lines.size()) return failure(kHeaderMalformed, "malformed age header: it ends before the MAC line (truncated?)");
  if (lines[i].substr(0, 3) != "---") return bad(i + 1, "expected a stanza (\"-> \") or the MAC line (\"--- \")");
  if (h.stanzas.empty()) return bad(i + 1, "the header has no recipient stanza");
  if (auto f = parse_mac(lines[i], i + 1, h)) return *f;
  if (!complete || i + 1 != lines.size()) return bad(i + 1, "the MAC line does not end the header");
  h.mac_covered = offset + 3;
  return h;
}

}  // namespace probe::age
