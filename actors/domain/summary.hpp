#pragma once
/// The listing's summary of a room (eventlog::session_summary), computed from the folded state.
///
/// Pure, like the fold: the room, session creation and import call it after applying events
/// and hand the result to the store with the append, so a listing of interviews reads metas
/// only and never folds a log.

#include "actors/domain/room_state.hpp"
#include "eventlog/store.hpp"

namespace rooms::domain {

/// Names kept per role: bounds the meta (rewritten on every append) whatever a room does.
inline constexpr std::size_t max_summary_names = 16;
/// Accounts kept in `interviewer_accounts` (the creator, then each signed-in interviewer who
/// joined): the interview is listed for these and opens to them without the key.
inline constexpr std::size_t max_summary_accounts = 32;

/// The summary after `state`, given the one before it (`previous`: empty for a new session).
///
/// The state only holds who is present now and the current phase, so what a row shows of the
/// past is carried over from `previous`: names of everyone who ever joined (first first,
/// without duplicates, at most max_summary_names per role), the accounts of interviewers who
/// joined signed in (`interviewer_accounts`, after the creator's, at most
/// max_summary_accounts), the time the room first went live
/// (`started_at`) and the time of the latest end (`ended_at`, 0 again after a reopen). Call it
/// after every applied batch: the phase change's time is `state.last_ts` when it is seen.
eventlog::session_summary summarize(const eventlog::session_summary& previous,
                                    const room_state& state);

}  // namespace rooms::domain
