#include "actors/question_view.hpp"

#include <array>

namespace rooms::actors {

using json = nlohmann::json;
namespace events = domain::events;

events::question_loaded question_event(const questions::question& q, const std::string& language) {
  events::question_loaded e;
  e.question_id = q.question_id;
  e.version = q.version;
  e.updated_at = q.updated_at;
  e.title = q.title;
  e.statement = q.statement;
  e.difficulty = q.difficulty;
  e.tags = q.tags;
  for (const auto& [name, entry] : q.languages) e.starters[name] = entry.starter;
  for (const auto& t : q.tests)
    e.tests.push_back({t.name, t.stdin_data, t.expected, t.hidden,
                       t.timeout_ms ? std::optional<std::int64_t>(*t.timeout_ms) : std::nullopt});
  e.language = language;
  if (auto it = q.languages.find(language); it != q.languages.end()) e.starter = it->second.starter;
  return e;
}

std::optional<questions::question> logged_question(const json& payload) {
  events::question_loaded e;
  if (!payload.is_object() || events::from_json(payload, e)) return std::nullopt;
  questions::question q;
  q.question_id = e.question_id;
  q.version = e.version.value_or(0);
  q.updated_at = e.updated_at.value_or(0);
  q.title = e.title;
  q.statement = e.statement;
  q.difficulty = e.difficulty.value_or("");
  q.tags = e.tags.value_or(std::vector<std::string>{});
  for (const auto& [name, starter] : e.starters) q.languages[name] = {starter};
  for (const auto& t : e.tests) {
    questions::test_case tc{t.name, t.stdin_data, t.expected, t.hidden, std::nullopt};
    if (t.timeout_ms) tc.timeout_ms = static_cast<int>(*t.timeout_ms);
    q.tests.push_back(std::move(tc));
  }
  return q;
}

json question_view(const json& logged, bool interviewer) {
  auto q = logged_question(logged);
  if (!q) return nullptr;
  return interviewer ? questions::to_json(*q) : questions::candidate_view(*q);
}

json test_result_view(const json& result, bool interviewer) {
  if (interviewer || !result.is_object() || !result.value("hidden", false)) return result;
  json out = json::object();
  for (const char* key : {"name", "hidden", "passed", "durationMs", "timedOut"})
    if (auto it = result.find(key); it != result.end()) out[key] = *it;
  return out;
}

json test_run_view(const json& run, bool interviewer) {
  if (interviewer || !run.is_object()) return run;
  json out = run;
  if (auto it = out.find("results"); it != out.end() && it->is_array())
    for (auto& r : *it) r = test_result_view(r, false);
  return out;
}

std::string default_language(const questions::question& q,
                             const std::function<bool(const std::string&)>& can_run) {
  static constexpr std::array<const char*, 4> preferred = {"python", "javascript", "java", "cpp"};
  for (const char* name : preferred)
    if (q.languages.count(name) && can_run(name)) return name;
  for (const auto& [name, entry] : q.languages)
    if (can_run(name)) return name;
  return "plaintext";
}

}  // namespace rooms::actors
