#include "actors/domain/permissions.hpp"

#include <array>
#include <utility>

namespace rooms::domain {

namespace {

constexpr std::array<std::pair<std::string_view, command_kind>, 20> kinds = {{
    {"code_update", command_kind::code_update},
    {"pull", command_kind::pull},
    {"cursor_update", command_kind::cursor_update},
    {"language_change", command_kind::language_change},
    {"run_code", command_kind::run_code},
    {"add_note", command_kind::add_note},
    {"focus_change", command_kind::focus_change},
    {"start_interview", command_kind::start_interview},
    {"end_interview", command_kind::end_interview},
    {"reopen_interview", command_kind::reopen_interview},
    {"set_controls", command_kind::set_controls},
    {"save_scorecard", command_kind::save_scorecard},
    {"load_question", command_kind::load_question},
    {"run_tests", command_kind::run_tests},
    {"start_repl", command_kind::start_repl},
    {"terminal_input", command_kind::terminal_input},
    {"terminal_resize", command_kind::terminal_resize},
    {"stop_run", command_kind::stop_run},
    {"call_signal", command_kind::call_signal},
    {"call_state", command_kind::call_state},
}};

command_error forbidden(std::string message) {
  return {error_code::forbidden, std::move(message)};
}

bool interviewer_only(command_kind kind) {
  switch (kind) {
    case command_kind::start_interview:
    case command_kind::end_interview:
    case command_kind::reopen_interview:
    case command_kind::set_controls:
    case command_kind::save_scorecard:
    case command_kind::load_question:
    case command_kind::add_note:
      return true;
    default:
      return false;
  }
}

/// Changes the document or its language.
bool edits(command_kind kind) {
  return kind == command_kind::code_update || kind == command_kind::language_change;
}

/// Starts a program or feeds one.
bool runs(command_kind kind) {
  return kind == command_kind::run_code || kind == command_kind::run_tests ||
         kind == command_kind::start_repl || kind == command_kind::terminal_input ||
         kind == command_kind::stop_run;
}

/// The phase commands are the interviewers' and follow lobby -> live -> ended -> live.
std::optional<command_error> phase_step(phase now, command_kind kind) {
  switch (kind) {
    case command_kind::start_interview:
      if (now == phase::live) return forbidden("the interview has already started");
      if (now == phase::ended)
        return forbidden("the interview has ended; reopen_interview makes it live again");
      return std::nullopt;
    case command_kind::end_interview:
      if (now == phase::ended) return forbidden("the interview has already ended");
      return std::nullopt;
    case command_kind::reopen_interview:
      if (now != phase::ended) return forbidden("only an ended interview can be reopened");
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace

command_kind command_kind_of(std::string_view type) {
  for (const auto& [name, kind] : kinds)
    if (name == type) return kind;
  return command_kind::other;
}

std::optional<command_error> allowed(const room_state& state, role who, command_kind kind) {
  if (who == role::interviewer) return phase_step(state.phase, kind);
  if (interviewer_only(kind))
    return forbidden(kind == command_kind::add_note ? "only interviewers add notes"
                                                    : "only interviewers may do that");
  switch (state.phase) {
    case phase::lobby:
      // A waiting candidate sees nothing of the room; only its own focus is worth logging.
      if (kind == command_kind::focus_change) return std::nullopt;
      return forbidden("the interview has not started yet");
    case phase::ended:
      if (edits(kind) || runs(kind))
        return forbidden("the interview has ended; the code can no longer be changed or run");
      return std::nullopt;
    case phase::live:
      if (edits(kind) && state.controls.editor_locked)
        return forbidden("the interviewer has locked the editor");
      if (runs(kind) && state.controls.run_disabled)
        return forbidden("the interviewer has disabled runs");
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace rooms::domain
