// Reading an age file: the fd, a buffer over it, and the ASCII armor.
#include <cerrno>
#include <cstring>

#include "age_internal.hpp"

namespace probe::age {
namespace {

constexpr std::string_view kBegin = "-----BEGIN AGE ENCRYPTED FILE-----";
constexpr std::string_view kEnd = "-----END AGE ENCRYPTED FILE-----";
constexpr size_t kArmorColumns = 64;
// A line longer than this cannot be valid armor; stop reading it there.
constexpr size_t kArmorLineLimit = 128;

bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

Failure armor_bad(size_t line, std::string what) {
  return failure(kArmorMalformed, "malformed ASCII armor: line " + std::to_string(line) + ": " + what);
}

std::optional<Failure> skip_space(Reader& r) {
  for (;;) {
    if (auto f = r.ensure(1)) return f;
    auto a = r.avail();
    if (a.empty()) return std::nullopt;
    size_t k = 0;
    while (k < a.size() && is_space(a[k])) ++k;
    r.consume(k);
    if (k < a.size()) return std::nullopt;
  }
}

}  // namespace

std::variant<size_t, Failure> FdSource::read(uint8_t* p, size_t n) {
  for (;;) {
    ssize_t got = ::read(fd_, p, n);
    if (got >= 0) return static_cast<size_t>(got);
    if (errno == EINTR) continue;
    return failure(kReadError, std::string("cannot read the encrypted file: ") + std::strerror(errno));
  }
}

std::optional<Failure> Reader::ensure(size_t n) {
  if (end_ - pos_ >= n || eof_) return std::nullopt;
  if (pos_ + n > buf_.size()) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  while (end_ - pos_ < n && !eof_) {
    auto got = src_.read(buf_.data() + end_, buf_.size() - end_);
    if (auto* f = std::get_if<Failure>(&got)) return *f;
    size_t k = std::get<size_t>(got);
    eof_ = k == 0;
    end_ += k;
  }
  return std::nullopt;
}

std::optional<Failure> Reader::read_line(std::string& out, size_t limit, bool* lf) {
  *lf = false;
  while (out.size() < limit) {
    if (auto f = ensure(1)) return f;
    auto a = avail();
    if (a.empty()) return std::nullopt;
    size_t take = std::min(a.size(), limit - out.size());
    auto* nl = static_cast<const uint8_t*>(std::memchr(a.data(), '\n', take));
    if (nl != nullptr) take = static_cast<size_t>(nl - a.data()) + 1;
    out.append(reinterpret_cast<const char*>(a.data()), take);
    consume(take);
    if (nl != nullptr) {
      *lf = true;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::variant<bool, Failure> looks_armored(Reader& raw) {
  if (auto f = raw.ensure(1024)) return *f;
  auto a = raw.avail();
  std::string_view head(reinterpret_cast<const char*>(a.data()), a.size());
  if (head.substr(0, kIntro.size()) == kIntro) return false;
  size_t k = 0;
  while (k < head.size() && is_space(static_cast<uint8_t>(head[k]))) ++k;
  // Armor with something before its BEGIN line is still armor (and then
  // rejected as such): say so, rather than "not an age file".
  return (k < head.size() && head[k] == '-') || head.find("-----BEGIN") != std::string_view::npos;
}

// The next line of armor text, without its LF or CRLF; *lf: it had an LF.
std::variant<std::string_view, Failure> ArmorSource::take_line(bool* lf) {
  if (auto f = text_.ensure(kArmorLineLimit)) return *f;
  auto a = text_.avail();
  auto* nl = static_cast<const uint8_t*>(std::memchr(a.data(), '\n', std::min(a.size(), kArmorLineLimit)));
  ++line_no_;
  if (nl == nullptr && a.size() >= kArmorLineLimit) return armor_bad(line_no_, "line too long");
  size_t len = nl != nullptr ? static_cast<size_t>(nl - a.data()) : a.size();
  line_.assign(reinterpret_cast<const char*>(a.data()), len);
  text_.consume(len + (nl != nullptr ? 1 : 0));
  *lf = nl != nullptr;
  std::string_view line = line_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// Checks up to kBatchLines data lines and decodes their base64 at once
// (every line but the last is 64 columns, a multiple of 4, so decoding the
// concatenation is decoding each line); or ends at the END line.
std::optional<Failure> ArmorSource::next_batch() {
  constexpr size_t kBatchLines = 1024;
  b64_.clear();
  size_t first = line_no_ + 1;
  for (size_t k = 0; k < kBatchLines && !last_data_; ++k) {
    bool lf = false;
    auto r = take_line(&lf);
    if (auto* f = std::get_if<Failure>(&r)) return *f;
    std::string_view line = std::get<std::string_view>(r);
    if (line == kEnd) return decode_batch(first, true);
    if (!lf) return armor_bad(line_no_, "the file ends without the END line");
    if (line.empty()) return armor_bad(line_no_, "empty line");
    if (line.size() > kArmorColumns) return armor_bad(line_no_, "line longer than 64 columns");
    b64_ += line;
    last_data_ = line.size() < kArmorColumns || line.back() == '=';
  }
  if (last_data_) {
    bool lf = false;
    auto r = take_line(&lf);
    if (auto* f = std::get_if<Failure>(&r)) return *f;
    if (std::get<std::string_view>(r) != kEnd)
      return armor_bad(line_no_, "expected the END line after a short or padded line");
    return decode_batch(first, true);
  }
  return decode_batch(first, false);
}

std::optional<Failure> ArmorSource::decode_batch(size_t first_line, bool end) {
  if (!base64_decode(b64_, true, decoded_))
    return armor_bad(first_line, "not canonical padded base64 in lines " + std::to_string(first_line) + " to " +
                                     std::to_string(line_no_));
  used_ = 0;
  return end ? finish() : std::nullopt;
}

// After the END line only whitespace may follow (c2sp.org/age: reject
// anything before or after the PEM block except whitespace).
std::optional<Failure> ArmorSource::finish() {
  done_ = true;
  if (auto f = skip_space(text_)) return f;
  if (!text_.ended()) return armor_bad(line_no_ + 1, "data after the END line");
  return std::nullopt;
}

std::variant<size_t, Failure> ArmorSource::read(uint8_t* p, size_t n) {
  if (!begun_) {
    if (auto f = skip_space(text_)) return *f;
    std::string line;
    bool lf = false;
    if (auto f = text_.read_line(line, kArmorLineLimit, &lf)) return *f;
    line_no_ = 1;
    if (lf) line.pop_back();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line != kBegin || !lf) return armor_bad(1, "expected \"" + std::string(kBegin) + "\"");
    begun_ = true;
  }
  size_t got = 0;
  while (got < n) {
    if (used_ == decoded_.size()) {
      if (done_) break;
      if (auto f = next_batch()) return *f;
      continue;
    }
    size_t k = std::min(n - got, decoded_.size() - used_);
    std::memcpy(p + got, decoded_.data() + used_, k);
    used_ += k;
    got += k;
  }
  return got;
}

}  // namespace probe::age
