/// A question in a live room (PROTOCOL.md "v2 additions": Questions, Running the tests) against
/// a real roomd with the real local sandbox: load_question (each role's view, the starter as a
/// code_changed, the exact version logged), rooms started from a question, run_tests (3/4 pass,
/// every result, one run at a time), the errors, and the candidate byte-recording test: every
/// byte a candidate socket receives through a whole session, plus what a candidate can fetch
/// over REST, holds no hidden test's stdin or expected output, no solution, no note, no focus.

#include <algorithm>

#include "tests/gateway/helpers.hpp"

namespace rooms::gateway::test {
namespace {

// Markers that appear nowhere but in the hidden tests, the solution and the note.
const std::string hidden_stdin_a = "hidden-in-q7x";
const std::string hidden_expected_a = "HIDDEN-IN-Q7X";
const std::string hidden_stdin_b = "zzsecret-k2p";
const std::string hidden_expected_b = "ZZSECRET-K2P";
const std::string solution_marker = "REFERENCE-SOLUTION-MARKER-91";
const std::string note_marker = "NOTE-TEXT-MARKER-55";

/// "upper": print the input line in upper case; 2 visible and 2 hidden tests.
json upper_question() {
  auto test = [](const std::string& name, const std::string& in, const std::string& out,
                 bool hidden) {
    return json{{"name", name}, {"stdin", in + "\n"}, {"expected", out + "\n"}, {"hidden", hidden}};
  };
  return {{"questionId", "upper"},
          {"title", "Upper case"},
          {"statement", "Read one line and print it in **upper case**."},
          {"languages",
           {{"python", {{"starter", "line = input()\nprint(line)  # TODO\n"}}},
            {"plaintext", {{"starter", "notes\n"}}}}},
          {"tests", json::array({test("hello", "hello", "HELLO", false),
                                 test("mixed", "MiXed", "MIXED", false),
                                 test("secret-a", hidden_stdin_a, hidden_expected_a, true),
                                 test("secret-b", hidden_stdin_b, hidden_expected_b, true)})},
          {"tags", json::array({"strings"})},
          {"difficulty", "easy"},
          {"solutions", {{"python", "# " + solution_marker + "\nprint(input().upper())\n"}}}};
}

/// Passes every test but secret-b: 3/4.
const std::string three_of_four =
    "s = input()\nprint('nope' if s.startswith('zz') else s.upper())\n";

class questions_room : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<roomd_process>((dir_.path() / "data").string(),
                                              std::vector<std::string>{"--runner", "local"});
    auto r = admin_call("POST", "/api/questions", upper_question().dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }
  http_reply admin_call(const std::string& method, const std::string& target,
                        const std::string& body = "") const {
    return http_call(server_->port(), method, target, body, bearer(server_->admin_token()));
  }
  /// The next message of `type` (or an error), applying code_changed on the way.
  std::optional<json> next(participant& p, const std::string& type,
                           std::chrono::milliseconds timeout = 10s) {
    return read_until(
        p,
        [&](const json& m) {
          auto t = m.value("type", "");
          return t == type || t == "error";
        },
        timeout);
  }
  /// Sends `msg` and returns the error it earns (its code), or "" when none came.
  std::string error_of(participant& p, json msg) {
    msg["ref"] = "err";
    p.ws->send(msg);
    auto m = read_until(p, [](const json& j) {
      return (j.value("type", "") == "error" || j.value("type", "") == "pong") &&
             j.value("ref", "") == "err";
    });
    return m && m->value("type", "") == "error" ? m->value("code", "") : "";
  }
  std::size_t event_count(const session& s) { return all_events(*server_, s).size(); }

  temp_dir dir_;
  std::unique_ptr<roomd_process> server_;
};

TEST_F(questions_room, load_question_shows_each_role_its_view_and_replaces_the_code) {
  auto s = create_session(*server_);
  auto bob = join(*server_, s.id, "bob", "interviewer", s.key);
  auto cand = join(*server_, s.id, "cand");
  EXPECT_FALSE(cand.state.contains("question"));

  bob.ws->send({{"type", "load_question"},
                {"questionId", "upper"},
                {"language", "python"},
                {"replaceCode", true},
                {"ref", 7}});
  auto mine = next(bob, "question_loaded");
  ASSERT_TRUE(mine && (*mine)["type"] == "question_loaded") << mine.value_or(json());
  EXPECT_EQ((*mine)["ref"], 7);
  EXPECT_EQ((*mine)["participantId"], bob.id);
  const json& whole = (*mine)["question"];
  EXPECT_EQ(whole["questionId"], "upper");
  EXPECT_EQ(whole["version"], 1);
  ASSERT_EQ(whole["tests"].size(), 4u);
  EXPECT_EQ(whole["tests"][2]["stdin"], hidden_stdin_a + "\n");  // interviewers: whole
  EXPECT_FALSE(whole.contains("solutions"));

  auto theirs = next(cand, "question_loaded");
  ASSERT_TRUE(theirs && (*theirs)["type"] == "question_loaded") << theirs.value_or(json());
  const json& view = (*theirs)["question"];
  EXPECT_EQ(view["statement"], upper_question()["statement"]);
  EXPECT_EQ(view["tests"][0], upper_question()["tests"][0]);  // visible: whole
  EXPECT_EQ(view["tests"][2], (json{{"name", "secret-a"}, {"hidden", true}}));
  EXPECT_EQ(view["tests"][3], (json{{"name", "secret-b"}, {"hidden", true}}));

  // replaceCode: the language, then the starter as an ordinary code_changed, to everyone.
  ASSERT_TRUE(next(cand, "language_changed"));
  ASSERT_TRUE(cand.follow());
  EXPECT_EQ(cand.text(), "line = input()\nprint(line)  # TODO\n");
  ASSERT_TRUE(next(bob, "language_changed"));
  ASSERT_TRUE(bob.follow());
  EXPECT_EQ(bob.text(), cand.text());

  // The log records the exact version, every test whole; /state has it.
  auto loaded = events_of(all_events(*server_, s), "question_loaded");
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0]["version"], 1);
  EXPECT_EQ(loaded[0]["tests"][3]["expected"], hidden_expected_b + "\n");
  EXPECT_EQ(loaded[0]["participantId"], bob.id);
  auto state = latest_state(*server_, s);
  EXPECT_EQ(state["question"]["questionId"], "upper");
  EXPECT_EQ(state["language"], "python");
  EXPECT_EQ(state["doc"], cand.text());

  // A later edit of the question is a new version; the next load logs it.
  json edited = upper_question();
  edited["title"] = "Upper case, v2";
  ASSERT_EQ(admin_call("PUT", "/api/questions/upper", edited.dump()).status, 200);
  bob.ws->send({{"type", "load_question"}, {"questionId", "upper"}});
  auto again = next(bob, "question_loaded");
  ASSERT_TRUE(again && (*again)["type"] == "question_loaded");
  EXPECT_EQ((*again)["question"]["version"], 2);
  EXPECT_EQ(bob.text(), cand.text());  // no replaceCode: the document stays
  loaded = events_of(all_events(*server_, s), "question_loaded");
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0]["version"], 1);
  EXPECT_EQ(loaded[1]["version"], 2);

  // A late joiner's session_state carries the question in its role's view.
  auto late = join(*server_, s.id, "late");
  EXPECT_EQ(late.state["question"]["title"], "Upper case, v2");
  EXPECT_EQ(late.state["question"]["tests"][2], (json{{"name", "secret-a"}, {"hidden", true}}));
  auto bob2 = join(*server_, s.id, "bob2", "interviewer", s.key);
  EXPECT_EQ(bob2.state["question"]["tests"][2]["expected"], hidden_expected_a + "\n");
}

TEST_F(questions_room, bad_loads_and_test_runs_are_refused_and_log_nothing) {
  auto s = create_session(*server_, {{"language", "python"}});
  auto bob = join(*server_, s.id, "bob", "interviewer", s.key);
  auto cand = join(*server_, s.id, "cand");
  const auto before = event_count(s);
  EXPECT_EQ(error_of(cand, {{"type", "run_tests"}}), "no_question");
  EXPECT_EQ(error_of(cand, {{"type", "load_question"}, {"questionId", "upper"}}), "forbidden");
  EXPECT_EQ(error_of(bob, {{"type", "load_question"}, {"questionId", "nope"}}), "not_found");
  EXPECT_EQ(error_of(bob, {{"type", "load_question"}}), "invalid_changes");
  EXPECT_EQ(error_of(bob, {{"type", "load_question"}, {"questionId", "../x"}}), "invalid_changes");
  EXPECT_EQ(error_of(bob, {{"type", "load_question"}, {"questionId", 5}}), "invalid_changes");
  EXPECT_EQ(error_of(bob, {{"type", "load_question"}, {"questionId", "upper"}, {"replaceCode", 1}}),
            "invalid_changes");
  EXPECT_EQ(
      error_of(bob, {{"type", "load_question"}, {"questionId", "upper"}, {"language", "cobol"}}),
      "unsupported_language");
  // A language the server runs but the question has no starter for: refused when replacing.
  auto runtimes = body_of(http_call(server_->port(), "GET", "/api/runtimes"));
  bool has_bash = std::any_of(runtimes.begin(), runtimes.end(),
                              [](const json& rt) { return rt.value("language", "") == "bash"; });
  if (has_bash) {
    EXPECT_EQ(error_of(bob, {{"type", "load_question"},
                             {"questionId", "upper"},
                             {"language", "bash"},
                             {"replaceCode", true}}),
              "unsupported_language");
  }
  EXPECT_EQ(event_count(s), before);
  EXPECT_TRUE(latest_state(*server_, s)["question"].is_null());

  // Session creation: unknown question 404, a malformed id or a language without a starter 400,
  // nothing created.
  auto post = [&](const json& body) {
    return http_call(server_->port(), "POST", "/api/sessions", body.dump(),
                     {{"Content-Type", "application/json"}});
  };
  EXPECT_EQ(post({{"questionId", "nope"}}).status, 404);
  EXPECT_EQ(body_of(post({{"questionId", "nope"}})).value("error", ""), "not_found");
  EXPECT_EQ(post({{"questionId", 3}}).status, 400);
  EXPECT_EQ(post({{"questionId", "a/b"}}).status, 400);
  if (has_bash) {
    auto r = post({{"questionId", "upper"}, {"language", "bash"}});
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(body_of(r).value("error", ""), "unsupported_language");
  }
  auto listing = admin_call("GET", "/api/admin/sessions?state=all");
  EXPECT_EQ(body_of(listing)["sessions"].size(), 1u) << listing.body;
}

TEST_F(questions_room, a_room_started_from_a_question_has_it_loaded_with_the_starter) {
  auto s = create_session(*server_, {{"questionId", "upper"}});
  EXPECT_EQ(s.created["language"], "python");  // the first of python, javascript, java, cpp
  EXPECT_EQ(s.created["title"], "Upper case");
  auto cand = join(*server_, s.id, "cand");
  EXPECT_EQ(cand.state["language"], "python");
  EXPECT_EQ(cand.state["doc"], "line = input()\nprint(line)  # TODO\n");
  EXPECT_EQ(cand.state["question"]["tests"][3], (json{{"name", "secret-b"}, {"hidden", true}}));
  auto events = all_events(*server_, s);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[1]["type"], "question_loaded");
  EXPECT_EQ(events[1]["version"], 1);
  EXPECT_EQ(events[2]["type"], "code_changed");

  auto plain = create_session(
      *server_, {{"questionId", "upper"}, {"language", "plaintext"}, {"title", "Mine"}});
  EXPECT_EQ(plain.created["title"], "Mine");
  auto st = latest_state(*server_, plain);
  EXPECT_EQ(st["doc"], "notes\n");
  EXPECT_EQ(st["question"]["questionId"], "upper");
}

TEST_F(questions_room, run_tests_reports_every_result_and_hides_hidden_details_from_candidates) {
  auto s = create_session(*server_, {{"questionId", "upper"}});
  auto bob = join(*server_, s.id, "bob", "interviewer", s.key);
  auto cand = join(*server_, s.id, "cand");
  ASSERT_TRUE(push(cand, replace_all(cand.doc.size(), "")));
  ASSERT_TRUE(push(cand, json::array({json::array({0, "s = input()",
                                                   "print('nope' if s.startswith('zz') else "
                                                   "s.upper())",
                                                   ""})})));
  ASSERT_EQ(cand.text(), three_of_four);

  cand.ws->send({{"type", "run_tests"}});
  auto started = next(cand, "tests_started");
  ASSERT_TRUE(started && (*started)["type"] == "tests_started") << started.value_or(json());
  EXPECT_EQ((*started)["participantId"], cand.id);
  EXPECT_EQ((*started)["language"], "python");
  EXPECT_EQ((*started)["total"], 4);
  // One run at a time: a second test run or a run_code meanwhile is busy.
  EXPECT_EQ(error_of(bob, {{"type", "run_tests"}}), "busy");
  EXPECT_EQ(error_of(bob, {{"type", "run_code"}}), "busy");

  auto done = next(cand, "tests_finished", 60s);
  ASSERT_TRUE(done && (*done)["type"] == "tests_finished") << done.value_or(json());
  EXPECT_EQ((*done)["passed"], 3);
  EXPECT_EQ((*done)["total"], 4);
  const auto& results = (*done)["results"];
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0]["passed"]);
  EXPECT_EQ(results[0]["stdout"], "HELLO\n");  // visible: whole
  EXPECT_TRUE(results[2]["passed"]);
  EXPECT_FALSE(results[3]["passed"]);
  for (int i : {2, 3}) {  // hidden: name, hidden, passed, durationMs, timedOut only
    std::vector<std::string> keys;
    for (const auto& [k, v] : results[i].items()) keys.push_back(k);
    EXPECT_EQ(keys,
              (std::vector<std::string>{"durationMs", "hidden", "name", "passed", "timedOut"}))
        << results[i];
  }
  auto theirs = next(bob, "tests_finished", 60s);
  ASSERT_TRUE(theirs && (*theirs)["type"] == "tests_finished");
  EXPECT_EQ((*theirs)["passed"], 3);
  EXPECT_EQ((*theirs)["results"][3]["stdout"], "nope\n");  // interviewers: whole
  EXPECT_EQ((*theirs)["results"][3]["expected"], hidden_expected_b + "\n");

  // Logged whole, folded into /state, and in a later joiner's session_state per role.
  auto events = all_events(*server_, s);
  ASSERT_EQ(events_of(events, "tests_started").size(), 1u);
  auto finished = events_of(events, "tests_finished");
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_EQ(finished[0]["results"][2]["stdout"], hidden_expected_a + "\n");
  auto state = latest_state(*server_, s);
  EXPECT_EQ(state["lastTestRun"]["passed"], 3);
  EXPECT_EQ(state["lastTestRun"]["participantId"], cand.id);
  EXPECT_TRUE(state["testsRunning"].is_null());
  auto late = join(*server_, s.id, "late");
  EXPECT_EQ(late.state["lastTestRun"]["passed"], 3);
  EXPECT_FALSE(late.state["lastTestRun"]["results"][2].contains("stdout"));

  // The room is free again.
  cand.ws->send({{"type", "run_tests"}});
  auto second = next(cand, "tests_finished", 60s);
  ASSERT_TRUE(second && (*second)["type"] == "tests_finished") << second.value_or(json());
}

TEST_F(questions_room, a_candidate_socket_never_receives_hidden_tests_notes_or_focus) {
  auto s = create_session(*server_, {{"questionId", "upper"}});
  auto cand = join(*server_, s.id, "cand");
  auto bob = join(*server_, s.id, "bob", "interviewer", s.key);
  // A whole session: load (with replace), edit, run the tests, a run, notes, focus changes.
  bob.ws->send({{"type", "load_question"}, {"questionId", "upper"}, {"replaceCode", true}});
  ASSERT_TRUE(next(bob, "question_loaded"));
  ASSERT_TRUE(bob.follow());
  ASSERT_TRUE(sync_with_room(cand));
  ASSERT_TRUE(push(cand, replace_all(cand.doc.size(), "print(input().upper())")));
  cand.ws->send({{"type", "focus_change"}, {"focused", false}});
  bob.ws->send({{"type", "focus_change"}, {"focused", false}});
  bob.ws->send({{"type", "add_note"}, {"text", note_marker + " candidate looks unsure"}});
  ASSERT_TRUE(next(bob, "note_added"));
  cand.ws->send({{"type", "run_tests"}});
  auto done = next(cand, "tests_finished", 60s);
  ASSERT_TRUE(done && (*done)["type"] == "tests_finished") << done.value_or(json());
  EXPECT_EQ((*done)["passed"], 4);
  bob.ws->send({{"type", "run_tests"}});
  ASSERT_TRUE(next(bob, "tests_finished", 60s));
  cand.ws->send({{"type", "run_code"}, {"stdin", "abc\n"}});
  ASSERT_TRUE(next(cand, "run_finished", 30s));
  bob.ws->send({{"type", "add_note"}, {"text", note_marker + " second"}});
  ASSERT_TRUE(next(bob, "note_added"));
  cand.ws->send({{"type", "focus_change"}, {"focused", true}});
  // The candidate drops and joins again: a second session_state.
  ASSERT_TRUE(sync_with_room(cand));
  cand.ws->drop();
  auto back = join(*server_, s.id, "cand-again");
  ASSERT_TRUE(sync_with_room(bob));
  ASSERT_TRUE(sync_with_room(back));

  std::string bytes = cand.ws->received_bytes() + back.ws->received_bytes();
  // ... and everything a candidate (no key) can ask over REST: the rest is refused (401).
  for (const std::string& target : {"/api/sessions/" + s.id, std::string("/api/runtimes"),
                                    "/room/" + s.id, "/replay/" + s.id}) {
    auto r = http_call(server_->port(), "GET", target);
    if (target.rfind("/api/", 0) == 0) {
      EXPECT_EQ(r.status, 200) << target;
    }
    bytes += r.body;
  }
  for (const std::string& target :
       {"/api/sessions/" + s.id + "/events", "/api/sessions/" + s.id + "/state",
        "/api/sessions/" + s.id + "/state?seq=2", std::string("/api/questions"),
        std::string("/api/questions/upper"), "/api/sessions/" + s.id + "/scorecards"}) {
    auto r = http_call(server_->port(), "GET", target);
    EXPECT_NE(r.status, 200) << target;
    bytes += r.body;
  }
  ASSERT_FALSE(bytes.empty());
  for (const std::string& secret : {hidden_stdin_a, hidden_expected_a, hidden_stdin_b,
                                    hidden_expected_b, solution_marker, note_marker})
    EXPECT_EQ(bytes.find(secret), std::string::npos) << "a candidate received " << secret;
  for (std::string type : {"\"note_added\"", "\"participant_focus\"", "\"focused\""})
    EXPECT_EQ(bytes.find(type), std::string::npos) << "a candidate received " << type;
  // The candidate did see the session: the statement, visible tests and results.
  EXPECT_NE(bytes.find("upper case"), std::string::npos);
  EXPECT_NE(bytes.find("\"tests_finished\""), std::string::npos);
  EXPECT_NE(bytes.find("MIXED"), std::string::npos);
  // The interviewer did get them (so the test could see a leak).
  auto events = all_events(*server_, s);
  EXPECT_EQ(events_of(events, "note_added").size(), 2u);
  EXPECT_EQ(events_of(events, "focus_changed").size(), 3u);
}

}  // namespace
}  // namespace rooms::gateway::test
