#pragma once
/// What signing in needs besides the store: the server-side table of sign-in sessions (cookie
/// -> account, CSRF token, idle expiry) and the per-login lock-out. Memory only: a restart of
/// roomd signs everyone out, and nothing secret is ever written to disk.
///
/// Time is injected (`clock`: milliseconds of a monotonic clock) so tests step it. Thread safe.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace rooms::accounts {

using ms_clock = std::function<std::int64_t()>;
/// Milliseconds of std::chrono::steady_clock.
std::int64_t steady_now_ms();

/// One signed-in browser.
struct sign_in {
  std::string account_id;
  std::string csrf_token;  ///< 64 hex digits; sent back in X-CSRF-Token
  std::int64_t last_seen_ms = 0;
};

/// Sign-in sessions keyed by the SHA-256 of their cookie value (a lookup's timing then tells
/// nothing about the cookie, and a dump of memory holds no usable cookie).
class session_table {
 public:
  /// `idle_ttl_ms`: a session unused this long is gone.
  explicit session_table(std::int64_t idle_ttl_ms, ms_clock clock = steady_now_ms);

  struct created {
    std::string cookie;  ///< 256 random bits as 64 hex digits
    std::string csrf_token;
  };
  /// A fresh session for the account (every sign-in gets a new cookie: rotation). When
  /// `replaces` is a live cookie, that session ends (signing in again in one browser).
  created open(const std::string& account_id, const std::string& replaces = {});
  /// The live session of `cookie`, its idle clock restarted; nullopt when unknown or expired.
  std::optional<sign_in> touch(const std::string& cookie);
  /// Ends the session of `cookie` (logout); false when there was none.
  bool close(const std::string& cookie);
  /// Ends every session of an account (removed, or its password changed).
  void close_account(const std::string& account_id);
  std::size_t size() const;

 private:
  void prune_locked(std::int64_t now);
  std::int64_t ttl_;
  ms_clock clock_;
  mutable std::mutex mutex_;
  std::map<std::string, sign_in> sessions_;  ///< by sha256_hex(cookie)
  std::int64_t last_prune_ = 0;
};

/// Per-login lock-out: `max_failures` failed sign-ins within `window_ms` lock the login for
/// `lock_ms`. Counts unknown logins too, so a lock-out tells nothing about which exist.
class login_guard {
 public:
  login_guard(int max_failures, std::int64_t window_ms, std::int64_t lock_ms,
              ms_clock clock = steady_now_ms);
  /// True while `login` is locked.
  bool locked(const std::string& login);
  /// Counts a failure; true when this failure locked the login.
  bool fail(const std::string& login);
  /// A successful sign-in clears the failures.
  void succeed(const std::string& login);

 private:
  struct entry {
    int failures = 0;
    std::int64_t window_start = 0;
    std::int64_t locked_until = 0;
  };
  int max_;
  std::int64_t window_, lock_;
  ms_clock clock_;
  std::mutex mutex_;
  std::map<std::string, entry> entries_;
};

}  // namespace rooms::accounts
