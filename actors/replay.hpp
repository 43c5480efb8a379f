#pragma once
/// Reconstructs a session's state as of any event: newest snapshot at or below it plus the fold.
/// Used by the REST state/fork endpoints and roomctl; no CAF inside.

#include <cstdint>
#include <optional>

#include "actors/domain/room_state.hpp"
#include "eventlog/store.hpp"

namespace rooms::actors {

/// State after event `seq` (clamped to the last). Errors: not_found, corruption (an event that
/// does not decode or does not apply, with its seq in the message).
eventlog::result<domain::room_state> state_at(const eventlog::store& store,
                                              const eventlog::session_id& id, std::uint64_t seq);

/// The seq of the last event with ts <= at_ms; nullopt when the session began after at_ms.
eventlog::result<std::optional<std::uint64_t>> seq_at_time(const eventlog::store& store,
                                                           const eventlog::session_id& id,
                                                           std::int64_t at_ms);

}  // namespace rooms::actors
