/// roomctl backup / restore against a real roomd while clients type over WebSocket: every event
/// acknowledged before the backup began is in the restored data dir, served by a new roomd.

#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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
using rooms::testing::process_result;
using rooms::testing::roomd_process;
using rooms::testing::temp_dir;
using rooms::testing::ws_client;
namespace fs = std::filesystem;

/// One letter per version: the document at version v is the first v letters of this cycle.
char letter(std::uint64_t version) {
  return static_cast<char>('a' + version % 26);
}
std::string doc_at(std::uint64_t version) {
  std::string doc;
  for (std::uint64_t v = 0; v < version; ++v) doc += letter(v);
  return doc;
}

/// A candidate typing one letter per code_update, each sent once the previous one was
/// acknowledged (its code_changed echo), on its own thread.
class typist {
 public:
  typist(int port, std::string session_id) : session_id_(std::move(session_id)) {
    thread_ = std::thread([this, port] { run(port); });
  }
  ~typist() { stop(); }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::uint64_t acknowledged() const { return acked_.load(); }
  const std::string& session_id() const { return session_id_; }
  std::string failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
  }

 private:
  void run(int port) {
    try {
      auto ws = ws_client::join_path(port, session_id_);
      ws->send({{"type", "join_session"}, {"name", "typist"}, {"role", "candidate"}});
      if (!ws->next_of_type("session_state")) return fail("no session_state");
      std::uint64_t version = 0;
      while (!stopping_) {
        json changes = json::array();
        if (version > 0) changes.push_back(version);
        changes.push_back(json::array({0, std::string(1, letter(version))}));
        ws->send({{"type", "code_update"},
                  {"version", version},
                  {"updates", json::array({{{"clientID", "t"}, {"changes", changes}}})}});
        auto echo = ws->next_of_type("code_changed", 10s);
        if (!echo) return fail("no code_changed for version " + std::to_string(version));
        version = (*echo)["from"].get<std::uint64_t>() + (*echo)["updates"].size();
        acked_ = version;
      }
      ws->close();
    } catch (const std::exception& e) {
      fail(e.what());
    }
  }
  void fail(const std::string& why) {
    std::lock_guard lock(mutex_);
    failure_ = why;
  }

  std::string session_id_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> acked_{0};
  mutable std::mutex mutex_;
  std::string failure_;
  std::thread thread_;
};

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("ROOMD_ADMIN_TOKEN");
    io_ = tmp_.str() + "/io";
    fs::create_directories(io_);
  }
  process_result roomctl(std::vector<std::string> args) {
    args.insert(args.begin(), rooms::testing::bin_path("roomctl"));
    return rooms::testing::run_process(args, io_);
  }
  process_result online(const roomd_process& r, std::vector<std::string> args) {
    std::vector<std::string> full = {"--server", r.base_url(), "--token", r.admin_token()};
    full.insert(full.end(), args.begin(), args.end());
    return roomctl(full);
  }
  std::string create_session(const roomd_process& r, std::string* key) {
    auto res = rooms::testing::http_call(r.port(), "POST", "/api/sessions", "{}");
    EXPECT_EQ(res.status, 201) << res.body;
    auto j = json::parse(res.body);
    *key = j["interviewerKey"];
    return j["sessionId"];
  }
  void add_question(const roomd_process& r) {
    std::string file = tmp_.str() + "/echo-sum.md";
    std::ofstream(file) << "---\n{\n  \"questionId\": \"echo-sum\",\n  \"title\": \"Echo Sum\",\n"
                           "  \"difficulty\": \"easy\",\n  \"tags\": []\n}\n---\nPrint a + b.\n\n"
                           "## test: basic\n\nhidden: false\n\n### stdin\n\n```text\n1 2\n```\n\n"
                           "### expected\n\n```text\n3\n```\n";
    auto added = online(r, {"questions", "add", file});
    ASSERT_EQ(added.code, 0) << added.err;
  }

  temp_dir tmp_;
  std::string io_;
};

TEST_F(BackupTest, OnlineBackupUnderTypingLoadRestoresEveryAcknowledgedEvent) {
  std::string data = tmp_.str() + "/data";
  std::string backup = tmp_.str() + "/backup";
  std::string restored = tmp_.str() + "/restored";
  std::vector<std::string> keys(3);
  std::vector<std::unique_ptr<typist>> typists;
  std::vector<std::uint64_t> acked_before(3);
  {
    // Typists send as fast as they are acknowledged: above the default per-socket rate limit.
    roomd_process server(data, {"--message-rate", "100000", "--message-burst", "100000"});
    add_question(server);
    for (int i = 0; i < 3; ++i)
      typists.push_back(std::make_unique<typist>(server.port(), create_session(server, &keys[i])));
    // Typing is under way in every room before the backup begins.
    for (auto& t : typists)
      while (t->acknowledged() < 20 && t->failure().empty()) std::this_thread::sleep_for(1ms);
    for (int i = 0; i < 3; ++i) acked_before[i] = typists[i]->acknowledged();
    auto made = online(server, {"backup", backup});
    ASSERT_EQ(made.code, 0) << made.err;
    EXPECT_NE(made.out.find("backup written to " + backup), std::string::npos) << made.out;
    auto metrics = rooms::testing::http_call(server.port(), "GET", "/metrics");
    EXPECT_NE(metrics.body.find("\nrooms_backups_total 1\n"), std::string::npos) << metrics.body;
    EXPECT_EQ(metrics.body.find("\nrooms_backup_last_success_timestamp_seconds 0\n"),
              std::string::npos);
    // Typing went on during the backup: it never stopped the rooms.
    for (auto& t : typists) {
      auto at_end = t->acknowledged();
      while (t->acknowledged() < at_end + 5 && t->failure().empty())
        std::this_thread::sleep_for(1ms);
    }
    for (auto& t : typists) {
      t->stop();
      EXPECT_EQ(t->failure(), "");
    }
    // A second backup into the same place is refused, the first one untouched.
    auto again = online(server, {"backup", backup});
    EXPECT_EQ(again.code, 1);
    EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
    // Offline backup of a data dir a roomd holds: refused, pointing at the online form.
    auto held = roomctl({"--db", data, "backup", tmp_.str() + "/offline-while-running"});
    EXPECT_EQ(held.code, 1);
    EXPECT_NE(held.err.find("in use by a running roomd"), std::string::npos) << held.err;
    EXPECT_FALSE(fs::exists(tmp_.str() + "/offline-while-running"));
  }
  ASSERT_TRUE(fs::exists(fs::path(backup) / "BACKUP.json"));
  EXPECT_FALSE(fs::exists(fs::path(backup) / "admin.token")) << "the token is not data";

  auto r = roomctl({"restore", backup, restored});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("3 session(s) checked, all ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 question(s)"), std::string::npos) << r.out;

  roomd_process again(restored);
  for (int i = 0; i < 3; ++i) {
    auto res = rooms::testing::http_call(again.port(), "GET",
                                         "/api/sessions/" + typists[i]->session_id() + "/state", "",
                                         {{"Authorization", "Bearer " + keys[i]}});
    ASSERT_EQ(res.status, 200) << res.body;
    auto state = json::parse(res.body);
    auto version = state["version"].get<std::uint64_t>();
    EXPECT_GE(version, acked_before[i]) << "an event acknowledged before the backup is missing";
    EXPECT_LE(version, typists[i]->acknowledged());
    EXPECT_EQ(state["doc"], doc_at(version));
  }
  auto q = rooms::testing::http_call(again.port(), "GET", "/api/questions/echo-sum", "",
                                     {{"Authorization", "Bearer " + again.admin_token()}});
  EXPECT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(json::parse(q.body).value("title", ""), "Echo Sum");
}

TEST_F(BackupTest, RestoreRefusesANonEmptyTargetUnlessForcedAndKeepsItsToken) {
  std::string data = tmp_.str() + "/data";
  std::string backup = tmp_.str() + "/backup";
  std::string key;
  std::string id;
  std::string first_token;
  {
    roomd_process server(data);
    id = create_session(server, &key);
    first_token = server.admin_token();
  }
  // Offline: the server is stopped, roomctl opens the data dir itself.
  auto made = roomctl({"--db", data, "backup", backup});
  ASSERT_EQ(made.code, 0) << made.err;

  // A second, different installation whose data dir is the target.
  std::string other = tmp_.str() + "/other";
  std::string other_token;
  {
    roomd_process server(other);
    other_token = server.admin_token();
  }
  ASSERT_NE(other_token, first_token);
  auto before = rooms::testing::slurp_file(other + "/CURRENT");
  auto refused = roomctl({"restore", backup, other});
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("not empty (--force"), std::string::npos) << refused.err;
  EXPECT_EQ(rooms::testing::slurp_file(other + "/CURRENT"), before) << "a refusal changes nothing";

  auto forced = roomctl({"restore", "--force", backup, other});
  ASSERT_EQ(forced.code, 0) << forced.out << forced.err;
  EXPECT_NE(forced.out.find("admin.token kept"), std::string::npos) << forced.out;
  roomd_process server(other);
  EXPECT_EQ(server.admin_token(), other_token);
  auto res = rooms::testing::http_call(server.port(), "GET", "/api/sessions/" + id, "");
  EXPECT_EQ(res.status, 200) << res.body;

  // While that roomd runs, a restore into its data dir is refused even with --force.
  auto busy = roomctl({"restore", "--force", backup, other});
  EXPECT_EQ(busy.code, 1);
  EXPECT_NE(busy.err.find("in use by a running roomd"), std::string::npos) << busy.err;

  // Not a backup: a plain data dir (no manifest) is refused.
  auto not_backup = roomctl({"restore", data, tmp_.str() + "/x"});
  EXPECT_EQ(not_backup.code, 1);
  EXPECT_NE(not_backup.err.find("not a complete backup"), std::string::npos) << not_backup.err;
  EXPECT_FALSE(fs::exists(tmp_.str() + "/x"));
}

TEST_F(BackupTest, BadBackupRequestsAreRefusedWithTheProtocolsErrors) {
  roomd_process server(tmp_.str() + "/data");
  auto call = [&](const std::string& body, const std::string& token) {
    return rooms::testing::http_call(server.port(), "POST", "/api/admin/backup", body,
                                     {{"Authorization", "Bearer " + token}});
  };
  EXPECT_EQ(call(json{{"dir", tmp_.str() + "/b"}}.dump(), "wrong").status, 403);
  auto relative = call(json{{"dir", "relative/b"}}.dump(), server.admin_token());
  EXPECT_EQ(relative.status, 400);
  EXPECT_EQ(json::parse(relative.body)["error"], "bad_request");
  EXPECT_EQ(call("not json", server.admin_token()).status, 400);
  EXPECT_EQ(call(json{{"dir", 7}}.dump(), server.admin_token()).status, 400);
  auto no_parent = call(json{{"dir", tmp_.str() + "/missing/b"}}.dump(), server.admin_token());
  EXPECT_EQ(no_parent.status, 400) << no_parent.body;
  auto exists = call(json{{"dir", tmp_.str()}}.dump(), server.admin_token());
  EXPECT_EQ(exists.status, 409) << exists.body;
  EXPECT_FALSE(fs::exists(tmp_.str() + "/b"));
  EXPECT_FALSE(fs::exists(tmp_.str() + "/missing"));
}

}  // namespace
