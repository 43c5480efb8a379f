// Each validation rule, and that its failure names the field.

#include "questions/validate.hpp"

#include <gtest/gtest.h>

#include "tests/questions/helpers.hpp"

namespace {

using namespace rooms::questions;
using rooms::questions::testing::languages;
using rooms::questions::testing::names;
using rooms::questions::testing::sample;

std::vector<field_error> check(const question& q) {
  return validate(q, languages);
}

TEST(question_validate, the_sample_is_valid) {
  EXPECT_TRUE(check(sample()).empty()) << to_string(check(sample()));
}

TEST(question_validate, question_id) {
  question q = sample();
  q.question_id = "";
  EXPECT_TRUE(names(check(q), "questionId", "missing"));
  q.question_id = "has space";
  EXPECT_TRUE(names(check(q), "questionId", "A-Z"));
  q.question_id = "a|1";
  EXPECT_TRUE(names(check(q), "questionId"));
  q.question_id = std::string(65, 'a');
  EXPECT_TRUE(names(check(q), "questionId"));
  q.question_id = std::string(64, 'a');
  EXPECT_TRUE(check(q).empty());
}

TEST(question_validate, title) {
  question q = sample();
  q.title = std::string(200, 't');
  EXPECT_TRUE(check(q).empty());
  q.title = std::string(201, 't');
  EXPECT_TRUE(names(check(q), "title", "too large"));
  q.title = "";
  EXPECT_TRUE(names(check(q), "title", "missing"));
  q.title = "two\nlines";
  EXPECT_TRUE(names(check(q), "title", "one line"));
}

TEST(question_validate, statement_size_and_script_is_stored_as_written) {
  question q = sample();
  q.statement = "<script>alert(1)</script> **bold**";
  EXPECT_TRUE(check(q).empty()) << "a statement is stored as written; it is rendered sanitised";
  q.statement = std::string((64u << 10) + 1, 's');
  EXPECT_TRUE(names(check(q), "statement", "too large"));
  q.statement = std::string(64u << 10, 's');
  EXPECT_TRUE(check(q).empty());
}

TEST(question_validate, difficulty) {
  question q = sample();
  for (const char* d : {"easy", "medium", "hard"}) {
    q.difficulty = d;
    EXPECT_TRUE(check(q).empty()) << d;
  }
  q.difficulty = "extreme";
  EXPECT_TRUE(names(check(q), "difficulty", "easy, medium or hard"));
  q.difficulty = "";
  EXPECT_TRUE(names(check(q), "difficulty", "missing"));
}

TEST(question_validate, starter_for_an_unknown_language) {
  question q = sample();
  q.languages["cobol"] = {"DISPLAY 'HI'."};
  EXPECT_TRUE(names(check(q), "languages.cobol", "unknown language \"cobol\""));
  q = sample();
  q.languages["plaintext"] = {"notes"};
  EXPECT_TRUE(check(q).empty()) << "plaintext is always a language";
  q.solutions["brainfuck"] = "+";
  EXPECT_TRUE(names(check(q), "solutions.brainfuck", "unknown language"));
  EXPECT_TRUE(validate(sample(), {"python"}).size() == 1)
      << "the caller's set decides (cpp is not in it)";
}

TEST(question_validate, starter_and_solution_sizes) {
  question q = sample();
  q.languages["python"].starter = std::string((64u << 10) + 1, 'x');
  EXPECT_TRUE(names(check(q), "languages.python.starter", "too large"));
  q = sample();
  q.solutions["python"] = std::string((64u << 10) + 1, 'x');
  EXPECT_TRUE(names(check(q), "solutions.python", "too large"));
}

TEST(question_validate, tests_count) {
  question q = sample();
  q.tests.clear();
  EXPECT_TRUE(names(check(q), "tests", "at least one"));
  q = sample();
  q.tests.clear();
  for (int i = 0; i < 50; ++i)
    q.tests.push_back({"t" + std::to_string(i), "", "x", false, std::nullopt});
  EXPECT_TRUE(check(q).empty());
  q.tests.push_back({"t50", "", "x", false, std::nullopt});
  EXPECT_TRUE(names(check(q), "tests", "at most 50"));
}

TEST(question_validate, expected_output_of_10_mb_is_refused) {
  question q = sample();
  q.tests[1].expected = std::string(10u << 20, '7');
  auto errors = check(q);
  EXPECT_TRUE(names(errors, "tests[1].expected", "too large: 10485760 bytes, at most 64 KiB"))
      << to_string(errors);
  q.tests[1].expected = std::string(64u << 10, '7');
  EXPECT_TRUE(check(q).empty()) << "exactly the run's output cap is fine";
  q.tests[0].stdin_data = std::string((64u << 10) + 1, '1');
  EXPECT_TRUE(names(check(q), "tests[0].stdin", "too large"));
}

TEST(question_validate, test_names) {
  question q = sample();
  q.tests[1].name = "basic";
  EXPECT_TRUE(names(check(q), "tests[1].name", "duplicate"));
  q.tests[1].name = "";
  EXPECT_TRUE(names(check(q), "tests[1].name", "empty"));
  q.tests[1].name = std::string(101, 'n');
  EXPECT_TRUE(names(check(q), "tests[1].name", "at most 100"));
  q.tests[1].name = std::string(100, 'n');
  EXPECT_TRUE(check(q).empty());
  // 100 characters, 200 bytes: the limit counts characters.
  std::string two_byte;
  for (int i = 0; i < 100; ++i) two_byte += "\xc3\xa9";
  q.tests[1].name = two_byte;
  EXPECT_TRUE(check(q).empty());
  q.tests[1].name = "line\nbreak";
  EXPECT_TRUE(names(check(q), "tests[1].name", "one line"));
  q.tests[1].name = " padded";
  EXPECT_TRUE(names(check(q), "tests[1].name", "space"));
}

TEST(question_validate, timeout_range) {
  question q = sample();
  for (int ok : {100, 10000}) {
    q.tests[0].timeout_ms = ok;
    EXPECT_TRUE(check(q).empty()) << ok;
  }
  for (int bad : {99, 10001, 0}) {
    q.tests[0].timeout_ms = bad;
    EXPECT_TRUE(names(check(q), "tests[0].timeoutMs", "100..10000")) << bad;
  }
}

TEST(question_validate, tags_and_criteria) {
  question q = sample();
  q.tags.assign(21, "t");
  EXPECT_TRUE(names(check(q), "tags", "at most 20"));
  q.tags = {"ok", std::string(33, 'x')};
  EXPECT_TRUE(names(check(q), "tags[1]", "at most 32"));
  q.tags = {"ok", ""};
  EXPECT_TRUE(names(check(q), "tags[1]", "empty"));
  q = sample();
  q.criteria = {std::string(65, 'c')};
  EXPECT_TRUE(names(check(q), "criteria[0]", "at most 64"));
}

TEST(question_validate, invalid_utf8_is_refused_where_it_is) {
  question q = sample();
  q.statement = "bad \xff byte";
  q.tests[0].expected = "\xc0\x80";  // an overlong NUL
  auto errors = check(q);
  EXPECT_TRUE(names(errors, "statement", "UTF-8"));
  EXPECT_TRUE(names(errors, "tests[0].expected", "UTF-8"));
  EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));      // cut short
}

TEST(question_validate, every_failure_is_reported_at_once) {
  question q = sample();
  q.title = "";
  q.difficulty = "?";
  q.tests[0].expected = std::string(70000, 'x');
  EXPECT_EQ(check(q).size(), 3u) << to_string(check(q));
}

TEST(question_validate, parse_and_validate_combines_both) {
  auto j = to_json(sample());
  EXPECT_TRUE(parse_and_validate(j, languages).ok());
  j["tests"][0].erase("expected");
  EXPECT_TRUE(names(parse_and_validate(j, languages).errors(), "tests[0].expected", "missing"));
  j = to_json(sample());
  j["languages"]["klingon"] = {{"starter", ""}};
  EXPECT_TRUE(
      names(parse_and_validate(j, languages).errors(), "languages.klingon", "unknown language"));
}

}  // namespace
