/// The Piston client end to end against a real HTTP server: roomd's own Piston v2 API
/// (--serve-piston, local sandbox) serves a second roomd running with --runner piston.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/testing/roomd_process.hpp"
#include "tests/testing/temp_dir.hpp"
#include "tests/testing/ws_client.hpp"

namespace rooms {
namespace {

using nlohmann::json;
using testing::http_call;
using testing::roomd_process;
using testing::temp_dir;
using testing::ws_client;

TEST(PistonServe, ExecuteAnswersInPistonShapeToLoopbackOnly) {
  temp_dir dir;
  roomd_process piston(dir.str() + "/piston", {"--runner", "local", "--serve-piston"});
  auto runtimes = http_call(piston.port(), "GET", "/api/v2/runtimes");
  ASSERT_EQ(runtimes.status, 200) << runtimes.body;
  auto list = json::parse(runtimes.body);
  bool has_python = false;
  for (const auto& rt : list) has_python = has_python || rt["language"] == "python";
  ASSERT_TRUE(has_python) << runtimes.body;

  auto run = http_call(
      piston.port(), "POST", "/api/v2/execute",
      R"js({"language":"python","version":"*","files":[{"content":"import sys\nprint(sys.stdin.read().upper())\nsys.exit(3)"}],"stdin":"abc"})js");
  ASSERT_EQ(run.status, 200) << run.body;
  auto body = json::parse(run.body);
  EXPECT_EQ(body["run"]["stdout"], "ABC\n");
  EXPECT_EQ(body["run"]["code"], 3);

  // Bytes that are not UTF-8 come back as U+FFFD: the answer is valid JSON.
  auto bytes = http_call(
      piston.port(), "POST", "/api/v2/execute",
      R"js({"language":"bash","version":"*","files":[{"content":"printf 'a\\xff\\xfeb'"}]})js");
  ASSERT_EQ(bytes.status, 200) << bytes.body;
  EXPECT_EQ(json::parse(bytes.body)["run"]["stdout"],
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b")
      << bytes.body;

  auto unknown = http_call(piston.port(), "POST", "/api/v2/execute",
                           R"({"language":"cobol","files":[{"content":"x"}]})");
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  auto malformed = http_call(piston.port(), "POST", "/api/v2/execute", R"({"language":"python"})");
  EXPECT_EQ(malformed.status, 400) << malformed.body;
}

TEST(PistonServe, NotServedWithoutTheFlag) {
  temp_dir dir;
  roomd_process plain(dir.str() + "/plain");
  EXPECT_EQ(http_call(plain.port(), "GET", "/api/v2/runtimes").status, 404);
}

TEST(PistonServe, RoomRunsCodeThroughAnotherRoomdsPistonApi) {
  temp_dir dir;
  roomd_process piston(dir.str() + "/piston", {"--runner", "local", "--serve-piston"});
  roomd_process front(dir.str() + "/front",
                      {"--runner", "piston", "--piston-url", piston.base_url()});

  auto created = http_call(front.port(), "POST", "/api/sessions", R"({"language":"python"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto sid = json::parse(created.body)["sessionId"].get<std::string>();
  auto client = ws_client::join_path(front.port(), sid);
  client->send({{"type", "join_session"}, {"name", "Ada"}});
  ASSERT_TRUE(client->next_of_type("session_state"));
  client->send(
      {{"type", "code_update"},
       {"version", 0},
       {"updates",
        json::array({{{"clientID", "c"},
                      {"changes", json::array({json::array({0, "print(input()[::-1])"})})}}})}});
  ASSERT_TRUE(client->next_of_type("code_changed"));
  client->send({{"type", "run_code"}, {"stdin", "piston"}});
  auto started = client->next_of_type("run_started", std::chrono::seconds(20));
  ASSERT_TRUE(started);
  auto finished = client->next_of_type("run_finished", std::chrono::seconds(30));
  ASSERT_TRUE(finished) << front.log();
  EXPECT_EQ((*finished)["stdout"], "notsip\n");
  EXPECT_EQ((*finished)["exitCode"], 0);
  EXPECT_EQ((*finished)["runId"], (*started)["runId"]);
}

TEST(PistonServe, RoomRunsTheTestsOfAQuestionThroughPiston) {
  // The Piston runner runs tests too: one execute per test, each with its stdin and timeoutMs.
  temp_dir dir;
  roomd_process piston(dir.str() + "/piston", {"--runner", "local", "--serve-piston"});
  roomd_process front(dir.str() + "/front",
                      {"--runner", "piston", "--piston-url", piston.base_url()});
  json question = {
      {"questionId", "rev"},
      {"title", "Reverse"},
      {"statement", "Reverse the line."},
      {"languages", {{"python", {{"starter", "print(input())\n"}}}}},
      {"tests",
       json::array({{{"name", "a"}, {"stdin", "abc\n"}, {"expected", "cba\n"}, {"hidden", false}},
                    {{"name", "b"},
                     {"stdin", "xy\n"},
                     {"expected", "yx\n"},
                     {"hidden", true},
                     {"timeoutMs", 3000}},
                    {{"name", "c"}, {"stdin", "no\n"}, {"expected", "nope\n"}, {"hidden", true}}})},
      {"tags", json::array({"strings"})},
      {"difficulty", "easy"}};
  auto put = http_call(front.port(), "POST", "/api/questions", question.dump(),
                       {{"Authorization", "Bearer " + front.admin_token()}});
  ASSERT_EQ(put.status, 201) << put.body;
  auto created = http_call(front.port(), "POST", "/api/sessions", R"({"questionId":"rev"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto sid = json::parse(created.body)["sessionId"].get<std::string>();
  auto client = ws_client::join_path(front.port(), sid);
  client->send({{"type", "join_session"}, {"name", "Ada"}});
  auto state = client->next_of_type("session_state");
  ASSERT_TRUE(state);
  const auto length = (*state)["doc"].get<std::string>().size();
  client->send({{"type", "code_update"},
                {"version", (*state)["version"]},
                {"updates",
                 json::array({{{"clientID", "c"},
                               {"changes",
                                json::array({json::array({length, "print(input()[::-1])"})})}}})}});
  ASSERT_TRUE(client->next_of_type("code_changed"));
  client->send({{"type", "run_tests"}});
  auto finished = client->next_of_type("tests_finished", std::chrono::seconds(60));
  ASSERT_TRUE(finished) << front.log();
  EXPECT_EQ((*finished)["passed"], 2) << *finished;
  EXPECT_EQ((*finished)["total"], 3);
  EXPECT_EQ((*finished)["results"][0]["stdout"], "cba\n");
  EXPECT_TRUE((*finished)["results"][1]["passed"]);
  EXPECT_FALSE((*finished)["results"][2]["passed"]);
  EXPECT_FALSE((*finished)["results"][2].contains("stdout"));  // a candidate: hidden, no output
}

}  // namespace
}  // namespace rooms
