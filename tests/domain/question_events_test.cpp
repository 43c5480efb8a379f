/// The question parts of the domain: load_question / run_tests parsed once with the protocol's
/// codes, the question events round-tripping through their structs, malformed ones refused, and
/// the fold keeping the question, the test run in progress and the last one (all or nothing).

#include <gtest/gtest.h>

#include "actors/domain/changeset.hpp"
#include "actors/domain/commands.hpp"
#include "actors/domain/events.hpp"
#include "actors/domain/room_state.hpp"

namespace rooms::domain {
namespace {

using json = nlohmann::json;

const char* loaded_text =
    R"({"questionId":"upper","version":2,"updatedAt":5,"title":"Upper","statement":"Shout.",)"
    R"("difficulty":"easy","tags":["strings"],"languages":{"python":{"starter":"print()\n"}},)"
    R"("tests":[{"name":"a","stdin":"x\n","expected":"X\n","hidden":false},)"
    R"({"name":"b","stdin":"y\n","expected":"Y\n","hidden":true,"timeoutMs":2000}],)"
    R"("language":"python","starter":"print()\n"})";
const char* finished_text =
    R"({"runId":"t_1","results":[{"name":"a","hidden":false,"passed":true,"durationMs":30,)"
    R"("timedOut":false,"exitCode":0,"stdout":"X\n","stderr":"","expected":"X\n"},)"
    R"({"name":"b","hidden":true,"passed":false,"durationMs":5000,"timedOut":true,)"
    R"("error":"not run: budget"}],"passed":1,"total":2})";

template <class T>
void round_trips(const std::string& text) {
  const json payload = json::parse(text);
  T decoded;
  auto err = events::from_json(payload, decoded);
  ASSERT_FALSE(err) << text << ": " << err->message;
  EXPECT_EQ(events::to_json(decoded), payload) << text;
}

template <class T>
bool refused(const std::string& text) {
  T decoded;
  return events::from_json(json::parse(text), decoded).has_value();
}

command parse(const std::string& text) {
  return parse_command(json::parse(text)).value;
}

TEST(question_commands, load_question_and_run_tests) {
  auto ok = parse(R"({"type":"load_question","questionId":"two-sum","language":"cpp",)"
                  R"("replaceCode":true})");
  auto* load = std::get_if<load_question>(&ok);
  ASSERT_NE(load, nullptr);
  EXPECT_EQ(load->question_id, "two-sum");
  EXPECT_EQ(load->language, "cpp");
  EXPECT_TRUE(load->replace_code);
  auto plain = parse(R"({"type":"load_question","questionId":"x"})");
  ASSERT_NE(std::get_if<load_question>(&plain), nullptr);
  EXPECT_FALSE(std::get<load_question>(plain).replace_code);
  EXPECT_FALSE(std::get<load_question>(plain).language);
  auto run = parse(R"({"type":"run_tests"})");
  EXPECT_NE(std::get_if<run_tests>(&run), nullptr);
  EXPECT_TRUE(is_command_type("load_question"));
  EXPECT_TRUE(is_command_type("run_tests"));

  auto code_of = [](const std::string& text) {
    auto c = parse(text);
    auto* err = std::get_if<command_error>(&c);
    EXPECT_NE(err, nullptr) << text;
    return err ? std::string(to_string(err->code)) : "";
  };
  EXPECT_EQ(code_of(R"({"type":"load_question"})"), "invalid_changes");
  EXPECT_EQ(code_of(R"({"type":"load_question","questionId":""})"), "invalid_changes");
  EXPECT_EQ(code_of(R"({"type":"load_question","questionId":"a/b"})"), "invalid_changes");
  EXPECT_EQ(code_of(R"({"type":"load_question","questionId":7})"), "invalid_changes");
  EXPECT_EQ(code_of(R"({"type":"load_question","questionId":")" + std::string(65, 'a') + "\"}"),
            "invalid_changes");
  EXPECT_EQ(code_of(R"({"type":"load_question","questionId":"x","replaceCode":"yes"})"),
            "invalid_changes");
  EXPECT_EQ(code_of(R"({"type":"load_question","questionId":"x","language":"<b>"})"),
            "unsupported_language");
  EXPECT_EQ(to_string(error_code::no_question), "no_question");
}

TEST(question_events, round_trip_and_refuse_malformed) {
  round_trips<events::question_loaded>(loaded_text);
  round_trips<events::question_loaded>(
      R"({"questionId":"q","title":"T","statement":"","languages":{},)"
      R"("tests":[{"name":"a","stdin":"","expected":"","hidden":false}]})");
  round_trips<events::tests_started>(
      R"({"runId":"t_1","language":"python","version":3,"total":4})");
  round_trips<events::tests_started>(R"({})");
  round_trips<events::tests_finished>(finished_text);
  round_trips<events::tests_finished>(R"({"results":[],"passed":0,"total":0})");

  EXPECT_TRUE(refused<events::question_loaded>(
      R"({"title":"T","statement":"","languages":{},"tests":[]})"));
  EXPECT_TRUE(refused<events::question_loaded>(
      R"({"questionId":"q","title":"T","statement":"","languages":{},"tests":[]})"));
  EXPECT_TRUE(refused<events::question_loaded>(
      R"({"questionId":"q","title":"T","statement":"","languages":{"py":1},)"
      R"("tests":[{"name":"a","stdin":"","expected":"","hidden":false}]})"));
  EXPECT_TRUE(refused<events::question_loaded>(  // a test without expected
      R"({"questionId":"q","title":"T","statement":"","languages":{},)"
      R"("tests":[{"name":"a","stdin":"","hidden":false}]})"));
  EXPECT_TRUE(refused<events::tests_started>(R"({"runId":5})"));
  EXPECT_TRUE(refused<events::tests_finished>(R"({"results":[],"passed":1,"total":0})"));
  EXPECT_TRUE(
      refused<events::tests_finished>(R"({"results":[{"name":"a"}],"passed":0,"total":1})"));
  EXPECT_TRUE(refused<events::tests_finished>(R"({"passed":0,"total":0})"));
}

eventlog::event make(std::uint64_t seq, eventlog::event_type type, const std::string& payload,
                     const std::string& pid = "p_1") {
  eventlog::event e;
  e.seq = seq;
  e.ts = 1000 + static_cast<std::int64_t>(seq);
  e.type = type;
  e.participant_id = pid;
  e.payload = json::parse(payload);
  return e;
}

TEST(question_fold, keeps_the_question_and_the_test_runs_and_survives_a_snapshot) {
  using eventlog::event_type;
  room_state s;
  ASSERT_FALSE(apply(s, make(1, event_type::session_created, R"({"language":"python"})", "")));
  ASSERT_FALSE(apply(s, make(2, event_type::question_loaded, loaded_text)));
  EXPECT_EQ(s.question, json::parse(loaded_text));
  ASSERT_FALSE(
      apply(s, make(3, event_type::tests_started,
                    R"({"runId":"t_1","language":"python","version":0,"total":2})", "p_2")));
  EXPECT_EQ(s.tests_running["participantId"], "p_2");
  // A malformed result changes nothing.
  room_state before = s;
  EXPECT_TRUE(apply(s, make(4, event_type::tests_finished, R"({"results":5})", "p_2")));
  EXPECT_EQ(s, before);
  ASSERT_FALSE(apply(s, make(4, event_type::tests_finished, finished_text, "p_2")));
  EXPECT_TRUE(s.tests_running.is_null());
  EXPECT_EQ(s.last_test_run["passed"], 1);
  EXPECT_EQ(s.last_test_run["participantId"], "p_2");
  EXPECT_EQ(s.last_test_run["language"], "python");
  EXPECT_EQ(s.last_test_run["version"], 0);
  auto view = to_json(s);
  EXPECT_EQ(view["question"]["questionId"], "upper");
  EXPECT_EQ(view["lastTestRun"]["total"], 2);
  EXPECT_TRUE(view["testsRunning"].is_null());
  auto back = decode_snapshot(encode_snapshot(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
}

TEST(replace_all_json, replaces_a_whole_document) {
  auto cs = changeset::from_json(replace_all_json(3, "a\nb"));
  ASSERT_TRUE(cs);
  std::u16string doc = u"xyz";
  ASSERT_TRUE(cs->apply(doc));
  EXPECT_EQ(doc, u"a\nb");
  auto empty = changeset::from_json(replace_all_json(0, ""));
  ASSERT_TRUE(empty);
  std::u16string none;
  ASSERT_TRUE(empty->apply(none));
  EXPECT_EQ(none, u"");
}

}  // namespace
}  // namespace rooms::domain
