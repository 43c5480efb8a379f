#include "accounts/sign_in.hpp"

#include <chrono>

#include "base/secrets.hpp"

namespace rooms::accounts {

std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

session_table::session_table(std::int64_t idle_ttl_ms, ms_clock clock)
    : ttl_(idle_ttl_ms), clock_(std::move(clock)) {}

session_table::created session_table::open(const std::string& account_id,
                                           const std::string& replaces) {
  created out{base::random_hex(32), base::random_hex(32)};
  auto now = clock_();
  std::lock_guard lock(mutex_);
  prune_locked(now);
  if (!replaces.empty()) sessions_.erase(base::sha256_hex(replaces));
  sessions_[base::sha256_hex(out.cookie)] = {account_id, out.csrf_token, now};
  return out;
}

std::optional<sign_in> session_table::touch(const std::string& cookie) {
  if (cookie.empty()) return std::nullopt;
  auto now = clock_();
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(base::sha256_hex(cookie));
  if (it == sessions_.end()) return std::nullopt;
  if (now - it->second.last_seen_ms >= ttl_) {
    sessions_.erase(it);
    return std::nullopt;
  }
  it->second.last_seen_ms = now;
  return it->second;
}

bool session_table::close(const std::string& cookie) {
  std::lock_guard lock(mutex_);
  return sessions_.erase(base::sha256_hex(cookie)) > 0;
}

void session_table::close_account(const std::string& account_id) {
  std::lock_guard lock(mutex_);
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.account_id == account_id; });
}

std::size_t session_table::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void session_table::prune_locked(std::int64_t now) {
  // At most once a minute: a sign-in must not scan every session.
  if (now - last_prune_ < 60'000) return;
  last_prune_ = now;
  std::erase_if(sessions_, [&](const auto& kv) { return now - kv.second.last_seen_ms >= ttl_; });
}

login_guard::login_guard(int max_failures, std::int64_t window_ms, std::int64_t lock_ms,
                         ms_clock clock)
    : max_(max_failures), window_(window_ms), lock_(lock_ms), clock_(std::move(clock)) {}

bool login_guard::locked(const std::string& login) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(login);
  return it != entries_.end() && clock_() < it->second.locked_until;
}

bool login_guard::fail(const std::string& login) {
  auto now = clock_();
  std::lock_guard lock(mutex_);
  // Bounded memory: a flood of made-up logins clears the table rather than growing it (the
  // per-address rate limit in front bounds how fast anyone can refill it).
  if (entries_.size() > 100'000) entries_.clear();
  auto& e = entries_[login];
  if (now - e.window_start >= window_) {
    e.window_start = now;
    e.failures = 0;
  }
  if (++e.failures < max_) return false;
  e.failures = 0;
  e.window_start = now;
  e.locked_until = now + lock_;
  return true;
}

void login_guard::succeed(const std::string& login) {
  std::lock_guard lock(mutex_);
  entries_.erase(login);
}

}  // namespace rooms::accounts
