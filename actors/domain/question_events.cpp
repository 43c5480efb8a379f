#include "actors/domain/question_events.hpp"

#include "actors/domain/detail/payload_fields.hpp"
#include "actors/domain/events.hpp"

namespace rooms::domain::events {

namespace {

using json = nlohmann::json;

using namespace fields;

bool is_string(const json& v) {
  return v.is_string();
}
bool is_int(const json& v) {
  return v.is_number_integer();
}

json to_json(const question_test& t) {
  json j = {
      {"name", t.name}, {"stdin", t.stdin_data}, {"expected", t.expected}, {"hidden", t.hidden}};
  put(j, "timeoutMs", t.timeout_ms);
  return j;
}

std::optional<payload_error> from_json(const json& j, question_test& out) {
  if (!j.is_object() || !string_field(j, "name", out.name) ||
      !string_field(j, "stdin", out.stdin_data) || !string_field(j, "expected", out.expected))
    return malformed("a test needs name, stdin and expected strings");
  auto hidden = j.find("hidden");
  if (hidden == j.end() || !hidden->is_boolean()) return malformed("a test needs hidden: bool");
  out.hidden = hidden->get<bool>();
  if (!optional_field(j, "timeoutMs", out.timeout_ms, is_int))
    return malformed("timeoutMs must be an integer");
  return std::nullopt;
}

}  // namespace

json to_json(const question_loaded& p) {
  json languages = json::object();
  for (const auto& [language, starter] : p.starters) languages[language] = {{"starter", starter}};
  json tests = json::array();
  for (const auto& t : p.tests) tests.push_back(to_json(t));
  json j = {{"questionId", p.question_id}, {"title", p.title}, {"statement", p.statement}};
  put(j, "version", p.version);
  put(j, "updatedAt", p.updated_at);
  put(j, "difficulty", p.difficulty);
  put(j, "tags", p.tags);
  j["languages"] = std::move(languages);
  j["tests"] = std::move(tests);
  put(j, "language", p.language);
  put(j, "starter", p.starter);
  return j;
}

json to_json(const tests_started& p) {
  json j = json::object();
  put(j, "runId", p.run_id);
  put(j, "language", p.language);
  put(j, "version", p.version);
  put(j, "total", p.total);
  return j;
}

json to_json(const test_result& p) {
  json j = {{"name", p.name},
            {"hidden", p.hidden},
            {"passed", p.passed},
            {"durationMs", p.duration_ms},
            {"timedOut", p.timed_out}};
  put(j, "exitCode", p.exit_code);
  put(j, "stdout", p.stdout_text);
  put(j, "stderr", p.stderr_text);
  put(j, "expected", p.expected);
  put(j, "error", p.error);
  return j;
}

json to_json(const tests_finished& p) {
  json results = json::array();
  for (const auto& r : p.results) results.push_back(to_json(r));
  json j = json::object();
  put(j, "runId", p.run_id);
  j["results"] = std::move(results);
  j["passed"] = p.passed;
  j["total"] = p.total;
  put(j, "error", p.error);
  return j;
}

std::optional<payload_error> from_json(const json& p, question_loaded& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    if (!string_field(p, "questionId", out.question_id) || !string_field(p, "title", out.title) ||
        !string_field(p, "statement", out.statement))
      return malformed("question_loaded needs questionId, title and statement strings");
    if (!optional_field(p, "version", out.version, is_int) ||
        !optional_field(p, "updatedAt", out.updated_at, is_int) ||
        !optional_field(p, "difficulty", out.difficulty, is_string) ||
        !optional_field(p, "language", out.language, is_string) ||
        !optional_field(p, "starter", out.starter, is_string))
      return malformed(
          "version and updatedAt must be integers; difficulty, language, starter "
          "strings");
    out.tags.reset();
    if (auto it = p.find("tags"); it != p.end()) {
      if (!it->is_array()) return malformed("tags must be an array of strings");
      std::vector<std::string> tags;
      for (const auto& t : *it) {
        if (!t.is_string()) return malformed("tags must be an array of strings");
        tags.push_back(t.get<std::string>());
      }
      out.tags = std::move(tags);
    }
    out.starters.clear();
    auto languages = p.find("languages");
    if (languages == p.end() || !languages->is_object())
      return malformed("languages must be an object");
    for (const auto& [language, entry] : languages->items()) {
      std::string starter;
      if (!entry.is_object() || !string_field(entry, "starter", starter))
        return malformed("languages." + language + " needs a starter string");
      out.starters[language] = std::move(starter);
    }
    out.tests.clear();
    auto tests = p.find("tests");
    if (tests == p.end() || !tests->is_array() || tests->empty())
      return malformed("tests must be a non-empty array");
    for (const auto& t : *tests) {
      question_test test;
      if (auto err = from_json(t, test)) return err;
      out.tests.push_back(std::move(test));
    }
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, tests_started& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    if (!optional_field(p, "runId", out.run_id, is_string) ||
        !optional_field(p, "language", out.language, is_string) ||
        !optional_field(p, "version", out.version, is_uint) ||
        !optional_field(p, "total", out.total, is_uint))
      return malformed("runId and language must be strings, version and total integers");
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, test_result& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object() || !string_field(p, "name", out.name))
      return malformed("a result needs a name");
    for (auto [key, field] : {std::pair{"hidden", &out.hidden}, std::pair{"passed", &out.passed},
                              std::pair{"timedOut", &out.timed_out}}) {
      auto it = p.find(key);
      if (it == p.end() || !it->is_boolean())
        return malformed(std::string("a result needs ") + key + ": bool");
      *field = it->get<bool>();
    }
    auto duration = p.find("durationMs");
    if (duration == p.end() || !duration->is_number_integer())
      return malformed("a result needs durationMs: integer");
    out.duration_ms = duration->get<std::int64_t>();
    if (!optional_field(p, "exitCode", out.exit_code, is_int) ||
        !optional_field(p, "stdout", out.stdout_text, is_string) ||
        !optional_field(p, "stderr", out.stderr_text, is_string) ||
        !optional_field(p, "expected", out.expected, is_string) ||
        !optional_field(p, "error", out.error, is_string))
      return malformed("exitCode must be an integer; stdout, stderr, expected, error strings");
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, tests_finished& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    if (!optional_field(p, "runId", out.run_id, is_string) ||
        !optional_field(p, "error", out.error, is_string))
      return malformed("runId and error must be strings");
    auto results = p.find("results");
    if (results == p.end() || !results->is_array()) return malformed("results must be an array");
    out.results.clear();
    for (const auto& r : *results) {
      test_result result;
      if (auto err = from_json(r, result)) return err;
      out.results.push_back(std::move(result));
    }
    auto passed = p.find("passed");
    auto total = p.find("total");
    if (passed == p.end() || total == p.end() || !is_uint(*passed) || !is_uint(*total))
      return malformed("passed and total must be non-negative integers");
    out.passed = passed->get<std::uint64_t>();
    out.total = total->get<std::uint64_t>();
    if (out.passed > out.total) return malformed("passed is more than total");
    return std::nullopt;
  });
}

}  // namespace rooms::domain::events
