/// Typed event payloads: what a room records comes back unchanged through struct and JSON,
/// and malformed payloads are refused (the fold then refuses the event, leaving the state).

#include "actors/domain/events.hpp"

#include <gtest/gtest.h>

#include "actors/domain/room_state.hpp"

namespace rooms::domain::events {
namespace {

using json = nlohmann::json;

/// json -> struct -> json gives `text` back.
template <class T>
void round_trips(const std::string& text) {
  const json payload = json::parse(text);
  T decoded;
  auto err = from_json(payload, decoded);
  ASSERT_FALSE(err) << text << ": " << err->message;
  EXPECT_EQ(to_json(decoded), payload) << text;
  T again;
  ASSERT_FALSE(from_json(to_json(decoded), again));
  EXPECT_EQ(again, decoded);
}

template <class T>
payload_error refused(const std::string& text) {
  T decoded;
  auto err = from_json(json::parse(text), decoded);
  EXPECT_TRUE(err) << text << " was accepted";
  return err.value_or(payload_error{});
}

// Payloads as roomd records them (and as old logs hold them).
TEST(event_payloads, recorded_payloads_round_trip) {
  round_trips<session_created>(R"({"language":"python","title":"Pairing"})");
  round_trips<session_created>(R"({})");
  round_trips<participant_joined>(
      R"({"participant":{"participantId":"p_0011aabb","name":"Ada","role":"interviewer","color":"#e5484d"},"resumeHash":"0000000000000000000000000000000000000000000000000000000000000000"})");
  round_trips<participant_joined>(R"({"participant":{"participantId":"p1"}})");
  round_trips<participant_joined>(
      R"({"participant":{"participantId":"p1","role":"interviewer"},"accountId":"u0123456789abcdef"})");
  round_trips<participant_left>(R"({"reason":"disconnected"})");
  round_trips<participant_left>(R"({})");
  round_trips<code_changed>(R"({"version":3,"clientID":"c1","changes":[2,[0,"a","b"],[1]]})");
  round_trips<cursor_moved>(R"({"version":3,"anchor":0,"head":5})");
  round_trips<language_changed>(R"({"language":"cpp"})");
  round_trips<run_started>(R"({"runId":"r_01","language":"python","version":7})");
  round_trips<run_finished>(
      R"({"runId":"r_01","stdout":"hi\n","stderr":"","exitCode":0,"signal":null,"timedOut":false,"truncated":false,"durationMs":41})");
  round_trips<run_finished>(
      R"({"runId":"r_02","stdout":"","stderr":"","exitCode":-1,"signal":"SIGKILL","timedOut":true,"truncated":false,"durationMs":10000,"compileOutput":"x.c:1: error","error":"no runtime"})");
  round_trips<note_added>(R"({"noteId":"n_1","text":"good naming","version":2})");
  round_trips<focus_changed>(R"({"focused":false})");
  round_trips<focus_changed>(R"({})");
  round_trips<session_expired>(R"({"by":"admin"})");
  round_trips<call_state_changed>(R"({"audio":true,"video":false,"joined":true})");
  round_trips<call_state_changed>(R"({"audio":false,"video":false})");
}

TEST(event_payloads, call_state_changed_is_in_the_call_while_joined_or_on) {
  call_state_changed c;
  EXPECT_FALSE(from_json(json::parse(R"({"audio":false,"video":true})"), c));
  EXPECT_TRUE(c.in_call()) << "no joined: audio || video";
  EXPECT_FALSE(from_json(json::parse(R"({"audio":false,"video":false,"joined":true})"), c));
  EXPECT_TRUE(c.in_call()) << "muted with the camera off, still in the call";
  EXPECT_FALSE(from_json(json::parse(R"({"audio":false,"video":false})"), c));
  EXPECT_FALSE(c.in_call());
  EXPECT_EQ(refused<call_state_changed>(R"({"audio":true})").message,
            "audio and video must be booleans");
  EXPECT_EQ(refused<call_state_changed>(R"({"audio":true,"video":false,"joined":false})").message,
            "audio or video on outside the call");
  EXPECT_EQ(refused<call_state_changed>(R"({"audio":true,"video":false,"joined":1})").message,
            "joined must be a boolean");
}

TEST(event_payloads, the_decoded_values) {
  code_changed changed;
  ASSERT_FALSE(from_json(json::parse(R"({"version":3,"changes":[[0,"ab"]]})"), changed));
  EXPECT_EQ(changed.version, 3u);
  EXPECT_FALSE(changed.client_id);
  EXPECT_EQ(changed.parsed.new_length(), 2u);
  run_finished finished;
  ASSERT_FALSE(from_json(json::parse(R"({"exitCode":2,"signal":null})"), finished));
  EXPECT_EQ(finished.exit_code, 2);
  EXPECT_FALSE(finished.signal);
  EXPECT_EQ(type_of(changed), eventlog::event_type::code_changed);
  EXPECT_EQ(type_of(finished), eventlog::event_type::run_finished);
}

TEST(event_payloads, malformed_payloads_are_refused) {
  EXPECT_EQ(refused<session_created>(R"([])").message, "payload is not an object");
  refused<session_created>(R"({"language":5})");
  EXPECT_EQ(refused<participant_joined>(R"({})").message, "no participant");
  EXPECT_EQ(refused<participant_joined>(R"({"participant":{"name":"A"}})").message,
            "no participantId");
  EXPECT_EQ(
      refused<participant_joined>(R"({"participant":{"participantId":"p","name":["A"]}})").message,
      "participant fields must be strings");
  refused<participant_joined>(R"({"participant":{"participantId":"p"},"resumeHash":1})");
  EXPECT_EQ(refused<participant_joined>(
                R"({"participant":{"participantId":"p","role":"candidate"},"accountId":"u1"})")
                .message,
            "only an interviewer's join carries an accountId");
  refused<participant_joined>(
      R"({"participant":{"participantId":"p","role":"interviewer"},"accountId":""})");
  refused<participant_left>(R"({"reason":1})");
  EXPECT_EQ(refused<code_changed>(R"({"changes":[]})").message, "no version");
  EXPECT_EQ(refused<code_changed>(R"({"version":-1,"changes":[]})").message, "no version");
  auto bad_changes = refused<code_changed>(R"({"version":1,"changes":[[-1]]})");
  EXPECT_EQ(bad_changes.code, "invalid_changes");
  EXPECT_EQ(bad_changes.message, "changes are not a ChangeSet");
  EXPECT_EQ(refused<code_changed>(R"({"version":1,"clientID":3,"changes":[]})").code, "malformed");
  EXPECT_EQ(refused<cursor_moved>(R"({"version":1,"anchor":"x"})").message,
            "cursor needs version, anchor, head");
  EXPECT_EQ(refused<language_changed>(R"({})").message, "no language");
  refused<run_started>(R"({"runId":5})");
  refused<run_started>(R"({"version":-3})");
  refused<run_finished>(R"({"stdout":5})");
  refused<run_finished>(R"({"signal":9})");
  refused<run_finished>(R"({"exitCode":"0"})");
  refused<run_finished>(R"({"timedOut":"no"})");
  EXPECT_EQ(refused<note_added>(R"({"noteId":"n"})").message, "a note needs a text");
  refused<note_added>(R"({"text":"x","version":"1"})");
  EXPECT_EQ(refused<focus_changed>(R"({"focused":"yes"})").message, "focused must be a boolean");
  refused<session_expired>(R"({"by":{}})");
}

/// The fold decodes through the structs: a malformed payload is refused and changes nothing.
TEST(event_payloads, the_fold_refuses_what_does_not_decode) {
  room_state state;
  eventlog::event created{1, 10, eventlog::event_type::session_created, "",
                          json{{"language", "python"}}};
  ASSERT_FALSE(apply(state, created));
  const room_state before = state;
  eventlog::event bad{2, 11, eventlog::event_type::run_finished, "p1", json{{"stdout", 5}}};
  auto err = apply(state, bad);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, "malformed");
  EXPECT_EQ(state, before);
  eventlog::event changes{2, 11, eventlog::event_type::code_changed, "p1",
                          json{{"version", 1}, {"changes", json::array({-1})}}};
  err = apply(state, changes);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, "invalid_changes");
  EXPECT_EQ(state, before);
  eventlog::event good{2, 11, eventlog::event_type::code_changed, "p1",
                       to_json(code_changed{1, "c", json::parse(R"([[0,"hi"]])"), {}, {}, {}})};
  ASSERT_FALSE(apply(state, good));
  EXPECT_EQ(state.version, 1u);
  EXPECT_EQ(state.doc, u"hi");
}

}  // namespace
}  // namespace rooms::domain::events
