/// The room's phase commands (start, end, reopen) and interviewer controls. Who may send them
/// and in which phase is domain::allowed's (checked in on_frame before these run).

#include "actors/detail/room_impl.hpp"

namespace rooms::actors::detail {

void room::change_phase(member& who, domain::phase to, const json& ref) {
  const bool was_lobby = st_.state.phase == domain::phase::lobby;
  std::vector<event> txn;
  if (auto err = record(txn, who.pid, events::phase_changed{std::string(domain::to_string(to))}))
    return error_to(who.conn, error_code::busy, *err, ref);
  submit(std::move(txn));
  const json changed = {
      {"type", "phase_changed"}, {"phase", domain::to_string(to)}, {"participantId", who.pid}};
  for (const auto& conn : everyone())
    emit({conn}, frame(conn == who.conn ? with_ref(changed, ref) : changed));
  if (!was_lobby) return;
  // The candidates who waited are shown the room now, as if they had just joined.
  for (const auto& [pid, m] : st_.members)
    if (m.conn && !m.interviewer) emit({m.conn}, frame(session_state(m)));
}

void room::on_command(member& who, const domain::start_interview&, const json& ref) {
  change_phase(who, domain::phase::live, ref);
}

void room::on_command(member& who, const domain::end_interview&, const json& ref) {
  change_phase(who, domain::phase::ended, ref);
}

void room::on_command(member& who, const domain::reopen_interview&, const json& ref) {
  change_phase(who, domain::phase::live, ref);
}

void room::on_command(member& who, const domain::set_controls& set, const json& ref) {
  events::controls_changed changed{set.editor_locked.value_or(st_.state.controls.editor_locked),
                                   set.run_disabled.value_or(st_.state.controls.run_disabled)};
  std::vector<event> txn;
  if (auto err = record(txn, who.pid, changed))
    return error_to(who.conn, error_code::busy, *err, ref);
  submit(std::move(txn));
  json out = events::to_json(changed);
  out["type"] = "controls_changed";
  out["participantId"] = who.pid;
  // Lobby candidates are not told: their session_state at the start carries the controls.
  for (const auto& conn : connected())
    emit({conn}, frame(conn == who.conn ? with_ref(out, ref) : out));
}

}  // namespace rooms::actors::detail
