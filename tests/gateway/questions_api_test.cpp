/// Black-box tests of the question library's REST routes (PROTOCOL.md "v2 additions" ->
/// Questions) against a real roomd: CRUD, versions, field-named validation errors that store
/// nothing, 404s, and who may read (admin, interviewer key + X-Session-Id) and write (admin).
/// roomd runs with --runner none, so plaintext is the one language a question may use.

#include "tests/gateway/helpers.hpp"
#include "tests/gateway/raw_socket.hpp"

namespace rooms::gateway::test {
namespace {

using headers = std::vector<std::pair<std::string, std::string>>;

json sample(const std::string& id = "echo") {
  return {{"questionId", id},
          {"title", "Echo"},
          {"statement", "Print what you read. <script>alert(1)</script>"},
          {"languages", {{"plaintext", {{"starter", "type here\n"}}}}},
          {"tests",
           json::array(
               {{{"name", "basic"}, {"stdin", "1\n"}, {"expected", "1\n"}, {"hidden", false}},
                {{"name", "secret"}, {"stdin", "2\n"}, {"expected", "2\n"}, {"hidden", true}}})},
          {"tags", json::array({"io"})},
          {"difficulty", "easy"},
          {"solutions", {{"plaintext", "REFERENCE-SOLUTION-TEXT"}}}};
}

class questions_api : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<roomd_process>((dir_.path() / "data").string());
  }
  headers admin() const { return bearer(server_->admin_token()); }
  http_reply call(const std::string& method, const std::string& target,
                  const std::string& body = "") const {
    return http_call(server_->port(), method, target, body, admin());
  }
  http_reply list() const { return call("GET", "/api/questions"); }
  /// The field the 400 names; fails the test when the answer is not such a 400.
  std::string refused_field(const http_reply& r) const {
    EXPECT_EQ(r.status, 400) << r.body;
    json j = body_of(r);
    EXPECT_EQ(j.value("error", ""), "invalid_question") << r.body;
    EXPECT_TRUE(j.contains("message") && j["message"].is_string()) << r.body;
    return j.value("field", "");
  }

  temp_dir dir_;
  std::unique_ptr<roomd_process> server_;
};

TEST_F(questions_api, create_get_list_update_delete) {
  EXPECT_EQ(body_of(list())["questions"], json::array());
  auto created = call("POST", "/api/questions", sample().dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(body_of(created)["version"], 1);

  auto rows = body_of(list())["questions"];
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (json{{"questionId", "echo"},
                           {"title", "Echo"},
                           {"tags", {"io"}},
                           {"difficulty", "easy"},
                           {"languages", {"plaintext"}},
                           {"tests", 2}}));

  auto got = call("GET", "/api/questions/echo");
  ASSERT_EQ(got.status, 200) << got.body;
  json q = body_of(got);
  EXPECT_EQ(q["title"], "Echo");
  EXPECT_EQ(q["tests"].size(), 2u);
  EXPECT_EQ(q["tests"][1]["expected"], "2\n");  // interviewers see hidden tests whole
  EXPECT_FALSE(q.contains("solutions"));        // only with ?solutions=1
  // HTML in a statement is stored as text, byte for byte (rendering sanitises it).
  EXPECT_EQ(q["statement"], sample()["statement"]);
  EXPECT_EQ(body_of(call("GET", "/api/questions/echo?solutions=1"))["solutions"]["plaintext"],
            "REFERENCE-SOLUTION-TEXT");

  // PUT makes a new version; GET answers the latest, ?version= an earlier one.
  json changed = sample();
  changed["title"] = "Echo, again";
  auto put = call("PUT", "/api/questions/echo", changed.dump());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(body_of(put)["version"], 2);
  json latest = body_of(call("GET", "/api/questions/echo"));
  EXPECT_EQ(latest["title"], "Echo, again");
  EXPECT_EQ(latest["version"], 2);
  EXPECT_EQ(body_of(call("GET", "/api/questions/echo?version=1"))["title"], "Echo");

  auto del = call("DELETE", "/api/questions/echo");
  EXPECT_EQ(del.status, 204) << del.body;
  EXPECT_EQ(call("GET", "/api/questions/echo").status, 404);
  EXPECT_EQ(body_of(list())["questions"], json::array());
  EXPECT_EQ(call("DELETE", "/api/questions/echo").status, 404);
}

TEST_F(questions_api, unknown_ids_and_duplicates) {
  EXPECT_EQ(body_of(call("GET", "/api/questions/nope"))["error"], "not_found");
  EXPECT_EQ(call("GET", "/api/questions/nope").status, 404);
  EXPECT_EQ(call("PUT", "/api/questions/nope", sample("nope").dump()).status, 404);
  EXPECT_EQ(call("DELETE", "/api/questions/nope").status, 404);
  ASSERT_EQ(call("POST", "/api/questions", sample().dump()).status, 201);
  auto again = call("POST", "/api/questions", sample().dump());
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(body_of(again)["error"], "already_exists");
  // The URL's id and the body's must agree.
  EXPECT_EQ(refused_field(call("PUT", "/api/questions/echo", sample("other").dump())),
            "questionId");
  EXPECT_EQ(call("PATCH", "/api/questions/echo", "{}").status, 405);
}

TEST_F(questions_api, invalid_questions_name_the_field_and_store_nothing) {
  json huge = sample();
  huge["tests"][0]["expected"] = std::string(10'000'000, 'x');
  EXPECT_EQ(refused_field(call("POST", "/api/questions", huge.dump())), "tests[0].expected");

  json no_expected = sample();
  no_expected["tests"][0].erase("expected");
  EXPECT_EQ(refused_field(call("POST", "/api/questions", no_expected.dump())), "tests[0].expected");

  json cobol = sample();
  cobol["languages"]["cobol"] = {{"starter", "DISPLAY 1."}};
  EXPECT_EQ(refused_field(call("POST", "/api/questions", cobol.dump())), "languages.cobol");

  json no_tests = sample();
  no_tests["tests"] = json::array();
  EXPECT_EQ(refused_field(call("POST", "/api/questions", no_tests.dump())), "tests");

  json twins = sample();
  twins["tests"][1]["name"] = "basic";
  EXPECT_EQ(refused_field(call("POST", "/api/questions", twins.dump())), "tests[1].name");

  json bad_id = sample("no spaces allowed");
  EXPECT_EQ(refused_field(call("POST", "/api/questions", bad_id.dump())), "questionId");

  auto not_json = call("POST", "/api/questions", "{nope");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(body_of(not_json)["error"], "bad_json");

  EXPECT_EQ(body_of(list())["questions"], json::array());  // nothing of it was stored

  // A refused PUT keeps the stored version as it was.
  ASSERT_EQ(call("POST", "/api/questions", sample().dump()).status, 201);
  EXPECT_EQ(refused_field(call("PUT", "/api/questions/echo", no_tests.dump())), "tests");
  EXPECT_EQ(body_of(call("GET", "/api/questions/echo"))["version"], 1);

  // A body announced past the limit (16 MiB) is a 413 before it is read (headers only: the
  // server answers and closes without taking the body).
  raw_socket sock(server_->port());
  ASSERT_TRUE(sock.write_all(
      "POST /api/questions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + server_->admin_token() +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(17u << 20) +
      "\r\n\r\n"));
  std::string answer;
  ASSERT_TRUE(sock.read_until(answer, "\r\n\r\n", 10s)) << answer;
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_EQ(body_of(list())["questions"].size(), 1u);
}

TEST_F(questions_api, admins_write_interviewers_read_without_solutions) {
  ASSERT_EQ(call("POST", "/api/questions", sample().dump()).status, 201);
  auto s = create_session(*server_);

  // No credential: 401; a wrong one: 403.
  EXPECT_EQ(http_call(server_->port(), "GET", "/api/questions").status, 401);
  EXPECT_EQ(http_call(server_->port(), "GET", "/api/questions", "", bearer("wrong")).status, 403);
  EXPECT_EQ(http_call(server_->port(), "POST", "/api/questions", sample("x").dump()).status, 401);

  // An interviewer key needs the session it belongs to.
  headers interviewer = bearer(s.key);
  interviewer.emplace_back("X-Session-Id", s.id);
  EXPECT_EQ(http_call(server_->port(), "GET", "/api/questions", "", bearer(s.key)).status, 403);
  auto other = create_session(*server_);
  headers mismatched = bearer(s.key);
  mismatched.emplace_back("X-Session-Id", other.id);
  EXPECT_EQ(http_call(server_->port(), "GET", "/api/questions", "", mismatched).status, 403);

  auto rows = http_call(server_->port(), "GET", "/api/questions", "", interviewer);
  ASSERT_EQ(rows.status, 200) << rows.body;
  EXPECT_EQ(body_of(rows)["questions"].size(), 1u);
  auto one = http_call(server_->port(), "GET", "/api/questions/echo", "", interviewer);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.body.find("REFERENCE-SOLUTION-TEXT"), std::string::npos);
  auto by_query =
      http_call(server_->port(), "GET", "/api/questions/echo?session=" + s.id, "", bearer(s.key));
  EXPECT_EQ(by_query.status, 200) << by_query.body;
  auto asked =
      http_call(server_->port(), "GET", "/api/questions/echo?solutions=1", "", interviewer);
  EXPECT_EQ(asked.status, 403);
  EXPECT_EQ(asked.body.find("REFERENCE-SOLUTION-TEXT"), std::string::npos);

  // Interviewers cannot write; nothing changes.
  EXPECT_EQ(http_call(server_->port(), "POST", "/api/questions", sample("mine").dump(), interviewer)
                .status,
            403);
  EXPECT_EQ(
      http_call(server_->port(), "PUT", "/api/questions/echo", sample().dump(), interviewer).status,
      403);
  EXPECT_EQ(http_call(server_->port(), "DELETE", "/api/questions/echo", "", interviewer).status,
            403);
  EXPECT_EQ(body_of(call("GET", "/api/questions/echo"))["version"], 1);
  EXPECT_EQ(body_of(list())["questions"].size(), 1u);
}

/// What a request announcing `length` body bytes to `target` gets before sending any of them.
std::string head_answer(int port, const std::string& target, std::size_t length) {
  raw_socket sock(port);
  EXPECT_TRUE(sock.write_all("POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                             std::to_string(length) + "\r\n\r\n"));
  std::string answer;
  sock.read_until(answer, "\r\n\r\n", 2s);  // a target that reads the body answers nothing yet
  return answer;
}

TEST_F(questions_api, each_target_has_its_own_body_limit) {
  // The header is checked against the target's limit as soon as it is read: 1 MiB for a
  // session, 16 MiB for a question, 256 MiB for an import (which then waits for its body).
  EXPECT_EQ(head_answer(server_->port(), "/api/sessions", 2u << 20).rfind("HTTP/1.1 413", 0), 0u);
  EXPECT_EQ(head_answer(server_->port(), "/api/questions", 17u << 20).rfind("HTTP/1.1 413", 0), 0u);
  EXPECT_EQ(head_answer(server_->port(), "/api/questions", 2u << 20), "");
  EXPECT_EQ(head_answer(server_->port(), "/api/admin/import", 2u << 20), "");
  // A 2 MiB import is read and judged by its content (here: not the export format).
  auto r = call("POST", "/api/admin/import", std::string(2u << 20, 'x'));
  EXPECT_EQ(r.status, 400) << r.body.substr(0, 200);
}

TEST_F(questions_api, questions_survive_a_restart) {
  ASSERT_EQ(call("POST", "/api/questions", sample().dump()).status, 201);
  server_.reset();
  server_ = std::make_unique<roomd_process>((dir_.path() / "data").string());
  EXPECT_EQ(body_of(call("GET", "/api/questions/echo"))["title"], "Echo");
}

}  // namespace
}  // namespace rooms::gateway::test
