// The question model's JSON shapes (PROTOCOL.md "Questions").

#include <gtest/gtest.h>

#include "questions/question.hpp"
#include "tests/questions/helpers.hpp"

namespace {

using namespace rooms::questions;
using nlohmann::json;
using rooms::questions::testing::names;
using rooms::questions::testing::sample;

TEST(question_model, json_round_trip_keeps_every_field) {
  question q = sample();
  q.updated_at = 1700000000123;
  q.version = 7;
  auto back = from_json(to_json(q, with_solutions::yes));
  ASSERT_TRUE(back.ok()) << to_string(back.errors());
  EXPECT_EQ(back.value(), q);
}

TEST(question_model, json_has_the_protocol_field_names) {
  json j = to_json(sample());
  for (const char* key : {"questionId", "title", "statement", "languages", "tests", "tags",
                          "difficulty", "updatedAt", "version", "criteria"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["languages"]["python"]["starter"], sample().languages["python"].starter);
  EXPECT_EQ(j["tests"][1], (json{{"name", "negative"},
                                 {"stdin", "-1 -2\n"},
                                 {"expected", "-3\n"},
                                 {"hidden", true},
                                 {"timeoutMs", 2000}}));
  EXPECT_FALSE(j["tests"][0].contains("timeoutMs"));
}

TEST(question_model, solutions_only_when_asked) {
  EXPECT_FALSE(to_json(sample()).contains("solutions"));
  EXPECT_FALSE(to_json(sample()).dump().find("print(a + b)") != std::string::npos);
  json j = to_json(sample(), with_solutions::yes);
  EXPECT_EQ(j["solutions"]["python"], sample().solutions["python"]);
}

TEST(question_model, no_criteria_no_field) {
  question q = sample();
  q.criteria.clear();
  EXPECT_FALSE(to_json(q).contains("criteria"));
}

TEST(question_model, candidate_view_hides_hidden_tests_and_solutions) {
  json v = candidate_view(sample());
  EXPECT_EQ(v["tests"][0],
            (json{{"name", "basic"}, {"stdin", "1 2\n"}, {"expected", "3\n"}, {"hidden", false}}));
  EXPECT_EQ(v["tests"][1], (json{{"name", "negative"}, {"hidden", true}}));
  EXPECT_FALSE(v.contains("solutions"));
  EXPECT_EQ(v["languages"]["cpp"]["starter"], "int main() {}\n");
  std::string bytes = v.dump();
  EXPECT_EQ(bytes.find("-1 -2"), std::string::npos);
  EXPECT_EQ(bytes.find("-3"), std::string::npos);
  EXPECT_EQ(bytes.find("print(a + b)"), std::string::npos);
}

TEST(question_model, list_row) {
  EXPECT_EQ(list_row(sample()), (json{{"questionId", "echo-sum"},
                                      {"title", "Echo Sum"},
                                      {"tags", {"math"}},
                                      {"difficulty", "easy"},
                                      {"languages", {"cpp", "python"}},
                                      {"tests", 2}}));
}

TEST(question_model, from_json_names_missing_and_mistyped_fields) {
  json j = to_json(sample());
  j["tests"][1].erase("expected");
  j["tags"] = {"ok", 5};
  j["title"] = 3;
  j["languages"]["python"] = "print(1)";
  j["tests"][0]["hidden"] = "yes";
  j["tests"][0]["timeoutMs"] = "fast";
  auto q = from_json(j);
  ASSERT_FALSE(q.ok());
  EXPECT_TRUE(names(q.errors(), "tests[1].expected", "missing")) << to_string(q.errors());
  EXPECT_TRUE(names(q.errors(), "tags[1]", "string"));
  EXPECT_TRUE(names(q.errors(), "title", "string"));
  EXPECT_TRUE(names(q.errors(), "languages.python"));
  EXPECT_TRUE(names(q.errors(), "tests[0].hidden"));
  EXPECT_TRUE(names(q.errors(), "tests[0].timeoutMs"));
  EXPECT_EQ(to_string({{"tests[1].expected", "missing"}}), "tests[1].expected: missing");
}

TEST(question_model, from_json_refuses_what_is_not_an_object) {
  for (const json& j : {json(nullptr), json(3), json::array(), json("q")}) {
    auto q = from_json(j);
    ASSERT_FALSE(q.ok());
    EXPECT_EQ(q.errors().front().field, "question");
  }
  json j = to_json(sample());
  j["tests"] = {1};
  EXPECT_TRUE(names(from_json(j).errors(), "tests[0]", "object"));
  j.erase("tests");
  EXPECT_TRUE(names(from_json(j).errors(), "tests", "missing"));
}

TEST(question_model, stdin_defaults_to_empty_and_hidden_to_false) {
  json j = to_json(sample());
  j["tests"][0].erase("stdin");
  j["tests"][0].erase("hidden");
  auto q = from_json(j);
  ASSERT_TRUE(q.ok()) << to_string(q.errors());
  EXPECT_EQ(q.value().tests[0].stdin_data, "");
  EXPECT_FALSE(q.value().tests[0].hidden);
}

}  // namespace
