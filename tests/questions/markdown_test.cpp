// The Markdown file format: round trips, awkward content, parse errors naming the line.

#include <gtest/gtest.h>

#include "questions/markdown_format.hpp"
#include "questions/validate.hpp"
#include "tests/questions/helpers.hpp"

namespace {

using namespace rooms::questions;
using rooms::questions::testing::names;
using rooms::questions::testing::sample;

question round_trip(const question& q) {
  auto back = parse_markdown(serialize_markdown(q));
  EXPECT_TRUE(back.ok()) << to_string(back.errors()) << "\n" << serialize_markdown(q);
  return back.ok() ? back.value() : question{};
}

TEST(question_markdown, question_round_trips) {
  question q = sample();
  EXPECT_EQ(round_trip(q), q);
  std::string file = serialize_markdown(q);
  EXPECT_EQ(serialize_markdown(parse_markdown(file).value()), file);
}

TEST(question_markdown, canonical_layout) {
  question q;
  q.question_id = "x";
  q.title = "X";
  q.difficulty = "hard";
  q.statement = "Do it.\n";
  q.languages["python"] = {"pass\n"};
  q.tests = {{"t", "1\n", "2", true, 500}};
  q.solutions["python"] = "print(2)\n";
  EXPECT_EQ(serialize_markdown(q),
            "---\n{\n  \"questionId\": \"x\",\n  \"title\": \"X\",\n  \"difficulty\": \"hard\",\n  "
            "\"tags\": []\n}\n---\n"
            "Do it.\n"
            "\n## starter: python\n\n```python\npass\n```\n"
            "\n## test: t\n\nhidden: true\ntimeoutMs: 500\n\n### stdin\n\n```text\n1\n```\n"
            "\n### expected\n\n```text no-final-newline\n2\n```\n"
            "\n## solution: python\n\n```python\nprint(2)\n```\n");
}

TEST(question_markdown, awkward_content_survives) {
  question q = sample();
  q.languages["python"].starter = "s = '''\n```\n````\n'''\n";  // fences inside code
  q.tests[0].stdin_data = "";                                   // empty
  q.tests[0].expected = "\n";                                   // one empty line
  q.tests[1].stdin_data = "no newline at the end";
  q.tests[1].expected = "  leading spaces\n\n\ntrailing blank lines\n\n";
  q.solutions["python"] = "## test: not a heading inside code\nprint(1)";
  q.statement =
      "Intro\n\n```\n## starter: python\n```\n\n## Input (a heading of the statement)\nText\n";
  q.title = "Quotes \" and \\ and unicode \xc3\xa9";
  EXPECT_EQ(round_trip(q), q);
}

TEST(question_markdown, statement_trailing_blank_lines_are_dropped) {
  question q = sample();
  q.statement = "Text\n\n\n\n";
  EXPECT_EQ(round_trip(q).statement, "Text\n");
  q.statement = "Text without newline";
  EXPECT_EQ(round_trip(q).statement, "Text without newline\n");
  q.statement = "";
  EXPECT_EQ(round_trip(q).statement, "");
}

TEST(question_markdown, a_question_without_sections_parses) {
  auto q = parse_markdown(
      "---\n{\"questionId\":\"a\",\"title\":\"A\",\"difficulty\":\"easy\"}\n---\nJust text.\n");
  ASSERT_TRUE(q.ok()) << to_string(q.errors());
  EXPECT_EQ(q.value().statement, "Just text.\n");
  EXPECT_TRUE(q.value().tests.empty()) << "parse does not validate: validate() refuses it";
}

std::vector<field_error> errors_of(const std::string& text) {
  auto q = parse_markdown(text);
  EXPECT_FALSE(q.ok());
  return q.errors();
}

const std::string head =
    "---\n{\"questionId\":\"a\",\"title\":\"A\",\"difficulty\":\"easy\"}\n---\nText\n";  // lines
                                                                                         // 1-4

TEST(question_markdown, parse_errors_name_the_line) {
  EXPECT_TRUE(names(errors_of("no front matter\n"), "line 1", "\"---\""));
  EXPECT_TRUE(names(errors_of("---\n{}\n"), "line 1", "not closed"));
  EXPECT_TRUE(names(errors_of("---\n{\n  \"title\": \"A\",\n  oops\n}\n---\n"), "line 4",
                    "not valid JSON"));
  EXPECT_TRUE(names(errors_of("---\n[1]\n---\n"), "line 2", "one JSON object"));
  EXPECT_TRUE(names(errors_of("---\n{\"tests\":[]}\n---\n"), "line 2", "unknown field \"tests\""));
  EXPECT_TRUE(
      names(errors_of(head + "\n## starter: python\n\nprint(1)\n"), "line 8", "fenced code block"));
  EXPECT_TRUE(
      names(errors_of(head + "```\ncode\n## starter: python\n```python\n"), "line 5", "statement"));
  EXPECT_TRUE(names(errors_of(head + "\n## starter: python\n\n```python\nprint(1)\n"), "line 8",
                    "not closed"));
  EXPECT_TRUE(names(errors_of(head + "## starter: python\n```\n```\nstray\n"), "line 8",
                    "unexpected text"));
  EXPECT_TRUE(names(errors_of(head + "## starter: \n```\n```\n"), "line 5", "needs a name"));
  EXPECT_TRUE(names(errors_of(head + "## starter: c\n```\n```\n## starter: c\n```\n```\n"),
                    "line 8", "second starter"));
  EXPECT_TRUE(
      names(errors_of(head + "## test: t\nhidden: maybe\n"), "line 6", "hidden: true|false"));
  EXPECT_TRUE(names(errors_of(head + "## test: t\ntimeoutMs: soon\n"), "line 6", "timeoutMs"));
  EXPECT_TRUE(names(errors_of(head + "## test: t\n```text no-final-newline\n```\n"), "line 6",
                    "hidden: true|false"));
  EXPECT_TRUE(names(errors_of(head + "## test: t\n### expected\n```text no-final-newline\n```\n"),
                    "line 7", "empty"));
}

TEST(question_markdown, a_test_without_expected_is_refused) {
  auto errors = errors_of(head + "## test: t\n\nhidden: false\n\n### stdin\n\n```text\n1\n```\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "test \"t\": missing \"### expected\"");
  EXPECT_EQ(errors[0].field, "line 13");
}

TEST(question_markdown, front_matter_of_the_wrong_type_names_the_field) {
  auto errors = errors_of(
      "---\n{\"questionId\":\"a\",\"title\":5,\"difficulty\":\"easy\",\"tags\":\"x\"}\n---\n");
  EXPECT_TRUE(names(errors, "title", "string"));
  EXPECT_TRUE(names(errors, "tags", "array"));
  EXPECT_TRUE(names(errors_of("---\n{\"title\":\"A\",\"difficulty\":\"easy\"}\n---\n"),
                    "questionId", "missing"));
}

TEST(question_markdown, garbage_never_crashes) {
  for (std::string text :
       {std::string(), std::string("---"), std::string("---\n---\n"), std::string("\0\0\n", 3),
        std::string("---\n\xff\n---\n"), head + "## test: t\n### stdin\n```\n",
        head + "## solution: x\n````\n```\n"}) {
    EXPECT_FALSE(parse_markdown(text).ok()) << text;
  }
}

}  // namespace

namespace {

TEST(question_markdown, the_readme_example_is_canonical_and_valid) {
  std::string readme = rooms::questions::testing::read_file(
      rooms::questions::testing::starter_dir().parent_path() / "README.md");
  auto begin = readme.find("````markdown\n");
  ASSERT_NE(begin, std::string::npos);
  begin += std::string("````markdown\n").size();
  auto end = readme.find("````\n", begin);
  ASSERT_NE(end, std::string::npos);
  std::string example = readme.substr(begin, end - begin);
  auto q = rooms::questions::parse_markdown(example);
  ASSERT_TRUE(q.ok()) << rooms::questions::to_string(q.errors());
  EXPECT_TRUE(rooms::questions::validate(q.value(), rooms::questions::testing::languages).empty());
  EXPECT_EQ(rooms::questions::serialize_markdown(q.value()), example);
  EXPECT_EQ(q.value().tests.at(1).timeout_ms, 2000);
}

}  // namespace

namespace {

using namespace rooms::questions;

TEST(question_markdown, crlf_files_read_like_lf_files) {
  std::string lf = serialize_markdown(rooms::questions::testing::sample());
  std::string crlf;
  for (char c : lf) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  auto q = parse_markdown(crlf);
  ASSERT_TRUE(q.ok()) << to_string(q.errors());
  EXPECT_EQ(serialize_markdown(q.value()), lf);
}

TEST(question_markdown, mangled_starter_files_give_errors_not_crashes) {
  // Cut and corrupt every starter file at many places: parse answers ok or with errors, and
  // whatever it accepts serializes and parses again.
  std::uint32_t seed = 12345;
  auto next = [&seed] { return seed = seed * 1103515245u + 12345u; };
  for (const auto& f : rooms::questions::testing::starter_files()) {
    std::string text = rooms::questions::testing::read_file(f);
    for (int i = 0; i < 40; ++i) {
      std::string mangled = text.substr(0, next() % (text.size() + 1));
      if (i % 2 == 1 && !mangled.empty())
        mangled[next() % mangled.size()] = static_cast<char>(next() % 256);
      auto q = parse_markdown(mangled);
      if (q.ok()) {
        EXPECT_TRUE(parse_markdown(serialize_markdown(q.value())).ok()) << f << " cut " << i;
      } else {
        EXPECT_FALSE(q.errors().empty());
      }
    }
  }
}

}  // namespace
