/// Security claims of docs/security.md against a real roomd (issue #11): what a candidate never
/// receives, who may replay, near-miss secrets, static files that never leave the web dir,
/// secrets that never reach the log, and imports of crafted files.

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "eventlog/event.hpp"
#include "tests/gateway/helpers.hpp"
#include "tests/gateway/import_cases.hpp"
#include "tests/gateway/raw_socket.hpp"

namespace rooms::gateway::test {
namespace {

class security : public ::testing::Test {
 protected:
  std::string data() const { return (dir_.path() / "data").string(); }
  temp_dir dir_;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Sends a ping with `ref` and collects every message up to its pong.
std::vector<json> until_pong(participant& p, const std::string& ref) {
  p.ws->send({{"type", "ping"}, {"ref", ref}});
  std::vector<json> seen;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = p.ws->next(1s);
    if (!m) {
      if (p.ws->closed()) break;
      continue;
    }
    if (m->value("type", "") == "pong" && m->value("ref", "") == ref) return seen;
    seen.push_back(*m);
  }
  ADD_FAILURE() << "no pong " << ref;
  return seen;
}

/// Joins with a resume token (and the version the client holds).
participant resume(const roomd_process& server, const std::string& session_id,
                   const participant& old) {
  participant p;
  p.ws = ws_client::join_path(server.port(), session_id);
  p.ws->send({{"type", "join_session"},
              {"name", "again"},
              {"resumeToken", old.resume_token},
              {"version", 0}});
  auto st = p.ws->next_of_type("session_state");
  EXPECT_TRUE(st) << "no session_state for a resume";
  if (st) {
    p.state = *st;
    p.id = st->value("participantId", "");
    p.resume_token = st->value("resumeToken", "");
  }
  return p;
}

// -- f. what a candidate never receives --

TEST_F(security, a_candidate_never_receives_notes_focus_or_the_interviewer_key) {
  roomd_process server(data());
  auto s = create_session(server);
  const std::string note = "NOTE-7f3a: weak on recursion";
  auto cand = join(server, s.id, "cand");
  auto bob = join(server, s.id, "bob", "interviewer", s.key);
  ASSERT_FALSE(bob.id.empty());
  std::vector<json> seen = {cand.state};  // everything any candidate socket received

  bob.ws->send({{"type", "add_note"}, {"text", note}});
  ASSERT_TRUE(bob.ws->next_of_type("note_added"));
  cand.ws->send({{"type", "focus_change"}, {"focused", false}});
  bob.ws->send({{"type", "focus_change"}, {"focused", false}});
  ASSERT_TRUE(bob.ws->next_of_type("participant_focus"));
  ASSERT_TRUE(push(bob, insert_at(0, 0, "x")));
  for (auto& m : until_pong(cand, "1")) seen.push_back(m);

  // A resume (after a drop) and a later candidate get the same view as a fresh join.
  cand.ws->drop();
  auto back = resume(server, s.id, cand);
  EXPECT_EQ(back.id, cand.id);
  seen.push_back(back.state);
  for (auto& m : until_pong(back, "2")) seen.push_back(m);
  auto late = join(server, s.id, "late");
  seen.push_back(late.state);
  bob.ws->send({{"type", "add_note"}, {"text", note + " (again)"}});
  ASSERT_TRUE(bob.ws->next_of_type("note_added"));
  for (auto& m : until_pong(late, "3")) seen.push_back(m);
  for (auto& m : until_pong(back, "4")) seen.push_back(m);

  const std::string key_hash = eventlog::sha256_hex(s.key);
  std::set<std::string> types;
  for (const auto& m : seen) {
    const std::string text = m.dump();
    types.insert(m.value("type", ""));
    EXPECT_FALSE(contains(text, "NOTE-7f3a")) << text;
    EXPECT_FALSE(contains(text, s.key)) << "the interviewer key reached a candidate: " << text;
    EXPECT_FALSE(contains(text, key_hash)) << text;
    EXPECT_FALSE(contains(text, "\"focused\"")) << text;
    EXPECT_FALSE(contains(text, "resumeHash")) << text;
    EXPECT_FALSE(contains(text, bob.resume_token))
        << "another participant's resume token: " << text;
  }
  EXPECT_EQ(types.count("note_added"), 0u);
  EXPECT_EQ(types.count("participant_focus"), 0u);
  EXPECT_EQ(types.count("session_state"), 1u);
  EXPECT_GE(types.count("code_changed"), 1u) << "the candidates did receive the room's traffic";
  // The interviewer does get the notes, but not a candidate's resume token.
  EXPECT_FALSE(contains(bob.state.dump(), cand.resume_token));
  for (auto& m : until_pong(bob, "5")) EXPECT_FALSE(contains(m.dump(), cand.resume_token)) << m;

  // The public session view carries no secrets, notes or focus.
  auto pub = http_call(server.port(), "GET", "/api/sessions/" + s.id);
  ASSERT_EQ(pub.status, 200);
  for (const std::string& secret :
       {std::string("NOTE-7f3a"), s.key, key_hash, std::string("\"focused\""),
        std::string("resumeHash"), cand.resume_token, bob.resume_token})
    EXPECT_FALSE(contains(pub.body, secret)) << secret << " in " << pub.body;

  // The replay endpoints refuse everything a candidate holds.
  const std::string wrong_same_length = std::string(s.key.size(), s.key[0] == 'a' ? 'b' : 'a');
  for (const std::string path : {"/events", "/state", "/state?seq=1", "/events?from=1"}) {
    const std::string target = "/api/sessions/" + s.id + path;
    EXPECT_EQ(http_call(server.port(), "GET", target).status, 401) << path;
    EXPECT_EQ(http_call(server.port(), "GET", target, "", bearer(cand.resume_token)).status, 403)
        << path;
    EXPECT_EQ(http_call(server.port(), "GET", target, "", bearer(s.id)).status, 403) << path;
    EXPECT_EQ(http_call(server.port(), "GET", target, "", bearer(wrong_same_length)).status, 403)
        << path;
    auto ok = http_call(server.port(), "GET", target, "", bearer(s.key));
    EXPECT_EQ(ok.status, 200) << path;
    EXPECT_FALSE(contains(ok.body, cand.resume_token)) << "resume tokens are stored only as hashes";
  }
  EXPECT_EQ(http_call(server.port(), "POST", "/api/sessions/" + s.id + "/fork", "{}",
                      bearer(cand.resume_token))
                .status,
            403);
}

// -- f. near-miss secrets --

TEST_F(security, near_miss_secrets_are_refused_everywhere) {
  roomd_process server(data());
  auto s = create_session(server);
  const std::string admin = server.admin_token();
  ASSERT_GE(admin.size(), 32u);
  // For a secret: the same length with one character changed (first and last), every proper
  // prefix length that matters, one character more, and other casings of the scheme.
  auto near_misses = [](const std::string& secret) {
    auto flip = [](char c) { return c == 'a' ? 'b' : 'a'; };
    std::string first = secret, last = secret;
    first[0] = flip(first[0]);
    last.back() = flip(last.back());
    return std::vector<std::pair<std::string, std::string>>{
        {"Authorization", "Bearer " + first},
        {"Authorization", "Bearer " + last},
        {"Authorization", "Bearer " + secret.substr(0, secret.size() - 1)},
        {"Authorization", "Bearer " + secret.substr(0, secret.size() / 2)},
        {"Authorization", "Bearer " + secret.substr(0, 1)},
        {"Authorization", "Bearer " + secret + "0"},
        {"Authorization", "Bearer  " + secret},
    };
  };
  auto status_with = [&](const std::string& method, const std::string& target,
                         std::vector<std::pair<std::string, std::string>> h) {
    return http_call(server.port(), method, target, method == "POST" ? "{}" : "", h).status;
  };
  const std::vector<std::pair<std::string, std::string>> interviewer_paths = {
      {"GET", "/api/sessions/" + s.id + "/events"},
      {"GET", "/api/sessions/" + s.id + "/state"},
      {"POST", "/api/sessions/" + s.id + "/fork"}};
  const std::vector<std::pair<std::string, std::string>> admin_paths = {
      {"GET", "/api/admin/sessions"},
      {"GET", "/api/admin/sessions/" + s.id},
      {"GET", "/api/admin/stats"},
      {"POST", "/api/admin/compact"}};
  for (const auto& [method, path] : interviewer_paths) {
    for (const auto& h : near_misses(s.key))
      EXPECT_EQ(status_with(method, path, {h}), 403) << path << " " << h.second;
    EXPECT_EQ(status_with(method, path, {}), 401) << path << ": no header";
    EXPECT_EQ(status_with(method, path, {{"Authorization", "Bearer "}}), 401)
        << path << ": empty Bearer";
    EXPECT_EQ(status_with(method, path, {{"Authorization", "Bearer"}}), 401) << path;
    EXPECT_EQ(status_with(method, path, {{"Authorization", ""}}), 401) << path;
    EXPECT_EQ(status_with(method, path, {{"Authorization", "Basic " + s.key}}), 401) << path;
    EXPECT_EQ(status_with(method, path, {{"Authorization", s.key}}), 401) << path << ": no scheme";
  }
  for (const auto& [method, path] : admin_paths) {
    for (const auto& h : near_misses(admin))
      EXPECT_EQ(status_with(method, path, {h}), 403) << path << " " << h.second;
    EXPECT_EQ(status_with(method, path, {}), 401) << path;
    EXPECT_EQ(status_with(method, path, {{"Authorization", "Bearer "}}), 401) << path;
    EXPECT_EQ(status_with(method, path, {{"Authorization", "Basic " + admin}}), 401) << path;
    EXPECT_EQ(status_with(method, path, {{"Authorization", "Bearer " + s.key}}), 403)
        << path << ": an interviewer key is not admin";
  }
  // The right secrets still work (the refusals above were not a broken check).
  for (const auto& [method, path] : interviewer_paths)
    EXPECT_LT(status_with(method, path, bearer(s.key)), 300) << path;
  for (const auto& [method, path] : admin_paths)
    EXPECT_LT(status_with(method, path, bearer(admin)), 300) << path;

  // Over the WebSocket: a near-miss interviewer key is error forbidden, then close 4401.
  for (const std::string& key : {s.key.substr(0, s.key.size() - 1), std::string(s.key.size(), '0'),
                                 s.key + "0", std::string()}) {
    auto ws = ws_client::join_path(server.port(), s.id);
    ws->send({{"type", "join_session"}, {"name", "eve"}, {"role", "interviewer"}, {"key", key}});
    auto err = ws->next_of_type("error");
    ASSERT_TRUE(err) << key;
    EXPECT_EQ(err->value("code", ""), "forbidden");
    EXPECT_EQ(ws->wait_closed(5s), 4401) << key;
  }
  EXPECT_EQ(events_of(all_events(server, s), "participant_joined").size(), 0u);
}

// -- f. static files --

TEST_F(security, static_files_never_leave_the_web_dir) {
  namespace fs = std::filesystem;
  const fs::path root = dir_.path() / "site";
  const fs::path web = root / "web";
  fs::create_directories(web / "assets");
  fs::create_directories(root / "private");
  auto write = [](const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary) << text;
  };
  write(web / "index.html", "<!doctype html><title>index</title>INDEX-PAGE");
  write(web / "assets" / "app.js", "console.log('APP-JS')");
  write(root / "secret.txt", "TOP-SECRET-1");
  write(root / "private" / "key.txt", "TOP-SECRET-2");
  fs::create_symlink(root / "secret.txt", web / "link.txt");
  fs::create_symlink(root / "private", web / "assets" / "dirlink");
  fs::create_symlink("/etc/passwd", web / "passwd");
  roomd_process server(data(), {"--web-dir", web.string()});

  auto served = http_call(server.port(), "GET", "/assets/app.js");
  ASSERT_EQ(served.status, 200);
  EXPECT_EQ(served.body, "console.log('APP-JS')");
  EXPECT_TRUE(contains(http_call(server.port(), "GET", "/").body, "INDEX-PAGE"));
  EXPECT_TRUE(contains(http_call(server.port(), "GET", "/room/abc").body, "INDEX-PAGE"));

  const std::string abs_secret = (root / "secret.txt").string();
  const std::vector<std::string> attacks = {"/../secret.txt",
                                            "/assets/../../secret.txt",
                                            "/assets/../index.html",
                                            "/%2e%2e/secret.txt",
                                            "/%2E%2E/secret.txt",
                                            "/..%2fsecret.txt",
                                            "/..%2Fsecret.txt",
                                            "/%2e%2e%2fsecret.txt",
                                            "/assets/%2e%2e/%2e%2e/secret.txt",
                                            "/.%2e/secret.txt",
                                            "/room/../../secret.txt",
                                            "/replay/..%2f..%2fsecret.txt",
                                            "//etc/passwd",
                                            "///etc/passwd",
                                            "/" + abs_secret,
                                            "/" + abs_secret.substr(1),
                                            "//" + abs_secret.substr(1),
                                            "/%2fetc/passwd",
                                            "/%2F" + abs_secret.substr(1),
                                            "/link.txt",
                                            "/passwd",
                                            "/assets/dirlink/key.txt",
                                            "/assets\\..\\..\\secret.txt",
                                            "/..\\secret.txt",
                                            "/%5c..%5csecret.txt",
                                            "/index.html%00.js",
                                            "/%00",
                                            "/assets/app.js%00",
                                            "/assets/",
                                            "/assets",
                                            "/%zz",
                                            "/%",
                                            "etc/passwd",
                                            "/etc/passwd",
                                            "/proc/self/environ",
                                            "/..",
                                            "/.",
                                            "/./secret.txt"};
  for (const auto& target : attacks) {
    http_reply r;
    try {
      r = http_call(server.port(), "GET", target);
    } catch (const std::exception& e) {
      continue;  // refused before an answer: nothing was served
    }
    EXPECT_TRUE(r.status == 400 || r.status == 404)
        << target << " -> " << r.status << " " << r.body.substr(0, 100);
    EXPECT_FALSE(contains(r.body, "TOP-SECRET")) << target;
    EXPECT_FALSE(contains(r.body, "root:")) << target;
    EXPECT_FALSE(contains(r.body, "INDEX-PAGE"))
        << target << ": the index is not a fallback for files";
  }
  // A raw NUL byte in the request line, and a request that is not a path.
  for (const std::string& line :
       {std::string("GET /link.txt\0.js HTTP/1.1", 26), std::string("GET /../secret.txt HTTP/1.0"),
        std::string("GET http://127.0.0.1/../secret.txt HTTP/1.1")}) {
    raw_socket sock(server.port());
    ASSERT_TRUE(sock.write_all(line + "\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
    std::string got;
    sock.read_until_eof(got, 10s);
    EXPECT_FALSE(contains(got, "TOP-SECRET")) << got;
    EXPECT_FALSE(contains(got, "200 OK")) << got;
  }
  EXPECT_EQ(http_call(server.port(), "GET", "/health").status, 200);
}

// -- g. secrets never in logs --

TEST_F(security, secrets_never_reach_the_log_at_debug_level) {
  // roomd_process runs --log-level debug (the most verbose); stdout and stderr go to the log.
  roomd_process server(data(), {"--runner", "local", "--join-timeout", "2s"});
  const std::string admin = server.admin_token();
  std::vector<std::string> secrets = {admin};
  auto s = create_session(server, {{"title", "log check"}});
  secrets.push_back(s.key);

  auto bob = join(server, s.id, "bob", "interviewer", s.key);
  auto cand = join(server, s.id, "cand");
  secrets.push_back(bob.resume_token);
  secrets.push_back(cand.resume_token);
  ASSERT_TRUE(push(cand, insert_at(0, 0, "echo hi")));
  bob.ws->send({{"type", "add_note"}, {"text", "a note"}});
  ASSERT_TRUE(bob.ws->next_of_type("note_added"));
  // A run, when this host can run something (the local sandbox may be unavailable).
  auto runtimes = body_of(http_call(server.port(), "GET", "/api/runtimes"));
  bool ran = false;
  for (const auto& rt : runtimes) {
    if (rt.value("language", "") != "bash" && rt.value("language", "") != "python") continue;
    cand.ws->send({{"type", "language_change"}, {"language", rt.value("language", "")}});
    ASSERT_TRUE(cand.ws->next_of_type("language_changed"));
    cand.ws->send({{"type", "run_code"}});
    ran = cand.ws->next_of_type("run_finished", 30s).has_value();
    break;
  }
  // Resume with the token, a bad key, a bad admin token: failures must not log the secret tried.
  cand.ws->drop();
  auto back = resume(server, s.id, cand);
  EXPECT_EQ(back.id, cand.id);
  const std::string wrong_key = "wrongkey" + s.key.substr(8);
  secrets.push_back(wrong_key);
  {
    auto eve = ws_client::join_path(server.port(), s.id);
    eve->send(
        {{"type", "join_session"}, {"name", "eve"}, {"role", "interviewer"}, {"key", wrong_key}});
    EXPECT_EQ(eve->wait_closed(5s), 4401);
  }
  EXPECT_EQ(
      http_call(server.port(), "GET", "/api/sessions/" + s.id + "/events", "", bearer(wrong_key))
          .status,
      403);
  EXPECT_EQ(http_call(server.port(), "GET", "/api/admin/sessions", "", bearer(wrong_key)).status,
            403);
  EXPECT_EQ(http_call(server.port(), "GET", "/api/sessions/" + s.id + "/events?key=" + s.key, "",
                      bearer(s.key))
                .status,
            200);
  // Admin API: list, inspect, stats, compact, export (inspect + events), import, delete.
  EXPECT_EQ(http_call(server.port(), "GET", "/api/admin/sessions", "", bearer(admin)).status, 200);
  auto inspected =
      body_of(http_call(server.port(), "GET", "/api/admin/sessions/" + s.id, "", bearer(admin)));
  EXPECT_EQ(http_call(server.port(), "GET", "/api/admin/stats", "", bearer(admin)).status, 200);
  EXPECT_EQ(http_call(server.port(), "POST", "/api/admin/compact", "{}", bearer(admin)).status,
            200);
  auto events = all_events(server, s);
  std::string exported = json{{"type", "session"},
                              {"format", 1},
                              {"sessionId", s.id},
                              {"createdAt", inspected.value("createdAt", std::int64_t{0})},
                              {"language", "plaintext"},
                              {"title", "log check"},
                              {"keyHash", inspected.value("keyHash", "")}}
                             .dump() +
                         "\n";
  for (const auto& e : events) exported += e.dump() + "\n";
  EXPECT_EQ(
      http_call(server.port(), "DELETE", "/api/admin/sessions/" + s.id, "", bearer(admin)).status,
      204);
  auto imported = http_call(server.port(), "POST", "/api/admin/import", exported, bearer(admin));
  EXPECT_EQ(imported.status, 201) << imported.body;
  // The imported copy answers to the same key; a fork makes a new key.
  auto fork =
      http_call(server.port(), "POST", "/api/sessions/" + s.id + "/fork", "{}", bearer(s.key));
  ASSERT_EQ(fork.status, 201) << fork.body;
  secrets.push_back(body_of(fork).value("interviewerKey", ""));
  EXPECT_EQ(http_call(server.port(), "POST", "/api/sessions", "", bearer(admin)).status, 201);
  // An idle socket reaped by the join timeout, and a flood, log too.
  auto idle = ws_client::join_path(server.port(), s.id);
  EXPECT_EQ(idle->wait_closed(10s), 4408);
  ASSERT_EQ(server.stop(), 0);

  const std::string log = server.log();
  EXPECT_TRUE(contains(log, "created")) << "the log is being written at all:\n" << log;
  for (const auto& secret : secrets) {
    ASSERT_GE(secret.size(), 16u);
    EXPECT_FALSE(contains(log, secret)) << "a secret is in the log: " << secret << "\n" << log;
    EXPECT_FALSE(contains(log, secret.substr(0, 16)))
        << "part of a secret is in the log: " << secret;
  }
  RecordProperty("ran_code", ran ? 1 : 0);
  RecordProperty("log_bytes", static_cast<int>(log.size()));
}

// -- i. imports of crafted files (the API; roomctl's are in tests/cli/roomctl_test.cpp) --

using rooms::testing::import_cases::crafted_id;
using rooms::testing::import_cases::crafted_lines;
using rooms::testing::import_cases::hostile_imports;
using rooms::testing::import_cases::to_text;

TEST_F(security, an_export_older_than_the_retention_imports_and_lives_a_retention_from_now) {
  roomd_process server(data(), {"--retention", "1h"});
  auto lines = crafted_lines();
  const std::int64_t long_ago = rooms::eventlog::now_ms() - 30LL * 24 * 3600 * 1000;  // 30 days
  lines[0]["createdAt"] = long_ago;
  for (std::size_t i = 1; i < lines.size(); ++i)
    lines[i]["ts"] = long_ago + static_cast<std::int64_t>(i) * 1000;
  auto r = http_call(server.port(), "POST", "/api/admin/import", to_text(lines),
                     bearer(server.admin_token()));
  ASSERT_EQ(r.status, 201) << r.body;
  auto got = http_call(server.port(), "GET", std::string("/api/sessions/") + crafted_id);
  ASSERT_EQ(got.status, 200) << "imported, then expired at once: " << got.body;
  EXPECT_GT(body_of(got).value("expiresAt", std::int64_t{0}),
            rooms::eventlog::now_ms() + 50LL * 60 * 1000);
  EXPECT_EQ(body_of(got).value("createdAt", std::int64_t{0}), long_ago);
}

TEST_F(security, crafted_imports_are_refused_and_change_nothing) {
  roomd_process server(data());
  const std::string admin = server.admin_token();
  auto existing = create_session(server, {{"title", "existing"}});
  auto alice = join(server, existing.id, "alice");
  ASSERT_TRUE(push(alice, insert_at(0, 0, "original")));
  auto events_before = all_events(server, existing);
  auto count_sessions = [&] {
    return body_of(http_call(server.port(), "GET", "/api/admin/sessions?limit=1000", "",
                             bearer(admin)))["sessions"]
        .size();
  };
  const auto sessions_before = count_sessions();

  for (const auto& [what, text] : hostile_imports()) {
    auto r = http_call(server.port(), "POST", "/api/admin/import", text, bearer(admin));
    EXPECT_EQ(r.status, 400) << what << ": " << r.body;
    auto j = json::parse(r.body, nullptr, false);
    EXPECT_TRUE(j.is_object() && j["message"].is_string() &&
                !j["message"].get<std::string>().empty())
        << what << ": " << r.body;
    EXPECT_EQ(http_call(server.port(), "GET", std::string("/api/sessions/") + crafted_id).status,
              404)
        << what << " was written";
  }
  // Over the existing session's id: 409, and the existing log is exactly as it was.
  auto over = crafted_lines(existing.id);
  auto r = http_call(server.port(), "POST", "/api/admin/import", to_text(over), bearer(admin));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(body_of(r).value("error", ""), "already_exists");
  EXPECT_EQ(all_events(server, existing), events_before);
  EXPECT_EQ(latest_state(server, existing).value("doc", ""), "original");
  EXPECT_EQ(count_sessions(), sessions_before);
  // Without the admin token nothing is imported.
  EXPECT_EQ(http_call(server.port(), "POST", "/api/admin/import", to_text(crafted_lines())).status,
            401);
  EXPECT_EQ(http_call(server.port(), "POST", "/api/admin/import", to_text(crafted_lines()),
                      bearer(existing.key))
                .status,
            403);
  // The room is alive and the valid file (with an HTML name inside the limits, shown as text by
  // the pages) imports.
  ASSERT_TRUE(push(alice, insert_at(8, 8, "!")));
  auto valid = crafted_lines();
  valid[2]["participant"]["name"] = "<b>Ada</b>";
  auto ok = http_call(server.port(), "POST", "/api/admin/import", to_text(valid), bearer(admin));
  EXPECT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(count_sessions(), sessions_before + 1);
  auto st = http_call(server.port(), "GET", std::string("/api/sessions/") + crafted_id + "/state",
                      "", bearer("the-key"));
  ASSERT_EQ(st.status, 200) << st.body;
  EXPECT_EQ(body_of(st).value("doc", ""), "def f():\n    return 1\nprint(f())");
  // A format-less header (exports made before the field existed) still imports.
  auto old = crafted_lines("7a1c2b3a-1111-4222-8333-444455556666");
  old[0].erase("format");
  EXPECT_EQ(
      http_call(server.port(), "POST", "/api/admin/import", to_text(old), bearer(admin)).status,
      201);
  EXPECT_EQ(http_call(server.port(), "GET", "/health").status, 200);
}

}  // namespace
}  // namespace rooms::gateway::test
