#pragma once
/// The library's limits, and the check that a question keeps them. A refused question is
/// stored nowhere; each failure names its field ("tests[2].expected: too large ...").

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "questions/question.hpp"

namespace rooms::questions {

/// Limits of a question. Sizes are bytes of UTF-8.
struct limits {
  std::size_t max_title_bytes = 200;            ///< Default: 200. Also: non-empty, one line.
  std::size_t max_statement_bytes = 64u << 10;  ///< Default: 64 KiB.
  std::size_t max_starter_bytes = 64u << 10;    ///< per language. Default: 64 KiB.
  std::size_t max_solution_bytes = 64u << 10;   ///< per language. Default: 64 KiB.
  std::size_t max_stdin_bytes = 64u << 10;      ///< per test. Default: 64 KiB.
  /// Per test. Default: 64 KiB, the runner's stdout cap: a longer expected output could
  /// never pass.
  std::size_t max_expected_bytes = 64u << 10;
  std::size_t max_tests = 50;             ///< Default: 50 (and at least 1).
  std::size_t max_test_name_chars = 100;  ///< code points. Default: 100 (and at least 1).
  int min_timeout_ms = 100;               ///< Default: 100.
  int max_timeout_ms = 10000;             ///< Default: 10000.
  std::size_t max_tags = 20;              ///< Default: 20.
  std::size_t max_tag_chars = 32;         ///< code points. Default: 32.
  std::size_t max_criteria = 20;          ///< Default: 20.
  std::size_t max_criterion_chars = 64;   ///< code points. Default: 64.
  std::size_t max_id_chars = 64;          ///< questionId: [A-Za-z0-9_-]. Default: 64.
};

/// The difficulties a question may have, in order.
inline const std::vector<std::string> difficulties = {"easy", "medium", "hard"};

/// Checks `q` against `lim`. `languages` are the names a starter or solution may use: the
/// runner's runtimes plus "plaintext" (the caller passes them). Every string must be valid
/// UTF-8; names, tags and the title are one line without control characters. A statement may
/// hold any Markdown, HTML included: it is stored as written and rendered sanitised.
/// Returns every failure (empty: valid), never throws.
std::vector<field_error> validate(const question& q, const std::set<std::string>& languages,
                                  const limits& lim = {});

/// from_json, then validate: the one call for a question arriving over REST.
decoded<question> parse_and_validate(const nlohmann::json& j,
                                     const std::set<std::string>& languages,
                                     const limits& lim = {});

/// Whether `text` is valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
bool is_valid_utf8(const std::string& text);

}  // namespace rooms::questions
