#pragma once
/// Who may do what, in which phase and under which controls: one pure function the room asks
/// before it handles any command (room_protocol.cpp on_frame), so a command added later is
/// checked in the same place by adding its kind here.

#include <optional>
#include <string_view>

#include "actors/domain/commands.hpp"
#include "actors/domain/room_state.hpp"

namespace rooms::domain {

enum class role : std::uint8_t { candidate, interviewer };

/// What a command does, for the rules: one value per client message type after join_session
/// (including those of other v2 features, so their rules live here too).
enum class command_kind : std::uint8_t {
  code_update,
  pull,
  cursor_update,
  language_change,
  run_code,
  add_note,
  focus_change,
  start_interview,
  end_interview,
  reopen_interview,
  set_controls,
  save_scorecard,
  load_question,
  run_tests,
  start_repl,
  terminal_input,
  terminal_resize,
  stop_run,
  call_signal,
  call_state,
  other,  ///< a message type these rules do not name: live candidates and interviewers only
};

/// The kind of a message "type" as sent; `other` for one not listed.
command_kind command_kind_of(std::string_view type);

/// nullopt when `who` may send a command of `kind` to a room in `state`; else the error
/// (`forbidden`, with a sentence saying why). Pure: the state is only read.
std::optional<command_error> allowed(const room_state& state, role who, command_kind kind);

}  // namespace rooms::domain
