/// Black-box tests of the interview's shape (PROTOCOL.md "v2 additions": Lifecycle and
/// interviewer controls, Scorecards, Paste and focus signals) against a real roomd: the lobby,
/// start/end/reopen, editor lock and run disable, scorecards and their visibility, paste
/// origins, and a candidate socket that records every byte it is sent.

#include "tests/gateway/helpers.hpp"

namespace rooms::gateway::test {
namespace {

class interview : public ::testing::Test {
 protected:
  temp_dir dir_;
};

/// Sends `msg` with a ref and returns the error answering it (nullopt when none came).
std::optional<json> error_for(participant& p, json msg, const std::string& ref) {
  msg["ref"] = ref;
  p.ws->send(msg);
  return read_until(p, [&](const json& m) {
    return m.value("type", "") == "error" && m.value("ref", "") == ref;
  });
}

/// Sends `msg` with a ref and waits for the frame of `type` that echoes it.
std::optional<json> answer_of(participant& p, json msg, const std::string& ref,
                              const std::string& type) {
  msg["ref"] = ref;
  p.ws->send(msg);
  auto answer = read_until(p, [&](const json& m) { return m.value("ref", "") == ref; });
  if (answer && answer->value("type", "") != type) {
    ADD_FAILURE() << "expected " << type << ", got " << *answer;
    return std::nullopt;
  }
  return answer;
}

/// Everything `p` is sent up to the pong of a ping (what the room published to it meanwhile).
std::vector<json> drain(participant& p) {
  std::vector<json> seen;
  p.ws->send({{"type", "ping"}, {"ref", "drain"}});
  read_until(p, [&](const json& m) {
    if (m.value("type", "") == "pong" && m.value("ref", "") == "drain") return true;
    seen.push_back(m);
    return false;
  });
  return seen;
}

std::size_t event_count(const roomd_process& server, const session& s) {
  return all_events(server, s).size();
}

TEST_F(interview, a_lobby_candidate_waits_and_sees_nothing_until_the_start) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server, {{"lobby", true}, {"title", "Backend pairing"}});
  auto ida = join(server, s.id, "Ida", "interviewer", s.key);
  EXPECT_EQ(ida.state.value("phase", ""), "lobby");
  ASSERT_TRUE(push(ida, insert_at(0, 0, "prepared in the lobby")));

  auto cal = join(server, s.id, "Cal");
  EXPECT_EQ(cal.state.value("phase", ""), "lobby");
  EXPECT_EQ(cal.state.value("title", ""), "Backend pairing");
  EXPECT_FALSE(cal.state.contains("doc")) << cal.state;
  EXPECT_FALSE(cal.state.contains("version")) << cal.state;
  ASSERT_EQ(cal.state["participants"].size(), 1u) << cal.state;
  EXPECT_EQ(cal.state["participants"][0].value("participantId", ""), cal.id);
  EXPECT_EQ(cal.state["preparing"], json::array({"Ida"}));
  // The interviewer is told the candidate is waiting.
  ASSERT_TRUE(
      read_until(ida, [](const json& m) { return m.value("type", "") == "participant_joined"; }));

  // The interviewer keeps preparing; the candidate is sent nothing of it.
  ASSERT_TRUE(push(ida, insert_at(ida.doc.size(), ida.doc.size(), " more")));
  ida.ws->send({{"type", "cursor_update"}, {"version", ida.version}, {"anchor", 1}, {"head", 1}});
  ida.ws->send({{"type", "language_change"}, {"language", "plaintext"}});
  sync_with_room(ida);
  EXPECT_EQ(drain(cal), std::vector<json>{});

  // The candidate may neither edit, pull, run nor start.
  for (const auto& [ref, msg] : std::vector<std::pair<std::string, json>>{
           {"edit", code_update(0, insert_at(0, 0, "x"), cal.id)},
           {"pull", {{"type", "pull"}, {"version", 0}}},
           {"run", {{"type", "run_code"}}},
           {"cursor", {{"type", "cursor_update"}, {"version", 0}, {"anchor", 0}, {"head", 0}}},
           {"start", {{"type", "start_interview"}}}}) {
    auto err = error_for(cal, msg, ref);
    ASSERT_TRUE(err) << ref;
    EXPECT_EQ(err->value("code", ""), "forbidden") << ref << ": " << *err;
  }

  // Start: everyone is told, and the candidate gets the room.
  ASSERT_TRUE(answer_of(ida, {{"type", "start_interview"}}, "go", "phase_changed"));
  auto changed =
      read_until(cal, [](const json& m) { return m.value("type", "") == "phase_changed"; });
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->value("phase", ""), "live");
  auto fresh =
      read_until(cal, [](const json& m) { return m.value("type", "") == "session_state"; });
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->value("doc", ""), "prepared in the lobby more");
  EXPECT_EQ(fresh->value("phase", ""), "live");
  EXPECT_EQ((*fresh)["participants"].size(), 2u);
  EXPECT_FALSE(fresh->contains("scorecards")) << "never for a candidate";
  cal.version = fresh->value("version", std::uint64_t{0});
  cal.doc = domain::utf8_to_utf16(fresh->value("doc", ""));
  ASSERT_TRUE(push(cal, insert_at(cal.doc.size(), cal.doc.size(), "!")));
  EXPECT_EQ(latest_state(server, s).value("phase", ""), "live");
  // Starting twice is refused and logs nothing.
  const auto before = event_count(server, s);
  auto again = error_for(ida, {{"type", "start_interview"}}, "again");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->value("code", ""), "forbidden");
  EXPECT_EQ(event_count(server, s), before);
}

TEST_F(interview, an_ended_room_refuses_the_candidates_changes_and_reopens) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto ida = join(server, s.id, "Ida", "interviewer", s.key);
  auto cal = join(server, s.id, "Cal");
  EXPECT_EQ(cal.state.value("phase", ""), "live") << "a room without a lobby is live";
  ASSERT_TRUE(push(cal, insert_at(0, 0, "def f(): pass")));
  ASSERT_TRUE(answer_of(ida, {{"type", "end_interview"}}, "end", "phase_changed"));
  auto ended =
      read_until(cal, [](const json& m) { return m.value("type", "") == "phase_changed"; });
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->value("phase", ""), "ended");

  const auto before = all_events(server, s);
  for (const auto& [ref, msg] : std::vector<std::pair<std::string, json>>{
           {"edit", code_update(cal.version, insert_at(cal.doc.size(), 0, "x"), cal.id)},
           {"run", {{"type", "run_code"}}},
           {"lang", {{"type", "language_change"}, {"language", "python"}}},
           {"end", {{"type", "end_interview"}}}}) {
    auto err = error_for(cal, msg, ref);
    ASSERT_TRUE(err) << ref;
    EXPECT_EQ(err->value("code", ""), "forbidden") << ref << ": " << *err;
  }
  // Ending an ended room: a clear error and no event.
  auto twice = error_for(ida, {{"type", "end_interview"}}, "twice");
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->value("code", ""), "forbidden");
  EXPECT_EQ(twice->value("message", ""), "the interview has already ended");
  EXPECT_EQ(all_events(server, s), before);
  // The interviewer keeps full access.
  ida.version = cal.version;
  ida.doc = cal.doc;
  ASSERT_TRUE(push(ida, insert_at(ida.doc.size(), ida.doc.size(), " # reviewed")));
  EXPECT_EQ(latest_state(server, s).value("phase", ""), "ended");

  ASSERT_TRUE(answer_of(ida, {{"type", "reopen_interview"}}, "reopen", "phase_changed"));
  auto reopened =
      read_until(cal, [](const json& m) { return m.value("type", "") == "phase_changed"; });
  ASSERT_TRUE(reopened);
  EXPECT_EQ(reopened->value("phase", ""), "live");
  ASSERT_TRUE(push(cal, insert_at(cal.doc.size(), cal.doc.size(), "\\n")));
  auto phases = events_of(all_events(server, s), "phase_changed");
  ASSERT_EQ(phases.size(), 2u);
  EXPECT_EQ(phases[0].value("phase", ""), "ended");
  EXPECT_EQ(phases[1].value("phase", ""), "live");
  EXPECT_EQ(phases[0].value("participantId", ""), ida.id);
}

TEST_F(interview, controls_lock_the_editor_and_disable_runs_for_candidates) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto ida = join(server, s.id, "Ida", "interviewer", s.key);
  auto cal = join(server, s.id, "Cal");
  EXPECT_EQ(cal.state["controls"], json({{"editorLocked", false}, {"runDisabled", false}}));
  ASSERT_TRUE(answer_of(ida, {{"type", "set_controls"}, {"editorLocked", true}}, "lock",
                        "controls_changed"));
  auto told =
      read_until(cal, [](const json& m) { return m.value("type", "") == "controls_changed"; });
  ASSERT_TRUE(told);
  EXPECT_EQ(told->value("editorLocked", false), true);
  EXPECT_EQ(told->value("runDisabled", true), false);
  auto err = error_for(cal, code_update(0, insert_at(0, 0, "x"), cal.id), "edit");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->value("message", ""), "the interviewer has locked the editor");
  ASSERT_TRUE(push(ida, insert_at(0, 0, "mine")));

  ASSERT_TRUE(answer_of(ida,
                        {{"type", "set_controls"}, {"editorLocked", false}, {"runDisabled", true}},
                        "runs", "controls_changed"));
  auto run = error_for(cal, {{"type", "run_code"}}, "run");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->value("message", ""), "the interviewer has disabled runs");
  cal.version = ida.version;
  cal.doc = ida.doc;
  drain(cal);
  ASSERT_TRUE(push(cal, insert_at(cal.doc.size(), cal.doc.size(), "!")));
  EXPECT_EQ(latest_state(server, s)["controls"],
            json({{"editorLocked", false}, {"runDisabled", true}}));
  auto bad = error_for(ida, {{"type", "set_controls"}, {"editorLocked", "yes"}}, "bad");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->value("code", ""), "invalid_changes");
  auto by_candidate = error_for(cal, {{"type", "set_controls"}, {"runDisabled", false}}, "cand");
  ASSERT_TRUE(by_candidate);
  EXPECT_EQ(by_candidate->value("code", ""), "forbidden");
  EXPECT_EQ(events_of(all_events(server, s), "controls_changed").size(), 2u);
}

json card(int testing, const std::string& recommendation, bool submitted) {
  return {{"type", "save_scorecard"},
          {"ratings", {{"testing", testing}, {"communication", 3}}},
          {"recommendation", recommendation},
          {"comments", {{{"text", "clear naming"}, {"seq", 1}}}},
          {"submitted", submitted}};
}

bool has_type(const std::vector<json>& frames, const std::string& type) {
  for (const auto& f : frames)
    if (f.value("type", "") == type) return true;
  return false;
}

TEST_F(interview, scorecards_stay_hidden_from_other_interviewers_until_they_submit_their_own) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto ann = join(server, s.id, "Ann", "interviewer", s.key);
  auto bob = join(server, s.id, "Bob", "interviewer", s.key);
  auto cal = join(server, s.id, "Cal");
  EXPECT_EQ(ann.state["criteria"],
            json({"problem solving", "code quality", "communication", "testing"}));

  auto draft = answer_of(ann, card(2, "no", false), "a1", "scorecard_saved");
  ASSERT_TRUE(draft);
  EXPECT_EQ((*draft)["scorecard"]["ratings"]["testing"], 2);
  ASSERT_TRUE(answer_of(ann, card(3, "yes", true), "a2", "scorecard_saved"));
  EXPECT_FALSE(has_type(drain(bob), "scorecard_saved")) << "Bob has not submitted";
  EXPECT_FALSE(has_type(drain(cal), "scorecard_saved"));

  // Bob's own draft does not reveal Ann's; his submit does, all at once.
  ASSERT_TRUE(answer_of(bob, card(4, "strong_yes", false), "b1", "scorecard_saved"));
  auto ann_sees =
      read_until(ann, [](const json& m) { return m.value("type", "") == "scorecard_saved"; });
  ASSERT_TRUE(ann_sees) << "Ann submitted: she sees Bob's saves";
  EXPECT_EQ((*ann_sees)["scorecard"].value("participantId", ""), bob.id);
  auto bob_rejoined = join(server, s.id, "Bob2", "interviewer", s.key);
  EXPECT_EQ(bob_rejoined.state["scorecards"], json::array()) << "a new interviewer sees none";
  ASSERT_TRUE(answer_of(bob, card(4, "strong_yes", true), "b2", "scorecard_saved"));
  auto reveal = read_until(bob, [](const json& m) { return m.value("type", "") == "scorecards"; });
  ASSERT_TRUE(reveal);
  EXPECT_EQ((*reveal)["scorecards"].size(), 2u);

  // Bad input: each a clear error, nothing logged.
  const auto before = event_count(server, s);
  for (const auto& [ref, msg] : std::vector<std::pair<std::string, json>>{
           {"five", card(5, "yes", false)},
           {"rec", card(3, "maybe", false)},
           {"seq", {{"type", "save_scorecard"}, {"comments", {{{"text", "x"}, {"seq", 100000}}}}}},
           {"crit", {{"type", "save_scorecard"}, {"ratings", {{"charisma", 3}}}}}}) {
    auto err = error_for(ann, msg, ref);
    ASSERT_TRUE(err) << ref;
    EXPECT_EQ(err->value("code", ""), "invalid_changes") << ref << ": " << *err;
  }
  auto by_candidate = error_for(cal, card(4, "yes", true), "cand");
  ASSERT_TRUE(by_candidate);
  EXPECT_EQ(by_candidate->value("code", ""), "forbidden");
  EXPECT_EQ(event_count(server, s), before);

  // REST: the key sees all; nobody else.
  auto r =
      http_call(server.port(), "GET", "/api/sessions/" + s.id + "/scorecards", "", bearer(s.key));
  ASSERT_EQ(r.status, 200) << r.body;
  auto all = body_of(r);
  ASSERT_EQ(all["scorecards"].size(), 2u) << all;
  EXPECT_EQ(all["criteria"].size(), 4u);
  for (const auto& c : all["scorecards"]) EXPECT_TRUE(c.value("submitted", false)) << c;
  EXPECT_EQ(http_call(server.port(), "GET", "/api/sessions/" + s.id + "/scorecards").status, 401);
  EXPECT_EQ(
      http_call(server.port(), "GET", "/api/sessions/" + s.id + "/scorecards", "", bearer("wrong"))
          .status,
      403);
  EXPECT_EQ(events_of(all_events(server, s), "scorecard_saved").size(), 4u);

  // An export (every event) imports whole: the fold and the import's checks take the
  // scorecards, and the copy answers the same.
  const std::string admin = server.admin_token();
  auto inspected =
      body_of(http_call(server.port(), "GET", "/api/admin/sessions/" + s.id, "", bearer(admin)));
  std::string exported = json{{"type", "session"},
                              {"format", 1},
                              {"sessionId", s.id},
                              {"createdAt", inspected.value("createdAt", std::int64_t{0})},
                              {"language", "plaintext"},
                              {"title", ""},
                              {"keyHash", inspected.value("keyHash", "")}}
                             .dump() +
                         "\n";
  for (const auto& e : all_events(server, s)) exported += e.dump() + "\n";
  ann.ws->close();
  bob.ws->close();
  bob_rejoined.ws->close();
  cal.ws->close();
  ASSERT_EQ(
      http_call(server.port(), "DELETE", "/api/admin/sessions/" + s.id, "", bearer(admin)).status,
      204);
  auto imported = http_call(server.port(), "POST", "/api/admin/import", exported, bearer(admin));
  ASSERT_EQ(imported.status, 201) << imported.body;
  auto again =
      http_call(server.port(), "GET", "/api/sessions/" + s.id + "/scorecards", "", bearer(admin));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(body_of(again)["scorecards"], all["scorecards"]);
}

TEST_F(interview, paste_origins_are_logged_and_unknown_ones_refused) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto cal = join(server, s.id, "Cal");
  json paste = code_update(0, insert_at(0, 0, "copied from the web"), cal.id);
  paste["updates"][0]["origin"] = "paste";
  paste["updates"][0]["pasteFrom"] = "outside";
  cal.ws->send(paste);
  ASSERT_TRUE(cal.follow());
  json bad = code_update(cal.version, insert_at(cal.doc.size(), 0, "x"), cal.id);
  bad["updates"][0]["origin"] = "dictation";
  auto err = error_for(cal, bad, "bad");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->value("code", ""), "invalid_changes");
  auto changed = events_of(all_events(server, s), "code_changed");
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].value("origin", ""), "paste");
  EXPECT_EQ(changed[0].value("pasteFrom", ""), "outside");
  EXPECT_EQ(latest_state(server, s).value("doc", ""), "copied from the web");
}

/// THE candidate byte-recording test: every byte a candidate socket receives through a lobby
/// (where interviewers type, add notes, save scorecards, report focus), the start and the end
/// holds no scorecard, no note, no focus report and nothing typed in the lobby.
TEST_F(interview, a_candidate_socket_is_never_sent_scorecards_notes_focus_or_lobby_content) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server, {{"lobby", true}, {"title", "Recorded"}});
  auto ann = join(server, s.id, "Ann", "interviewer", s.key);
  auto bob = join(server, s.id, "Bob", "interviewer", s.key);
  auto cal = join(server, s.id, "Cal");
  read_until(ann, [](const json& m) { return m.value("type", "") == "participant_joined"; });

  // The lobby: typed text that is later deleted, a note, scorecards, focus changes.
  ASSERT_TRUE(push(ann, insert_at(0, 0, "LOBBYSECRET draft")));
  ann.ws->send({{"type", "add_note"}, {"text", "NOTESECRET one"}});
  ann.ws->send({{"type", "save_scorecard"},
                {"ratings", {{"testing", 2}}},
                {"comments", {{{"text", "CARDSECRET lobby"}}}},
                {"submitted", true}});
  bob.ws->send({{"type", "focus_change"}, {"focused", false}});
  bob.ws->send({{"type", "focus_change"}, {"focused", true}});
  ann.ws->send({{"type", "set_controls"}, {"editorLocked", true}});
  sync_with_room(ann);
  bob.version = ann.version;
  bob.doc = ann.doc;
  sync_with_room(bob);
  // Before the start, the lobby text goes away: whatever the candidate sees later lacks it.
  ASSERT_TRUE(push(ann, replace_all(ann.doc.size(), "def solve():")));

  ASSERT_TRUE(answer_of(ann, {{"type", "start_interview"}}, "go", "phase_changed"));
  ASSERT_TRUE(
      read_until(cal, [](const json& m) { return m.value("type", "") == "session_state"; }));
  ann.ws->send({{"type", "set_controls"}, {"editorLocked", false}});
  sync_with_room(ann);
  drain(cal);
  cal.version = ann.version;
  cal.doc = ann.doc;
  ASSERT_TRUE(push(cal, insert_at(cal.doc.size(), cal.doc.size(), " pass")));
  // Live: more notes, scorecards and focus changes around the candidate's work.
  ann.ws->send({{"type", "add_note"}, {"text", "NOTESECRET two"}});
  bob.ws->send({{"type", "save_scorecard"},
                {"ratings", {{"testing", 4}}},
                {"recommendation", "strong_yes"},
                {"comments", {{{"text", "CARDSECRET live"}, {"seq", 2}}}},
                {"submitted", true}});
  cal.ws->send({{"type", "focus_change"}, {"focused", false}});
  cal.ws->send({{"type", "focus_change"}, {"focused", true}});
  bob.ws->send({{"type", "focus_change"}, {"focused", false}});
  sync_with_room(bob);
  ASSERT_TRUE(answer_of(ann, {{"type", "end_interview"}}, "end", "phase_changed"));
  ann.ws->send({{"type", "save_scorecard"},
                {"ratings", {{"testing", 3}}},
                {"comments", {{{"text", "CARDSECRET after"}}}},
                {"submitted", true}});
  sync_with_room(ann);
  ASSERT_TRUE(read_until(cal, [](const json& m) { return m.value("phase", "") == "ended"; }));
  drain(cal);

  const std::string& bytes = cal.ws->received_bytes();
  ASSERT_NE(bytes.find("def solve():"), std::string::npos) << "the recording works";
  ASSERT_NE(bytes.find(" pass"), std::string::npos) << "and holds its own edit";
  for (const char* secret :
       {"LOBBYSECRET", "NOTESECRET", "CARDSECRET", "scorecard", "note_added", "participant_focus",
        "\"focused\"", "strong_yes", "ratings", "criteria", "preparing in", "draft"})
    EXPECT_EQ(bytes.find(secret), std::string::npos) << secret << " in:\n" << bytes;
  // What it did get: the lobby, then the room at the start, then the end.
  auto first_live = bytes.find("\"phase\":\"live\"");
  ASSERT_NE(first_live, std::string::npos);
  EXPECT_LT(bytes.find("\"phase\":\"lobby\""), first_live);
  // And the log has it all, for the interviewers.
  auto events = all_events(server, s);
  EXPECT_EQ(events_of(events, "scorecard_saved").size(), 3u);
  EXPECT_EQ(events_of(events, "note_added").size(), 2u);
}

}  // namespace
}  // namespace rooms::gateway::test
