#pragma once
/// The one set of field rules, used by the room (through parse_command and the fold), by the
/// import (actors/import.cpp) and by REST session creation (gateway/api.cpp). Each predicate says
/// only whether a value is acceptable; each caller words its own answer.

#include <cstddef>
#include <string_view>

namespace rooms::domain {

/// Limits that are not configurable (room_config and import_limits hold the ones that are).
inline constexpr std::size_t max_client_id_bytes = 128;  ///< code_update clientID
inline constexpr std::size_t max_language_bytes = 32;
inline constexpr std::size_t max_id_bytes = 64;      ///< participantId, runId, noteId
inline constexpr std::size_t max_reason_bytes = 32;  ///< participant_left reason
inline constexpr std::size_t default_max_name_chars = 64;
inline constexpr std::size_t default_max_title_bytes = 200;
inline constexpr std::size_t default_max_note_bytes = 10'000;

/// UTF-8 code points of `s` (counts lead bytes; close enough for a name limit).
std::size_t code_points(std::string_view s);
/// A byte below 0x20, or DEL.
bool has_control_chars(std::string_view s);

/// Participant names: 1..max_chars code points, no control characters.
bool valid_name(std::string_view name, std::size_t max_chars = default_max_name_chars);
/// Session titles: at most max_bytes bytes (empty is fine), no control characters.
bool valid_title(std::string_view title, std::size_t max_bytes = default_max_title_bytes);
/// Notes: 1..max_bytes bytes.
bool valid_note(std::string_view text, std::size_t max_bytes = default_max_note_bytes);
/// The shape of a language name ("python", "cpp", "c#", "objective-c"): 1..32 of letters,
/// digits and + # . _ -. Whether the server can run it is the runner's question.
bool valid_language_name(std::string_view language);
/// Server ids (participantId, runId, noteId): 1..64 of letters, digits, '_' and '-'.
bool valid_id(std::string_view id);
/// A code_update clientID: any string of at most 128 bytes.
bool valid_client_id(std::string_view client_id);
/// "candidate" or "interviewer".
bool valid_role(std::string_view role);
/// "#rrggbb".
bool valid_color(std::string_view color);
/// A SHA-256 in hex (64 hex digits), or empty (none).
bool valid_sha256_hex_or_empty(std::string_view hash);
/// A participant_left reason: at most 32 bytes, no control characters.
bool valid_reason(std::string_view reason);

}  // namespace rooms::domain
