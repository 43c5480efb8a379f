#pragma once
/// Session ids and the events of PROTOCOL.md's log, with their stored encoding.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "eventlog/status.hpp"

namespace rooms::eventlog {

/// A session id: a UUID v4 held as its 16 bytes (the key prefix in RocksDB).
struct session_id {
  std::array<std::uint8_t, 16> bytes{};

  /// Parses the canonical 36-char form (lower or upper case hex); nullopt otherwise.
  static std::optional<session_id> parse(std::string_view text);
  /// A fresh random UUID v4 from a CSPRNG (getrandom).
  static session_id random();
  /// Canonical lower-case "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
  std::string str() const;
  /// The 16 raw bytes as a string (for building keys).
  std::string_view raw() const {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
  }
  auto operator<=>(const session_id&) const = default;
};

/// Event types of the log, PROTOCOL.md "Events". Values are stored: never renumber.
enum class event_type : std::uint8_t {
  session_created = 1,
  participant_joined = 2,
  participant_left = 3,
  code_changed = 4,
  cursor_moved = 5,
  language_changed = 6,
  run_started = 7,
  run_finished = 8,
  note_added = 9,
  focus_changed = 10,
  session_expired = 11,
  phase_changed = 12,       ///< lobby -> live -> ended (reopen: live)
  controls_changed = 13,    ///< an interviewer locked the editor or disabled runs
  scorecard_saved = 14,     ///< an interviewer's scorecard, last save wins
  call_state_changed = 15,  ///< a participant joined, left or muted the call
  question_loaded = 16,     ///< an interviewer loaded a question (the exact stored version)
  tests_started = 17,
  tests_finished = 18,
  terminal_output = 19,   ///< what an interactive run printed (a chunk)
  terminal_input = 20,    ///< what a participant typed into it
  terminal_resized = 21,  ///< its terminal's new size
};

/// "code_changed", ...
std::string_view to_string(event_type type);
std::optional<event_type> event_type_from_string(std::string_view name);

/// One logged event. The payload holds the type's own fields exactly as PROTOCOL.md names them
/// (e.g. code_changed: {"version","clientID","changes"}).
struct event {
  std::uint64_t seq = 0;  ///< 1, 2, 3, ... per session, no gap
  std::int64_t ts = 0;    ///< server unix milliseconds
  event_type type = event_type::session_created;
  std::string participant_id;  ///< who acted; empty when nobody did
  nlohmann::json payload = nlohmann::json::object();

  bool operator==(const event&) const = default;
};

/// The wire/API form: {"seq","ts","type","participantId"?, ...payload fields}.
nlohmann::json to_json(const event& e);
/// Inverse of to_json; invalid_argument on a malformed object.
result<event> event_from_json(const nlohmann::json& j);

/// Current stored format version (first byte of every encoded event).
inline constexpr std::uint8_t event_format_version = 1;

/// Compact, versioned binary encoding: [version byte][msgpack body]. Never throws.
std::string encode(const event& e);
/// Decodes any format version this build knows; corruption for garbage or an unknown version.
result<event> decode(std::string_view bytes);

/// Hex SHA-256 of a secret (interviewer keys are stored only as this hash): base::sha256_hex,
/// kept here for the callers of the log.
std::string sha256_hex(std::string_view data);

/// Current unix time in milliseconds.
std::int64_t now_ms();

}  // namespace rooms::eventlog
