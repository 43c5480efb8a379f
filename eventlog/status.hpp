#pragma once
/// Errors as values for the event log and the stores in its database (accounts/): no exceptions
/// cross this boundary.

#include <string>
#include <utility>
#include <variant>

namespace rooms::eventlog {

/// The most specific reason an operation failed.
enum class errc {
  ok = 0,
  not_found,         ///< unknown or expired session / seq out of range
  already_exists,    ///< create of an id that exists
  wrong_seq,         ///< append whose first seq is not last_seq + 1 (gap or duplicate)
  invalid_argument,  ///< malformed input (bad id, empty batch, ...)
  corruption,        ///< a stored value does not decode (garbage, unknown format version)
  locked,            ///< the data dir is in use by another process
  io_error,          ///< the filesystem failed (unreadable dir, permissions)
  no_space,          ///< the disk is full
  read_only,         ///< a write on a store opened read-only
  shutting_down,     ///< the store is closing
  wrong_password,    ///< accounts: an unknown login or a wrong password (deliberately one code)
};

/// Stable lower_snake name of an errc ("wrong_seq"), for logs and tests.
const char* to_string(errc code);

/// Outcome of an operation: ok, or a code with a human sentence.
class [[nodiscard]] status {
 public:
  status() = default;
  status(errc code, std::string message) : code_(code), message_(std::move(message)) {}
  static status ok_status() { return {}; }

  bool ok() const { return code_ == errc::ok; }
  errc code() const { return code_; }
  const std::string& message() const { return message_; }
  /// "wrong_seq: expected seq 5, got 7" (or "ok").
  std::string to_string() const;

 private:
  errc code_ = errc::ok;
  std::string message_;
};

/// A value or a status explaining why there is none.
template <class T>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::move(value)) {}
  result(status error) : v_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  /// The error; an ok status when a value is held.
  status error() const { return ok() ? status{} : std::get<status>(v_); }

 private:
  std::variant<T, status> v_;
};

}  // namespace rooms::eventlog
