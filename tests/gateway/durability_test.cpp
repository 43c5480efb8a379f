/// Black-box tests of what survives: restarts (SIGTERM), crashes (kill -9) and passivation.

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <thread>

#include "tests/gateway/helpers.hpp"

namespace rooms::gateway::test {
namespace {

class durability : public ::testing::Test {
 protected:
  std::string data() const { return (dir_.path() / "data").string(); }
  temp_dir dir_;
};

bool exited_cleanly(int status) {
  return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/// Waits until the metric reaches `at_least` (a metric can only be polled).
bool wait_metric(const roomd_process& server, const std::string& name, double at_least,
                 std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (metric(server, name).value_or(-1) >= at_least) return true;
    std::this_thread::sleep_for(20ms);  // polling an observable, not timing the server
  }
  return false;
}

/// Types `letter` at the end of the document until the socket closes (or `limit` acks); counts
/// acknowledged updates. Rejections are rebased (the catch-up arrives before them) and retried.
void type_until_closed(participant& p, char letter, std::atomic<std::uint64_t>& acked,
                       std::uint64_t limit = 100'000) {
  while (!p.ws->closed() && acked < limit) {
    try {
      p.ws->send(code_update(p.version,
                             insert_at(p.doc.size(), p.doc.size(), std::string(1, letter)), p.id));
    } catch (const std::exception&) {
      return;  // the server is gone
    }
    auto m = read_until(p, [&](const json& m) { return answers_push_of(m, p.id); });
    if (!m) return;
    if (m->value("type", "") == "code_changed") ++acked;
  }
}

/// Every update `p` received is the log's code_changed at that position.
void expect_prefix_of_log(const participant& p, const std::vector<json>& changed) {
  ASSERT_LE(p.seen_updates.size(), changed.size()) << "a client saw more updates than the log has";
  for (std::size_t i = 0; i < p.seen_updates.size(); ++i) {
    EXPECT_EQ(changed[i].value("version", 0u), i + 1);
    EXPECT_EQ(p.seen_updates[i]["changes"], changed[i]["changes"]) << "version " << i + 1;
    EXPECT_EQ(p.seen_updates[i].value("participantId", ""), changed[i].value("participantId", "?"));
    EXPECT_EQ(p.seen_updates[i].value("clientID", ""), changed[i].value("clientID", "?"));
  }
}

TEST_F(durability, a_restart_keeps_every_session_document_and_participant) {
  std::vector<session> sessions;
  std::vector<std::string> docs;
  std::vector<json> logs;
  participant keeper;
  std::string token;
  {
    roomd_process server(data());
    token = server.admin_token();
    for (int i = 0; i < 3; ++i) {
      sessions.push_back(create_session(server, {{"title", "s" + std::to_string(i)}}));
      auto p = join(server, sessions.back().id, "p" + std::to_string(i));
      ASSERT_TRUE(push(p, insert_at(0, 0, "doc " + std::to_string(i))));
      p.ws->send({{"type", "cursor_update"}, {"version", 1}, {"anchor", 2}, {"head", 3}});
      ASSERT_TRUE(sync_with_room(p));
      docs.push_back(p.text());
      if (i == 0) keeper = std::move(p);
    }
    for (const auto& s : sessions) logs.push_back(json(all_events(server, s)));
    int status = server.stop();
    EXPECT_TRUE(exited_cleanly(status)) << "exit status " << status << "\n" << server.log();
    // The server closed the socket as "going away" (participants stay resumable).
    EXPECT_EQ(keeper.ws->wait_closed(5s), 1001);
  }
  roomd_process server(data());
  EXPECT_EQ(server.admin_token(), token);
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    EXPECT_EQ(http_call(server.port(), "GET", "/api/sessions/" + sessions[i].id).status, 200);
    EXPECT_EQ(latest_state(server, sessions[i]).value("doc", ""), docs[i]);
    auto events = all_events(server, sessions[i]);
    // No event was lost or rewritten; a shutdown logs no leave.
    ASSERT_GE(events.size(), logs[i].size());
    for (std::size_t k = 0; k < logs[i].size(); ++k) EXPECT_EQ(events[k], logs[i][k]);
    EXPECT_TRUE(events_of(events, "participant_left").empty()) << json(events);
  }
  // The participant resumes across the restart with its token.
  participant again;
  again.ws = ws_client::join_path(server.port(), sessions[0].id);
  again.ws->send({{"type", "join_session"},
                  {"name", "p0"},
                  {"resumeToken", keeper.resume_token},
                  {"version", 1}});
  auto st = again.ws->next_of_type("session_state");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->value("participantId", ""), keeper.id);
  EXPECT_EQ(st->value("doc", ""), docs[0]);
  EXPECT_EQ(events_of(all_events(server, sessions[0]), "participant_joined").size(), 1u);
}

TEST_F(durability, sigterm_mid_typing_exits_0_and_loses_nothing_acknowledged) {
  session s;
  participant alice;
  std::atomic<std::uint64_t> acked{0};
  {
    roomd_process server(data());
    s = create_session(server);
    alice = join(server, s.id, "alice");
    std::thread typist([&] { type_until_closed(alice, 'a', acked); });
    // SIGTERM once typing is under way; the typist keeps going until its socket closes.
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (acked < 20 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    ::kill(server.pid(), SIGTERM);
    typist.join();
    int status = server.stop();
    EXPECT_TRUE(exited_cleanly(status)) << "exit status " << status << "\n" << server.log();
  }
  ASSERT_GE(acked.load(), 20u);
  roomd_process server(data());
  auto changed = events_of(all_events(server, s), "code_changed");
  expect_prefix_of_log(alice, changed);
  ASSERT_GE(changed.size(), alice.version);
  auto at = http_call(server.port(), "GET",
                      "/api/sessions/" + s.id + "/state?seq=" +
                          std::to_string(changed[alice.version - 1]["seq"].get<std::uint64_t>()),
                      "", bearer(s.key));
  EXPECT_EQ(body_of(at).value("doc", ""), alice.text());
}

TEST_F(durability, kill9_mid_typing_keeps_every_update_a_client_saw) {
  session s;
  participant alice, bob;
  std::atomic<std::uint64_t> acked_a{0}, acked_b{0};
  {
    roomd_process server(data());
    s = create_session(server);
    alice = join(server, s.id, "alice");
    bob = join(server, s.id, "bob", "interviewer", s.key);
    std::thread ta([&] { type_until_closed(alice, 'a', acked_a); });
    std::thread tb([&] { type_until_closed(bob, 'b', acked_b); });
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while ((acked_a < 15 || acked_b < 15) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    server.kill9();
    ta.join();
    tb.join();
  }
  ASSERT_GE(acked_a.load(), 15u);
  ASSERT_GE(acked_b.load(), 15u);
  roomd_process server(data());
  auto events = all_events(server, s);
  auto changed = events_of(events, "code_changed");
  for (const auto* p : {&alice, &bob}) {
    expect_prefix_of_log(*p, changed);
    // The state as of the last update the client saw is exactly its document.
    ASSERT_GE(p->version, 1u);
    auto r = http_call(server.port(), "GET",
                       "/api/sessions/" + s.id + "/state?seq=" +
                           std::to_string(changed[p->version - 1]["seq"].get<std::uint64_t>()),
                       "", bearer(s.key));
    EXPECT_EQ(body_of(r).value("doc", ""), p->text());
  }
  // The log folds to a state every client can resume into.
  json latest = latest_state(server, s);
  EXPECT_EQ(latest.value("seq", 0u), events.size());
  EXPECT_EQ(latest.value("version", 0u), changed.size());
  participant again;
  again.ws = ws_client::join_path(server.port(), s.id);
  again.ws->send({{"type", "join_session"},
                  {"name", "alice"},
                  {"resumeToken", alice.resume_token},
                  {"version", alice.version}});
  auto st = again.ws->next_of_type("session_state");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->value("participantId", ""), alice.id);
  EXPECT_EQ(st->value("doc", ""), latest.value("doc", "?"));
}

TEST_F(durability, a_passivated_room_comes_back_with_the_same_state) {
  roomd_process server(data(), {"--idle-passivate", "1s"});
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  auto bob = join(server, s.id, "bob", "interviewer", s.key);
  ASSERT_TRUE(push(alice, insert_at(0, 0, "def f():")));
  alice.ws->send({{"type", "language_change"}, {"language", "plaintext"}});
  alice.ws->send({{"type", "cursor_update"}, {"version", 1}, {"anchor", 4}, {"head", 5}});
  ASSERT_TRUE(sync_with_room(alice));
  ASSERT_TRUE(bob.follow());
  const double activations = metric(server, "rooms_activations_total").value_or(0);
  // Alice leaves cleanly, bob's connection drops: nobody is attached.
  alice.ws->close(1000);
  bob.ws->drop();
  ASSERT_TRUE(wait_metric(server, "rooms_passivations_total", 1)) << server.log();
  EXPECT_EQ(metric(server, "rooms_live"), 0);
  json before = latest_state(server, s);
  EXPECT_EQ(before.value("doc", ""), "def f():");
  EXPECT_TRUE(before["participants"].empty())
      << "a passivated room logs the dropped participant's leave: " << before;
  auto lefts = events_of(all_events(server, s), "participant_left");
  ASSERT_EQ(lefts.size(), 2u);
  EXPECT_EQ(lefts[0].value("reason", ""), "left");
  EXPECT_EQ(lefts[1].value("reason", ""), "disconnected");

  // Rejoining activates the room from its snapshot and log: the same state.
  auto carol = join(server, s.id, "carol", "interviewer", s.key);
  EXPECT_EQ(metric(server, "rooms_activations_total"), activations + 1);
  EXPECT_EQ(carol.text(), "def f():");
  EXPECT_EQ(carol.version, 1u);
  EXPECT_EQ(carol.state.value("language", ""), "plaintext");
  ASSERT_EQ(carol.state["participants"].size(), 1u) << carol.state;
  json after = latest_state(server, s);
  for (const char* field : {"version", "doc", "language", "lastRun"})
    EXPECT_EQ(after[field], before[field]) << field;
  EXPECT_EQ(after.value("seq", 0u), before.value("seq", 0u) + 1) << "only carol's join is new";
  ASSERT_TRUE(push(carol, insert_at(8, 8, " pass")));
  EXPECT_EQ(latest_state(server, s).value("doc", ""), "def f(): pass");
  EXPECT_GE(metric(server, "rooms_snapshots_written_total").value_or(0), 1)
      << "passivation writes a snapshot";
}

}  // namespace
}  // namespace rooms::gateway::test
