#pragma once
/// Internal: the host side of the `postgresql` language. Each run gets a role and a database of
/// its own on the configured server, created through libpq before the sandbox starts and dropped
/// after it ended, whatever the end (exit, time-out, kill). The run sees only that role's
/// password; the admin connection never enters the sandbox.

#include <optional>
#include <string>

#include "runner/runner.hpp"

namespace rooms::runner::detail {

/// One run's throwaway role and database: both named `name` ("r_" and 16 hex digits).
struct pg_database {
  std::string name;
  std::string password;  ///< 32 hex digits; the server keeps only its SCRAM hash
};

/// The admin side. Thread-safe: every call opens its own connection (a run costs a few
/// statements; no connection is shared between threads).
class postgres_admin {
 public:
  explicit postgres_admin(postgres_options options) : options_(std::move(options)) {}

  /// Drops the databases and roles a roomd that died mid-run left behind (every name of the
  /// run pattern: one roomd per server). An error message, or empty when all is well (which
  /// also proves the server reachable).
  std::string drop_leftovers() const;
  /// A fresh role (LOGIN, no other attribute, CONNECTION LIMIT 4) and database it owns, with
  /// CONNECT revoked from PUBLIC. nullopt and `error` when the server refused.
  std::optional<pg_database> create(std::string& error) const;
  /// Drops the database (ending its sessions: WITH (FORCE)) and the role (ending its sessions
  /// elsewhere first). False, logged, when the server refused.
  bool drop(const std::string& name) const;

  const postgres_options& options() const { return options_; }

 private:
  postgres_options options_;
};

/// A database for exactly one run's lifetime: dropped on destruction.
class pg_session {
 public:
  pg_session(const postgres_admin& admin, pg_database db) : admin_(&admin), db_(std::move(db)) {}
  ~pg_session() { admin_->drop(db_.name); }
  pg_session(const pg_session&) = delete;
  pg_session& operator=(const pg_session&) = delete;
  const pg_database& database() const { return db_; }

 private:
  const postgres_admin* admin_;
  pg_database db_;
};

/// True for the names this runner gives ("r_" and 16 lower-case hex digits).
bool is_run_database_name(const std::string& name);

}  // namespace rooms::runner::detail
