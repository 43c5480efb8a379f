#pragma once
/// The room state and the pure fold `apply(state, event)`.
///
/// No CAF, Asio or RocksDB here: live rooms, replay, roomctl and the tests all fold events with
/// this one function, so live and replay cannot disagree.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/domain/interview.hpp"
#include "eventlog/event.hpp"

namespace rooms::domain {

/// A participant's main selection as last logged, in the document at `version`.
struct cursor {
  std::uint64_t version = 0;
  std::size_t anchor = 0;
  std::size_t head = 0;
  bool operator==(const cursor&) const = default;
};

/// Someone who joined and has not left.
struct participant {
  std::string id;
  std::string name;
  std::string role;   ///< "candidate" | "interviewer"
  std::string color;  ///< "#rrggbb"
  bool focused = true;
  /// sha256 of the resume token (never the token): lets a participant resume after a restart.
  std::string resume_hash;
  /// The signed-in account of an interviewer (participant_joined's accountId), or empty.
  /// Interviewer-grade: to_json(participant) leaves it out, so no message or view shows it.
  std::string account_id;
  bool operator==(const participant&) const = default;
};

/// A participant's part in the call as last logged (call_state_changed): there while in it.
struct call_media {
  bool audio = false;
  bool video = false;
  bool operator==(const call_media&) const = default;
};

/// Everything a room is, as folded from its events.
struct room_state {
  std::uint64_t seq = 0;      ///< last applied event
  std::uint64_t version = 0;  ///< collab version = number of code updates applied
  std::u16string doc;         ///< UTF-16, as CodeMirror counts
  std::string language = "plaintext";
  std::string title;
  std::int64_t created_at = 0;
  std::int64_t last_ts = 0;
  std::uint64_t joins = 0;  ///< participant_joined events seen (picks colours)
  std::map<std::string, participant> participants;
  std::map<std::string, cursor> cursors;
  nlohmann::json last_run;  ///< run_finished payload + runId, participantId; null if none
  nlohmann::json running;   ///< run_started payload of a run not yet finished; null if none
  // -- the interview (interview.hpp) --
  domain::phase phase = domain::phase::live;  ///< session_created's, then each phase_changed
  domain::controls controls;
  /// What scorecards rate: the defaults until a question names its own.
  std::vector<std::string> criteria = default_criteria();
  std::map<std::string, scorecard> scorecards;  ///< by interviewer participant id
  std::map<std::string, call_media> calls;      ///< who is in the call, by participant id
  /// question_loaded payload of the question loaded last (every test whole: interviewer-grade;
  /// actors/question_view.hpp makes the candidate's view); null if none.
  nlohmann::json question;
  nlohmann::json
      last_test_run;  ///< tests_finished payload + runId, participantId, language, version
  nlohmann::json tests_running;  ///< tests_started payload of a test run not yet finished
  nlohmann::json terminal;       ///< the latest interactive run's terminal (terminal.hpp)

  bool operator==(const room_state&) const = default;
};

/// Why an event could not be applied. The state is unchanged whenever this is returned.
struct apply_error {
  std::string code;     ///< "wrong_seq", "invalid_changes", "malformed"
  std::string message;  ///< a human sentence
};

/// Applies one event, atomically: on error the state is untouched.
std::optional<apply_error> apply(room_state& state, const eventlog::event& e);

/// The REST `state` view: {"seq","version","doc","language","participants","cursors","lastRun",
/// "phase","controls","calls":{"<participantId>":{"audio","video"}},"question","lastTestRun",
/// "testsRunning","terminal"} (the question whole: /state is interviewer-only; scorecards have
/// their own route).
nlohmann::json to_json(const room_state& state);
/// The call part of the views: {"<participantId>":{"audio","video"}} for those in the call.
nlohmann::json calls_json(const room_state& state);
/// A participant as PROTOCOL.md shows it: {"participantId","name","role","color"}.
nlohmann::json to_json(const participant& p);
/// {"editorLocked","runDisabled"}.
nlohmann::json to_json(const controls& c);

/// Snapshot bytes of a state (versioned msgpack), and back. nullopt on garbage.
std::string encode_snapshot(const room_state& state);
std::optional<room_state> decode_snapshot(std::string_view bytes);

/// Participant colours, distinct for the first 12 joiners of a room.
std::string color_for(std::uint64_t join_index);

}  // namespace rooms::domain
