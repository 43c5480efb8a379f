#pragma once
/// Typed event payloads: one struct per event type of PROTOCOL.md "Events", each with to_json
/// and from_json. The stored encoding is unchanged (eventlog::event keeps the payload as JSON,
/// msgpack on disk): these convert that JSON, and accept every payload a room or an import ever
/// logged, so old logs still load. The fold decodes through them: the one place where a
/// payload's shape is checked. Limits on the values (name rules, sizes) are validate.hpp's.
///
/// Optional fields are std::optional: absent in the JSON stays absent when written back, so
/// json -> struct -> json gives the input back.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/domain/changeset.hpp"
#include "eventlog/event.hpp"

namespace rooms::domain::events {

/// Why a payload does not decode. `code` is "malformed", or "invalid_changes" for a
/// code_changed whose change set is not one.
struct payload_error {
  std::string code = "malformed";
  std::string message;
};

/// {"language"?, "title"?, "phase"?}; the room's defaults (plaintext, "", "live") apply when
/// absent. `phase` is "lobby" or "live" (logs before lobbies have none: live).
struct session_created {
  std::optional<std::string> language;
  std::optional<std::string> title;
  std::optional<std::string> phase;
  bool operator==(const session_created&) const = default;
};

/// The participant of a join as logged: {"participantId", "name"?, "role"?, "color"?}.
struct joined_participant {
  std::string participant_id;
  std::optional<std::string> name;
  std::optional<std::string> role;
  std::optional<std::string> color;
  bool operator==(const joined_participant&) const = default;
};

/// {"participant", "resumeHash"?, "accountId"?}
struct participant_joined {
  joined_participant participant;
  std::optional<std::string> resume_hash;  ///< sha256 hex of the resume token, never the token
  /// The signed-in account of an interviewer who joined with the key while signed in (the
  /// `rooms_session` cookie on the upgrade): lists the interview for that account. Never for a
  /// candidate; interviewer-grade (never in a message to a candidate). Absent in older logs.
  std::optional<std::string> account_id;
  bool operator==(const participant_joined&) const = default;
};

/// {"reason"?}: "left" (a clean close) or "disconnected" (the grace period ended).
struct participant_left {
  std::optional<std::string> reason;
  bool operator==(const participant_left&) const = default;
};

/// {"version", "clientID"?, "changes", "origin"?, "pasteFrom"?}: the update producing `version`.
/// `origin` ("typed", "paste", "drop", "undo", "other") and `pasteFrom` ("outside", "inside")
/// are what the client said (paste signals); logs before them have neither.
struct code_changed {
  std::uint64_t version = 0;
  std::optional<std::string> client_id;
  nlohmann::json changes;  ///< the ChangeSet JSON exactly as logged
  changeset parsed;        ///< `changes`, decoded (not written by to_json)
  std::optional<std::string> origin;
  std::optional<std::string> paste_from;
  bool operator==(const code_changed& o) const {
    return version == o.version && client_id == o.client_id && changes == o.changes &&
           origin == o.origin && paste_from == o.paste_from;
  }
};

/// {"version", "anchor", "head"}: a main selection in the document at `version`.
struct cursor_moved {
  std::uint64_t version = 0;
  std::uint64_t anchor = 0;
  std::uint64_t head = 0;
  bool operator==(const cursor_moved&) const = default;
};

/// {"language"}
struct language_changed {
  std::string language;
  bool operator==(const language_changed&) const = default;
};

/// {"runId"?, "language"?, "version"?, "interactive"?, "repl"?, "cols"?, "rows"?}: the last four
/// for a run on a pseudo-terminal (terminal.hpp).
struct run_started {
  std::optional<std::string> run_id;
  std::optional<std::string> language;
  std::optional<std::uint64_t> version;
  std::optional<bool> interactive;
  std::optional<bool> repl;
  std::optional<std::uint64_t> cols;
  std::optional<std::uint64_t> rows;
  bool operator==(const run_started&) const = default;
};

/// {"runId"?, "stdout", "stderr", "exitCode", "signal" (string or null), "timedOut",
/// "truncated", "durationMs", "compileOutput"?, "error"?}. A room always writes the unmarked
/// fields; older and imported logs may lack any of them, so each is optional when read.
struct run_finished {
  std::optional<std::string> run_id;
  std::optional<std::string> stdout_text;
  std::optional<std::string> stderr_text;
  std::optional<std::int64_t> exit_code;
  std::optional<std::string> signal;  ///< null in the JSON when the program was not signalled
  std::optional<bool> timed_out;
  std::optional<bool> truncated;
  std::optional<std::int64_t> duration_ms;
  std::optional<std::string> compile_output;
  std::optional<std::string> error;
  std::optional<bool> interactive;  ///< a run on a pseudo-terminal: its output is the terminal's
  bool operator==(const run_finished&) const = default;
};

/// {"noteId"?, "text", "version"?}
struct note_added {
  std::optional<std::string> note_id;
  std::string text;
  std::optional<std::uint64_t> version;
  bool operator==(const note_added&) const = default;
};

/// {"focused"?}: absent means focused (what the first clients sent).
struct focus_changed {
  std::optional<bool> focused;
  bool operator==(const focus_changed&) const = default;
};

/// {"by"?}: never logged by roomd (an expired session is deleted whole); kept for old logs.
struct session_expired {
  std::optional<std::string> by;
  bool operator==(const session_expired&) const = default;
};

/// {"phase"}: "live" (started or reopened) or "ended". A marker on the replay's timeline.
struct phase_changed {
  std::string phase;
  bool operator==(const phase_changed&) const = default;
};

/// {"editorLocked", "runDisabled"}: the controls as they are after the change (both always).
struct controls_changed {
  bool editor_locked = false;
  bool run_disabled = false;
  bool operator==(const controls_changed&) const = default;
};

/// A scorecard comment, pinned to the moment (seq) of the timeline it is about when `seq` is set.
struct scorecard_comment {
  std::string text;
  std::optional<std::uint64_t> seq;
  bool operator==(const scorecard_comment&) const = default;
};

/// {"ratings":{"<criterion>":1..4}, "recommendation"?, "comments":[{"text","seq"?}],
/// "submitted"}: the whole scorecard of the interviewer who logged it (the event's
/// participant). `recommendation` is "strong_no", "no", "yes" or "strong_yes"; absent in a
/// draft that has none yet.
struct scorecard_saved {
  std::map<std::string, int> ratings;
  std::optional<std::string> recommendation;
  std::vector<scorecard_comment> comments;
  bool submitted = false;
  bool operator==(const scorecard_saved&) const = default;
};

/// {"audio","video","joined"?}: the participant's part in the call (joining, leaving, muting);
/// `joined` absent means audio || video. Never media: a band on the replay's timeline.
struct call_state_changed {
  bool audio = false;
  bool video = false;
  std::optional<bool> joined;
  bool in_call() const { return joined.value_or(audio || video); }
  bool operator==(const call_state_changed&) const = default;
};

nlohmann::json to_json(const session_created& p);
nlohmann::json to_json(const participant_joined& p);
nlohmann::json to_json(const call_state_changed& p);
nlohmann::json to_json(const participant_left& p);
nlohmann::json to_json(const code_changed& p);
nlohmann::json to_json(const cursor_moved& p);
nlohmann::json to_json(const language_changed& p);
nlohmann::json to_json(const run_started& p);
nlohmann::json to_json(const run_finished& p);
nlohmann::json to_json(const note_added& p);
nlohmann::json to_json(const focus_changed& p);
nlohmann::json to_json(const session_expired& p);
nlohmann::json to_json(const phase_changed& p);
nlohmann::json to_json(const controls_changed& p);
nlohmann::json to_json(const scorecard_saved& p);

/// The event type each payload belongs to (lets code build an event from the struct alone).
constexpr eventlog::event_type type_of(const session_created&) {
  return eventlog::event_type::session_created;
}
constexpr eventlog::event_type type_of(const participant_joined&) {
  return eventlog::event_type::participant_joined;
}
constexpr eventlog::event_type type_of(const participant_left&) {
  return eventlog::event_type::participant_left;
}
constexpr eventlog::event_type type_of(const code_changed&) {
  return eventlog::event_type::code_changed;
}
constexpr eventlog::event_type type_of(const cursor_moved&) {
  return eventlog::event_type::cursor_moved;
}
constexpr eventlog::event_type type_of(const language_changed&) {
  return eventlog::event_type::language_changed;
}
constexpr eventlog::event_type type_of(const run_started&) {
  return eventlog::event_type::run_started;
}
constexpr eventlog::event_type type_of(const run_finished&) {
  return eventlog::event_type::run_finished;
}
constexpr eventlog::event_type type_of(const note_added&) {
  return eventlog::event_type::note_added;
}
constexpr eventlog::event_type type_of(const focus_changed&) {
  return eventlog::event_type::focus_changed;
}
constexpr eventlog::event_type type_of(const session_expired&) {
  return eventlog::event_type::session_expired;
}
constexpr eventlog::event_type type_of(const phase_changed&) {
  return eventlog::event_type::phase_changed;
}
constexpr eventlog::event_type type_of(const controls_changed&) {
  return eventlog::event_type::controls_changed;
}
constexpr eventlog::event_type type_of(const scorecard_saved&) {
  return eventlog::event_type::scorecard_saved;
}

constexpr eventlog::event_type type_of(const call_state_changed&) {
  return eventlog::event_type::call_state_changed;
}

/// Decodes `payload` (a JSON object) into `out`; nullopt on success, else why not (out is then
/// unspecified). Never throws.
std::optional<payload_error> from_json(const nlohmann::json& payload, session_created& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, participant_joined& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, participant_left& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, code_changed& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, cursor_moved& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, language_changed& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, run_started& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, run_finished& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, note_added& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, focus_changed& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, session_expired& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, phase_changed& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, controls_changed& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, scorecard_saved& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, call_state_changed& out);

}  // namespace rooms::domain::events

// The question events (question_loaded, tests_started, tests_finished).
#include "actors/domain/question_events.hpp"  // IWYU pragma: export
// The terminal events (terminal_output, terminal_input, terminal_resized).
#include "actors/domain/terminal.hpp"  // IWYU pragma: export
