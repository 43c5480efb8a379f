// The postgresql language against a real, throwaway PostgreSQL server this test starts: its own
// data directory and socket directory, no TCP at all (listen_addresses empty), SCRAM passwords
// for every role on the socket (the admin's is known only to this test). Each run must get a
// database of its own, see nothing of another run's, never become the admin, and leave nothing
// behind. Skipped when PostgreSQL is not installed (fails with ROOMS_REQUIRE_ALL_LANGUAGES=1).

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runner/runner.hpp"
#include "tests/testing/temp_dir.hpp"

namespace {

using namespace rooms::runner;
using namespace std::chrono_literals;

const std::string pg_bin = "/usr/lib/postgresql/15/bin/";
const std::string admin_password = "admin-secret-of-the-test";

std::string describe(const run_result& r) {
  return "error=" + r.error + " exit=" + std::to_string(r.exit_code) + " signal=" + r.signal +
         " timed_out=" + std::to_string(r.timed_out) + "\nstdout=" + r.stdout_data.substr(0, 800) +
         "\nstderr=" + r.stderr_data.substr(0, 1500);
}

/// The throwaway server, started once for the whole binary.
class server {
 public:
  server() {
    for (const char* tool : {"initdb", "pg_ctl", "postgres", "psql"}) {
      if (::access((pg_bin + tool).c_str(), X_OK) != 0) {
        skip_reason_ = pg_bin + tool +
                       " is missing (apt-get install postgresql postgresql-client, or "
                       "tools/bootstrap)";
        return;
      }
    }
    // initdb and postgres refuse to run as root: as root, run them as Debian's postgres user.
    if (::geteuid() == 0) {
      if (::getpwnam("postgres") == nullptr) {
        skip_reason_ = "running as root and there is no postgres user to run the server as";
        return;
      }
      as_user_ = "runuser -u postgres -- ";
    }
    ::chmod(dir_.str().c_str(), 0755);  // the server's user and the sandbox uids traverse it
    data_ = dir_.str() + "/data";
    socket_dir_ = dir_.str() + "/socket";
    std::string pwfile = dir_.str() + "/pw";
    std::ofstream(pwfile) << admin_password << "\n";
    ::mkdir(socket_dir_.c_str(), 0755);
    if (!as_user_.empty()) {
      sh("chown postgres " + dir_.str() + " " + socket_dir_ + " " + pwfile);
    }
    // Password (SCRAM) for every role on the socket, TCP refused: no trust, no peer, so a
    // sandbox uid gets in only with a run's own password.
    if (sh(as_user_ + pg_bin + "initdb -D " + data_ +
           " -U postgres --auth-local=scram-sha-256 --auth-host=reject --pwfile=" + pwfile +
           " -E UTF8 --no-sync > " + dir_.str() + "/initdb.log 2>&1") != 0) {
      error_ = "initdb failed: see " + dir_.str() + "/initdb.log";
      return;
    }
    if (sh(as_user_ + pg_bin + "pg_ctl -D " + data_ + " -l " + dir_.str() +
           "/server.log -w -t 60 -o \"-k " + socket_dir_ +
           " -c listen_addresses='' -c fsync=off -p 5432\" start > /dev/null") != 0) {
      error_ = "pg_ctl start failed: " + slurp(dir_.str() + "/server.log");
      return;
    }
    started_ = true;
  }
  ~server() {
    if (started_) sh(as_user_ + pg_bin + "pg_ctl -D " + data_ + " -m immediate stop > /dev/null");
  }

  const std::string& skip_reason() const { return skip_reason_; }
  const std::string& error() const { return error_; }

  postgres_options options() const {
    postgres_options o;
    o.socket_dir = socket_dir_;
    o.admin_password = admin_password;
    return o;
  }

  /// The first column of `sql`'s rows, as the admin on the `postgres` database.
  std::vector<std::string> admin_query(const std::string& sql) const {
    std::string conninfo = "host=" + socket_dir_ + " port=5432 user=postgres dbname=postgres " +
                           "password=" + admin_password;
    std::vector<std::string> rows;
    PGconn* c = PQconnectdb(conninfo.c_str());
    EXPECT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
    PGresult* r = PQexec(c, sql.c_str());
    auto status = PQresultStatus(r);
    EXPECT_TRUE(status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) << PQerrorMessage(c);
    if (status == PGRES_TUPLES_OK) {
      for (int i = 0; i < PQntuples(r); ++i) rows.emplace_back(PQgetvalue(r, i, 0));
    }
    PQclear(r);
    PQfinish(c);
    return rows;
  }

 private:
  static int sh(const std::string& command) { return std::system(command.c_str()); }
  static std::string slurp(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  rooms::testing::temp_dir dir_;
  std::string as_user_, data_, socket_dir_, skip_reason_, error_;
  bool started_ = false;
};

server& pg() {
  static server s;
  return s;
}

local_options sandbox_options() {
  local_options o;
  o.probe = false;  // offered = installed (and the server reachable); the cases are the probe
  o.run_timeout = 20s;
  // Its own uid range per test process (ctest runs them in parallel).
  o.sandbox_uid = 400000 + static_cast<int>(::getpid() % 10000) * 16;
  o.postgres = pg().options();
  return o;
}

runner& sandbox() {
  static auto r = make_local_runner(sandbox_options());
  return *r;
}

class postgres : public testing::Test {
 protected:
  void SetUp() override {
    if (!pg().skip_reason().empty()) {
      const char* all = std::getenv("ROOMS_REQUIRE_ALL_LANGUAGES");
      if (all != nullptr && std::string(all) == "1") {
        FAIL() << pg().skip_reason() << ", and ROOMS_REQUIRE_ALL_LANGUAGES=1";
      }
      GTEST_SKIP() << pg().skip_reason();
    }
    ASSERT_EQ(pg().error(), "");
  }

  static run_result run(const std::string& code, const std::string& setup = "",
                        std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    run_request request{"postgresql", code, ""};
    request.setup = setup;
    request.run_timeout = timeout;
    return sandbox().run(request);
  }

  /// Databases and roles of runs still on the server.
  static std::size_t leftovers() {
    return pg().admin_query("SELECT datname FROM pg_database WHERE datname LIKE 'r\\_%'").size() +
           pg().admin_query("SELECT rolname FROM pg_roles WHERE rolname LIKE 'r\\_%'").size();
  }
};

TEST_F(postgres, offered_only_when_configured) {
  bool listed = false;
  for (const auto& rt : sandbox().runtimes()) {
    if (rt.language == "postgresql") {
      listed = true;
      EXPECT_EQ(rt.aliases, (std::vector<std::string>{"postgres", "psql"}));
    }
  }
  EXPECT_TRUE(listed);
  auto o = sandbox_options();
  o.postgres.reset();
  auto without = make_local_runner(o);
  for (const auto& rt : without->runtimes()) EXPECT_NE(rt.language, "postgresql");
  auto r = without->run({"postgresql", "SELECT 1;", ""});
  EXPECT_NE(r.error.find("no PostgreSQL server configured"), std::string::npos) << r.error;
}

TEST_F(postgres, hello_world) {
  auto r = run("SELECT 'hello, world';\n");
  ASSERT_EQ(r.error, "") << describe(r);
  EXPECT_EQ(r.stdout_data, "hello, world\n") << describe(r);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  // An alias reaches the same language.
  auto p = sandbox().run({"psql", "SELECT 1 + 1;", ""});
  EXPECT_EQ(p.stdout_data, "2\n") << describe(p);
}

TEST_F(postgres, setup_then_query) {
  auto r = run("SELECT id, name FROM people ORDER BY id;\n",
               "CREATE TABLE people(id int PRIMARY KEY, name text);\n"
               "INSERT INTO people VALUES (2, 'bob'), (1, 'ada');\n");
  ASSERT_EQ(r.error, "") << describe(r);
  EXPECT_EQ(r.stdout_data, "1|ada\n2|bob\n") << describe(r);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
}

TEST_F(postgres, syntax_error) {
  auto r = run("SELEC 1;\nSELECT 'not reached';\n");
  ASSERT_EQ(r.error, "") << describe(r);
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.stderr_data.find("syntax error"), std::string::npos) << describe(r);
  EXPECT_EQ(r.stdout_data.find("not reached"), std::string::npos) << describe(r);
}

TEST_F(postgres, runtime_error) {
  auto r = run("SELECT 1 / 0;\n");
  ASSERT_EQ(r.error, "") << describe(r);
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.stderr_data.find("division by zero"), std::string::npos) << describe(r);
}

TEST_F(postgres, database_and_role_are_dropped_after_the_run) {
  auto r = run("SELECT current_database() = current_user, current_database();\n");
  ASSERT_EQ(r.error, "") << describe(r);
  ASSERT_EQ(r.stdout_data.substr(0, 4), "t|r_") << describe(r);
  std::string name = r.stdout_data.substr(2, r.stdout_data.size() - 3);
  EXPECT_TRUE(pg().admin_query("SELECT 1 FROM pg_database WHERE datname = '" + name + "'").empty());
  EXPECT_TRUE(pg().admin_query("SELECT 1 FROM pg_roles WHERE rolname = '" + name + "'").empty());
  // Killed at its time-out, a query still running on the server: dropped all the same.
  auto slow = run("SELECT pg_sleep(60);\n", "", 2s);
  EXPECT_TRUE(slow.timed_out) << describe(slow);
  EXPECT_EQ(leftovers(), 0u);
}

TEST_F(postgres, leftovers_of_a_crashed_roomd_are_dropped_at_start) {
  pg().admin_query("CREATE ROLE r_0123456789abcdef LOGIN");
  pg().admin_query("CREATE DATABASE r_0123456789abcdef OWNER r_0123456789abcdef");
  pg().admin_query("CREATE ROLE r_keep_not_ours");  // not of the run pattern: kept
  ASSERT_EQ(leftovers(), 3u);
  auto fresh = make_local_runner(sandbox_options());
  EXPECT_EQ(leftovers(), 1u);
  pg().admin_query("DROP ROLE r_keep_not_ours");
}

TEST_F(postgres, two_runs_at_once_are_isolated) {
  run_result a, b;
  std::thread first([&] {
    // pg_sleep's void prints an empty line: the database's name comes first.
    // The secret is text no run's random name can contain (a bare "42" can: r_42e0...).
    a =
        run("INSERT INTO secret_a VALUES ('only-run-a-knows');\nSELECT current_database();\n"
            "SELECT pg_sleep(4);\n",
            "CREATE TABLE secret_a(x text);\n");
  });
  std::this_thread::sleep_for(2s);  // the first run's table exists by now
  // The second sees its own database only; the other's name is visible in the shared catalog,
  // but connecting to it is refused (CONNECT revoked from PUBLIC).
  b =
      run("SELECT current_database();\n"
          "SELECT count(*) FROM pg_tables WHERE tablename = 'secret_a';\n"
          "SELECT datname AS other FROM pg_database WHERE datname LIKE 'r\\_%' "
          "AND datname <> current_database() \\gset\n"
          "\\echo other :other\n"
          "\\c :other\n"
          "SELECT * FROM secret_a;\n");
  first.join();
  ASSERT_EQ(a.error, "") << describe(a);
  ASSERT_EQ(b.error, "") << describe(b);
  EXPECT_EQ(a.exit_code, 0) << describe(a);
  ASSERT_EQ(a.stdout_data.rfind("r_", 0), 0u) << describe(a);
  std::string a_db = a.stdout_data.substr(0, a.stdout_data.find('\n'));
  ASSERT_EQ(b.stdout_data.rfind("r_", 0), 0u) << describe(b);
  std::string b_db = b.stdout_data.substr(0, b.stdout_data.find('\n'));
  EXPECT_NE(a_db, b_db);
  EXPECT_EQ(b.stdout_data, b_db + "\n0\nother " + a_db + "\n") << describe(b);
  EXPECT_NE(b.exit_code, 0) << describe(b);
  EXPECT_NE(b.stderr_data.find("permission denied for database"), std::string::npos) << describe(b);
  EXPECT_EQ(b.stderr_data.find("only-run-a-knows"), std::string::npos) << describe(b);
  EXPECT_EQ(b.stdout_data.find("only-run-a-knows"), std::string::npos) << describe(b);
}

TEST_F(postgres, a_run_cannot_become_the_admin) {
  // The run's password is not the admin's, and no trust or peer rule lets it in without one.
  auto r = run("\\c postgres postgres\nSELECT 'connected as admin';\n");
  ASSERT_EQ(r.error, "") << describe(r);
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.stdout_data.find("connected as admin"), std::string::npos) << describe(r);
  EXPECT_NE(r.stderr_data.find("password authentication failed for user \"postgres\""),
            std::string::npos)
      << describe(r);
  // Nor from inside its own session.
  auto s = run("SET ROLE postgres;\n");
  EXPECT_NE(s.exit_code, 0) << describe(s);
  EXPECT_NE(s.stderr_data.find("permission denied"), std::string::npos) << describe(s);
  auto t = run("CREATE DATABASE mine;\n");
  EXPECT_NE(t.exit_code, 0) << describe(t);
  EXPECT_NE(t.stderr_data.find("permission denied"), std::string::npos) << describe(t);
}

}  // namespace
