/// Scorecards: one per interviewer, last save wins, never sent to a candidate. Until an
/// interviewer has submitted their own, the others' are hidden from them (no anchoring); the
/// interviewer key (REST, replay) sees all.

#include <algorithm>

#include "actors/detail/room_impl.hpp"

namespace rooms::actors::detail {

void room::on_command(member& who, const domain::save_scorecard& save, const json& ref) {
  const auto& criteria = st_.state.criteria;
  for (const auto& [criterion, rating] : save.card.ratings)
    if (std::find(criteria.begin(), criteria.end(), criterion) == criteria.end())
      return error_to(who.conn, error_code::invalid_changes,
                      "\"" + criterion + "\" is not a criterion of this interview", ref);
  for (const auto& c : save.card.comments)
    if (c.seq && *c.seq > st_.state.seq)
      return error_to(who.conn, error_code::invalid_changes,
                      "a comment is pinned to seq " + std::to_string(*c.seq) +
                          ", beyond the log (" + std::to_string(st_.state.seq) + ")",
                      ref);
  const bool revealed_before = may_see_scorecards_of_others(who.pid);
  std::vector<event> txn;
  if (auto err = record(txn, who.pid, save.card))
    return error_to(who.conn, error_code::invalid_changes, *err, ref);
  submit(std::move(txn));
  const json saved = {{"type", "scorecard_saved"},
                      {"scorecard", domain::to_json(who.pid, st_.state.scorecards[who.pid])}};
  emit({who.conn}, frame(with_ref(saved, ref)));
  emit(scorecard_audience(who.pid), frame(saved));
  // Submitting reveals the others' scorecards to this interviewer, all at once.
  if (!revealed_before && may_see_scorecards_of_others(who.pid))
    emit({who.conn}, frame({{"type", "scorecards"}, {"scorecards", visible_scorecards(who.pid)}}));
}

}  // namespace rooms::actors::detail
