// probe::Result<T>: a [[nodiscard]] value-or-error with std::expected's
// member names, so moving to C++23 is one alias. No exception crosses the
// libprobe API: every fallible call returns one of these.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace probe {

// An errno plus what we were doing. Each layer prepends its own context.
struct Error {
  int code = 0;
  std::string context;

  // "reading /proc/12/status: No such file or directory"
  std::string message() const;
  // Returns a copy with "what: " prepended to the context.
  Error with(std::string_view what) const;
};

Error make_error(int code, std::string context);
// "EACCES" for EACCES; the number for one glibc does not name.
std::string errno_name(int code);
// Error from the current errno.
Error errno_error(std::string context);

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit like expected
  Result(Error error) : v_(std::move(error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  template <class U>
  T value_or(U&& other) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(other));
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : err_(std::move(error)), ok_(false) {}  // NOLINT
  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return err_; }

 private:
  Error err_;
  bool ok_ = true;
};

}  // namespace probe
