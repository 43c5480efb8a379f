/// Upgrades: a data dir written by release v1 (tests/fixtures/datadir-v1, made by the v1 roomd
/// and roomctl, never regenerated) is read by this build's roomd and roomctl exactly as v1
/// answered about it (expected.json): sessions, events, state at a seq, questions.

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/testing/roomd_process.hpp"
#include "tests/testing/run_process.hpp"
#include "tests/testing/temp_dir.hpp"
#include "tests/testing/ws_client.hpp"

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using rooms::testing::roomd_process;
using rooms::testing::temp_dir;
namespace fs = std::filesystem;

const fs::path fixture = fs::path(ROOMS_FIXTURES_DIR) / "datadir-v1";

/// Every field v1 answered has the same value now (a newer release may add fields).
void expect_superset(const json& now, const json& then, const std::string& where) {
  ASSERT_TRUE(now.is_object()) << where << ": " << now.dump();
  for (const auto& [key, value] : then.items()) {
    ASSERT_TRUE(now.contains(key)) << where << ": field " << key << " is gone";
    if (value.is_object())
      expect_superset(now[key], value, where + "." + key);
    else
      EXPECT_EQ(now[key], value) << where << "." << key;
  }
}

class UpgradeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("ROOMD_ADMIN_TOKEN");
    expected_ = json::parse(rooms::testing::slurp_file((fixture / "expected.json").string()));
    // A roomd writes to its data dir: the checked-in copy stays as v1 wrote it.
    data_ = tmp_.str() + "/data";
    fs::copy(fixture / "data", data_, fs::copy_options::recursive);
    io_ = tmp_.str() + "/io";
    fs::create_directories(io_);
  }
  rooms::testing::process_result roomctl(std::vector<std::string> args) {
    args.insert(args.begin(), rooms::testing::bin_path("roomctl"));
    return rooms::testing::run_process(args, io_);
  }

  temp_dir tmp_;
  json expected_;
  std::string data_;
  std::string io_;
};

TEST_F(UpgradeTest, NewRoomdServesAV1DataDirAsV1Did) {
  ASSERT_EQ(expected_["sessions"].size(), 2u);
  roomd_process server(data_);
  for (const auto& s : expected_["sessions"]) {
    std::string id = s["sessionId"];
    std::vector<std::pair<std::string, std::string>> key = {
        {"Authorization", "Bearer " + s["interviewerKey"].get<std::string>()}};
    auto events = rooms::testing::http_call(server.port(), "GET",
                                            "/api/sessions/" + id + "/events?limit=1000", "", key);
    ASSERT_EQ(events.status, 200) << events.body;
    auto got = json::parse(events.body)["events"];
    ASSERT_EQ(got.size(), s["events"].size()) << id;
    for (std::size_t i = 0; i < got.size(); ++i)
      expect_superset(got[i], s["events"][i], id + " event " + std::to_string(i + 1));
    for (const auto& [seq, state] : s["states"].items()) {
      auto res = rooms::testing::http_call(server.port(), "GET",
                                           "/api/sessions/" + id + "/state?seq=" + seq, "", key);
      ASSERT_EQ(res.status, 200) << res.body;
      expect_superset(json::parse(res.body), state, id + " state at " + seq);
    }
  }
  auto admin = std::vector<std::pair<std::string, std::string>>{
      {"Authorization", "Bearer " + server.admin_token()}};
  auto list = rooms::testing::http_call(server.port(), "GET", "/api/questions", "", admin);
  ASSERT_EQ(list.status, 200) << list.body;
  auto rows = json::parse(list.body)["questions"];
  ASSERT_EQ(rows.size(), expected_["questions"]["questions"].size());
  for (std::size_t i = 0; i < rows.size(); ++i)
    expect_superset(rows[i], expected_["questions"]["questions"][i], "question row");
  auto one = rooms::testing::http_call(server.port(), "GET", "/api/questions/echo-sum", "", admin);
  ASSERT_EQ(one.status, 200) << one.body;
  expect_superset(json::parse(one.body), expected_["questionEchoSum"], "echo-sum");
  EXPECT_EQ(json::parse(one.body)["title"], "Echo Sum, edited");

  // And the old session takes new events: the upgraded log is writable, not only readable.
  const auto& first = expected_["sessions"][0];
  auto last = first["states"][std::to_string(first["events"].size())];
  auto ws = rooms::testing::ws_client::join_path(server.port(), first["sessionId"]);
  ws->send({{"type", "join_session"}, {"name", "Dee"}, {"role", "candidate"}});
  auto state = ws->next_of_type("session_state");
  ASSERT_TRUE(state);
  EXPECT_EQ((*state)["doc"], last["doc"]);
  std::uint64_t version = (*state)["version"];
  std::size_t length = last["doc"].get<std::string>().size();  // ASCII: bytes == UTF-16 units
  ws->send(
      {{"type", "code_update"},
       {"version", version},
       {"updates", json::array({{{"clientID", "d"},
                                 {"changes", json::array({length, json::array({0, "#"})})}}})}});
  auto echo = ws->next_of_type("code_changed");
  ASSERT_TRUE(echo) << "no acknowledgement";
  EXPECT_EQ((*echo)["from"], version);
}

TEST_F(UpgradeTest, NewRoomctlReadsAV1DataDirOffline) {
  auto verify = roomctl({"--db", data_, "verify", "--all"});
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("2 session(s) checked, all ok"), std::string::npos) << verify.out;
  for (const auto& s : expected_["sessions"]) {
    std::string id = s["sessionId"];
    for (const auto& [seq, state] : s["states"].items()) {
      auto replay = roomctl({"--db", data_, "--json", "replay", id, "--at", seq});
      ASSERT_EQ(replay.code, 0) << replay.err;
      EXPECT_EQ(json::parse(replay.out)["doc"], state["doc"]) << id << " at " << seq;
    }
  }
  auto questions = roomctl({"--db", data_, "--json", "questions", "list"});
  ASSERT_EQ(questions.code, 0) << questions.err;
  auto rows = json::parse(questions.out)["questions"];
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["questionId"], expected_["questions"]["questions"][0]["questionId"]);
  // A v1 data dir backs up and restores like a new one.
  auto made = roomctl({"--db", data_, "backup", tmp_.str() + "/backup"});
  ASSERT_EQ(made.code, 0) << made.err;
  auto restored = roomctl({"restore", tmp_.str() + "/backup", tmp_.str() + "/restored"});
  EXPECT_EQ(restored.code, 0) << restored.out << restored.err;
  EXPECT_NE(restored.out.find("2 session(s) checked, all ok"), std::string::npos) << restored.out;
}

}  // namespace
