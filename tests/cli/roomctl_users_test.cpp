/// `roomctl user add|list|rm|passwd` run as a child process: offline (--db, roomd stopped) on
/// the data dir's "accounts" column family, and online through a real roomd's admin API; the
/// exit codes (0 ok, 1 failure, 2 usage, 3 not found), and no password on disk in the clear.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/roomctl_fixture.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using rooms::testing::slurp_file;
using run_result = rooms::testing::process_result;

class roomctl_users : public rooms::testing::roomctl_fixture {
 protected:
  run_result offline(std::vector<std::string> args,
                     const std::optional<std::string>& input = std::nullopt) {
    return roomctl_fixture::offline("user", std::move(args), input);
  }
  run_result online(std::vector<std::string> args,
                    const std::optional<std::string>& input = std::nullopt) {
    return roomctl_fixture::online("user", std::move(args), input);
  }

  /// A data dir as a stopped roomd leaves it.
  void make_data_dir() {
    start_roomd();
    stop_roomd();
  }

  json listed(run_result r) {
    EXPECT_EQ(r.code, 0) << r.err;
    auto j = json::parse(r.out, nullptr, false);
    EXPECT_TRUE(j.is_object() && j["users"].is_array()) << r.out;
    return j.is_object() ? j["users"] : json::array();
  }

  /// True when some file of the data dir holds `text` (the WAL, SSTs, logs).
  bool on_disk(const std::string& text) {
    for (const auto& entry : fs::recursive_directory_iterator(data_dir_))
      if (entry.is_regular_file() && slurp_file(entry.path()).find(text) != std::string::npos)
        return true;
    return false;
  }
};

TEST_F(roomctl_users, offline_add_list_passwd_rm_with_exit_codes) {
  make_data_dir();
  auto added = offline(
      {"add", "ada@example.com", "--admin", "--display-name", "Ada Lovelace", "--password-stdin"},
      "analytical engine\n");
  ASSERT_EQ(added.code, 0) << added.err;
  EXPECT_NE(added.out.find("added ada@example.com (admin"), std::string::npos) << added.out;
  ASSERT_EQ(offline({"add", "bob", "--password-stdin"}, "difference engine").code, 0);

  auto users = listed(offline({"list", "--json"}));
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0]["login"], "ada@example.com");
  EXPECT_EQ(users[0]["displayName"], "Ada Lovelace");
  EXPECT_EQ(users[0]["role"], "admin");
  EXPECT_EQ(users[1]["role"], "interviewer");
  EXPECT_FALSE(users[0].contains("passwordHash"));
  auto table = offline({"list"});
  EXPECT_EQ(table.code, 0);
  EXPECT_NE(table.out.find("LOGIN"), std::string::npos);
  EXPECT_NE(table.out.find("Ada Lovelace"), std::string::npos);
  EXPECT_EQ(table.out.find("argon2"), std::string::npos);

  // Refusals: a taken login, a short password, a bad login name, no tty and no --password-stdin.
  auto dup = offline({"add", "bob", "--password-stdin"}, "difference engine");
  EXPECT_EQ(dup.code, 1);
  EXPECT_NE(dup.err.find("exists"), std::string::npos) << dup.err;
  auto short_pw = offline({"add", "carol", "--password-stdin"}, "short");
  EXPECT_EQ(short_pw.code, 1);
  EXPECT_NE(short_pw.err.find("fewer than 10 characters"), std::string::npos) << short_pw.err;
  EXPECT_EQ(offline({"add", "Carol", "--password-stdin"}, "long enough pw").code, 2);
  auto no_tty = offline({"add", "carol"}, "long enough pw\n");
  EXPECT_EQ(no_tty.code, 2);
  EXPECT_NE(no_tty.err.find("--password-stdin"), std::string::npos) << no_tty.err;
  EXPECT_EQ(offline({"add", "carol", "--password", "x"}).code, 2) << "no password on argv";

  ASSERT_EQ(offline({"passwd", "bob", "--password-stdin"}, "a brand new secret").code, 0);
  EXPECT_EQ(offline({"passwd", "nobody", "--password-stdin"}, "a brand new secret").code, 3);
  ASSERT_EQ(offline({"rm", "bob"}).code, 0);
  EXPECT_EQ(offline({"rm", "bob"}).code, 3);
  EXPECT_EQ(listed(offline({"list", "--json"})).size(), 1u);

  // Only argon2id hashes reach the disk.
  EXPECT_FALSE(on_disk("analytical engine"));
  EXPECT_FALSE(on_disk("a brand new secret"));
  EXPECT_TRUE(on_disk("$argon2id$"));
}

TEST_F(roomctl_users, offline_writes_are_refused_while_roomd_runs) {
  start_roomd();
  auto r = offline({"add", "ada", "--password-stdin"}, "analytical engine");
  EXPECT_EQ(r.code, 1);
  EXPECT_FALSE(r.err.empty());
  // Reading works while roomd runs (a read-only secondary), and finds what roomd wrote.
  auto users = listed(offline({"list", "--json"}));
  EXPECT_TRUE(users.empty());
  ASSERT_EQ(online({"add", "ada", "--password-stdin"}, "analytical engine").code, 0);
  users = listed(offline({"list", "--json"}));
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]["login"], "ada");
}

TEST_F(roomctl_users, online_through_the_admin_api_and_sign_in_works) {
  start_roomd();
  ASSERT_EQ(online({"add", "ada", "--password-stdin"}, "analytical engine\n").code, 0);
  auto users = listed(online({"list", "--json"}));
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]["login"], "ada");
  EXPECT_EQ(online({"add", "ada", "--password-stdin"}, "analytical engine").code, 1);

  auto login = [&](const std::string& password) {
    return rooms::testing::http_call(roomd_->port(), "POST", "/api/auth/login",
                                     json{{"login", "ada"}, {"password", password}}.dump(),
                                     {{"Content-Type", "application/json"}});
  };
  EXPECT_EQ(login("analytical engine").status, 200);
  ASSERT_EQ(online({"passwd", "ada", "--password-stdin"}, "a brand new secret").code, 0);
  EXPECT_EQ(login("analytical engine").status, 401);
  EXPECT_EQ(login("a brand new secret").status, 200);
  EXPECT_EQ(online({"passwd", "nobody", "--password-stdin"}, "a brand new secret").code, 3);
  ASSERT_EQ(online({"rm", "ada"}).code, 0);
  EXPECT_EQ(online({"rm", "ada"}).code, 3);
  EXPECT_EQ(login("a brand new secret").status, 401);
  // roomd's log never has a password.
  EXPECT_EQ(roomd_->log().find("analytical engine"), std::string::npos);
  EXPECT_EQ(roomd_->log().find("brand new secret"), std::string::npos);
}

TEST_F(roomctl_users, help_names_the_commands_and_the_password_rules) {
  auto help = run({"user", "--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* word : {"add", "list", "rm", "passwd", "--password-stdin", "Exit codes"})
    EXPECT_NE(help.out.find(word), std::string::npos) << word << " missing from\n" << help.out;
}

}  // namespace
