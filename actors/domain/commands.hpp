#pragma once
/// Typed client commands: one struct per WebSocket client message of PROTOCOL.md, and
/// parse_command, which checks every field of a message once (types, sizes, name rules).
/// What needs the room's state (a version against the current one, a change set against the
/// document, the interviewer key, whether a language can run) stays in the room.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/domain/changeset.hpp"
#include "actors/domain/errors.hpp"
#include "actors/domain/events.hpp"
#include "actors/domain/terminal.hpp"
#include "actors/domain/validate.hpp"

namespace rooms::domain {

/// The configurable limits a message is checked against (room_config holds the values).
struct command_limits {
  std::size_t max_name_chars = default_max_name_chars;
  std::size_t max_note_bytes = default_max_note_bytes;
  std::size_t max_stdin_bytes = 64u << 10;
  std::size_t max_updates_per_push = 100;
  /// Largest `signal` of a call_signal, as compact JSON (PROTOCOL.md: 64 KiB).
  std::size_t max_signal_bytes = 64u << 10;
};

/// A refused message: the `error` frame's code and message.
struct command_error {
  error_code code = error_code::invalid_changes;
  std::string message;
  bool operator==(const command_error&) const = default;
};

/// {"name","role"?,"key"?,"resumeToken"?,"version"?}. A resume needs none of the fresh-join
/// fields, so their faults are kept in `fresh_join_error` and answered only when the token
/// resumes nobody.
struct join_session {
  std::optional<std::string> resume_token;
  std::optional<std::uint64_t>
      version;  ///< resume: the client's version (ignored unless a non-negative integer)
  std::string name;
  std::string role = "candidate";
  std::string key;  ///< empty when absent or not a string
  std::optional<command_error> fresh_join_error;
};

/// One update of a code_update: {"clientID","changes","origin"?,"pasteFrom"?}.
struct client_update {
  std::string client_id;
  nlohmann::json changes;  ///< as sent: logged and broadcast unchanged
  changeset parsed;
  std::optional<std::string> origin;  ///< paste signal: "typed", "paste", "drop", "undo", "other"
  std::optional<std::string> paste_from;  ///< for a paste or drop: "outside" or "inside"
};

/// {"version","updates":[...]}: 1..max_updates_per_push updates, each a valid ChangeSet.
struct code_update {
  std::uint64_t version = 0;
  std::vector<client_update> updates;
};

struct pull {
  std::uint64_t version = 0;
};

struct cursor_update {
  std::uint64_t version = 0;
  std::uint64_t anchor = 0;
  std::uint64_t head = 0;
};

/// {"language"}: a string; whether it is known is the room's question.
struct language_change {
  std::string language;
};

/// {"stdin"?} or {"interactive":true,"cols"?,"rows"?} (terminal.hpp: no stdin then).
struct run_code {
  std::string stdin_data;  ///< "" when absent
  bool interactive = false;
  terminal_size size;
};

struct add_note {
  std::string text;  ///< 1..max_note_bytes
};

struct focus_change {
  bool focused = true;
};

struct ping {};

/// The interviewer's phase commands (no fields): lobby -> live, -> ended, ended -> live.
struct start_interview {};
struct end_interview {};
struct reopen_interview {};

/// {"editorLocked"?, "runDisabled"?}: at least one; an absent one keeps its value.
struct set_controls {
  std::optional<bool> editor_locked;
  std::optional<bool> run_disabled;
};

/// {"ratings":{"<criterion>":1..4}, "recommendation"?, "comments":[{"text","seq"?}]?,
/// "submitted"?}: checked here except what needs the room (criteria, seq within the log).
struct save_scorecard {
  events::scorecard_saved card;
};

/// {"to","signal"}: a WebRTC offer, answer or ICE candidate for one participant of the room,
/// relayed as call_signal {"from","signal"}; never logged. Whether `to` is here is the room's.
struct call_signal {
  std::string to;         ///< a participant id (1..max_id_bytes of [A-Za-z0-9_-])
  nlohmann::json signal;  ///< an object of at most max_signal_bytes, relayed unchanged
};

/// {"audio","video","joined"?}: the sender's part in the call. `joined` defaults to
/// audio || video, so false/false without it leaves the call; a client muted with its camera
/// off that stays in the call sends "joined":true.
struct call_state {
  bool audio = false;
  bool video = false;
  bool joined = false;
};

/// {"questionId","language"?,"replaceCode"?}: interviewers only (the room checks the role and
/// whether the question exists). `language` picks the starter (default: the room's).
struct load_question {
  std::string question_id;  ///< [A-Za-z0-9_-]{1,64}, as the question library's ids
  std::optional<std::string> language;
  bool replace_code = false;  ///< replace the document with the starter (a code_changed)
};

/// {}: runs the document against every test of the loaded question.
struct run_tests {};

/// A parsed message: a command, or why it was refused.
using command =
    std::variant<command_error, join_session, code_update, pull, cursor_update, language_change,
                 run_code, add_note, focus_change, ping, start_interview, end_interview,
                 reopen_interview, set_controls, save_scorecard, call_signal, call_state,
                 load_question, run_tests, start_repl, terminal_input, terminal_resize, stop_run>;

struct parsed_command {
  nlohmann::json ref;  ///< the client's "ref" (any JSON), null when absent: echoed in replies
  std::string type;    ///< "type" as sent; empty when absent, not a string, or not an object
  command value;
};

/// True for the "type" of a message parse_command knows.
bool is_command_type(std::string_view type);

/// Checks and converts one client message (already parsed JSON). Never throws.
parsed_command parse_command(const nlohmann::json& message, const command_limits& limits = {});

}  // namespace rooms::domain
