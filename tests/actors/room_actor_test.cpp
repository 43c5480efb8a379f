/// Room actor tests with a real event log and a real CAF actor system, no sockets.

#include <set>
#include <thread>

#include "tests/actors/room_fixture.hpp"

namespace rooms::actors::test {
namespace {

using eventlog::event_type;

room_config fast_config() {
  room_config c;
  c.idle_passivate = std::chrono::milliseconds(100);
  c.snapshot_every = 5;
  return c;
}

/// Checks seq 1..n without gap and code_changed versions 1..k in order.
void expect_gap_free(const std::vector<eventlog::event>& events) {
  std::uint64_t version = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].seq, i + 1);
    if (events[i].type == event_type::code_changed) {
      EXPECT_EQ(events[i].payload.value("version", 0u), ++version);
    }
  }
}

TEST(room_actor, exactly_one_of_two_pushes_at_the_same_version_is_accepted) {
  log_dir log;
  auto id = log.create_session();
  rooms_system sys(log.store(), fast_config());
  test_conn a(sys, id), b(sys, id);
  a.join("a");
  b.join("b");
  ASSERT_TRUE(a.next_of_type("participant_joined"));
  json first = {
      {"type", "code_update"},
      {"version", 0},
      {"updates",
       json::array({{{"clientID", "a"}, {"changes", json::array({json::array({0, "A"})})}}})}};
  json second = {
      {"type", "code_update"},
      {"version", 0},
      {"updates",
       json::array({{{"clientID", "b"}, {"changes", json::array({json::array({0, "B"})})}}})}};
  a.send(first);
  b.send(second);
  int accepted = 0, rejected = 0;
  for (auto* c : {&a, &b}) {
    bool changed = false, answered = false;
    while (!(changed && answered)) {
      auto m = c->next();
      ASSERT_TRUE(m) << "no answer";
      auto type = m->value("type", "");
      if (type == "code_update_rejected") {
        EXPECT_EQ(m->value("version", 0), 1);
        ++rejected;
        answered = true;
      } else if (type == "code_changed") {
        EXPECT_EQ(m->value("from", 9), 0);
        ASSERT_EQ((*m)["updates"].size(), 1u);
        c->apply(*m);
        changed = true;
        if ((*m)["updates"][0].value("participantId", "") == c->pid()) {
          ++accepted;
          answered = true;
        }
      }
    }
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(rejected, 1);
  EXPECT_EQ(a.text(), b.text());
  auto events = log.events(id);
  expect_gap_free(events);
  std::size_t code_events = 0;
  for (const auto& e : events) code_events += e.type == event_type::code_changed;
  EXPECT_EQ(code_events, 1u);
  EXPECT_EQ(log.fold(id).doc, utf8_to_utf16(a.text()));
}

TEST(room_actor, notes_and_focus_reach_interviewers_only) {
  log_dir log;
  auto id = log.create_session();
  rooms_system sys(log.store(), fast_config());
  test_conn cand(sys, id), iv(sys, id), iv2(sys, id);
  cand.join("cand");
  iv.join("iv", "interviewer");
  iv2.join("iv2", "interviewer");
  iv.send({{"type", "add_note"}, {"text", "note"}});
  cand.send({{"type", "focus_change"}, {"focused", false}});
  for (auto* c : {&iv, &iv2}) {
    auto note = c->next_of_type("note_added");
    ASSERT_TRUE(note);
    EXPECT_EQ(note->value("text", ""), "note");
    auto focus = c->next_of_type("participant_focus");
    ASSERT_TRUE(focus);
    EXPECT_EQ(focus->value("participantId", ""), cand.pid());
    EXPECT_EQ(focus->value("focused", true), false);
  }
  for (const auto& m : cand.until_pong()) {
    EXPECT_NE(m.value("type", ""), "note_added") << m;
    EXPECT_NE(m.value("type", ""), "participant_focus") << m;
  }
  cand.send({{"type", "add_note"}, {"text", "x"}, {"ref", 1}});
  auto err = cand.next_of_type("error");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->value("code", ""), "forbidden");
  auto state = log.fold(id);
  EXPECT_FALSE(state.participants.at(cand.pid()).focused);
}

/// parse_command keeps a fresh join's faults aside: a resume needs no name, while an unknown
/// token without a name is refused like any fresh join. The logged join has today's payload.
TEST(room_actor, a_resume_needs_no_name_and_a_fresh_join_does) {
  log_dir log;
  auto id = log.create_session();
  rooms_system sys(log.store(), fast_config());
  test_conn first(sys, id), again(sys, id), stranger(sys, id);
  auto st = first.join("Ada");
  const std::string token = st.value("resumeToken", "");
  ASSERT_FALSE(token.empty());
  again.send({{"type", "join_session"}, {"resumeToken", token}, {"ref", "r"}});
  auto resumed = again.next_of_type("session_state");
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->value("participantId", ""), first.pid());
  EXPECT_EQ(resumed->value("ref", ""), "r");
  EXPECT_EQ(first.wait_close(), 4409);
  stranger.send({{"type", "join_session"}, {"resumeToken", "unknown"}, {"ref", 7}});
  auto err = stranger.next_of_type("error");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->value("code", ""), "invalid_changes");
  EXPECT_EQ(err->value("message", ""), "join_session needs a \"name\" string");
  EXPECT_EQ(err->value("ref", 0), 7);
  std::size_t joins = 0;
  for (const auto& e : log.events(id)) {
    if (e.type != event_type::participant_joined) continue;
    ++joins;
    EXPECT_EQ(e.payload["participant"],
              (json{{"participantId", first.pid()},
                    {"name", "Ada"},
                    {"role", "candidate"},
                    {"color", e.payload["participant"].value("color", "")}}));
    EXPECT_EQ(e.payload.value("resumeHash", ""), eventlog::sha256_hex(token));
  }
  EXPECT_EQ(joins, 1u) << "a resume logs no second join";
}

TEST(room_actor, publication_order_is_seq_order) {
  log_dir log;
  auto id = log.create_session();
  rooms_system sys(log.store(), fast_config());
  constexpr int typists = 3;
  constexpr int per_typist = 20;
  std::vector<std::unique_ptr<test_conn>> conns;
  for (int i = 0; i < typists; ++i) {
    conns.push_back(std::make_unique<test_conn>(sys, id));
    conns.back()->join("t" + std::to_string(i), i == 0 ? "candidate" : "interviewer");
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < typists; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < per_typist; ++k) {
        EXPECT_TRUE(conns[i]->type_at_end(std::string(1, static_cast<char>('a' + i))));
        // A cursor move between edits, so the log interleaves other events.
        auto& c = *conns[i];
        c.send({{"type", "cursor_update"}, {"version", c.version()}, {"anchor", 0}, {"head", 0}});
      }
    });
  }
  for (auto& t : threads) t.join();
  constexpr std::uint64_t total = typists * per_typist;
  for (auto& c : conns)
    while (c->version() < total) ASSERT_TRUE(c->follow()) << "stuck at version " << c->version();
  std::vector<json> logged;
  for (const auto& e : log.events(id))
    if (e.type == event_type::code_changed)
      logged.push_back({{"clientID", e.payload["clientID"]},
                        {"changes", e.payload["changes"]},
                        {"participantId", e.participant_id}});
  ASSERT_EQ(logged.size(), total);
  expect_gap_free(log.events(id));
  for (auto& c : conns) {
    ASSERT_EQ(c->seen_updates().size(), total);
    for (std::size_t i = 0; i < total; ++i)
      EXPECT_EQ(c->seen_updates()[i], logged[i]) << "update " << i + 1;
    EXPECT_EQ(c->text(), conns[0]->text());
  }
  EXPECT_EQ(log.fold(id).doc, utf8_to_utf16(conns[0]->text()));

  // Snapshots were written while the room kept working (asynchronously, every 5 events), and
  // each one is exactly the fold of the log up to its seq.
  auto events = log.events(id);
  std::set<std::uint64_t> snapshot_seqs;
  for (std::uint64_t at = 1; at <= events.size(); ++at) {
    auto snap = log.store().snapshot_at_or_below(id, at);
    ASSERT_TRUE(snap.ok());
    if (snap->has_value()) snapshot_seqs.insert((*snap)->seq);
  }
  // The last one may still be in flight: it is queued behind the append it follows.
  EXPECT_GE(snapshot_seqs.size() + 1, events.size() / 5) << "snapshots were skipped";
  for (auto seq : snapshot_seqs) {
    auto snap = log.store().snapshot_at_or_below(id, seq);
    ASSERT_TRUE(snap.ok() && snap->has_value());
    auto decoded = domain::decode_snapshot((*snap)->bytes);
    ASSERT_TRUE(decoded) << "snapshot at " << seq;
    room_state folded;
    for (std::uint64_t i = 0; i < seq; ++i) ASSERT_FALSE(apply(folded, events[i]));
    EXPECT_TRUE(*decoded == folded) << "snapshot at " << seq;
  }
}

TEST(room_actor, state_survives_passivation_and_reopening_the_store) {
  log_dir log;
  auto id = log.create_session();
  json live;
  std::string doc;
  {
    rooms_system sys(log.store(), fast_config());
    caf::actor first_room;
    {
      test_conn a(sys, id), b(sys, id);
      a.join("a");
      b.join("b", "interviewer");
      for (int i = 0; i < 8; ++i) ASSERT_TRUE(a.type_at_end("x" + std::to_string(i)));
      a.send({{"type", "cursor_update"},
              {"version", 2},
              {"anchor", 1},
              {"head", 3}});  // stale: mapped
      a.send({{"type", "language_change"}, {"language", "plaintext"}});
      b.send({{"type", "add_note"}, {"text", "n"}});
      b.send({{"type", "focus_change"}, {"focused", false}});
      a.until_pong();
      b.until_pong();
      doc = a.text();
      EXPECT_EQ(b.text(), doc);
      first_room = a.room();
      // The live state is the fold of the log (the room publishes only what it logged).
      live = to_json(log.fold(id));
      EXPECT_EQ(live.value("doc", ""), doc);
      a.close(1000);  // leaves
      b.close(1006);  // dropped: resumable, but passivation logs the leave
      caf::scoped_actor watcher{sys.system()};
      watcher->monitor(first_room);
      bool down = false;
      watcher->receive([&](caf::down_msg&) { down = true; },
                       caf::after(std::chrono::seconds(10)) >> [] {});
      ASSERT_TRUE(down) << "the idle room was not passivated";
    }
    auto after_passivation = log.fold(id);
    json expected = live;
    expected["participants"] = json::array();
    expected["cursors"] = json::object();
    expected["seq"] = after_passivation.seq;
    EXPECT_EQ(to_json(after_passivation), expected)
        << "passivation logs two leaves and nothing else";
    EXPECT_EQ(after_passivation.seq, live.value("seq", 0u) + 2);
    // The snapshot the room wrote is exactly the fold at its seq.
    auto snap = log.store().snapshot_at_or_below(id, UINT64_MAX);
    ASSERT_TRUE(snap.ok() && snap->has_value());
    auto decoded = domain::decode_snapshot((*snap)->bytes);
    ASSERT_TRUE(decoded);
    EXPECT_EQ((*snap)->seq, after_passivation.seq);
    EXPECT_TRUE(*decoded == after_passivation) << domain::to_json(*decoded) << "\n"
                                               << domain::to_json(after_passivation);
    // Re-activation: a new room actor, loaded from the snapshot, shows the same document.
    test_conn c(sys, id);
    EXPECT_NE(c.room(), first_room);
    EXPECT_EQ(sys.stats().rooms_passivated.load(), 1u);  // counted before the registry answered c
    auto st = c.join("c");
    EXPECT_EQ(st.value("doc", ""), doc);
    EXPECT_EQ(st.value("version", 0u), live.value("version", 1u));
    EXPECT_EQ(st.value("language", ""), "plaintext");
    EXPECT_EQ(sys.stats().rooms_activated.load(), 2u);
    ASSERT_TRUE(c.type_at_end("!"));
    doc = c.text();
  }
  // Shut down (snapshot), close and reopen the store: replay and a new room agree.
  auto before = to_json(log.fold(id));
  auto via_snapshot = state_at(log.store(), id, UINT64_MAX);
  ASSERT_TRUE(via_snapshot.ok());
  EXPECT_EQ(to_json(*via_snapshot), before);
  log.close();
  log.open();
  auto reopened = state_at(log.store(), id, UINT64_MAX);
  ASSERT_TRUE(reopened.ok()) << reopened.error().to_string();
  EXPECT_EQ(to_json(*reopened), before);
  EXPECT_EQ(to_json(log.fold(id)), before);
  EXPECT_EQ(reopened->doc, utf8_to_utf16(doc));
  rooms_system sys(log.store(), fast_config());
  test_conn d(sys, id);
  auto st = d.join("d");
  EXPECT_EQ(st.value("doc", ""), doc);
  EXPECT_EQ(st.value("version", 0u), before.value("version", 1u));
}

TEST(room_actor, a_bad_key_gets_its_error_before_the_close_even_while_appends_are_in_flight) {
  log_dir log;
  auto id = log.create_session();
  rooms_system sys(log.store(), fast_config());
  test_conn typist(sys, id), intruder(sys, id);
  typist.join("typist");
  for (int round = 0; round < 20; ++round) {
    // An append in flight when the bad join arrives: the error is queued behind it.
    json update = {
        {"type", "code_update"},
        {"version", typist.version()},
        {"updates",
         json::array({{{"clientID", "t"},
                       {"changes",
                        round == 0 ? json::array({json::array({0, "x"})})
                                   : json::array({typist.version(), json::array({0, "x"})})}}})}};
    typist.send(update);
    test_conn bad(sys, id);
    bad.send(
        {{"type", "join_session"}, {"name", "eve"}, {"role", "interviewer"}, {"key", "wrong"}});
    auto err = bad.next_of_type("error");
    ASSERT_TRUE(err) << "round " << round << ": the forbidden error never came";
    EXPECT_EQ(err->value("code", ""), "forbidden");
    EXPECT_EQ(bad.wait_close(), 4401);
    ASSERT_EQ(bad.arrivals(), (std::vector<std::string>{"error", "close 4401"}))
        << "round " << round;
    ASSERT_TRUE(typist.follow());
  }
}

}  // namespace
}  // namespace rooms::actors::test
