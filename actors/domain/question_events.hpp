#pragma once
/// Typed payloads of the question events (PROTOCOL.md "v2 additions": Questions, Running the
/// tests): question_loaded, tests_started, tests_finished. Same rules as events.hpp (included
/// from there): json -> struct -> json gives the input back, from_json never throws.
///
/// These are the log's, interviewer-grade data: question_loaded carries every test whole (the
/// log records the exact version an interview used) and tests_finished every result whole.
/// What a candidate is shown is actors/question_view.hpp's.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eventlog/event.hpp"

namespace rooms::domain::events {

struct payload_error;

/// A test of a loaded question: {"name","stdin","expected","hidden","timeoutMs"?}.
struct question_test {
  std::string name;
  std::string stdin_data;
  std::string expected;
  bool hidden = false;
  std::optional<std::int64_t> timeout_ms;
  bool operator==(const question_test&) const = default;
};

/// {"questionId","version"?,"updatedAt"?,"title","statement","difficulty"?,"tags"?,
/// "languages":{"<l>":{"starter"}},"tests":[...],"language"?,"starter"?}: the question as
/// stored at `version`, and the starter of `language` (the room's, or the one asked for).
struct question_loaded {
  std::string question_id;
  std::optional<std::int64_t> version;
  std::optional<std::int64_t> updated_at;
  std::string title;
  std::string statement;
  std::optional<std::string> difficulty;
  std::optional<std::vector<std::string>> tags;
  std::map<std::string, std::string> starters;  ///< JSON "languages": {"<l>": {"starter"}}
  std::vector<question_test> tests;
  std::optional<std::string> language;
  std::optional<std::string> starter;
  bool operator==(const question_loaded&) const = default;
};

/// {"runId"?, "language"?, "version"?, "total"?}
struct tests_started {
  std::optional<std::string> run_id;
  std::optional<std::string> language;
  std::optional<std::uint64_t> version;
  std::optional<std::uint64_t> total;
  bool operator==(const tests_started&) const = default;
};

/// One test's result: {"name","hidden","passed","durationMs","timedOut","exitCode"?,
/// "stdout"?,"stderr"?,"expected"?,"error"?}.
struct test_result {
  std::string name;
  bool hidden = false;
  bool passed = false;
  std::int64_t duration_ms = 0;
  bool timed_out = false;
  std::optional<std::int64_t> exit_code;
  std::optional<std::string> stdout_text;
  std::optional<std::string> stderr_text;
  std::optional<std::string> expected;
  std::optional<std::string> error;  ///< the runner failed, or the total budget was spent
  bool operator==(const test_result&) const = default;
};

/// {"runId"?, "results":[...], "passed", "total", "error"?}
struct tests_finished {
  std::optional<std::string> run_id;
  std::vector<test_result> results;
  std::uint64_t passed = 0;
  std::uint64_t total = 0;
  std::optional<std::string> error;
  bool operator==(const tests_finished&) const = default;
};

nlohmann::json to_json(const question_loaded& p);
nlohmann::json to_json(const tests_started& p);
nlohmann::json to_json(const test_result& p);
nlohmann::json to_json(const tests_finished& p);

constexpr eventlog::event_type type_of(const question_loaded&) {
  return eventlog::event_type::question_loaded;
}
constexpr eventlog::event_type type_of(const tests_started&) {
  return eventlog::event_type::tests_started;
}
constexpr eventlog::event_type type_of(const tests_finished&) {
  return eventlog::event_type::tests_finished;
}

std::optional<payload_error> from_json(const nlohmann::json& payload, question_loaded& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, tests_started& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, test_result& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, tests_finished& out);

}  // namespace rooms::domain::events
