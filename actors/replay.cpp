#include "actors/replay.hpp"

namespace rooms::actors {

using domain::room_state;
using eventlog::errc;
using eventlog::status;

eventlog::result<room_state> state_at(const eventlog::store& store, const eventlog::session_id& id,
                                      std::uint64_t seq) {
  room_state state;
  auto snap = store.snapshot_at_or_below(id, seq);
  if (!snap.ok()) return snap.error();
  if (snap->has_value()) {
    if (auto decoded = domain::decode_snapshot((*snap)->bytes)) state = std::move(*decoded);
  }
  std::optional<status> failure;
  auto scanned = store.scan(id, state.seq + 1, [&](const eventlog::event& e) {
    if (e.seq > seq) return false;
    if (auto err = domain::apply(state, e)) {
      failure = status(errc::corruption,
                       "event " + std::to_string(e.seq) + " does not apply: " + err->message);
      return false;
    }
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (failure) return *failure;
  return state;
}

eventlog::result<std::optional<std::uint64_t>> seq_at_time(const eventlog::store& store,
                                                           const eventlog::session_id& id,
                                                           std::int64_t at_ms) {
  std::optional<std::uint64_t> found;
  auto scanned = store.scan(id, 1, [&](const eventlog::event& e) {
    if (e.ts > at_ms) return false;
    found = e.seq;
    return true;
  });
  if (!scanned.ok()) return scanned;
  return found;
}

}  // namespace rooms::actors
