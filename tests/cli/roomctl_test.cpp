/// roomctl against a real roomd (and its data dir), as separate processes: PROTOCOL.md "roomctl".

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <nlohmann/json.hpp>

#include "eventlog/detail/keys.hpp"
#include "eventlog/event.hpp"
#include "tests/gateway/import_cases.hpp"
#include "tests/testing/raw_rocksdb.hpp"
#include "tests/testing/roomd_process.hpp"
#include "tests/testing/temp_dir.hpp"

namespace {

using json = nlohmann::json;
using rooms::testing::roomd_process;
using rooms::testing::temp_dir;

// -- running roomctl --

struct run_result {
  int code = -1;  ///< exit status, or -1 when killed
  std::string out;
  std::string err;
  /// stdout split into lines (without the newline).
  std::vector<std::string> lines() const {
    std::vector<std::string> v;
    std::istringstream in(out);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
  }
  json as_json() const { return json::parse(out); }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

/// Starts roomctl with `args`; stdin from `input`, stdout/stderr to files under `dir`.
pid_t spawn_roomctl(const std::string& dir, const std::vector<std::string>& args,
                    const std::string& input) {
  write_file(dir + "/stdin", input);
  std::vector<std::string> argv_s = {rooms::testing::bin_path("roomctl")};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open((dir + "/stdin").c_str(), O_RDONLY);
    int out = ::open((dir + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open((dir + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_child(pid_t pid, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(
        std::chrono::milliseconds(5));  // polling a child process, not timing a test
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  ADD_FAILURE() << "roomctl did not finish within " << timeout.count() << " s";
  return -1;
}

class RoomctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The tests pass the server and token explicitly; an ambient one must not leak in.
    ::unsetenv("ROOMD_ADMIN_TOKEN");
    ::unsetenv("ROOMCTL_SERVER");
    data_dir_ = tmp_.str() + "/data";
    io_dir_ = tmp_.str() + "/io";
    std::filesystem::create_directories(io_dir_);
  }
  void TearDown() override {
    if (roomd_) {
      EXPECT_EQ(stop_roomd(), 0);
    }
  }

  void start_roomd() {
    roomd_ = std::make_unique<roomd_process>(data_dir_);
    token_ = roomd_->admin_token();
  }
  /// SIGTERM, then wait; the exit status (0 for a clean shutdown).
  int stop_roomd() {
    int status = roomd_->stop();
    roomd_.reset();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  /// roomctl against the running roomd (online).
  run_result ctl(std::vector<std::string> args, const std::string& input = "") {
    std::vector<std::string> full = {"--server", roomd_ ? roomd_->base_url() : "http://127.0.0.1:1",
                                     "--token", token_};
    full.insert(full.end(), args.begin(), args.end());
    return raw(full, input);
  }
  /// roomctl reading the data dir directly.
  run_result offline(std::vector<std::string> args, const std::string& input = "") {
    std::vector<std::string> full = {"--db", data_dir_};
    full.insert(full.end(), args.begin(), args.end());
    return raw(full, input);
  }
  run_result raw(const std::vector<std::string>& args, const std::string& input = "") {
    pid_t pid = spawn_roomctl(io_dir_, args, input);
    run_result r;
    r.code = wait_child(pid, std::chrono::seconds(60));
    r.out = slurp(io_dir_ + "/stdout");
    r.err = slurp(io_dir_ + "/stderr");
    return r;
  }

  rooms::testing::http_reply admin(const std::string& method, const std::string& target,
                                   const std::string& body = "") {
    return rooms::testing::http_call(roomd_->port(), method, target, body,
                                     {{"Authorization", "Bearer " + token_}});
  }
  std::string create_session(const std::string& title) {
    auto res = rooms::testing::http_call(roomd_->port(), "POST", "/api/sessions",
                                         json{{"title", title}}.dump());
    EXPECT_EQ(res.status, 201) << res.body;
    return json::parse(res.body)["sessionId"];
  }

  temp_dir tmp_;
  std::string data_dir_;
  std::string io_dir_;
  std::unique_ptr<roomd_process> roomd_;
  std::string token_;
};

// -- a crafted session --

constexpr const char* crafted_id = "6f1c2b3a-1111-4222-8333-444455556666";

struct crafted {
  std::string jsonl;
  std::int64_t t0 = 0;
};

/// A session with a join, two code changes, a cursor and a language change (6 events), its
/// timestamps 1 s apart from now - 10 s. `gap_at` skips that seq; `bad_version` breaks the fold.
crafted crafted_session(const std::string& id = crafted_id, std::uint64_t gap_at = 0,
                        bool bad_version = false) {
  crafted c;
  c.t0 = rooms::eventlog::now_ms() - 10'000;
  std::vector<json> lines = {
      {{"type", "session"},
       {"sessionId", id},
       {"createdAt", c.t0},
       {"language", "python"},
       {"title", "Crafted"},
       {"keyHash", rooms::eventlog::sha256_hex("the-key")}},
      {{"seq", 1},
       {"ts", c.t0},
       {"type", "session_created"},
       {"language", "python"},
       {"title", "Crafted"}},
      {{"seq", 2},
       {"ts", c.t0 + 1000},
       {"type", "participant_joined"},
       {"participantId", "p1"},
       {"participant",
        {{"participantId", "p1"}, {"name", "Ada"}, {"role", "interviewer"}, {"color", "#ff0000"}}}},
      {{"seq", 3},
       {"ts", c.t0 + 2000},
       {"type", "code_changed"},
       {"participantId", "p1"},
       {"version", 1},
       {"clientID", "c1"},
       {"changes", json::parse(R"([[0,"def f():","    return 1"]])")}},
      {{"seq", 4},
       {"ts", c.t0 + 3000},
       {"type", "cursor_moved"},
       {"participantId", "p1"},
       {"version", 1},
       {"anchor", 3},
       {"head", 3}},
      {{"seq", 5},
       {"ts", c.t0 + 4000},
       {"type", "code_changed"},
       {"participantId", "p1"},
       {"version", bad_version ? 7 : 2},
       {"clientID", "c1"},
       {"changes", json::parse(R"js([21,[0,"","print(f())"]])js")}},
      {{"seq", 6},
       {"ts", c.t0 + 5000},
       {"type", "language_changed"},
       {"participantId", "p1"},
       {"language", "javascript"}},
  };
  for (const auto& l : lines) {
    if (gap_at != 0 && l.value("seq", 0u) == gap_at) continue;
    c.jsonl += l.dump() + "\n";
  }
  return c;
}

const std::string doc_at_3 = "def f():\n    return 1";
const std::string doc_final = "def f():\n    return 1\nprint(f())";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// -- tests --

TEST_F(RoomctlTest, VersionHelpAndUsageErrors) {
  auto v = raw({"--version"});
  EXPECT_EQ(v.code, 0);
  EXPECT_EQ(v.out, std::string("roomctl ") + ROOMS_VERSION + "\n");
  EXPECT_EQ(raw({"--help"}).code, 0);
  EXPECT_EQ(raw({}).code, 2) << "no command";
  EXPECT_EQ(raw({"list", "--no-such-flag"}).code, 2);
  EXPECT_EQ(raw({"list", "--state", "sleeping"}).code, 2);
  EXPECT_EQ(raw({"verify"}).code, 2) << "neither an id nor --all";
  EXPECT_EQ(raw({"expire"}).code, 2);
  EXPECT_EQ(raw({"expire", crafted_id, "--idle-for", "1h"}).code, 2);
  EXPECT_EQ(raw({"expire", "--idle-for", "soon", "--dry-run"}).code, 2);
  auto bad_id = raw({"inspect", "not-a-uuid"});
  EXPECT_EQ(bad_id.code, 2);
  EXPECT_TRUE(contains(bad_id.err, "not a session id")) << bad_id.err;
}

TEST_F(RoomctlTest, ServerErrorsAreOneClearLine) {
  // Nobody listens on port 1: the message names the URL and suggests --db.
  auto down = raw({"--server", "http://127.0.0.1:1", "list"});
  EXPECT_EQ(down.code, 1);
  EXPECT_TRUE(contains(down.err, "http://127.0.0.1:1") && contains(down.err, "--db")) << down.err;
  start_roomd();
  auto no_token =
      raw({"--server", roomd_->base_url(), "--data-dir", tmp_.str() + "/nowhere", "list"});
  EXPECT_EQ(no_token.code, 1);
  EXPECT_TRUE(contains(no_token.err, "--token")) << no_token.err;
  auto wrong = raw({"--server", roomd_->base_url(), "--token", "wrong", "list"});
  EXPECT_EQ(wrong.code, 1);
  EXPECT_TRUE(contains(wrong.err, "refused the admin token")) << wrong.err;
  // The token file of the data dir is found with --data-dir, as documented.
  EXPECT_EQ(raw({"--server", roomd_->base_url(), "--data-dir", data_dir_, "list"}).code, 0);
  // ROOMCTL_SERVER and ROOMD_ADMIN_TOKEN are honoured.
  ::setenv("ROOMCTL_SERVER", roomd_->base_url().c_str(), 1);
  ::setenv("ROOMD_ADMIN_TOKEN", token_.c_str(), 1);
  auto by_env = raw({"list", "--json"});
  ::unsetenv("ROOMCTL_SERVER");
  ::unsetenv("ROOMD_ADMIN_TOKEN");
  EXPECT_EQ(by_env.code, 0) << by_env.err;
}

TEST_F(RoomctlTest, ListInspectEventsOnline) {
  start_roomd();
  auto a = create_session("alpha");
  auto b = create_session("beta");
  write_file(io_dir_ + "/crafted.jsonl", crafted_session().jsonl);
  auto imported = ctl({"import", io_dir_ + "/crafted.jsonl"});
  ASSERT_EQ(imported.code, 0) << imported.err;
  EXPECT_TRUE(contains(imported.out, crafted_id));

  auto list = ctl({"list", "--json"});
  ASSERT_EQ(list.code, 0) << list.err;
  auto rows = list.as_json()["sessions"];
  ASSERT_EQ(rows.size(), 3u);
  std::set<std::string> ids;
  for (const auto& r : rows) {
    ids.insert(r["sessionId"].get<std::string>());
    for (const char* key : {"createdAt", "lastActivityAt", "expiresAt", "language", "title",
                            "events", "bytes", "live", "participants"})
      EXPECT_TRUE(r.contains(key)) << key;
  }
  EXPECT_EQ(ids, (std::set<std::string>{a, b, crafted_id}));
  // The crafted session's activity is 5 s old: the new ones come first; by events it leads.
  EXPECT_EQ(rows[2]["sessionId"], crafted_id);
  auto by_events =
      ctl({"list", "--json", "--sort", "events", "--limit", "1"}).as_json()["sessions"];
  ASSERT_EQ(by_events.size(), 1u);
  EXPECT_EQ(by_events[0]["sessionId"], crafted_id);
  EXPECT_EQ(by_events[0]["events"], 6);
  EXPECT_EQ(ctl({"list", "--json", "--state", "live"}).as_json()["sessions"].size(), 0u);

  auto table = ctl({"list"});
  ASSERT_EQ(table.code, 0);
  ASSERT_EQ(table.lines().size(), 4u) << table.out;
  EXPECT_TRUE(contains(table.lines()[0], "LAST ACTIVITY"));
  // Imported with its last activity 5 s in the past; a loaded machine may take a few seconds more.
  EXPECT_TRUE(contains(table.out, "5s ago") || contains(table.out, "6s ago") ||
              contains(table.out, "7s ago") || contains(table.out, "8s ago"))
      << table.out;
  EXPECT_TRUE(contains(table.out, "alpha"));

  auto inspect = ctl({"inspect", crafted_id});
  ASSERT_EQ(inspect.code, 0) << inspect.err;
  for (const char* part : {"Crafted", "javascript (created as python)", "Ada", "code_changed",
                           "   1 | def f():", "   3 | print(f())"})
    EXPECT_TRUE(contains(inspect.out, part)) << part << " in\n" << inspect.out;
  auto inspect_json = ctl({"inspect", crafted_id, "--json"}).as_json();
  EXPECT_EQ(inspect_json["eventsByType"]["code_changed"], 2);
  EXPECT_EQ(inspect_json["state"]["doc"], doc_final);

  auto events = ctl({"events", crafted_id});
  ASSERT_EQ(events.code, 0) << events.err;
  auto lines = events.lines();
  ASSERT_EQ(lines.size(), 6u);
  for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(json::parse(lines[i])["seq"], i + 1);
  auto tail = ctl({"events", crafted_id, "--from", "5"}).lines();
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(json::parse(tail[0])["type"], "code_changed");
  EXPECT_EQ(ctl({"events", crafted_id, "--limit", "2"}).lines().size(), 2u);

  // Unknown sessions are exit code 3 everywhere.
  const std::string unknown = "0b7e4a6c-2d1f-4e3a-9c5b-8a7d6e5f4c3b";
  for (auto args : std::vector<std::vector<std::string>>{{"inspect", unknown},
                                                         {"events", unknown},
                                                         {"replay", unknown, "--at", "1"},
                                                         {"verify", unknown},
                                                         {"export", unknown},
                                                         {"expire", unknown, "--yes"}}) {
    auto r = ctl(args);
    EXPECT_EQ(r.code, 3) << args[0] << ": " << r.err;
    EXPECT_TRUE(contains(r.err, unknown)) << r.err;
  }
}

/// `replay --at` ends the document with exactly one newline (the prompt never lands on its last
/// line), online and with --db: one is added when it has none, none when it has one, nothing for
/// an empty document; `--json` has the exact document in one line ending with "\n".
TEST_F(RoomctlTest, ReplayAtEndsTheDocumentWithExactlyOneNewline) {
  start_roomd();
  write_file(io_dir_ + "/crafted.jsonl", crafted_session().jsonl);
  ASSERT_EQ(ctl({"import", io_dir_ + "/crafted.jsonl"}).code, 0);
  // A second session whose document ends with a newline: "a\n" after seq 3, then "a\n\n".
  const std::string nl_id = "6f1c2b3a-2222-4222-8333-444455556666";
  const std::int64_t t0 = rooms::eventlog::now_ms() - 10'000;
  std::string jsonl;
  for (const json& l : std::vector<json>{{{"type", "session"},
                                          {"sessionId", nl_id},
                                          {"createdAt", t0},
                                          {"language", "python"},
                                          {"title", "Newline"},
                                          {"keyHash", rooms::eventlog::sha256_hex("the-key")}},
                                         {{"seq", 1},
                                          {"ts", t0},
                                          {"type", "session_created"},
                                          {"language", "python"},
                                          {"title", "Newline"}},
                                         {{"seq", 2},
                                          {"ts", t0 + 1000},
                                          {"type", "participant_joined"},
                                          {"participantId", "p1"},
                                          {"participant",
                                           {{"participantId", "p1"},
                                            {"name", "Ada"},
                                            {"role", "interviewer"},
                                            {"color", "#ff0000"}}}},
                                         {{"seq", 3},
                                          {"ts", t0 + 2000},
                                          {"type", "code_changed"},
                                          {"participantId", "p1"},
                                          {"version", 1},
                                          {"clientID", "c1"},
                                          {"changes", json::parse(R"([[0,"a",""]])")}},
                                         {{"seq", 4},
                                          {"ts", t0 + 3000},
                                          {"type", "code_changed"},
                                          {"participantId", "p1"},
                                          {"version", 2},
                                          {"clientID", "c1"},
                                          {"changes", json::parse(R"([2,[0,"",""]])")}}})
    jsonl += l.dump() + "\n";
  write_file(io_dir_ + "/newline.jsonl", jsonl);
  auto imported = ctl({"import", io_dir_ + "/newline.jsonl"});
  ASSERT_EQ(imported.code, 0) << imported.err;

  for (bool online : {true, false}) {
    auto run = [&](std::vector<std::string> args) {
      return online ? ctl(std::move(args)) : offline(std::move(args));
    };
    const char* mode = online ? "online" : "--db";
    auto added = run({"replay", crafted_id, "--at", "6"});
    ASSERT_EQ(added.code, 0) << mode << ": " << added.err;
    EXPECT_EQ(added.out, doc_final + "\n") << mode << ": one newline added";
    EXPECT_EQ(run({"replay", crafted_id, "--at", "2"}).out, "")
        << mode << ": an empty document prints nothing";
    EXPECT_EQ(run({"replay", nl_id, "--at", "3"}).out, "a\n")
        << mode << ": it already ends with one";
    EXPECT_EQ(run({"replay", nl_id, "--at", "4"}).out, "a\n\n")
        << mode << ": its own blank line is kept, nothing added";
    auto as_json = run({"replay", crafted_id, "--at", "6", "--json"});
    ASSERT_EQ(as_json.code, 0) << mode << ": " << as_json.err;
    ASSERT_FALSE(as_json.out.empty());
    EXPECT_EQ(as_json.out.find('\n'), as_json.out.size() - 1)
        << mode << ": one line: " << as_json.out;
    EXPECT_EQ(json::parse(as_json.out)["doc"], doc_final) << mode << ": the exact document";
  }
}

TEST_F(RoomctlTest, ReplayAtSeqTimeAndSteps) {
  start_roomd();
  auto c = crafted_session();
  write_file(io_dir_ + "/crafted.jsonl", c.jsonl);
  ASSERT_EQ(ctl({"import", io_dir_ + "/crafted.jsonl"}).code, 0);

  EXPECT_EQ(ctl({"replay", crafted_id, "--at", "3"}).out, doc_at_3 + "\n");
  EXPECT_EQ(ctl({"replay", crafted_id, "--at", "2"}).out, "");
  EXPECT_EQ(ctl({"replay", crafted_id, "--at", "6"}).out, doc_final + "\n");
  // Unix ms: the state after the last event with ts <= at (event 4 here, doc as of event 3).
  EXPECT_EQ(ctl({"replay", crafted_id, "--at", std::to_string(c.t0 + 3500)}).out, doc_at_3 + "\n");
  // The same instant as an ISO time in UTC.
  std::time_t secs = static_cast<std::time_t>((c.t0 + 3500) / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char iso[64];
  std::strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string at_iso =
      std::string(iso) + "." + std::to_string(1000 + (c.t0 + 3500) % 1000).substr(1) + "Z";
  auto by_iso = ctl({"replay", crafted_id, "--at", at_iso});
  EXPECT_EQ(by_iso.code, 0) << at_iso << ": " << by_iso.err;
  EXPECT_EQ(by_iso.out, doc_at_3 + "\n") << at_iso;
  auto state = ctl({"replay", crafted_id, "--at", "5", "--json"}).as_json();
  EXPECT_EQ(state["seq"], 5);
  EXPECT_EQ(state["version"], 2);
  EXPECT_EQ(ctl({"replay", crafted_id, "--at", "99"}).code, 1) << "seq past the end";
  EXPECT_EQ(ctl({"replay", crafted_id, "--at", "yesterday"}).code, 2);

  // Not a terminal: one line per step (created, two code changes, a language change), no sleeping.
  auto steps = ctl({"replay", crafted_id});
  ASSERT_EQ(steps.code, 0) << steps.err;
  auto lines = steps.lines();
  ASSERT_EQ(lines.size(), 4u) << steps.out;
  EXPECT_EQ(lines[0], "seq=1 version=0 bytes=0 sha256=" + rooms::eventlog::sha256_hex(""));
  EXPECT_EQ(lines[1], "seq=3 version=1 bytes=" + std::to_string(doc_at_3.size()) +
                          " sha256=" + rooms::eventlog::sha256_hex(doc_at_3));
  EXPECT_EQ(lines[2], "seq=5 version=2 bytes=" + std::to_string(doc_final.size()) +
                          " sha256=" + rooms::eventlog::sha256_hex(doc_final));
  EXPECT_TRUE(contains(lines[3], "seq=6 "));
}

TEST_F(RoomctlTest, VerifyPassesAndBrokenImportsAreRefused) {
  start_roomd();
  create_session("plain");
  write_file(io_dir_ + "/crafted.jsonl", crafted_session().jsonl);
  ASSERT_EQ(ctl({"import", io_dir_ + "/crafted.jsonl"}).code, 0);
  auto one = ctl({"verify", crafted_id});
  EXPECT_EQ(one.code, 0) << one.out << one.err;
  EXPECT_TRUE(contains(one.out, "6 events: seq 1..6 gap-free, all decode, fold ok")) << one.out;
  auto all = ctl({"verify", "--all", "--json"});
  EXPECT_EQ(all.code, 0) << all.out;
  EXPECT_EQ(all.as_json()["ok"], true);
  EXPECT_EQ(all.as_json()["sessions"].size(), 2u);

  // A gap is refused, by roomctl before uploading and by the server itself.
  const std::string other = "11111111-2222-4333-8444-555555555555";
  auto gap = crafted_session(other, 4).jsonl;
  write_file(io_dir_ + "/gap.jsonl", gap);
  auto refused = ctl({"import", io_dir_ + "/gap.jsonl"});
  EXPECT_EQ(refused.code, 1);
  EXPECT_TRUE(contains(refused.err, "without gaps")) << refused.err;
  EXPECT_EQ(admin("POST", "/api/admin/import", gap).status, 400);
  // So is a log the fold rejects (a code_changed producing the wrong version).
  auto unfoldable = crafted_session(other, 0, true).jsonl;
  write_file(io_dir_ + "/bad.jsonl", unfoldable);
  auto bad = ctl({"import", io_dir_ + "/bad.jsonl"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_TRUE(contains(bad.err, "event 5 does not apply")) << bad.err;
  EXPECT_EQ(admin("POST", "/api/admin/import", unfoldable).status, 400);
  EXPECT_EQ(ctl({"inspect", other}).code, 3) << "nothing of a refused import is written";
  // An existing id is refused too.
  auto twice = ctl({"import", io_dir_ + "/crafted.jsonl"});
  EXPECT_EQ(twice.code, 1);
  EXPECT_TRUE(contains(twice.err, "exists")) << twice.err;
}

TEST_F(RoomctlTest, ExportExpireImportRoundTrip) {
  start_roomd();
  write_file(io_dir_ + "/crafted.jsonl", crafted_session().jsonl);
  ASSERT_EQ(ctl({"import", io_dir_ + "/crafted.jsonl"}).code, 0);
  auto sid = create_session("made by the server");
  for (const std::string& id : {std::string(crafted_id), sid}) {
    auto events_before = ctl({"events", id}).out;
    auto state_before = admin("GET", "/api/sessions/" + id + "/state").body;
    const std::string file = io_dir_ + "/export-" + id + ".jsonl";
    auto exported = ctl({"export", id, "-o", file});
    ASSERT_EQ(exported.code, 0) << exported.err;
    // Exactly the import format: the header, then the /events lines.
    auto text = slurp(file);
    auto header = json::parse(text.substr(0, text.find('\n')));
    EXPECT_EQ(header["type"], "session");
    EXPECT_EQ(header["sessionId"], id);
    EXPECT_EQ(text.substr(text.find('\n') + 1), events_before);
    // stdout export is the same bytes.
    EXPECT_EQ(ctl({"export", id}).out, text);

    auto expired = ctl({"expire", id, "--yes"});
    ASSERT_EQ(expired.code, 0) << expired.err;
    EXPECT_EQ(admin("GET", "/api/admin/sessions/" + id).status, 404);
    EXPECT_EQ(ctl({"inspect", id}).code, 3);

    auto imported = ctl({"import", file});
    ASSERT_EQ(imported.code, 0) << imported.err;
    EXPECT_EQ(ctl({"events", id}).out, events_before) << "same events";
    EXPECT_EQ(admin("GET", "/api/sessions/" + id + "/state").body, state_before)
        << "same final state";
    EXPECT_EQ(ctl({"verify", id}).code, 0);
  }
}

TEST_F(RoomctlTest, ExpireAsksUnlessYesAndDryRunsByIdleTime) {
  start_roomd();
  auto id = create_session("to go");
  auto no = ctl({"expire", id}, "n\n");
  EXPECT_EQ(no.code, 1);
  EXPECT_TRUE(contains(no.err, "--yes")) << no.err;
  EXPECT_EQ(ctl({"inspect", id}).code, 0) << "still there";
  auto eof = ctl({"expire", id});  // no answer at all is a no
  EXPECT_EQ(eof.code, 1);
  EXPECT_EQ(ctl({"inspect", id}).code, 0);
  auto yes = ctl({"expire", id}, "y\n");
  EXPECT_EQ(yes.code, 0) << yes.err;
  EXPECT_EQ(admin("GET", "/api/admin/sessions/" + id).status, 404);

  // By idle time: a session last active 5 s ago against one made now (made just before the
  // checks: on a loaded machine a session made at the start may be 3 s idle already).
  write_file(io_dir_ + "/crafted.jsonl", crafted_session().jsonl);  // last activity 5 s ago
  ASSERT_EQ(ctl({"import", io_dir_ + "/crafted.jsonl"}).code, 0);
  auto fresh = create_session("fresh");
  auto dry = ctl({"expire", "--idle-for", "3s", "--dry-run", "--json"});
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_EQ(dry.as_json()["wouldExpire"], json::array({crafted_id}));
  EXPECT_EQ(ctl({"expire", "--idle-for", "1h", "--dry-run", "--json"}).as_json()["wouldExpire"],
            json::array());
  EXPECT_EQ(ctl({"inspect", crafted_id}).code, 0) << "a dry run expires nothing";
  auto idle = ctl({"expire", "--idle-for", "3s"}, "y\n");
  ASSERT_EQ(idle.code, 0) << idle.err;
  EXPECT_EQ(ctl({"inspect", crafted_id}).code, 3);
  EXPECT_EQ(ctl({"inspect", fresh}).code, 0) << "the fresh session stays";
}

TEST_F(RoomctlTest, OfflineReadsWhileRunningAndAfterStopAndWritesOnlyWhenUnlocked) {
  start_roomd();
  auto sid = create_session("server made");
  write_file(io_dir_ + "/crafted.jsonl", crafted_session().jsonl);
  ASSERT_EQ(ctl({"import", io_dir_ + "/crafted.jsonl"}).code, 0);
  auto online_events = ctl({"events", crafted_id}).out;

  // While roomd runs: reads work through a secondary instance, writes are refused clearly.
  auto list = offline({"list", "--json"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_EQ(list.as_json()["sessions"].size(), 2u);
  EXPECT_EQ(offline({"events", crafted_id}).out, online_events);
  EXPECT_EQ(offline({"replay", crafted_id, "--at", "3"}).out, doc_at_3 + "\n");
  EXPECT_EQ(offline({"verify", "--all"}).code, 0);
  for (auto args : std::vector<std::vector<std::string>>{
           {"compact"}, {"expire", sid, "--yes"}, {"import", io_dir_ + "/crafted.jsonl"}}) {
    auto r = offline(args);
    EXPECT_EQ(r.code, 1) << args[0];
    EXPECT_TRUE(contains(r.err, "in use by a running roomd; use --server"))
        << args[0] << ": " << r.err;
  }
  EXPECT_EQ(offline({"expire", sid, "--dry-run"}).code, 0) << "a dry run only reads";

  ASSERT_EQ(stop_roomd(), 0);
  // Stopped: reads and writes go to the data dir.
  EXPECT_EQ(offline({"events", crafted_id}).out, online_events);
  auto inspect = offline({"inspect", crafted_id, "--json"});
  ASSERT_EQ(inspect.code, 0) << inspect.err;
  EXPECT_EQ(inspect.as_json()["state"]["doc"], doc_final);
  EXPECT_EQ(offline({"inspect", "0b7e4a6c-2d1f-4e3a-9c5b-8a7d6e5f4c3b"}).code, 3);
  // Offline export is complete: it carries the interviewer key hash too.
  auto exported = offline({"export", crafted_id, "-o", io_dir_ + "/offline.jsonl"});
  ASSERT_EQ(exported.code, 0) << exported.err;
  auto header = json::parse(
      slurp(io_dir_ + "/offline.jsonl").substr(0, slurp(io_dir_ + "/offline.jsonl").find('\n')));
  EXPECT_EQ(header["keyHash"], rooms::eventlog::sha256_hex("the-key"));
  ASSERT_EQ(offline({"expire", crafted_id, "--yes"}).code, 0);
  EXPECT_EQ(offline({"inspect", crafted_id}).code, 3);
  auto imported = offline({"import", io_dir_ + "/offline.jsonl"});
  ASSERT_EQ(imported.code, 0) << imported.err;
  EXPECT_EQ(offline({"compact"}).code, 0);
  auto stats = offline({"stats", "--json"});
  ASSERT_EQ(stats.code, 0) << stats.err;
  EXPECT_EQ(stats.as_json()["sessionsStored"], 2);
  EXPECT_EQ(stats.as_json()["events"], 7);

  // The offline import is what the restarted server serves.
  start_roomd();
  EXPECT_EQ(ctl({"events", crafted_id}).out, online_events);
  EXPECT_EQ(ctl({"verify", "--all"}).code, 0);
}

TEST_F(RoomctlTest, VerifyFindsGarbageAndGapsInAStoppedLog) {
  start_roomd();
  write_file(io_dir_ + "/crafted.jsonl", crafted_session().jsonl);
  ASSERT_EQ(ctl({"import", io_dir_ + "/crafted.jsonl"}).code, 0);
  const std::string gappy = "11111111-2222-4333-8444-555555555555";
  write_file(io_dir_ + "/second.jsonl", crafted_session(gappy).jsonl);
  ASSERT_EQ(ctl({"import", io_dir_ + "/second.jsonl"}).code, 0);
  ASSERT_EQ(stop_roomd(), 0);

  {
    // Damage the log behind the store's back: garbage in one session, a hole in the other.
    rooms::testing::raw_rocksdb raw(data_dir_);
    const std::string events = rooms::eventlog::detail::cf_events;
    auto id1 = *rooms::eventlog::session_id::parse(crafted_id);
    auto id2 = *rooms::eventlog::session_id::parse(gappy);
    raw.put(events, rooms::eventlog::detail::seq_key(id1, 3), "\x7fgarbage");
    ASSERT_TRUE(
        raw.db()->Delete({}, raw.cf(events), rooms::eventlog::detail::seq_key(id2, 4)).ok());
  }

  auto garbage = offline({"verify", crafted_id});
  EXPECT_EQ(garbage.code, 1) << garbage.out;
  EXPECT_TRUE(contains(garbage.out, "FAIL") && contains(garbage.out, "corruption")) << garbage.out;
  auto gap = offline({"verify", gappy});
  EXPECT_EQ(gap.code, 1) << gap.out;
  EXPECT_TRUE(contains(gap.out, "gap: seq 5 follows 3")) << gap.out;
  auto all = offline({"verify", "--all", "--json"});
  EXPECT_EQ(all.code, 1);
  EXPECT_EQ(all.as_json()["ok"], false);
  // Online, the server reports the damage the same way.
  start_roomd();
  auto online = ctl({"verify", "--all"});
  EXPECT_EQ(online.code, 1) << online.out;
  EXPECT_TRUE(contains(online.out, "gap: seq 5 follows 3")) << online.out;
}

// -- live participants (WebSocket) --

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

/// A joined participant over a real WebSocket.
struct participant {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};

  participant(int port, const std::string& id, const std::string& name) {
    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(10));
    beast::get_lowest_layer(ws).connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                                               static_cast<unsigned short>(port)));
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws.handshake("127.0.0.1:" + std::to_string(port), "/ws/" + id);
    ws.write(
        net::buffer(json{{"type", "join_session"}, {"name", name}, {"role", "candidate"}}.dump()));
    EXPECT_EQ(read()["type"], "session_state");
  }
  json read() {
    beast::flat_buffer buffer;
    ws.read(buffer);
    return json::parse(beast::buffers_to_string(buffer.data()));
  }
  /// Reads until the server closes; the close code (0 if none came within the timeout).
  int close_code() {
    beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(10));
    try {
      for (;;) read();
    } catch (const beast::system_error& e) {
      if (e.code() == websocket::error::closed) return ws.reason().code;
    }
    return 0;
  }
};

TEST_F(RoomctlTest, LiveRoomsFollowAndExpireWith4410) {
  start_roomd();
  auto id = create_session("live one");
  // Follow the events in the background while someone joins.
  pid_t follower = spawn_roomctl(io_dir_,
                                 {"--server", roomd_->base_url(), "--token", token_, "events", id,
                                  "--follow", "--interval", "50"},
                                 "");
  participant bob(roomd_->port(), id, "Bob");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!contains(slurp(io_dir_ + "/stdout"), "participant_joined") &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a child's output
  ::kill(follower, SIGINT);
  EXPECT_EQ(wait_child(follower, std::chrono::seconds(20)), 0) << "--follow ends cleanly on Ctrl-C";
  auto followed = slurp(io_dir_ + "/stdout");
  EXPECT_TRUE(contains(followed, "\"type\":\"session_created\"")) << followed;
  EXPECT_TRUE(contains(followed, "\"type\":\"participant_joined\"")) << followed;

  auto live = ctl({"list", "--state", "live", "--json"}).as_json()["sessions"];
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0]["sessionId"], id);
  EXPECT_EQ(live[0]["participants"].size(), 1u);
  auto inspect = ctl({"inspect", id});
  EXPECT_TRUE(contains(inspect.out, "yes, 1 connected") && contains(inspect.out, "Bob"))
      << inspect.out;
  auto stats = ctl({"stats", "--json"}).as_json();
  EXPECT_EQ(stats["sessionsLive"], 1);
  EXPECT_EQ(stats["sessionsStored"], 1);

  auto expired = ctl({"expire", id, "--yes"});
  ASSERT_EQ(expired.code, 0) << expired.err;
  EXPECT_EQ(bob.close_code(), 4410);
  EXPECT_EQ(ctl({"inspect", id}).code, 3);
  EXPECT_EQ(ctl({"compact", "--json"}).code, 0);
}

// -- crafted imports (the one validated import, actors/import.hpp) --

TEST_F(RoomctlTest, CraftedImportsAreRefusedCleanlyOnlineAndOfflineAndChangeNothing) {
  namespace cases = rooms::testing::import_cases;
  start_roomd();
  auto existing = create_session("existing");
  const std::string events_before = ctl({"events", existing}).out;
  ASSERT_FALSE(events_before.empty());
  const auto hostile = cases::hostile_imports();
  std::vector<std::string> files;
  for (std::size_t i = 0; i < hostile.size(); ++i) {
    files.push_back(io_dir_ + "/hostile-" + std::to_string(i) + ".jsonl");
    write_file(files.back(), hostile[i].second);
  }
  auto expect_refused = [](const run_result& r, const std::string& what) {
    EXPECT_EQ(r.code, 1) << what << ": " << r.err;
    // One clear line on stderr naming the problem; nothing on stdout.
    EXPECT_TRUE(contains(r.err, "roomctl: import: ")) << what << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << what << ": " << r.err;
    EXPECT_LT(r.err.size(), 500u) << what;
    EXPECT_TRUE(r.out.empty()) << what << ": " << r.out;
  };
  // Online: refused before any upload (the same checks the server runs; its own refusals are
  // tests/gateway/security_test.cpp). A few through the server itself, too.
  for (std::size_t i = 0; i < hostile.size(); ++i)
    expect_refused(ctl({"import", files[i]}), hostile[i].first);
  for (std::size_t i = 0; i < hostile.size(); i += 5)
    EXPECT_EQ(admin("POST", "/api/admin/import", hostile[i].second).status, 400)
        << hostile[i].first;
  EXPECT_EQ(ctl({"inspect", cases::crafted_id}).code, 3)
      << "nothing of a refused import is written";
  // An existing id: refused, that session untouched.
  write_file(io_dir_ + "/over.jsonl", cases::to_text(cases::crafted_lines(existing)));
  auto over = ctl({"import", io_dir_ + "/over.jsonl"});
  EXPECT_EQ(over.code, 1);
  EXPECT_TRUE(contains(over.err, "already exists")) << over.err;
  EXPECT_EQ(ctl({"events", existing}).out, events_before);
  EXPECT_EQ(ctl({"list", "--json"}).as_json()["sessions"].size(), 1u);

  // Offline (--db, roomd stopped): the same refusals through the writing path.
  ASSERT_EQ(stop_roomd(), 0);
  for (std::size_t i = 0; i < hostile.size(); ++i)
    expect_refused(offline({"import", files[i]}), hostile[i].first);
  auto over_offline = offline({"import", io_dir_ + "/over.jsonl"});
  EXPECT_EQ(over_offline.code, 1);
  EXPECT_TRUE(contains(over_offline.err, "already exists")) << over_offline.err;
  EXPECT_EQ(offline({"events", existing}).out, events_before);
  EXPECT_EQ(offline({"list", "--json"}).as_json()["sessions"].size(), 1u);
  EXPECT_EQ(offline({"verify", "--all"}).code, 0);
  // The valid file imports offline and is what a restarted roomd serves.
  write_file(io_dir_ + "/valid.jsonl", cases::to_text(cases::crafted_lines()));
  auto valid = offline({"import", io_dir_ + "/valid.jsonl"});
  ASSERT_EQ(valid.code, 0) << valid.err;
  start_roomd();
  EXPECT_EQ(ctl({"replay", cases::crafted_id, "--at", "6"}).out,
            "def f():\n    return 1\nprint(f())\n");
  EXPECT_EQ(ctl({"events", existing}).out, events_before);
}

}  // namespace
