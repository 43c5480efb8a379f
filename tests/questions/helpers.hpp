#pragma once
/// Shared by the question tests: a valid question to vary, the language set, the starter files.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "questions/question.hpp"

namespace rooms::questions::testing {

/// Languages as roomd would pass them: the local runner's plus plaintext.
inline const std::set<std::string> languages = {"bash",       "c",         "cpp",    "go",  "java",
                                                "javascript", "plaintext", "python", "rust"};

/// A small valid question.
inline question sample() {
  question q;
  q.question_id = "echo-sum";
  q.title = "Echo Sum";
  q.statement = "Add two numbers.\n\n### Input\n`a b`\n";
  q.languages["python"] = {"a, b = map(int, input().split())\nprint(0)\n"};
  q.languages["cpp"] = {"int main() {}\n"};
  q.tests = {{"basic", "1 2\n", "3\n", false, std::nullopt},
             {"negative", "-1 -2\n", "-3\n", true, 2000}};
  q.tags = {"math"};
  q.difficulty = "easy";
  q.criteria = {"Correctness"};
  q.solutions["python"] = "a, b = map(int, input().split())\nprint(a + b)\n";
  return q;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// ROOMS_QUESTIONS_STARTER_DIR is compiled in: gtest_discover_tests lists the parameterized
/// tests at build time, without ctest's environment.
inline std::filesystem::path starter_dir() {
  return ROOMS_QUESTIONS_STARTER_DIR;
}

/// The starter files, sorted by name.
inline std::vector<std::filesystem::path> starter_files() {
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(starter_dir())) {
    for (const auto& e : std::filesystem::directory_iterator(starter_dir())) {
      if (e.path().extension() == ".md") files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// Whether some error names `field` (exactly) and its message contains `words`.
inline bool names(const std::vector<field_error>& errors, const std::string& field,
                  const std::string& words = "") {
  return std::any_of(errors.begin(), errors.end(), [&](const field_error& e) {
    return e.field == field && e.message.find(words) != std::string::npos;
  });
}

}  // namespace rooms::questions::testing
