// The starter set (questions/starter/*.md): there are enough, each is valid, round-trips byte for
// byte, and its candidate view leaks no hidden test and no solution.

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "questions/markdown_format.hpp"
#include "questions/validate.hpp"
#include "tests/questions/helpers.hpp"

namespace {

using namespace rooms::questions;
using rooms::questions::testing::languages;
using rooms::questions::testing::read_file;
using rooms::questions::testing::starter_files;

const std::vector<std::string> required_languages = {"cpp", "java", "javascript", "python"};

question load(const std::filesystem::path& p) {
  auto q = parse_markdown(read_file(p));
  EXPECT_TRUE(q.ok()) << p << ": " << to_string(q.errors());
  return q.ok() ? q.value() : question{};
}

TEST(question_starter_set, at_least_ten_questions_with_distinct_ids_named_after_their_file) {
  auto files = starter_files();
  ASSERT_GE(files.size(), 10u) << rooms::questions::testing::starter_dir();
  std::set<std::string> ids;
  for (const auto& f : files) {
    question q = load(f);
    EXPECT_EQ(q.question_id + ".md", f.filename().string());
    EXPECT_TRUE(ids.insert(q.question_id).second) << q.question_id;
  }
}

TEST(question_starter_set, every_file_is_valid_and_complete) {
  for (const auto& f : starter_files()) {
    question q = load(f);
    auto errors = validate(q, languages);
    EXPECT_TRUE(errors.empty()) << f << ": " << to_string(errors);
    for (const auto& lang : required_languages) {
      EXPECT_TRUE(q.languages.count(lang)) << f << " has no starter for " << lang;
      EXPECT_TRUE(q.solutions.count(lang)) << f << " has no solution in " << lang;
    }
    int visible = 0, hidden = 0;
    for (const auto& t : q.tests) (t.hidden ? hidden : visible)++;
    EXPECT_GE(visible, 2) << f;
    EXPECT_LE(visible, 3) << f;
    EXPECT_GE(hidden, 3) << f;
    EXPECT_LE(hidden, 6) << f;
    EXPECT_NE(q.statement.find("### Input"), std::string::npos) << f;
    EXPECT_NE(q.statement.find("### Output"), std::string::npos) << f;
    EXPECT_NE(q.statement.find("### Constraints"), std::string::npos) << f;
    EXPECT_NE(q.statement.find("### Example"), std::string::npos) << f;
  }
}

TEST(question_starter_set, every_file_round_trips_byte_for_byte) {
  for (const auto& f : starter_files()) {
    std::string text = read_file(f);
    question q = load(f);
    EXPECT_EQ(serialize_markdown(q), text) << f;
    auto back = from_json(to_json(q, with_solutions::yes));
    ASSERT_TRUE(back.ok()) << f;
    EXPECT_EQ(back.value(), q) << f;
  }
}

/// A JSON string token as it appears in dump() output.
std::string token(const std::string& s) {
  return nlohmann::json(s).dump();
}

TEST(question_starter_set, candidate_view_has_no_hidden_test_and_no_solution) {
  for (const auto& f : starter_files()) {
    question q = load(f);
    std::string view = candidate_view(q).dump();
    std::string interviewer = to_json(q).dump();
    // What a candidate may see anyway: a hidden test whose stdin or expected equals a visible
    // test's (two tests both answering "-1") leaks nothing.
    std::set<std::string> visible;
    std::string public_text = q.statement;
    for (const auto& t : q.tests) {
      if (!t.hidden) visible.insert({t.stdin_data, t.expected});
    }
    for (const auto& [lang, entry] : q.languages) public_text += entry.starter;
    for (const auto& t : q.tests) {
      if (!t.hidden) {
        EXPECT_NE(view.find(token(t.expected)), std::string::npos)
            << f << ": visible tests are whole";
        continue;
      }
      EXPECT_NE(view.find(token(t.name)), std::string::npos) << f;
      for (const std::string* secret : {&t.stdin_data, &t.expected}) {
        if (secret->empty() || visible.count(*secret)) continue;
        EXPECT_EQ(view.find(token(*secret)), std::string::npos) << f << ": " << t.name;
      }
      EXPECT_NE(interviewer.find(token(t.expected)), std::string::npos)
          << f << ": interviewers see hidden tests";
    }
    for (const auto& [lang, code] : q.solutions) {
      EXPECT_EQ(view.find(token(code)), std::string::npos) << f << " " << lang;
      EXPECT_EQ(interviewer.find(token(code)), std::string::npos) << f << " " << lang;
      // Lines of the solution that no public part has: the answer itself.
      std::istringstream lines(code);
      int secret_lines = 0;
      for (std::string line; std::getline(lines, line);) {
        if (line.size() < 12 || public_text.find(line) != std::string::npos) continue;
        ++secret_lines;
        std::string escaped = token(line).substr(1, token(line).size() - 2);
        EXPECT_EQ(view.find(escaped), std::string::npos) << f << " " << lang << " leaks: " << line;
      }
      EXPECT_GE(secret_lines, 2) << f << " " << lang
                                 << ": the solution should differ from the starter";
    }
  }
}

}  // namespace
