#pragma once
/// Interviewer accounts on RocksDB, in a column family the caller opened (roomd and roomctl:
/// the "accounts" column family of the event log's database).
///
/// Keys: `a|<id>` -> the account's stored JSON (account.hpp), `l|<login>` -> id (the login
/// index), `o|<issuer>\n<subject>` -> id (the OpenID Connect index; written only for accounts
/// that have an issuer). A record and its index entries are written in one batch.
///
/// Thread safety: every method may be called from several threads; writes are serialised by a
/// mutex (a login must stay unique). Calls block on RocksDB and on argon2id: keep them off
/// actor and I/O threads. Two store objects writing one column family would race: have one.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "accounts/account.hpp"
#include "eventlog/status.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace rooms::accounts {

/// Errors are the event log's (eventlog/status.hpp): the store lives in its database, and its
/// callers (roomd's routes, roomctl) already handle those values. Codes an account call gives:
/// not_found (no such account), already_exists (the login is taken), invalid_argument (a login,
/// display name or password breaks its rule; nothing stored), wrong_password (verify(): an
/// unknown login or a wrong password, deliberately one code), io_error (RocksDB or libsodium
/// failed), corruption (a stored value does not decode).
using eventlog::errc;
using eventlog::result;
using eventlog::status;

/// What create() is given.
struct new_account {
  std::string login;
  std::string display_name;
  accounts::role role = role::interviewer;
  std::string password;
};

class account_store {
 public:
  /// `db` and `cf` stay owned by the caller and must outlive the store. `clock`: unix ms for
  /// createdAt (default: the system clock).
  account_store(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                std::function<std::int64_t()> clock = {});

  /// Checks the rules, hashes the password and stores a new account with a fresh id.
  result<account> create(const new_account& spec);
  /// The account with this login; not_found when none.
  result<account> find_login(const std::string& login) const;
  /// The account with this id; not_found when none.
  result<account> find_id(const std::string& id) const;
  /// OpenID Connect: the account of (issuer, subject), created on first sign-in with a login
  /// made from `login_hint` (lower-cased, cut to the login rule, "-2", "-3"... appended until
  /// free), no password and the interviewer role. `created` tells whether it is new.
  result<account> find_or_create_oidc(const std::string& issuer, const std::string& subject,
                                      const std::string& login_hint,
                                      const std::string& display_name, bool* created = nullptr);
  /// Every account, ordered by login.
  result<std::vector<account>> list() const;
  /// Deletes the account and its index entries; not_found when none.
  status remove(const std::string& login);
  /// Replaces the password (checked against the policy) of an existing account.
  status set_password(const std::string& login, const std::string& password);
  /// The account when `password` is its password; wrong_password for an unknown login too,
  /// after a dummy verification, so neither answer nor time tells which.
  result<account> verify(const std::string& login, const std::string& password) const;

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  std::function<std::int64_t()> clock_;
  std::mutex write_mutex_;
};

}  // namespace rooms::accounts
