/// Black-box tests of a room over WebSocket (PROTOCOL.md "WebSocket"): joining, collaborative
/// editing, cursors, language, notes and focus, resume.

#include <algorithm>

#include "tests/gateway/helpers.hpp"

namespace rooms::gateway::test {
namespace {

class ws_room : public ::testing::Test {
 protected:
  temp_dir dir_;
};

/// Sends a ping with `ref` and collects everything up to its pong (the room answers in order).
std::vector<json> until_pong(participant& p, const std::string& ref) {
  p.ws->send({{"type", "ping"}, {"ref", ref}});
  std::vector<json> seen;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = p.ws->next(1s);
    if (!m) continue;
    if (m->value("type", "") == "pong" && m->value("ref", "") == ref) return seen;
    seen.push_back(*m);
  }
  ADD_FAILURE() << "no pong " << ref;
  return seen;
}

TEST_F(ws_room, join_answers_session_state_and_tells_the_others) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server, {{"title", "T"}});
  auto alice = join(server, s.id, "alice");
  EXPECT_EQ(alice.state.value("sessionId", ""), s.id);
  EXPECT_EQ(alice.state.value("role", ""), "candidate");
  EXPECT_EQ(alice.state.value("version", 99), 0);
  EXPECT_EQ(alice.state.value("doc", "?"), "");
  EXPECT_EQ(alice.state.value("language", ""), "plaintext");
  EXPECT_FALSE(alice.resume_token.empty());
  ASSERT_EQ(alice.state["participants"].size(), 1u) << "the joiner is in its own list";
  EXPECT_EQ(alice.state["participants"][0].value("participantId", ""), alice.id);
  EXPECT_EQ(alice.state["participants"][0].value("name", ""), "alice");
  EXPECT_TRUE(alice.state["participants"][0]["color"].is_string());

  // A ref on join_session is echoed on session_state.
  auto bob_ws = ws_client::join_path(server.port(), s.id);
  bob_ws->send({{"type", "join_session"},
                {"name", "bob"},
                {"role", "interviewer"},
                {"key", s.key},
                {"ref", 42}});
  auto st = bob_ws->next_of_type("session_state");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->value("ref", 0), 42);
  EXPECT_EQ(st->value("role", ""), "interviewer");
  EXPECT_EQ((*st)["participants"].size(), 2u);
  const std::string bob_id = st->value("participantId", "");

  auto joined = alice.ws->next_of_type("participant_joined");
  ASSERT_TRUE(joined);
  EXPECT_EQ((*joined)["participant"].value("participantId", ""), bob_id);
  EXPECT_EQ((*joined)["participant"].value("role", ""), "interviewer");
  EXPECT_EQ((*joined)["participant"].value("name", ""), "bob");

  // The joiner itself is not told of its own join, and the REST view lists both.
  participant bob;
  bob.ws = std::move(bob_ws);
  for (const auto& m : until_pong(bob, "p"))
    EXPECT_NE(m.value("type", ""), "participant_joined") << m;
  auto view = body_of(http_call(server.port(), "GET", "/api/sessions/" + s.id));
  EXPECT_EQ(view["participants"].size(), 2u) << view;
}

TEST_F(ws_room, exactly_one_of_two_pushes_at_the_same_version_is_accepted) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  auto bob = join(server, s.id, "bob", "interviewer", s.key);
  ASSERT_TRUE(alice.ws->next_of_type("participant_joined"));

  // Both push at version 0 before either hears of the other.
  alice.ws->send(code_update(0, insert_at(0, 0, "A"), "ca", "a1"));
  bob.ws->send(code_update(0, insert_at(0, 0, "B"), "cb", "b1"));

  struct outcome {
    bool accepted = false;
    std::optional<json> rejected;
  };
  auto settle = [](participant& p) {
    outcome o;
    bool changed = false;
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!(changed && (o.accepted || o.rejected)) &&
           std::chrono::steady_clock::now() < deadline) {
      auto m = p.ws->next(1s);
      if (!m) continue;
      auto type = m->value("type", "");
      if (type == "code_changed") {
        EXPECT_EQ(m->value("from", 99), 0) << *m;
        EXPECT_TRUE(p.apply(*m));
        changed = true;
        for (const auto& u : (*m)["updates"])
          o.accepted = o.accepted || u.value("participantId", "") == p.id;
      } else if (type == "code_update_rejected") {
        o.rejected = m;
      }
    }
    EXPECT_TRUE(changed) << "every participant gets the accepted update";
    return o;
  };
  auto a = settle(alice);
  auto b = settle(bob);
  EXPECT_NE(a.accepted, b.accepted) << "exactly one push wins";
  EXPECT_NE(a.rejected.has_value(), b.rejected.has_value());
  participant& loser = a.accepted ? bob : alice;
  const json& rejection = a.accepted ? *b.rejected : *a.rejected;
  EXPECT_EQ(rejection.value("version", 0), 1);
  EXPECT_EQ(rejection.value("ref", ""), a.accepted ? "b1" : "a1") << "the rejection echoes the ref";
  EXPECT_EQ(alice.version, 1u);
  EXPECT_EQ(bob.version, 1u);
  EXPECT_EQ(alice.text(), bob.text());

  // The loser rebases (its insert goes after the winner's) and pushes again.
  const std::string mine = &loser == &alice ? "A" : "B";
  ASSERT_TRUE(push(loser, insert_at(1, 1, mine)));
  participant& winner = &loser == &alice ? bob : alice;
  ASSERT_TRUE(winner.follow());
  EXPECT_EQ(alice.text(), bob.text());
  EXPECT_EQ(alice.text().size(), 2u);

  auto changed = events_of(all_events(server, s), "code_changed");
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0].value("version", 0), 1);
  EXPECT_EQ(changed[1].value("version", 0), 2);
  EXPECT_EQ(latest_state(server, s).value("doc", ""), alice.text());
}

TEST_F(ws_room, concurrent_typists_converge_without_gaps) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  std::vector<participant> ps;
  ps.push_back(join(server, s.id, "alice"));
  ps.push_back(join(server, s.id, "bob", "interviewer", s.key));
  const std::vector<std::string> letters = {"a", "b"};
  constexpr int per_typist = 15;
  std::vector<int> left(2, per_typist);
  std::vector<bool> inflight(2, false);
  int rejections = 0;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while ((left[0] > 0 || left[1] > 0 || inflight[0] || inflight[1]) &&
         std::chrono::steady_clock::now() < deadline) {
    for (std::size_t i = 0; i < 2; ++i) {
      if (inflight[i] || left[i] == 0) continue;
      // Each typist appends its letter at the end of the document it has.
      ps[i].ws->send(code_update(
          ps[i].version, insert_at(ps[i].doc.size(), ps[i].doc.size(), letters[i]), ps[i].id));
      inflight[i] = true;
    }
    for (std::size_t i = 0; i < 2; ++i) {
      if (!inflight[i]) continue;
      auto m = read_until(ps[i], [&](const json& m) { return answers_push_of(m, ps[i].id); });
      ASSERT_TRUE(m) << "no answer to a push";
      ASSERT_NE(m->value("type", ""), "error") << *m;
      inflight[i] = false;
      if (m->value("type", "") == "code_update_rejected") {
        ++rejections;
        // The missing code_changed was published before the rejection was answered.
        EXPECT_EQ(ps[i].version, m->value("version", 0u)) << "rejected before the catch-up arrived";
      } else {
        --left[i];
      }
    }
  }
  constexpr std::uint64_t total = 2 * per_typist;
  for (auto& p : ps)
    while (p.version < total) ASSERT_TRUE(p.follow()) << "stuck at version " << p.version;
  EXPECT_EQ(ps[0].text(), ps[1].text());
  const std::string text = ps[0].text();
  EXPECT_EQ(std::count(text.begin(), text.end(), 'a'), per_typist);
  EXPECT_EQ(std::count(text.begin(), text.end(), 'b'), per_typist);
  EXPECT_EQ(latest_state(server, s).value("doc", ""), ps[0].text());
  auto changed = events_of(all_events(server, s), "code_changed");
  ASSERT_EQ(changed.size(), total);
  for (std::size_t i = 0; i < changed.size(); ++i)
    EXPECT_EQ(changed[i].value("version", 0u), i + 1);
  // What each client received, in order, is exactly the log's code_changed events.
  for (const auto& p : ps) {
    ASSERT_EQ(p.seen_updates.size(), total);
    for (std::size_t i = 0; i < total; ++i) {
      EXPECT_EQ(p.seen_updates[i]["changes"], changed[i]["changes"]);
      EXPECT_EQ(p.seen_updates[i].value("participantId", ""),
                changed[i].value("participantId", "?"));
    }
  }
  RecordProperty("rejections", rejections);
}

TEST_F(ws_room, cursors_reach_the_others_and_stale_ones_are_mapped) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  auto bob = join(server, s.id, "bob", "interviewer", s.key);
  ASSERT_TRUE(push(alice, insert_at(0, 0, "hello")));
  ASSERT_TRUE(bob.follow());

  bob.ws->send({{"type", "cursor_update"}, {"version", 1}, {"anchor", 1}, {"head", 3}});
  auto moved = alice.ws->next_of_type("cursor_updated");
  ASSERT_TRUE(moved);
  EXPECT_EQ(*moved, (json{{"type", "cursor_updated"},
                          {"participantId", bob.id},
                          {"version", 1},
                          {"anchor", 1},
                          {"head", 3}}));

  // Alice inserts "XX" at 0; bob, not yet aware, moves his cursor in the document at version 1.
  ASSERT_TRUE(push(alice, insert_at(5, 0, "XX")));
  bob.ws->send({{"type", "cursor_update"}, {"version", 1}, {"anchor", 2}, {"head", 4}});
  moved = alice.ws->next_of_type("cursor_updated");
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->value("version", 0), 2);
  EXPECT_EQ(moved->value("anchor", 0), 4);
  EXPECT_EQ(moved->value("head", 0), 6);
  // A cursor at the insertion point stays before the inserted text (assoc -1).
  bob.ws->send({{"type", "cursor_update"}, {"version", 1}, {"anchor", 0}, {"head", 0}});
  moved = alice.ws->next_of_type("cursor_updated");
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->value("anchor", 99), 0);
  EXPECT_EQ(moved->value("head", 99), 0);

  // The sender hears nothing of its own cursor; the log has the mapped positions.
  for (const auto& m : until_pong(bob, "c")) EXPECT_NE(m.value("type", ""), "cursor_updated") << m;
  auto cursors = events_of(all_events(server, s), "cursor_moved");
  ASSERT_EQ(cursors.size(), 3u);
  EXPECT_EQ(cursors[1].value("version", 0), 2);
  EXPECT_EQ(cursors[1].value("anchor", 0), 4);
  EXPECT_EQ(cursors[1].value("head", 0), 6);
  EXPECT_EQ(latest_state(server, s)["cursors"][bob.id],
            (json{{"version", 2}, {"anchor", 0}, {"head", 0}}));
  // A cursor ahead of the document is refused.
  bob.ws->send(
      {{"type", "cursor_update"}, {"version", 7}, {"anchor", 0}, {"head", 0}, {"ref", "ahead"}});
  auto err = bob.ws->next_of_type("error");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->value("code", ""), "invalid_changes");
  EXPECT_EQ(err->value("ref", ""), "ahead");
}

TEST_F(ws_room, language_changes_reach_everyone_and_unknown_ones_are_refused) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  auto bob = join(server, s.id, "bob", "interviewer", s.key);
  alice.ws->send({{"type", "language_change"}, {"language", "plaintext"}});
  for (auto* p : {&alice, &bob}) {
    auto m = p->ws->next_of_type("language_changed");
    ASSERT_TRUE(m);
    EXPECT_EQ(*m, (json{{"type", "language_changed"},
                        {"participantId", alice.id},
                        {"language", "plaintext"}}));
  }
  for (const std::string lang : {"python", "javascript", "klingon"}) {
    alice.ws->send({{"type", "language_change"}, {"language", lang}, {"ref", lang}});
    auto err = alice.ws->next_of_type("error");
    ASSERT_TRUE(err);
    EXPECT_EQ(err->value("code", ""), "unsupported_language") << lang;
    EXPECT_EQ(err->value("ref", ""), lang);
  }
  // With --runner none nothing runs, not even plaintext.
  alice.ws->send({{"type", "run_code"}, {"ref", "run"}});
  auto err = alice.ws->next_of_type("error");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->value("code", ""), "unsupported_language");
  for (const auto& m : until_pong(bob, "l"))
    EXPECT_NE(m.value("type", ""), "language_changed")
        << "refused changes are not broadcast: " << m;
  auto changes = events_of(all_events(server, s), "language_changed");
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].value("language", ""), "plaintext");
  EXPECT_EQ(changes[0].value("participantId", ""), alice.id);
  EXPECT_TRUE(events_of(all_events(server, s), "run_started").empty());
}

TEST_F(ws_room, notes_and_focus_reach_interviewers_only) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto cand = join(server, s.id, "cand");
  auto bob = join(server, s.id, "bob", "interviewer", s.key);
  auto carol = join(server, s.id, "carol", "interviewer", s.key);
  for (const auto& p : cand.state["participants"])
    EXPECT_FALSE(p.contains("focused")) << "focus is interviewer-only";

  bob.ws->send({{"type", "add_note"}, {"text", "solid on edge cases"}});
  for (auto* p : {&bob, &carol}) {
    auto note = p->ws->next_of_type("note_added");
    ASSERT_TRUE(note);
    EXPECT_EQ(note->value("participantId", ""), bob.id);
    EXPECT_EQ(note->value("text", ""), "solid on edge cases");
    EXPECT_TRUE((*note)["noteId"].is_string());
    EXPECT_EQ(note->value("version", 99), 0);
  }
  cand.ws->send({{"type", "focus_change"}, {"focused", false}});
  for (auto* p : {&bob, &carol}) {
    auto focus = p->ws->next_of_type("participant_focus");
    ASSERT_TRUE(focus);
    EXPECT_EQ(
        *focus,
        (json{{"type", "participant_focus"}, {"participantId", cand.id}, {"focused", false}}));
  }
  bob.ws->send({{"type", "focus_change"}, {"focused", false}});
  ASSERT_TRUE(carol.ws->next_of_type("participant_focus"));
  cand.ws->send({{"type", "add_note"}, {"text", "hire me"}, {"ref", "n"}});
  auto refused = cand.ws->next_of_type("error");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->value("code", ""), "forbidden");

  // Everything published before the pong reached the candidate already: no note, no focus.
  for (const auto& m : until_pong(cand, "end")) {
    EXPECT_NE(m.value("type", ""), "note_added") << m;
    EXPECT_NE(m.value("type", ""), "participant_focus") << m;
    EXPECT_EQ(m.dump().find("solid on edge cases"), std::string::npos) << m;
  }
  // A candidate joining later sees no focus state either; an interviewer does.
  auto late = join(server, s.id, "late");
  for (const auto& p : late.state["participants"]) EXPECT_FALSE(p.contains("focused")) << p;
  auto dave = join(server, s.id, "dave", "interviewer", s.key);
  bool saw_unfocused = false;
  for (const auto& p : dave.state["participants"])
    if (p.value("participantId", "") == cand.id) saw_unfocused = p.value("focused", true) == false;
  EXPECT_TRUE(saw_unfocused) << dave.state;
  auto events = all_events(server, s);
  EXPECT_EQ(events_of(events, "note_added").size(), 1u);
  EXPECT_EQ(events_of(events, "focus_changed").size(), 2u);
}

TEST_F(ws_room, a_dropped_participant_resumes_with_the_missed_updates) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  auto bob = join(server, s.id, "bob", "interviewer", s.key);
  ASSERT_TRUE(push(alice, insert_at(0, 0, "hi")));
  ASSERT_TRUE(bob.follow());
  alice.ws->drop();
  ASSERT_TRUE(push(bob, insert_at(2, 2, "!")));
  ASSERT_TRUE(push(bob, insert_at(3, 3, "?")));

  participant again;
  again.ws = ws_client::join_path(server.port(), s.id);
  again.ws->send({{"type", "join_session"},
                  {"name", "alice"},
                  {"role", "candidate"},
                  {"resumeToken", alice.resume_token},
                  {"version", 1},
                  {"ref", "r"}});
  auto first = again.ws->next();
  ASSERT_TRUE(first);
  ASSERT_EQ(first->value("type", ""), "session_state") << *first;
  EXPECT_EQ(first->value("participantId", ""), alice.id);
  EXPECT_EQ(first->value("version", 0), 3);
  EXPECT_EQ(first->value("doc", ""), "hi!?");
  EXPECT_EQ(first->value("ref", ""), "r");
  auto second = again.ws->next();
  ASSERT_TRUE(second);
  ASSERT_EQ(second->value("type", ""), "code_changed") << *second;
  EXPECT_EQ(second->value("from", 0), 1);
  EXPECT_EQ((*second)["updates"].size(), 2u) << *second;
  // Alice's editor was at version 1 ("hi"): the updates bring it to the server's document.
  again.id = alice.id;
  again.doc = domain::utf8_to_utf16("hi");
  again.version = 1;
  ASSERT_TRUE(again.apply(*second));
  EXPECT_EQ(again.text(), "hi!?");
  ASSERT_TRUE(push(again, insert_at(4, 4, ".")));
  ASSERT_TRUE(bob.follow());
  EXPECT_EQ(bob.text(), "hi!?.");

  // Same participant, no second join and no leave in the log; bob never heard of a join.
  for (const auto& m : until_pong(bob, "x"))
    EXPECT_NE(m.value("type", ""), "participant_joined") << m;
  auto events = all_events(server, s);
  auto joins = events_of(events, "participant_joined");
  ASSERT_EQ(joins.size(), 2u);
  EXPECT_EQ(std::count_if(joins.begin(), joins.end(),
                          [&](const json& e) { return e.value("participantId", "") == alice.id; }),
            1);
  EXPECT_TRUE(events_of(events, "participant_left").empty());
}

TEST_F(ws_room, leaving_cleanly_is_immediate_and_dropping_ends_after_the_grace) {
  roomd_process server((dir_.path() / "data").string(), {"--resume-grace", "1s"});
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  auto bob = join(server, s.id, "bob", "interviewer", s.key);
  auto carol = join(server, s.id, "carol");

  carol.ws->close(1000);
  auto left = bob.ws->next_of_type("participant_left", 3s);
  ASSERT_TRUE(left);
  EXPECT_EQ(*left,
            (json{{"type", "participant_left"}, {"participantId", carol.id}, {"reason", "left"}}));

  alice.ws->drop();
  left = bob.ws->next_of_type("participant_left", 5s);
  ASSERT_TRUE(left);
  EXPECT_EQ(*left, (json{{"type", "participant_left"},
                         {"participantId", alice.id},
                         {"reason", "disconnected"}}));

  // Her token no longer resumes: it is a fresh join with a new participant.
  auto ws = ws_client::join_path(server.port(), s.id);
  ws->send({{"type", "join_session"},
            {"name", "alice"},
            {"resumeToken", alice.resume_token},
            {"version", 0}});
  auto st = ws->next_of_type("session_state");
  ASSERT_TRUE(st);
  EXPECT_NE(st->value("participantId", ""), alice.id);
  auto joined = bob.ws->next_of_type("participant_joined");
  ASSERT_TRUE(joined);
  auto events = all_events(server, s);
  auto lefts = events_of(events, "participant_left");
  ASSERT_EQ(lefts.size(), 2u);
  EXPECT_EQ(lefts[0].value("reason", ""), "left");
  EXPECT_EQ(lefts[1].value("reason", ""), "disconnected");
  EXPECT_EQ(events_of(events, "participant_joined").size(), 4u);
}

}  // namespace
}  // namespace rooms::gateway::test
