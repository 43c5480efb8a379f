#include "actors/domain/interview.hpp"

#include <array>

#include "actors/domain/validate.hpp"

namespace rooms::domain {

namespace {

template <std::size_t N>
bool one_of(std::string_view text, const std::array<std::string_view, N>& list) {
  for (auto v : list)
    if (text == v) return true;
  return false;
}

}  // namespace

std::string_view to_string(phase p) {
  switch (p) {
    case phase::lobby:
      return "lobby";
    case phase::live:
      return "live";
    case phase::ended:
      return "ended";
  }
  return "live";
}

std::optional<phase> phase_from_string(std::string_view text) {
  for (auto p : {phase::lobby, phase::live, phase::ended})
    if (to_string(p) == text) return p;
  return std::nullopt;
}

std::vector<std::string> default_criteria() {
  return {"problem solving", "code quality", "communication", "testing"};
}

bool valid_recommendation(std::string_view text) {
  return one_of(text, std::array<std::string_view, 4>{"strong_no", "no", "yes", "strong_yes"});
}

bool valid_criterion(std::string_view name) {
  return !name.empty() && name.size() <= max_criterion_bytes && !has_control_chars(name);
}

bool valid_origin(std::string_view origin) {
  return one_of(origin, std::array<std::string_view, 5>{"typed", "paste", "drop", "undo", "other"});
}

bool valid_paste_from(std::string_view from) {
  return from == "outside" || from == "inside";
}

nlohmann::json to_json(const std::string& participant_id, const scorecard& s) {
  nlohmann::json j = events::to_json(s.card);
  j["participantId"] = participant_id;
  j["name"] = s.name;
  j["updatedAt"] = s.updated_at;
  j["seq"] = s.seq;
  return j;
}

}  // namespace rooms::domain
