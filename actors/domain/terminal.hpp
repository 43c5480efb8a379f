#pragma once
/// The interactive terminal (PROTOCOL.md "v2 additions": Terminal): its client commands, its
/// event payloads and its part of the room state. A run on a pseudo-terminal starts with
/// run_started {"interactive":true} and ends with run_finished like any run; between them the
/// log holds what it printed (terminal_output), what participants typed (terminal_input) and
/// size changes (terminal_resized), so the replay plays the terminal in step with the code.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "eventlog/event.hpp"

namespace rooms::domain {

/// Limits of the terminal's messages (docs/protocol.md).
inline constexpr std::size_t max_terminal_input_bytes = 4096;        ///< per terminal_input
inline constexpr std::size_t max_terminal_output_bytes = 64u << 10;  ///< per logged chunk
inline constexpr std::uint16_t min_terminal_cols = 2, max_terminal_cols = 500;
inline constexpr std::uint16_t min_terminal_rows = 1, max_terminal_rows = 200;
inline constexpr std::uint16_t default_terminal_cols = 80, default_terminal_rows = 24;

/// A terminal size; absent fields of a command take the defaults.
struct terminal_size {
  std::uint16_t cols = default_terminal_cols;
  std::uint16_t rows = default_terminal_rows;
  bool operator==(const terminal_size&) const = default;
};

/// {"language"?,"cols"?,"rows"?}: the interpreter of the room's language (or `language`).
struct start_repl {
  std::optional<std::string> language;
  terminal_size size;
};

/// {"runId","data"}: keystrokes for the running interactive program (1..4096 bytes).
struct terminal_input {
  std::string run_id;
  std::string data;
};

/// {"runId","cols","rows"}
struct terminal_resize {
  std::string run_id;
  terminal_size size;
};

/// {"runId"}: ends a run, interactive or not.
struct stop_run {
  std::string run_id;
};

/// Reads "cols" and "rows" of a message (both optional unless `required`); the error
/// message when one is not an integer in range.
std::optional<std::string> read_terminal_size(const nlohmann::json& msg, terminal_size& out,
                                              bool required);

}  // namespace rooms::domain

namespace rooms::domain::events {

struct payload_error;

/// {"runId","data"}: the program's output, whole UTF-8 characters, sanitized for terminals.
struct terminal_output {
  std::string run_id;
  std::string data;
  bool operator==(const terminal_output&) const = default;
};

/// {"runId","data"}: what a participant (the event's) typed.
struct terminal_input {
  std::string run_id;
  std::string data;
  bool operator==(const terminal_input&) const = default;
};

/// {"runId","cols","rows"}
struct terminal_resized {
  std::string run_id;
  std::uint16_t cols = default_terminal_cols;
  std::uint16_t rows = default_terminal_rows;
  bool operator==(const terminal_resized&) const = default;
};

nlohmann::json to_json(const terminal_output& p);
nlohmann::json to_json(const terminal_input& p);
nlohmann::json to_json(const terminal_resized& p);

constexpr eventlog::event_type type_of(const terminal_output&) {
  return eventlog::event_type::terminal_output;
}
constexpr eventlog::event_type type_of(const terminal_input&) {
  return eventlog::event_type::terminal_input;
}
constexpr eventlog::event_type type_of(const terminal_resized&) {
  return eventlog::event_type::terminal_resized;
}

std::optional<payload_error> from_json(const nlohmann::json& payload, terminal_output& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, terminal_input& out);
std::optional<payload_error> from_json(const nlohmann::json& payload, terminal_resized& out);

}  // namespace rooms::domain::events

namespace rooms::domain {

/// The state's `terminal` (null until the first interactive run): {"runId","participantId",
/// "language","repl","cols","rows","data","active"}; data is everything the latest interactive
/// run printed. Folds the terminal events and the run_started / run_finished of interactive
/// runs; the message when the event does not fit (the caller leaves the state untouched).
std::optional<std::string> fold_terminal(nlohmann::json& terminal, const eventlog::event& e);

}  // namespace rooms::domain
