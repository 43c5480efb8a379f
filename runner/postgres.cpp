// The admin side of the `postgresql` language: throwaway roles and databases through libpq.

#include "runner/postgres.hpp"

#include <sys/random.h>

#include <libpq-fe.h>

#include <memory>
#include <set>
#include <vector>

#include "base/log.hpp"

namespace rooms::runner::detail {
namespace {

constexpr std::size_t name_hex_digits = 16;

std::string random_hex(std::size_t digits) {
  std::vector<unsigned char> bytes((digits + 1) / 2);
  std::size_t got = 0;
  while (got < bytes.size()) {
    auto n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  out.resize(digits);
  return out;
}

struct conn_closer {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct result_clearer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using connection = std::unique_ptr<PGconn, conn_closer>;
using result = std::unique_ptr<PGresult, result_clearer>;

/// The admin connection to the `postgres` database; null and `error` on failure.
connection connect(const postgres_options& o, std::string& error) {
  std::string port = std::to_string(o.port);
  std::vector<const char*> keys = {
      "host", "port", "user", "dbname", "connect_timeout", "application_name"};
  std::vector<const char*> values = {o.socket_dir.c_str(), port.c_str(), o.admin_user.c_str(),
                                     "postgres",           "5",          "roomd"};
  if (!o.admin_password.empty()) {
    keys.push_back("password");
    values.push_back(o.admin_password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  connection c(PQconnectdbParams(keys.data(), values.data(), 0));
  if (!c || PQstatus(c.get()) != CONNECTION_OK) {
    error = "cannot connect to PostgreSQL at " + o.socket_dir + " as " + o.admin_user + ": " +
            (c ? PQerrorMessage(c.get()) : "out of memory");
    while (!error.empty() && error.back() == '\n') error.pop_back();
    return nullptr;
  }
  // IF EXISTS answers with NOTICEs libpq would print on roomd's stderr.
  PQsetNoticeProcessor(
      c.get(), [](void*, const char*) {}, nullptr);
  return c;
}

/// Runs one statement; false and `error` (the server's message) when it failed.
bool exec(PGconn* c, const std::string& sql, std::string& error) {
  result r(PQexec(c, sql.c_str()));
  auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return true;
  error = PQerrorMessage(c);
  while (!error.empty() && error.back() == '\n') error.pop_back();
  return false;
}

/// The names of the rows of a one-column query.
std::vector<std::string> column(PGconn* c, const std::string& sql, std::string& error) {
  std::vector<std::string> out;
  result r(PQexec(c, sql.c_str()));
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    error = PQerrorMessage(c);
    return out;
  }
  for (int i = 0; i < PQntuples(r.get()); ++i) out.emplace_back(PQgetvalue(r.get(), i, 0));
  return out;
}

/// The names are ours (r_ + hex), but quote them anyway: a leftover found on the server is
/// filtered by is_run_database_name first, and quoting is what keeps that a non-issue.
std::string ident(PGconn* c, const std::string& name) {
  char* q = PQescapeIdentifier(c, name.data(), name.size());
  std::string out = q != nullptr ? q : "\"invalid\"";
  PQfreemem(q);
  return out;
}

std::string literal(PGconn* c, const std::string& text) {
  char* q = PQescapeLiteral(c, text.data(), text.size());
  std::string out = q != nullptr ? q : "''";
  PQfreemem(q);
  return out;
}

bool drop_with(PGconn* c, const std::string& name, std::string& error) {
  std::string id = ident(c, name);
  // FORCE ends the run's sessions (a query still running after its psql was killed).
  bool ok = exec(c, "DROP DATABASE IF EXISTS " + id + " WITH (FORCE)", error);
  // Sessions of the role in other databases (PUBLIC may connect to `postgres`) would keep
  // nothing alive, but end them so the role is gone for good.
  ok = exec(c,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = " +
                literal(c, name),
            error) &&
       ok;
  ok = exec(c, "DROP ROLE IF EXISTS " + id, error) && ok;
  return ok;
}

}  // namespace

bool is_run_database_name(const std::string& name) {
  if (name.size() != 2 + name_hex_digits || name.compare(0, 2, "r_") != 0) return false;
  return name.find_first_not_of("0123456789abcdef", 2) == std::string::npos;
}

std::string postgres_admin::drop_leftovers() const {
  std::string error;
  auto c = connect(options_, error);
  if (!c) return error;
  auto dbs = column(c.get(), "SELECT datname FROM pg_database WHERE datname LIKE 'r\\_%'", error);
  auto roles = column(c.get(), "SELECT rolname FROM pg_roles WHERE rolname LIKE 'r\\_%'", error);
  if (!error.empty()) return error;
  // A run is a role and a database of one name; either may be left alone (a crash between the
  // two statements).
  std::set<std::string> names(roles.begin(), roles.end());
  names.insert(dbs.begin(), dbs.end());
  int dropped = 0;
  for (const auto& name : names) {
    if (!is_run_database_name(name)) continue;
    std::string e;
    if (drop_with(c.get(), name, e)) {
      ++dropped;
    } else {
      ROOMS_LOG(warn, "runner: cannot drop the leftover PostgreSQL database " << name << ": " << e);
    }
  }
  if (dropped > 0) ROOMS_LOG(info, "runner: dropped " << dropped << " leftover PostgreSQL runs");
  return {};
}

std::optional<pg_database> postgres_admin::create(std::string& error) const {
  auto c = connect(options_, error);
  if (!c) return std::nullopt;
  pg_database db{"r_" + random_hex(name_hex_digits), random_hex(32)};
  // The password goes over as its SCRAM verifier (hashed here): never in the server's
  // statement log. The server must ask these roles for a password (pg_hba.conf: scram-sha-256
  // or md5 on `local`, never trust or peer).
  char* verifier = PQencryptPasswordConn(c.get(), db.password.c_str(), db.name.c_str(), nullptr);
  if (verifier == nullptr) {
    error = std::string("cannot hash the run's password: ") + PQerrorMessage(c.get());
    return std::nullopt;
  }
  std::string secret = literal(c.get(), verifier);
  PQfreemem(verifier);
  std::string id = ident(c.get(), db.name);
  bool ok =
      exec(c.get(),
           "CREATE ROLE " + id +
               " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
               "CONNECTION LIMIT 4 PASSWORD " +
               secret,
           error) &&
      // Closed until CONNECT is revoked: a concurrent run watching pg_database for new
      // names must not slip in between the two statements (a session outlives a REVOKE).
      exec(c.get(), "CREATE DATABASE " + id + " OWNER " + id + " ALLOW_CONNECTIONS false", error) &&
      // The owner keeps CONNECT; no other run's role gets it.
      exec(c.get(), "REVOKE ALL ON DATABASE " + id + " FROM PUBLIC", error) &&
      exec(c.get(), "ALTER DATABASE " + id + " ALLOW_CONNECTIONS true", error);
  if (!ok) {
    std::string ignored;
    drop_with(c.get(), db.name, ignored);
    error = "cannot create the run's PostgreSQL database: " + error;
    return std::nullopt;
  }
  return db;
}

bool postgres_admin::drop(const std::string& name) const {
  std::string error;
  auto c = connect(options_, error);
  if (c && drop_with(c.get(), name, error)) return true;
  // Left for drop_leftovers at the next start.
  ROOMS_LOG(warn, "runner: cannot drop the PostgreSQL database " << name << ": " << error);
  return false;
}

}  // namespace rooms::runner::detail
