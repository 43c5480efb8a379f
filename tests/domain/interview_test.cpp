/// The interview's rules (PROTOCOL.md "v2 additions"): the commands' checks, the fold of the
/// phase, controls and scorecard events, and domain::allowed, the one function that says who
/// may do what in which phase and under which controls.

#include <gtest/gtest.h>

#include "actors/domain/commands.hpp"
#include "actors/domain/events.hpp"
#include "actors/domain/interview.hpp"
#include "actors/domain/permissions.hpp"
#include "actors/domain/room_state.hpp"
#include "tests/testing/folder.hpp"

namespace rooms::domain {
namespace {

using json = nlohmann::json;
using eventlog::event;
using eventlog::event_type;

using testing::folder;

folder lobby_room() {
  folder f;
  f.ok(event_type::session_created, "",
       {{"language", "python"}, {"title", "T"}, {"phase", "lobby"}});
  f.ok(event_type::participant_joined, "p_i",
       {{"participant", {{"participantId", "p_i"}, {"name", "Ida"}, {"role", "interviewer"}}}});
  f.ok(event_type::participant_joined, "p_c",
       {{"participant", {{"participantId", "p_c"}, {"name", "Cal"}, {"role", "candidate"}}}});
  return f;
}

command_error refused(const std::string& text) {
  auto parsed = parse_command(json::parse(text));
  auto* err = std::get_if<command_error>(&parsed.value);
  EXPECT_TRUE(err) << text << " was accepted";
  return err ? *err : command_error{};
}

// -- the fold --

TEST(interview_fold, old_logs_are_live_and_a_lobby_session_starts_in_the_lobby) {
  folder old;
  old.ok(event_type::session_created, "", {{"language", "python"}});
  EXPECT_EQ(old.state.phase, phase::live);
  EXPECT_EQ(old.state.controls, controls{});
  EXPECT_EQ(old.state.criteria, default_criteria());
  EXPECT_EQ(lobby_room().state.phase, phase::lobby);
  folder bad;
  EXPECT_TRUE(bad.add(event_type::session_created, "", {{"phase", "ended"}}));
  EXPECT_EQ(bad.state.seq, 0u);
}

TEST(interview_fold, phases_go_lobby_live_ended_and_reopen_to_live) {
  auto f = lobby_room();
  f.ok(event_type::phase_changed, "p_i", {{"phase", "live"}});
  EXPECT_EQ(f.state.phase, phase::live);
  f.ok(event_type::phase_changed, "p_i", {{"phase", "ended"}});
  EXPECT_EQ(f.state.phase, phase::ended);
  // Ending an ended room, or going back to the lobby, is refused and changes nothing.
  const auto before = f.state;
  EXPECT_TRUE(f.add(event_type::phase_changed, "p_i", {{"phase", "ended"}}));
  EXPECT_TRUE(f.add(event_type::phase_changed, "p_i", {{"phase", "lobby"}}));
  EXPECT_TRUE(f.add(event_type::phase_changed, "p_i", {{"phase", "paused"}}));
  EXPECT_TRUE(f.add(event_type::phase_changed, "p_i", json::object()));
  EXPECT_EQ(f.state, before);
  f.ok(event_type::phase_changed, "p_i", {{"phase", "live"}});
  EXPECT_EQ(f.state.phase, phase::live);
  EXPECT_EQ(to_json(f.state)["phase"], "live");
}

TEST(interview_fold, controls_are_the_last_change) {
  auto f = lobby_room();
  f.ok(event_type::controls_changed, "p_i", {{"editorLocked", true}, {"runDisabled", false}});
  EXPECT_EQ(f.state.controls, (controls{true, false}));
  f.ok(event_type::controls_changed, "p_i", {{"editorLocked", false}, {"runDisabled", true}});
  EXPECT_EQ(f.state.controls, (controls{false, true}));
  EXPECT_EQ(to_json(f.state)["controls"], json({{"editorLocked", false}, {"runDisabled", true}}));
  EXPECT_TRUE(f.add(event_type::controls_changed, "p_i", {{"editorLocked", true}}));
  EXPECT_EQ(f.state.controls, (controls{false, true}));
}

TEST(interview_fold, a_scorecard_is_one_per_interviewer_last_save_wins_and_submitted_sticks) {
  auto f = lobby_room();
  f.ok(event_type::scorecard_saved, "p_i",
       {{"ratings", {{"testing", 2}}}, {"comments", json::array()}, {"submitted", false}});
  f.ok(event_type::scorecard_saved, "p_i",
       {{"ratings", {{"testing", 3}, {"communication", 4}}},
        {"recommendation", "yes"},
        {"comments", {{{"text", "good"}, {"seq", 2}}}},
        {"submitted", true}});
  ASSERT_EQ(f.state.scorecards.size(), 1u);
  const auto& card = f.state.scorecards.at("p_i");
  EXPECT_EQ(card.card.ratings.at("testing"), 3);
  EXPECT_EQ(card.card.recommendation, "yes");
  EXPECT_EQ(card.name, "Ida");
  EXPECT_EQ(card.seq, f.state.seq);
  f.ok(event_type::scorecard_saved, "p_i", {{"ratings", json::object()}, {"submitted", false}});
  EXPECT_TRUE(f.state.scorecards.at("p_i").card.submitted) << "a submitted scorecard stays so";
  EXPECT_TRUE(f.state.scorecards.at("p_i").card.ratings.empty()) << "the last save wins";
}

TEST(interview_fold, bad_scorecards_are_refused_whole) {
  auto f = lobby_room();
  const auto before = f.state;
  // A rating of 5, an unknown recommendation, a comment pinned beyond the log, a candidate's.
  EXPECT_TRUE(f.add(event_type::scorecard_saved, "p_i",
                    {{"ratings", {{"testing", 5}}}, {"submitted", false}}));
  EXPECT_TRUE(f.add(event_type::scorecard_saved, "p_i",
                    {{"recommendation", "maybe"}, {"submitted", false}}));
  EXPECT_TRUE(f.add(event_type::scorecard_saved, "p_i",
                    {{"comments", {{{"text", "x"}, {"seq", 4}}}}, {"submitted", false}}));
  EXPECT_TRUE(f.add(event_type::scorecard_saved, "p_c", {{"submitted", true}}));
  EXPECT_TRUE(f.add(event_type::scorecard_saved, "p_i", {{"ratings", {{"testing", 3}}}}));
  EXPECT_EQ(f.state, before);
}

TEST(interview_fold, snapshots_keep_the_interview) {
  auto f = lobby_room();
  f.ok(event_type::phase_changed, "p_i", {{"phase", "ended"}});
  f.ok(event_type::controls_changed, "p_i", {{"editorLocked", true}, {"runDisabled", true}});
  f.ok(event_type::scorecard_saved, "p_i",
       {{"ratings", {{"testing", 1}}},
        {"comments", {{{"text", "pinned"}, {"seq", 1}}}},
        {"submitted", true}});
  auto back = decode_snapshot(encode_snapshot(f.state));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, f.state);
}

TEST(interview_fold, paste_signals_are_logged_with_code_changed) {
  folder f;
  f.ok(event_type::session_created, "", json::object());
  f.ok(event_type::code_changed, "p",
       {{"version", 1},
        {"clientID", "c"},
        {"changes", json::array({json::array({0, "x"})})},
        {"origin", "paste"},
        {"pasteFrom", "outside"}});
  events::code_changed back;
  ASSERT_FALSE(events::from_json({{"version", 1},
                                  {"changes", json::array({json::array({0, "x"})})},
                                  {"origin", "paste"},
                                  {"pasteFrom", "outside"}},
                                 back));
  EXPECT_EQ(back.origin, "paste");
  EXPECT_EQ(back.paste_from, "outside");
  EXPECT_EQ(events::to_json(back)["pasteFrom"], "outside");
}

// -- the commands --

TEST(interview_commands, phase_and_control_commands_parse) {
  EXPECT_TRUE(std::holds_alternative<start_interview>(
      parse_command(json::parse(R"({"type":"start_interview"})")).value));
  EXPECT_TRUE(std::holds_alternative<end_interview>(
      parse_command(json::parse(R"({"type":"end_interview"})")).value));
  EXPECT_TRUE(std::holds_alternative<reopen_interview>(
      parse_command(json::parse(R"({"type":"reopen_interview"})")).value));
  auto set = parse_command(json::parse(R"({"type":"set_controls","editorLocked":true})"));
  ASSERT_TRUE(std::holds_alternative<set_controls>(set.value));
  EXPECT_EQ(std::get<set_controls>(set.value).editor_locked, true);
  EXPECT_FALSE(std::get<set_controls>(set.value).run_disabled);
  EXPECT_EQ(refused(R"({"type":"set_controls"})").code, error_code::invalid_changes);
  EXPECT_EQ(refused(R"({"type":"set_controls","runDisabled":"yes"})").code,
            error_code::invalid_changes);
  for (auto t :
       {"start_interview", "end_interview", "reopen_interview", "set_controls", "save_scorecard"})
    EXPECT_TRUE(is_command_type(t)) << t;
}

TEST(interview_commands, save_scorecard_checks_every_value) {
  auto ok = parse_command(json::parse(
      R"({"type":"save_scorecard","ratings":{"testing":4,"communication":1},"recommendation":"strong_yes","comments":[{"text":"a","seq":3},{"text":"b"}],"submitted":true})"));
  ASSERT_TRUE(std::holds_alternative<save_scorecard>(ok.value));
  const auto& card = std::get<save_scorecard>(ok.value).card;
  EXPECT_EQ(card.ratings.at("testing"), 4);
  EXPECT_EQ(card.comments.at(0).seq, 3u);
  EXPECT_FALSE(card.comments.at(1).seq);
  EXPECT_TRUE(card.submitted);
  EXPECT_EQ(refused(R"({"type":"save_scorecard","ratings":{"testing":5}})").message,
            "the rating of \"testing\" must be 1 to 4");
  EXPECT_EQ(refused(R"({"type":"save_scorecard","ratings":{"testing":0}})").code,
            error_code::invalid_changes);
  EXPECT_EQ(refused(R"({"type":"save_scorecard","ratings":{"testing":2.5}})").code,
            error_code::invalid_changes);
  EXPECT_EQ(refused(R"({"type":"save_scorecard","recommendation":"maybe"})").code,
            error_code::invalid_changes);
  EXPECT_EQ(refused(R"({"type":"save_scorecard","comments":[{"text":""}]})").code,
            error_code::invalid_changes);
  EXPECT_EQ(refused(R"({"type":"save_scorecard","comments":[{"text":"x","seq":-1}]})").code,
            error_code::invalid_changes);
  EXPECT_EQ(refused(R"({"type":"save_scorecard","submitted":"yes"})").code,
            error_code::invalid_changes);
}

TEST(interview_commands, paste_origins_are_checked) {
  const std::string head =
      R"({"type":"code_update","version":0,"updates":[{"clientID":"c","changes":[[0,"x"]])";
  auto with = [&](const std::string& extra) { return head + extra + "}]}"; };
  auto ok = parse_command(json::parse(with(R"(,"origin":"paste","pasteFrom":"outside")")));
  ASSERT_TRUE(std::holds_alternative<code_update>(ok.value));
  EXPECT_EQ(std::get<code_update>(ok.value).updates[0].origin, "paste");
  EXPECT_EQ(std::get<code_update>(ok.value).updates[0].paste_from, "outside");
  for (auto origin : {"typed", "paste", "drop", "undo", "other"})
    EXPECT_TRUE(std::holds_alternative<code_update>(
        parse_command(json::parse(with(std::string(R"(,"origin":")") + origin + "\""))).value))
        << origin;
  EXPECT_EQ(refused(with(R"(,"origin":"telepathy")")).code, error_code::invalid_changes);
  EXPECT_EQ(refused(with(R"(,"origin":7)")).code, error_code::invalid_changes);
  EXPECT_EQ(refused(with(R"(,"origin":"paste","pasteFrom":"elsewhere")")).code,
            error_code::invalid_changes);
  EXPECT_EQ(refused(with(R"(,"origin":"typed","pasteFrom":"outside")")).code,
            error_code::invalid_changes);
}

// -- domain::allowed --

bool may(const room_state& s, role r, const char* type) {
  return !allowed(s, r, command_kind_of(type));
}

TEST(permissions, a_lobby_candidate_may_only_report_focus) {
  auto s = lobby_room().state;
  for (auto t : {"code_update", "pull", "cursor_update", "language_change", "run_code", "run_tests",
                 "terminal_input", "call_signal", "some_future_command"})
    EXPECT_FALSE(may(s, role::candidate, t)) << t;
  EXPECT_TRUE(may(s, role::candidate, "focus_change"));
  EXPECT_EQ(allowed(s, role::candidate, command_kind::code_update)->code, error_code::forbidden);
  // Interviewers prepare as usual.
  for (auto t :
       {"code_update", "pull", "cursor_update", "language_change", "run_code", "add_note",
        "load_question", "set_controls", "save_scorecard", "start_interview", "end_interview"})
    EXPECT_TRUE(may(s, role::interviewer, t)) << t;
  EXPECT_FALSE(may(s, role::interviewer, "reopen_interview"));
}

TEST(permissions, phase_commands_are_the_interviewers_and_follow_the_phases) {
  auto s = lobby_room().state;
  s.phase = phase::live;
  for (auto t : {"start_interview", "end_interview", "reopen_interview", "set_controls",
                 "save_scorecard", "add_note", "load_question"})
    EXPECT_EQ(allowed(s, role::candidate, command_kind_of(t))->code, error_code::forbidden) << t;
  EXPECT_FALSE(may(s, role::interviewer, "start_interview"));
  EXPECT_TRUE(may(s, role::interviewer, "end_interview"));
  s.phase = phase::ended;
  EXPECT_EQ(allowed(s, role::interviewer, command_kind::end_interview)->message,
            "the interview has already ended");
  EXPECT_FALSE(may(s, role::interviewer, "start_interview"));
  EXPECT_TRUE(may(s, role::interviewer, "reopen_interview"));
}

TEST(permissions, an_ended_room_is_read_only_for_candidates) {
  auto s = lobby_room().state;
  s.phase = phase::ended;
  for (auto t :
       {"code_update", "run_code", "run_tests", "language_change", "terminal_input", "start_repl"})
    EXPECT_FALSE(may(s, role::candidate, t)) << t;
  for (auto t : {"pull", "cursor_update", "focus_change"})
    EXPECT_TRUE(may(s, role::candidate, t)) << t;
  for (auto t : {"code_update", "run_code", "language_change"})
    EXPECT_TRUE(may(s, role::interviewer, t)) << t;
}

TEST(permissions, controls_bind_candidates_in_a_live_room) {
  auto s = lobby_room().state;
  s.phase = phase::live;
  EXPECT_TRUE(may(s, role::candidate, "code_update"));
  EXPECT_TRUE(may(s, role::candidate, "run_code"));
  s.controls.editor_locked = true;
  EXPECT_EQ(allowed(s, role::candidate, command_kind::code_update)->message,
            "the interviewer has locked the editor");
  EXPECT_TRUE(may(s, role::candidate, "run_code"));
  EXPECT_TRUE(may(s, role::interviewer, "code_update"));
  s.controls = {false, true};
  EXPECT_TRUE(may(s, role::candidate, "code_update"));
  for (auto t : {"run_code", "run_tests", "start_repl", "terminal_input"})
    EXPECT_EQ(allowed(s, role::candidate, command_kind_of(t))->message,
              "the interviewer has disabled runs")
        << t;
  EXPECT_TRUE(may(s, role::interviewer, "run_code"));
}

}  // namespace
}  // namespace rooms::domain
