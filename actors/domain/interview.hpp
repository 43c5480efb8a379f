#pragma once
/// The interview's shape (PROTOCOL.md "v2 additions"): phases, interviewer controls,
/// scorecards and the value rules of paste signals. Plain values; the fold (room_state.cpp)
/// changes them and permissions.hpp decides who may do what under them.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/domain/events.hpp"

namespace rooms::domain {

/// lobby -> live -> ended; reopen goes back to live. A room without a lobby starts live.
enum class phase : std::uint8_t { lobby, live, ended };

/// "lobby", "live", "ended" (the wire spelling).
std::string_view to_string(phase p);
std::optional<phase> phase_from_string(std::string_view text);

/// What interviewers switched off for candidates.
struct controls {
  bool editor_locked = false;  ///< candidates' code_update (and language_change) are forbidden
  bool run_disabled = false;   ///< candidates' runs and test runs are forbidden
  bool operator==(const controls&) const = default;
};

/// One interviewer's scorecard as folded: the last save, when and under which name.
struct scorecard {
  events::scorecard_saved card;
  std::string name;             ///< the interviewer's name when they saved (they may leave)
  std::int64_t updated_at = 0;  ///< ts of the last save
  std::uint64_t seq = 0;        ///< seq of the last save
  bool operator==(const scorecard&) const = default;
};

inline constexpr int min_rating = 1;
inline constexpr int max_rating = 4;
inline constexpr std::size_t max_criterion_bytes = 64;
inline constexpr std::size_t max_criteria = 16;
inline constexpr std::size_t max_scorecard_comments = 100;

/// The criteria a room rates when its question names none.
std::vector<std::string> default_criteria();

/// "strong_no", "no", "yes", "strong_yes".
bool valid_recommendation(std::string_view text);
/// A criterion's name: 1..64 bytes, no control characters.
bool valid_criterion(std::string_view name);
/// code_update origin: "typed", "paste", "drop", "undo", "other".
bool valid_origin(std::string_view origin);
/// pasteFrom: "outside", "inside".
bool valid_paste_from(std::string_view from);

/// {"participantId","name","ratings","recommendation"?,"comments","submitted","updatedAt","seq"}:
/// a scorecard as the room and GET /scorecards show it.
nlohmann::json to_json(const std::string& participant_id, const scorecard& s);

}  // namespace rooms::domain
