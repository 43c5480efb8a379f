#include "actors/detail/room_impl.hpp"
#include "actors/domain/changeset.hpp"
#include "actors/question_view.hpp"

namespace rooms::actors::detail {

json room::live_participants() const {
  json list = json::array();
  for (const auto& [pid, m] : st_.members) list.push_back(participant_view(pid));
  return list;
}

/// The one rule of the lobby: a candidate waiting in it is shown nothing of the room (no
/// document, participants, cursors, runs) until the interview starts. Every audience below
/// but everyone() goes through it.
bool room::sees_room(const member& m) const {
  return m.interviewer || st_.state.phase != domain::phase::lobby;
}

std::vector<caf::actor> room::everyone() const {
  std::vector<caf::actor> out;
  for (const auto& [pid, m] : st_.members)
    if (m.conn) out.push_back(m.conn);
  return out;
}

std::vector<caf::actor> room::connected() const {
  std::vector<caf::actor> out;
  for (const auto& [pid, m] : st_.members)
    if (m.conn && sees_room(m)) out.push_back(m.conn);
  return out;
}

std::vector<caf::actor> room::others(const std::string& except) const {
  std::vector<caf::actor> out;
  for (const auto& [pid, m] : st_.members)
    if (m.conn && pid != except && sees_room(m)) out.push_back(m.conn);
  return out;
}

/// Connected interviewers, other than `except`. Candidates never get interviewer-only data.
std::vector<caf::actor> room::interviewers(const std::string& except) const {
  std::vector<caf::actor> out;
  for (const auto& [pid, m] : st_.members)
    if (m.conn && m.interviewer && pid != except) out.push_back(m.conn);
  return out;
}

std::vector<caf::actor> room::candidates() const {
  std::vector<caf::actor> out;
  for (const auto& [pid, m] : st_.members)
    if (m.conn && !m.interviewer) out.push_back(m.conn);
  return out;
}

json room::participant_view(const std::string& pid) const {
  json p;
  auto it = st_.state.participants.find(pid);
  if (it != st_.state.participants.end()) p = to_json(it->second);
  auto m = st_.members.find(pid);
  p["online"] = m != st_.members.end() && static_cast<bool>(m->second.conn);
  auto c = st_.state.cursors.find(pid);
  if (c != st_.state.cursors.end())
    p["cursor"] = {
        {"version", c->second.version}, {"anchor", c->second.anchor}, {"head", c->second.head}};
  return p;
}

json room::session_state(const member& m) const {
  if (!sees_room(m)) return lobby_state(m);
  json participants = json::array();
  for (const auto& [pid, other] : st_.members) {
    json p = participant_view(pid);
    if (m.interviewer) {
      auto it = st_.state.participants.find(pid);
      if (it != st_.state.participants.end()) p["focused"] = it->second.focused;
    }
    participants.push_back(std::move(p));
  }
  auto self_view = st_.state.participants.find(m.pid);
  json out = {
      {"type", "session_state"},
      {"sessionId", st_.meta.id.str()},
      {"participantId", m.pid},
      {"resumeToken", m.resume_token},
      {"role", self_view != st_.state.participants.end() ? self_view->second.role : "candidate"},
      {"version", st_.state.version},
      {"doc", domain::utf16_to_utf8(st_.state.doc)},
      {"language", st_.state.language},
      {"title", st_.state.title},
      {"participants", std::move(participants)},
      {"calls", domain::calls_json(st_.state)}};
  if (!st_.state.last_run.is_null()) out["lastRun"] = st_.state.last_run;
  if (!st_.state.running.is_null()) out["running"] = st_.state.running;
  if (!st_.state.terminal.is_null()) out["terminal"] = st_.state.terminal;
  out["phase"] = domain::to_string(st_.state.phase);
  out["controls"] = domain::to_json(st_.state.controls);
  if (m.interviewer) {
    out["criteria"] = st_.state.criteria;
    out["scorecards"] = visible_scorecards(m.pid);
  }
  // The question and test results as this role may see them (question_view.hpp).
  if (!st_.state.question.is_null())
    out["question"] = question_view(st_.state.question, m.interviewer);
  if (!st_.state.last_test_run.is_null())
    out["lastTestRun"] = test_run_view(st_.state.last_test_run, m.interviewer);
  if (!st_.state.tests_running.is_null()) out["testsRunning"] = st_.state.tests_running;
  return out;
}

/// What a candidate waiting in the lobby is told: the title and who is preparing, nothing of
/// the document, question or other participants.
json room::lobby_state(const member& m) const {
  json preparing = json::array();
  for (const auto& [pid, other] : st_.members) {
    auto p = st_.state.participants.find(pid);
    if (other.interviewer && other.conn && p != st_.state.participants.end())
      preparing.push_back(p->second.name);
  }
  json participants = json::array();
  if (st_.state.participants.count(m.pid)) participants.push_back(participant_view(m.pid));
  return {{"type", "session_state"},
          {"sessionId", st_.meta.id.str()},
          {"participantId", m.pid},
          {"resumeToken", m.resume_token},
          {"role", "candidate"},
          {"title", st_.state.title},
          {"phase", domain::to_string(st_.state.phase)},
          {"controls", domain::to_json(st_.state.controls)},
          {"preparing", std::move(preparing)},
          {"participants", std::move(participants)}};
}

bool room::may_see_scorecards_of_others(const std::string& interviewer) const {
  auto own = st_.state.scorecards.find(interviewer);
  return own != st_.state.scorecards.end() && own->second.card.submitted;
}

json room::visible_scorecards(const std::string& viewer) const {
  json out = json::array();
  const bool all = may_see_scorecards_of_others(viewer);
  for (const auto& [pid, card] : st_.state.scorecards)
    if (pid == viewer || all) out.push_back(domain::to_json(pid, card));
  return out;
}

std::vector<caf::actor> room::scorecard_audience(const std::string& owner) const {
  std::vector<caf::actor> out;
  for (const auto& [pid, m] : st_.members)
    if (m.conn && m.interviewer && pid != owner && may_see_scorecards_of_others(pid))
      out.push_back(m.conn);
  return out;
}

}  // namespace rooms::actors::detail
