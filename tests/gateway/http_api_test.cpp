/// Black-box tests of roomd's REST surface (PROTOCOL.md "HTTP") against real roomd processes.

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "tests/gateway/helpers.hpp"

namespace rooms::gateway::test {
namespace {

void expect_error(const http_reply& r, int status, const std::string& code = "") {
  EXPECT_EQ(r.status, status) << r.body;
  json j = json::parse(r.body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << "error body is not a JSON object: " << r.body;
  EXPECT_TRUE(j.contains("error") && j["error"].is_string()) << r.body;
  EXPECT_TRUE(j.contains("message") && j["message"].is_string()) << r.body;
  if (!code.empty()) {
    EXPECT_EQ(j.value("error", ""), code) << r.body;
  }
}

/// A session with a joined candidate that typed "abc" in three updates and moved its cursor.
struct busy_session {
  session s;
  participant alice;
};

busy_session make_busy(const roomd_process& server) {
  busy_session b{create_session(server, {{"title", "loop"}}), {}};
  b.alice = join(server, b.s.id, "alice");
  for (char c : std::string("abc"))
    EXPECT_TRUE(
        push(b.alice, insert_at(b.alice.doc.size(), b.alice.doc.size(), std::string(1, c))));
  b.alice.ws->send(
      {{"type", "cursor_update"}, {"version", b.alice.version}, {"anchor", 1}, {"head", 2}});
  b.alice.ws->send({{"type", "ping"}, {"ref", "sync"}});
  EXPECT_TRUE(b.alice.ws->next_of_type("pong"));
  return b;
}

class http_api : public ::testing::Test {
 protected:
  temp_dir dir_;
};

TEST_F(http_api, health_answers_ok) {
  roomd_process server((dir_.path() / "data").string());
  auto r = http_call(server.port(), "GET", "/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r).value("status", ""), "ok") << r.body;
}

TEST_F(http_api, create_answers_the_documented_shape) {
  roomd_process server((dir_.path() / "data").string());
  auto r = http_call(server.port(), "POST", "/api/sessions",
                     R"({"language":"plaintext","title":"Two sum"})");
  ASSERT_EQ(r.status, 201) << r.body;
  json j = body_of(r);
  const std::string id = j.value("sessionId", "");
  const std::string key = j.value("interviewerKey", "");
  EXPECT_TRUE(std::regex_match(
      id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;
  EXPECT_GE(key.size(), 32u) << "a 128-bit+ secret in hex";
  EXPECT_EQ(j.value("language", ""), "plaintext");
  EXPECT_TRUE(j["createdAt"].is_number_integer());
  EXPECT_EQ(j.value("joinUrl", ""), "/room/" + id);
  EXPECT_EQ(j.value("interviewerUrl", ""), "/room/" + id + "#key=" + key);
  EXPECT_EQ(j.value("replayUrl", ""), "/replay/" + id + "#key=" + key);

  // An empty body makes a plaintext session too; its log starts with session_created.
  auto bare = http_call(server.port(), "POST", "/api/sessions");
  ASSERT_EQ(bare.status, 201) << bare.body;
  EXPECT_EQ(body_of(bare).value("language", ""), "plaintext");

  auto got = http_call(server.port(), "GET", "/api/sessions/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  json g = body_of(got);
  EXPECT_EQ(g.value("sessionId", ""), id);
  EXPECT_EQ(g.value("language", ""), "plaintext");
  EXPECT_EQ(g.value("createdAt", std::int64_t{0}), j.value("createdAt", std::int64_t{-1}));
  EXPECT_TRUE(g["lastActivityAt"].is_number_integer());
  EXPECT_GT(g.value("expiresAt", std::int64_t{0}), g.value("createdAt", std::int64_t{0}));
  EXPECT_EQ(g.value("version", 99), 0);
  EXPECT_TRUE(g["participants"].is_array() && g["participants"].empty()) << got.body;

  session s{id, key, j};
  auto events = all_events(server, s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].value("type", ""), "session_created");
  EXPECT_EQ(events[0].value("title", ""), "Two sum");
  EXPECT_EQ(events[0].value("language", ""), "plaintext");
  json st = latest_state(server, s);
  EXPECT_EQ(st.value("doc", "x"), "");
  EXPECT_EQ(st.value("version", 99), 0);
}

TEST_F(http_api, create_refuses_bad_json_and_unknown_languages) {
  roomd_process server((dir_.path() / "data").string());
  expect_error(http_call(server.port(), "POST", "/api/sessions", "{not json"), 400, "bad_json");
  expect_error(http_call(server.port(), "POST", "/api/sessions", "[1,2]"), 400, "bad_json");
  // --runner none runs nothing: plaintext is the only language.
  expect_error(http_call(server.port(), "POST", "/api/sessions", R"({"language":"python"})"), 400);
  expect_error(http_call(server.port(), "POST", "/api/sessions", R"({"language":"cobol-9000"})"),
               400);
  expect_error(http_call(server.port(), "POST", "/api/sessions", R"({"language":7})"), 400);
  auto runtimes = http_call(server.port(), "GET", "/api/runtimes");
  EXPECT_EQ(runtimes.status, 200);
  EXPECT_EQ(body_of(runtimes), json::array());
}

TEST_F(http_api, deeply_nested_bodies_are_refused_without_crashing) {
  roomd_process server((dir_.path() / "data").string());
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  auto r = http_call(server.port(), "POST", "/api/sessions", deep);
  EXPECT_EQ(r.status, 400) << r.body;
  auto s = create_session(server);
  auto fork =
      http_call(server.port(), "POST", "/api/sessions/" + s.id + "/fork", deep, bearer(s.key));
  EXPECT_EQ(fork.status, 400) << fork.body;
  EXPECT_EQ(http_call(server.port(), "GET", "/health").status, 200) << server.log();
}

TEST_F(http_api, get_is_404_for_unknown_malformed_and_expired_sessions) {
  roomd_process server((dir_.path() / "data").string());
  expect_error(
      http_call(server.port(), "GET", "/api/sessions/3f0e5a48-8a4c-4b43-9d7e-0f0c3c0b8a11"), 404,
      "not_found");
  expect_error(http_call(server.port(), "GET", "/api/sessions/not-a-uuid"), 404);
  auto s = create_session(server);
  auto del = http_call(server.port(), "DELETE", "/api/admin/sessions/" + s.id, "",
                       bearer(server.admin_token()));
  EXPECT_EQ(del.status, 204) << del.body;
  expect_error(http_call(server.port(), "GET", "/api/sessions/" + s.id), 404, "not_found");
  expect_error(
      http_call(server.port(), "GET", "/api/sessions/" + s.id + "/events", "", bearer(s.key)), 404);
  expect_error(
      http_call(server.port(), "GET", "/api/sessions/" + s.id + "/state", "", bearer(s.key)), 404);
}

TEST_F(http_api, secrets_are_required_401_and_checked_403) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto other = create_session(server);
  for (const std::string path : {"/events", "/state"}) {
    expect_error(http_call(server.port(), "GET", "/api/sessions/" + s.id + path), 401);
    expect_error(
        http_call(server.port(), "GET", "/api/sessions/" + s.id + path, "", bearer(other.key)),
        403);
    expect_error(
        http_call(server.port(), "GET", "/api/sessions/" + s.id + path, "", bearer("nope")), 403);
    EXPECT_EQ(
        http_call(server.port(), "GET", "/api/sessions/" + s.id + path, "", bearer(s.key)).status,
        200);
    EXPECT_EQ(http_call(server.port(), "GET", "/api/sessions/" + s.id + path, "",
                        bearer(server.admin_token()))
                  .status,
              200);
  }
  expect_error(http_call(server.port(), "POST", "/api/sessions/" + s.id + "/fork", "{}"), 401);
  expect_error(
      http_call(server.port(), "POST", "/api/sessions/" + s.id + "/fork", "{}", bearer(other.key)),
      403);
  // Admin endpoints: 401 without the token, 403 with a wrong one (an interviewer key is not it).
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/admin/sessions"},
           {"GET", "/api/admin/sessions/" + s.id},
           {"DELETE", "/api/admin/sessions/" + s.id}}) {
    expect_error(http_call(server.port(), method, path), 401);
    expect_error(http_call(server.port(), method, path, "", bearer(s.key)), 403);
  }
  EXPECT_EQ(http_call(server.port(), "GET", "/api/sessions/" + s.id).status, 200) << "still there";
}

TEST_F(http_api, events_page_with_from_limit_and_next) {
  roomd_process server((dir_.path() / "data").string());
  auto b = make_busy(server);
  // session_created, participant_joined, 3 x code_changed, cursor_moved
  auto all = all_events(server, b.s);
  ASSERT_EQ(all.size(), 6u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].value("seq", 0u), i + 1) << all[i];
    EXPECT_TRUE(all[i]["ts"].is_number_integer()) << all[i];
    if (i > 0) {
      EXPECT_GE(all[i]["ts"].get<std::int64_t>(), all[i - 1]["ts"].get<std::int64_t>());
    }
  }
  EXPECT_EQ(all[1].value("type", ""), "participant_joined");
  EXPECT_EQ(all[1].value("participantId", ""), b.alice.id);
  EXPECT_EQ(all[2].value("type", ""), "code_changed");
  EXPECT_EQ(all[2].value("version", 0), 1);
  EXPECT_EQ(all[4].value("version", 0), 3);
  EXPECT_EQ(all[5].value("type", ""), "cursor_moved");

  std::vector<json> paged;
  std::string from = "1";
  std::vector<json> nexts;
  for (int guard = 0; guard < 10; ++guard) {
    auto r = http_call(server.port(), "GET",
                       "/api/sessions/" + b.s.id + "/events?from=" + from + "&limit=4", "",
                       bearer(b.s.key));
    ASSERT_EQ(r.status, 200) << r.body;
    json j = body_of(r);
    EXPECT_LE(j["events"].size(), 4u);
    for (auto& e : j["events"]) paged.push_back(e);
    nexts.push_back(j["next"]);
    if (j["next"].is_null()) break;
    from = std::to_string(j["next"].get<std::uint64_t>());
  }
  EXPECT_EQ(nexts, (std::vector<json>{5, nullptr}));
  EXPECT_EQ(paged, all);

  // `from` is inclusive.
  auto mid = http_call(server.port(), "GET", "/api/sessions/" + b.s.id + "/events?from=3&limit=2",
                       "", bearer(b.s.key));
  json m = body_of(mid);
  ASSERT_EQ(m["events"].size(), 2u) << mid.body;
  EXPECT_EQ(m["events"][0].value("seq", 0), 3);
  EXPECT_EQ(m["next"], 5);
  auto end = http_call(server.port(), "GET", "/api/sessions/" + b.s.id + "/events?from=6", "",
                       bearer(b.s.key));
  EXPECT_EQ(body_of(end)["next"], nullptr) << end.body;
  EXPECT_EQ(body_of(end)["events"].size(), 1u) << end.body;
  expect_error(http_call(server.port(), "GET", "/api/sessions/" + b.s.id + "/events?from=0", "",
                         bearer(b.s.key)),
               400);
  expect_error(http_call(server.port(), "GET", "/api/sessions/" + b.s.id + "/events?limit=abc", "",
                         bearer(b.s.key)),
               400);
}

TEST_F(http_api, state_by_seq_and_at) {
  roomd_process server((dir_.path() / "data").string());
  auto b = make_busy(server);
  auto all = all_events(server, b.s);
  ASSERT_EQ(all.size(), 6u);
  auto state = [&](const std::string& query) {
    return http_call(server.port(), "GET", "/api/sessions/" + b.s.id + "/state" + query, "",
                     bearer(b.s.key));
  };
  const std::vector<std::string> docs = {"", "", "a", "ab", "abc", "abc"};
  for (std::size_t seq = 1; seq <= 6; ++seq) {
    auto r = state("?seq=" + std::to_string(seq));
    ASSERT_EQ(r.status, 200) << r.body;
    json j = body_of(r);
    EXPECT_EQ(j.value("seq", 0u), seq);
    EXPECT_EQ(j.value("doc", "?"), docs[seq - 1]) << "seq " << seq;
    EXPECT_EQ(j.value("version", 0u), seq <= 2 ? 0 : std::min<std::size_t>(seq - 2, 3));
    EXPECT_EQ(j.value("language", ""), "plaintext");
    EXPECT_TRUE(j.contains("participants") && j.contains("cursors") && j.contains("lastRun"))
        << r.body;
    EXPECT_EQ(j["participants"].size(), seq >= 2 ? 1u : 0u) << r.body;
  }
  json last = body_of(state(""));
  EXPECT_EQ(last.value("seq", 0), 6);
  EXPECT_EQ(last["cursors"][b.alice.id], (json{{"version", 3}, {"anchor", 1}, {"head", 2}}))
      << last;
  expect_error(state("?seq=0"), 400);
  expect_error(state("?seq=7"), 400);
  expect_error(state("?seq=-1"), 400);

  // `at`: the state after the last event with ts <= at.
  for (const auto& e : all) {
    auto at = e["ts"].get<std::int64_t>();
    std::uint64_t expected = 0;
    for (const auto& x : all)
      if (x["ts"].get<std::int64_t>() <= at) expected = x["seq"].get<std::uint64_t>();
    auto r = state("?at=" + std::to_string(at));
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(body_of(r).value("seq", 0u), expected) << "at " << at;
  }
  auto later = state("?at=" + std::to_string(all.back()["ts"].get<std::int64_t>() + 60'000));
  EXPECT_EQ(body_of(later).value("seq", 0), 6) << later.body;
  EXPECT_EQ(state("?at=" + std::to_string(all.front()["ts"].get<std::int64_t>() - 1)).status, 400);
}

TEST_F(http_api, fork_at_a_seq_makes_a_new_session_with_that_document) {
  roomd_process server((dir_.path() / "data").string());
  auto b = make_busy(server);
  auto r = http_call(server.port(), "POST", "/api/sessions/" + b.s.id + "/fork", R"({"seq":4})",
                     bearer(b.s.key));
  ASSERT_EQ(r.status, 201) << r.body;
  json f = body_of(r);
  session fork{f.value("sessionId", ""), f.value("interviewerKey", ""), f};
  EXPECT_NE(fork.id, b.s.id);
  EXPECT_NE(fork.key, b.s.key);
  EXPECT_EQ(f.value("joinUrl", ""), "/room/" + fork.id);
  EXPECT_EQ(f.value("interviewerUrl", ""), "/room/" + fork.id + "#key=" + fork.key);
  EXPECT_EQ(f.value("replayUrl", ""), "/replay/" + fork.id + "#key=" + fork.key);
  EXPECT_EQ(f.value("language", ""), "plaintext");
  json st = latest_state(server, fork);
  EXPECT_EQ(st.value("doc", ""), "ab");
  EXPECT_EQ(st.value("language", ""), "plaintext");
  EXPECT_TRUE(st["participants"].empty()) << st;
  // The fork is a session like any other: a participant joins and sees that document.
  auto bob = join(server, fork.id, "bob");
  EXPECT_EQ(bob.text(), "ab");
  // The admin token may fork too; the original's key does not open the fork.
  auto admin_fork = http_call(server.port(), "POST", "/api/sessions/" + b.s.id + "/fork",
                              R"({"seq":1})", bearer(server.admin_token()));
  ASSERT_EQ(admin_fork.status, 201) << admin_fork.body;
  EXPECT_EQ(
      http_call(server.port(), "GET", "/api/sessions/" + fork.id + "/state", "", bearer(b.s.key))
          .status,
      403);
  expect_error(http_call(server.port(), "POST", "/api/sessions/" + b.s.id + "/fork",
                         R"({"seq":99})", bearer(b.s.key)),
               400);
  expect_error(http_call(server.port(), "POST", "/api/sessions/" + b.s.id + "/fork", "{bad",
                         bearer(b.s.key)),
               400);
}

TEST_F(http_api, admin_lists_inspects_and_deletes) {
  roomd_process server((dir_.path() / "data").string());
  const auto admin = bearer(server.admin_token());
  auto idle = create_session(server);
  auto b = make_busy(server);

  auto list = http_call(server.port(), "GET", "/api/admin/sessions", "", admin);
  ASSERT_EQ(list.status, 200) << list.body;
  json l = body_of(list);
  ASSERT_TRUE(l["sessions"].is_array());
  EXPECT_TRUE(l.contains("next"));
  std::map<std::string, json> rows;
  for (auto& row : l["sessions"]) rows[row.value("sessionId", "")] = row;
  ASSERT_EQ(rows.size(), 2u) << list.body;
  const json& live_row = rows[b.s.id];
  for (const char* field :
       {"createdAt", "lastActivityAt", "expiresAt", "participants", "events", "bytes", "live"})
    EXPECT_TRUE(live_row.contains(field)) << field << " missing in " << live_row;
  EXPECT_EQ(live_row.value("live", false), true);
  EXPECT_EQ(live_row.value("events", 0), 6);
  EXPECT_GT(live_row.value("bytes", 0), 0);
  ASSERT_EQ(live_row["participants"].size(), 1u) << live_row;
  EXPECT_EQ(live_row["participants"][0].value("participantId", ""), b.alice.id);
  EXPECT_EQ(rows[idle.id].value("events", 0), 1);

  auto live_only =
      body_of(http_call(server.port(), "GET", "/api/admin/sessions?state=live", "", admin));
  ASSERT_EQ(live_only["sessions"].size(), 1u) << live_only;
  EXPECT_EQ(live_only["sessions"][0].value("sessionId", ""), b.s.id);
  auto stored_only =
      body_of(http_call(server.port(), "GET", "/api/admin/sessions?state=stored", "", admin));
  ASSERT_EQ(stored_only["sessions"].size(), 1u) << stored_only;
  EXPECT_EQ(stored_only["sessions"][0].value("sessionId", ""), idle.id);
  expect_error(http_call(server.port(), "GET", "/api/admin/sessions?state=nope", "", admin), 400);

  // Paging with limit/cursor visits each session once.
  std::set<std::string> seen;
  std::string cursor;
  for (int guard = 0; guard < 5; ++guard) {
    auto page = body_of(http_call(
        server.port(), "GET",
        "/api/admin/sessions?limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor), "", admin));
    EXPECT_LE(page["sessions"].size(), 1u) << page;
    for (auto& row : page["sessions"])
      EXPECT_TRUE(seen.insert(row.value("sessionId", "")).second) << "listed twice";
    if (page["next"].is_null()) break;
    cursor = page["next"].get<std::string>();
  }
  EXPECT_EQ(seen, (std::set<std::string>{idle.id, b.s.id}));

  auto inspect = http_call(server.port(), "GET", "/api/admin/sessions/" + b.s.id, "", admin);
  ASSERT_EQ(inspect.status, 200) << inspect.body;
  json in = body_of(inspect);
  EXPECT_EQ(in.value("sessionId", ""), b.s.id);
  EXPECT_EQ(in["state"].value("doc", ""), "abc") << in;
  expect_error(http_call(server.port(), "GET",
                         "/api/admin/sessions/3f0e5a48-8a4c-4b43-9d7e-0f0c3c0b8a11", "", admin),
               404);

  // Delete: 204, live sockets are closed with 4410, then 404 everywhere.
  auto del = http_call(server.port(), "DELETE", "/api/admin/sessions/" + b.s.id, "", admin);
  EXPECT_EQ(del.status, 204) << del.body;
  EXPECT_EQ(b.alice.ws->wait_closed(5s), 4410);
  expect_error(http_call(server.port(), "GET", "/api/sessions/" + b.s.id), 404);
  expect_error(http_call(server.port(), "GET", "/api/admin/sessions/" + b.s.id, "", admin), 404);
  expect_error(http_call(server.port(), "DELETE", "/api/admin/sessions/" + b.s.id, "", admin), 404);
  auto after = body_of(http_call(server.port(), "GET", "/api/admin/sessions", "", admin));
  ASSERT_EQ(after["sessions"].size(), 1u) << after;
  // A new socket to the expired session is refused with 4404.
  auto late = ws_client::join_path(server.port(), b.s.id);
  EXPECT_EQ(late->wait_closed(5s), 4404);
}

TEST_F(http_api, metrics_are_prometheus_text_with_the_documented_names) {
  roomd_process server((dir_.path() / "data").string());
  auto busy = make_busy(server);  // keeps alice connected
  auto r = http_call(server.port(), "GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type").rfind("text/plain", 0), 0u) << r.header("Content-Type");
  for (const char* gauge : {"rooms_live", "rooms_participants_connected", "rooms_ws_connections",
                            "rooms_http_connections", "rooms_log_healthy"}) {
    EXPECT_NE(r.body.find(std::string("# TYPE ") + gauge + " gauge\n"), std::string::npos) << gauge;
    EXPECT_TRUE(metric(r.body, gauge)) << gauge;
  }
  for (const char* counter :
       {"rooms_http_requests_total", "rooms_events_appended_total", "rooms_append_failures_total",
        "rooms_messages_in_total", "rooms_messages_out_total", "rooms_code_updates_rejected_total",
        "rooms_errors_sent_total", "rooms_runs_started_total", "rooms_runs_finished_total",
        "rooms_snapshots_written_total", "rooms_activations_total", "rooms_passivations_total",
        "rooms_ws_origin_rejected_total", "rooms_ws_slow_consumers_closed_total",
        "rooms_ws_rate_limited_total", "rooms_log_batches_total", "rooms_log_bytes_total"}) {
    EXPECT_NE(r.body.find(std::string("# TYPE ") + counter + " counter\n"), std::string::npos)
        << counter;
    EXPECT_TRUE(metric(r.body, counter)) << counter;
  }
  EXPECT_NE(r.body.find("# TYPE rooms_append_latency_seconds histogram\n"), std::string::npos);
  EXPECT_NE(r.body.find("rooms_append_latency_seconds_bucket{le=\"+Inf\"} "), std::string::npos);
  EXPECT_TRUE(metric(r.body, "rooms_append_latency_seconds_count"));
  EXPECT_EQ(metric(r.body, "rooms_live"), 1);
  EXPECT_EQ(metric(r.body, "rooms_participants_connected"), 1);
  EXPECT_EQ(metric(r.body, "rooms_log_healthy"), 1);
  EXPECT_GE(*metric(r.body, "rooms_events_appended_total"), 5);  // the room's own appends
  // Every non-comment line is "name{labels} value".
  std::istringstream lines(r.body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_TRUE(std::regex_match(line, std::regex(R"([a-z_]+(\{le="[^"]+"\})? [-+0-9.eE]+)")))
        << line;
  }
}

TEST_F(http_api, session_creation_is_rate_limited_per_address) {
  roomd_process server((dir_.path() / "data").string(), {"--create-per-minute", "2"});
  EXPECT_EQ(http_call(server.port(), "POST", "/api/sessions").status, 201);
  EXPECT_EQ(http_call(server.port(), "POST", "/api/sessions").status, 201);
  expect_error(http_call(server.port(), "POST", "/api/sessions"), 429, "rate_limited");
  // The admin token bypasses the limit.
  EXPECT_EQ(
      http_call(server.port(), "POST", "/api/sessions", "", bearer(server.admin_token())).status,
      201);
}

TEST_F(http_api, every_response_carries_the_security_headers) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  std::vector<http_reply> replies = {
      http_call(server.port(), "GET", "/health"),
      http_call(server.port(), "GET", "/api/sessions/" + s.id),
      http_call(server.port(), "GET", "/api/sessions/nope"),
      http_call(server.port(), "GET", "/api/sessions/" + s.id + "/events"),
      http_call(server.port(), "GET", "/metrics"),
      http_call(server.port(), "GET", "/room/" + s.id),
  };
  for (const auto& r : replies) {
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff")
        << r.status << " " << r.body.substr(0, 80);
    EXPECT_EQ(r.header("X-Frame-Options"), "DENY");
    EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer");
    EXPECT_NE(r.header("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
    EXPECT_NE(r.header("Content-Security-Policy").find("frame-ancestors 'none'"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace rooms::gateway::test
