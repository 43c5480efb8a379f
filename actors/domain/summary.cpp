#include "actors/domain/summary.hpp"

#include <algorithm>

namespace rooms::domain {

namespace {

void add_name(std::vector<std::string>& names, const std::string& name) {
  if (name.empty() || names.size() >= max_summary_names) return;
  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
}

void add_account(eventlog::session_summary& out, const std::string& account) {
  auto& accounts = out.interviewer_accounts;
  if (accounts.size() >= max_summary_accounts) return;
  if (std::find(accounts.begin(), accounts.end(), account) == accounts.end())
    accounts.push_back(account);
}

}  // namespace

eventlog::session_summary summarize(const eventlog::session_summary& previous,
                                    const room_state& state) {
  eventlog::session_summary out = previous;
  out.phase = std::string(to_string(state.phase));
  out.language = state.language;
  out.question_title.clear();
  if (state.question.is_object()) {
    auto title = state.question.find("title");
    if (title != state.question.end() && title->is_string()) out.question_title = *title;
  }
  // Called after every batch, so each joiner is added when first seen (join order); the map's
  // id order only matters for several joins folded at once (an import, a reactivation).
  for (const auto& [id, p] : state.participants) {
    add_name(p.role == "candidate" ? out.candidates : out.interviewers, p.name);
    // An interviewer who joined signed in: the interview is listed for (and opens to) that
    // account. Candidates never carry one (the fold refuses it).
    if (p.role == "interviewer" && !p.account_id.empty()) add_account(out, p.account_id);
  }
  if (state.phase != phase::lobby && out.started_at == 0)
    out.started_at = state.last_ts != 0 ? state.last_ts : state.created_at;
  if (state.phase == phase::ended) {
    if (out.ended_at == 0) out.ended_at = state.last_ts;
  } else {
    out.ended_at = 0;
  }
  return out;
}

}  // namespace rooms::domain
