/// roomd's log (--log-format json, --log-level debug): one JSON object per line, request ids
/// accepted or made and echoed, and no secret in it, whatever was done with them.

#include <sstream>

#include "tests/gateway/helpers.hpp"

namespace rooms::gateway::test {
namespace {

class logs : public ::testing::Test {
 protected:
  std::string data() const { return (dir_.path() / "data").string(); }
  temp_dir dir_;
};

/// Every line of `log` parsed; a line that is not a JSON object fails the test.
std::vector<json> json_lines(const std::string& log) {
  std::vector<json> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto j = json::parse(line, nullptr, false);
    EXPECT_TRUE(j.is_object()) << "not a JSON object: " << line;
    if (j.is_object()) out.push_back(std::move(j));
  }
  return out;
}

TEST_F(logs, json_lines_carry_time_level_message_and_the_request_id) {
  roomd_process server(data(), {"--log-format", "json"});
  auto created = http_call(server.port(), "POST", "/api/sessions", "{}",
                           {{"Content-Type", "application/json"}, {"X-Request-Id", "req-42.a:b"}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("X-Request-Id"), "req-42.a:b") << "a sane id is kept and echoed";
  auto sid = body_of(created).value("sessionId", "");

  auto insane = http_call(server.port(), "GET", "/api/sessions/" + sid, "",
                          {{"X-Request-Id", "has spaces and \"quotes\""}});
  auto made = insane.header("X-Request-Id");
  EXPECT_EQ(made.size(), 16u) << "an insane id is replaced: " << made;
  EXPECT_EQ(made.find_first_not_of("0123456789abcdef"), std::string::npos) << made;
  auto none = http_call(server.port(), "GET", "/api/sessions/" + sid);
  EXPECT_EQ(none.header("X-Request-Id").size(), 16u);
  EXPECT_NE(none.header("X-Request-Id"), made) << "each request its own";

  auto lines = json_lines(server.log());
  ASSERT_FALSE(lines.empty());
  for (const auto& l : lines) {
    EXPECT_TRUE(l.contains("time") && l.contains("level") && l.contains("message")) << l;
  }
  auto line_with = [&](const std::string& request_id) -> std::optional<json> {
    for (const auto& l : lines)
      if (l.value("requestId", "") == request_id) return l;
    return std::nullopt;
  };
  // Every line written while the request was answered carries its id (the creation's own
  // line and the access line), and the session it concerns.
  std::size_t with_42 = 0;
  for (const auto& l : lines) with_42 += l.value("requestId", "") == "req-42.a:b";
  EXPECT_GE(with_42, 2u) << server.log();
  auto access = line_with(made);
  ASSERT_TRUE(access) << server.log();
  EXPECT_EQ(access->value("session", ""), sid) << *access;
  EXPECT_EQ(access->value("level", ""), "info") << *access;
  EXPECT_NE(access->value("message", "").find("GET /api/sessions/" + sid + " 200"),
            std::string::npos)
      << *access;
}

TEST_F(logs, no_secret_is_ever_logged) {
  roomd_process server(data(), {"--log-format", "json"});
  const std::string admin = server.admin_token();
  ASSERT_FALSE(admin.empty());
  auto s = create_session(server);
  ASSERT_FALSE(s.key.empty());
  // The key and tokens travel in every place a client puts them: headers, query strings
  // (where they do not belong, but a client may), WebSocket messages.
  auto interviewer = join(server, s.id, "ivy", "interviewer", s.key);
  auto candidate = join(server, s.id, "cand");
  ASSERT_FALSE(interviewer.resume_token.empty());
  ASSERT_FALSE(candidate.resume_token.empty());
  EXPECT_EQ(http_call(server.port(), "GET", "/api/sessions/" + s.id + "/events?key=" + s.key, "",
                      bearer(s.key))
                .status,
            200);
  http_call(server.port(), "GET", "/api/sessions/" + s.id + "/state?seq=1", "", bearer("wrong"));
  EXPECT_EQ(http_call(server.port(), "GET", "/api/admin/sessions", "", bearer(admin)).status, 200);
  http_call(server.port(), "GET", "/api/admin/sessions/" + s.id + "?token=" + admin, "",
            bearer(admin));
  http_call(server.port(), "GET", "/api/admin/sessions", "", bearer(admin + "x"));
  // A wrong key on join, and resumes with both tokens.
  auto bad = ws_client::join_path(server.port(), s.id);
  bad->send({{"type", "join_session"}, {"name", "eve"}, {"role", "interviewer"}, {"key", admin}});
  bad->wait_closed(5s);
  candidate.ws->drop();
  interviewer.ws->drop();
  for (const auto& token : {candidate.resume_token, interviewer.resume_token}) {
    auto again = ws_client::join_path(server.port(), s.id);
    again->send({{"type", "join_session"},
                 {"name", "back"},
                 {"role", "candidate"},
                 {"resumeToken", token},
                 {"version", 0}});
    EXPECT_TRUE(again->next_of_type("session_state"));
    again->close(1000);
  }
  EXPECT_EQ(
      http_call(server.port(), "DELETE", "/api/admin/sessions/" + s.id, "", bearer(admin)).status,
      204);
  ASSERT_EQ(server.stop(), 0);

  auto log = server.log();
  EXPECT_NE(log.find("\"level\":\"debug\""), std::string::npos) << "debug lines were written";
  EXPECT_NE(log.find("/api/admin/sessions"), std::string::npos) << "the admin calls were logged";
  for (const auto& [name, secret] : {std::pair<std::string, std::string>{"admin token", admin},
                                     {"interviewer key", s.key},
                                     {"interviewer's resume token", interviewer.resume_token},
                                     {"candidate's resume token", candidate.resume_token}})
    EXPECT_EQ(log.find(secret), std::string::npos) << "the " << name << " is in the log:\n" << log;
}

}  // namespace
}  // namespace rooms::gateway::test
