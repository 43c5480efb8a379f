#pragma once
/// The question library's model: a question, its JSON shapes (PROTOCOL.md "Questions") and the
/// candidate's view of it. Pure values: no I/O, no RocksDB, no exceptions across the API.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace rooms::questions {

/// One test: the program gets `stdin_data` and passes when its stdout matches `expected`
/// (see output_match.hpp).
struct test_case {
  std::string name;
  std::string stdin_data;  ///< JSON "stdin"
  std::string expected;
  bool hidden = false;            ///< hidden tests never reach a candidate
  std::optional<int> timeout_ms;  ///< JSON "timeoutMs"; none: the runner's default
  bool operator==(const test_case&) const = default;
};

/// What a question offers for one language.
struct language_entry {
  std::string starter;  ///< the code the candidate starts from
  bool operator==(const language_entry&) const = default;
};

/// A question of the library, one version of it.
struct question {
  std::string question_id;  ///< JSON "questionId": [A-Za-z0-9_-]{1,64}
  std::string title;
  std::string statement;  ///< Markdown; rendered as sanitised HTML, never raw
  std::map<std::string, language_entry> languages;
  std::vector<test_case> tests;
  std::vector<std::string> tags;
  std::string difficulty;             ///< "easy" | "medium" | "hard"
  std::int64_t updated_at = 0;        ///< JSON "updatedAt", unix ms; set by the store
  std::int64_t version = 0;           ///< 1, 2, ... per questionId; set by the store (0: unsaved)
  std::vector<std::string> criteria;  ///< scorecard criteria the question names (optional)
  /// Reference solutions by language. Private: never in a candidate's view, and in the
  /// interviewer's JSON only when asked for.
  std::map<std::string, std::string> solutions;
  bool operator==(const question&) const = default;
};

/// One reason input was refused, naming the field ("tests[2].expected", "missing").
struct field_error {
  std::string field;
  std::string message;
  /// "tests[2].expected: missing"
  std::string to_string() const { return field + ": " + message; }
  bool operator==(const field_error&) const = default;
};

/// The errors of one input, joined with "; " (for a 400's message).
std::string to_string(const std::vector<field_error>& errors);

/// A value, or the field errors explaining why there is none.
template <class T>
class [[nodiscard]] decoded {
 public:
  decoded(T value) : v_(std::move(value)) {}
  decoded(std::vector<field_error> errors) : v_(std::move(errors)) {}
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  /// Empty when ok().
  const std::vector<field_error>& errors() const {
    static const std::vector<field_error> none;
    return ok() ? none : std::get<std::vector<field_error>>(v_);
  }

 private:
  std::variant<T, std::vector<field_error>> v_;
};

/// Whether to_json includes the private parts.
enum class with_solutions : bool { no = false, yes = true };

/// The whole question as PROTOCOL.md shapes it (for interviewers and admins): questionId,
/// title, statement, languages, tests (hidden ones whole), tags, difficulty, updatedAt,
/// version, criteria (when any), solutions (only with with_solutions::yes).
nlohmann::json to_json(const question& q, with_solutions solutions = with_solutions::no);

/// Decodes the PROTOCOL shape. Checks only the shape (types, required fields: a test without
/// "expected" is "tests[i].expected: missing"); validate() checks the limits. Unknown fields
/// are ignored; updatedAt and version are read when present (the store sets them on put).
decoded<question> from_json(const nlohmann::json& j);

/// What a candidate may see (PROTOCOL `question_loaded`): questionId, title, statement,
/// languages (starters), tests: visible ones whole, hidden ones as {"name","hidden":true}
/// only. Never solutions, never a hidden test's stdin or expected.
nlohmann::json candidate_view(const question& q);

/// A `GET /api/questions` row: {questionId,title,tags,difficulty,languages:[...],tests:N}.
nlohmann::json list_row(const question& q);

}  // namespace rooms::questions
