#pragma once
/// Internal to actors/: the room actor's state and the class whose methods handle its messages.
/// One class, its methods defined by concern: room_protocol.cpp (frames and the v1 commands),
/// room_runs.cpp (run_code and its results), room_views.cpp (what each participant is shown),
/// room_history.cpp (the in-memory update history and pulls), room_pipeline.cpp (recording
/// events, appends in submission order, snapshots) and room_lifecycle.cpp (load, joins and
/// leaves over time, passivation, expiry, the actor's behaviour).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/detail/packed_changes.hpp"
#include "actors/detail/room_actor.hpp"
#include "actors/domain/commands.hpp"
#include "actors/domain/errors.hpp"
#include "actors/domain/events.hpp"
#include "actors/domain/question_events.hpp"
#include "actors/domain/room_state.hpp"
#include "actors/room.hpp"
#include "base/token_bucket.hpp"

namespace rooms::actors::detail {
struct question_read;
}

// Results go from the run queue's workers and the store's reader thread to their room as
// values. Both ends are on the same node (runs and reads never cross nodes), so the types need
// no serialisation.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(rooms::domain::events::run_finished)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(rooms::domain::events::test_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(rooms::domain::events::tests_finished)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<const rooms::actors::detail::question_read>)

namespace rooms::actors::detail {

using json = nlohmann::json;
using domain::close_code;
using domain::error_code;
using domain::room_state;
using eventlog::event;
using eventlog::event_type;
namespace events = domain::events;

using append_done_atom = caf::atom_constant<caf::atom("app_done")>;
using snapshot_done_atom = caf::atom_constant<caf::atom("snap_done")>;
using log_read_atom = caf::atom_constant<caf::atom("log_read")>;
using loaded_atom = caf::atom_constant<caf::atom("loaded")>;
using run_done_atom = caf::atom_constant<caf::atom("run_done")>;
using run_output_atom = caf::atom_constant<caf::atom("run_out")>;
using grace_atom = caf::atom_constant<caf::atom("grace")>;
using question_read_atom = caf::atom_constant<caf::atom("q_read")>;
using test_result_atom = caf::atom_constant<caf::atom("test_res")>;
using tests_done_atom = caf::atom_constant<caf::atom("tests_done")>;
using terminal_output_atom = caf::atom_constant<caf::atom("term_out")>;
using terminal_flush_atom = caf::atom_constant<caf::atom("term_flush")>;

constexpr std::size_t max_json_depth = 64;

/// A load_question and the library's answer to it (read on the store's reader thread).
struct question_read {
  std::string pid;
  json ref;
  std::string language;
  bool replace_code = false;
  std::optional<events::question_loaded> question;  ///< the answer; unset: `error`
  error_code error = error_code::unavailable;
  std::string message;
};

/// A participant as the room knows it live (the folded state has the logged part).
struct member {
  std::string pid;
  caf::actor conn;           ///< invalid while disconnected and resumable
  std::string resume_token;  ///< empty after a restart (only its hash survives, in the state)
  bool interviewer = false;
  std::uint64_t grace_gen = 0;
  /// The newest version this client is known to have (its join or resume, its last push, pull
  /// or cursor): history entries up to the smallest of these are needed by no one. 0 when
  /// unknown (a member restored from the log after a restart, until it resumes).
  std::uint64_t acked = 0;
  std::optional<base::token_bucket> call_signals;  ///< made on the first call message
};

/// Frames to send once an append is durable.
struct outbound {
  std::vector<caf::actor> to;
  caf::message msg;
};

/// An append in flight, or a read of the log for one client's pull, and what to publish once
/// it is done. They are published in submission order; a read may finish before the appends
/// ahead of it are durable, so each keeps its outcome until those are.
struct pending_append {
  std::uint64_t ticket = 0;
  std::chrono::steady_clock::time_point submitted;
  std::size_t events = 0;  ///< 0 for a read: its reply is out[0]
  std::vector<outbound> out;
  bool done = false;
  int code = 0;  ///< the store's errc once done
  std::string message;
};

/// One logged code update, kept for pull, resume and cursor mapping: the change set packed
/// (a keystroke fits inside the entry) and its clientID and participant as an index into
/// room_data::authors, about 48 bytes where a JSON tree took a kilobyte.
struct history_entry {
  std::uint64_t version = 0;  ///< version it produced
  std::uint32_t author = 0;   ///< index into room_data::authors
  detail::packed_changes changes;
};

/// Who sent updates in the history: few, one per client session.
struct history_author {
  std::string client_id;
  std::string pid;
};

/// What a load read from the log, filled on the store's reader thread.
struct loaded_log {
  std::optional<room_state> state;  ///< the newest snapshot, decoded
  std::vector<event> events;        ///< the events after it
  eventlog::status status;
  std::map<std::string, std::string>
      resume_tokens;  ///< recovering: members' tokens, by participant
};

struct room_data {
  static inline const char* name = "room";

  std::shared_ptr<const services> svc;
  eventlog::session_meta meta;
  room_state state;
  std::map<std::string, member> members;           ///< by participant id
  std::map<caf::actor_addr, std::string> by_conn;  ///< connected sockets -> participant id
  std::deque<pending_append> pending;
  std::uint64_t next_ticket = 1;
  std::deque<history_entry> history;
  std::vector<history_author> authors;
  std::size_t history_bytes = 0;           ///< of `history`, entries and their heap bytes
  std::uint64_t snapshot_durable_seq = 0;  ///< newest snapshot known to be written
  bool snapshot_given_up = false;       ///< stopping: a snapshot failed; the log has it all anyway
  std::shared_ptr<loaded_log> loading;  ///< a load in the store's hands
  std::uint64_t snapshot_seq = 0;
  bool failed = false;    ///< an append failed: reload from the log once in-flight ones end
  bool stopping = false;  ///< passivation requested: drain, snapshot, quit
  std::optional<caf::response_promise> stop_promise;
  std::string load_error;  ///< set when the session could not be loaded
  /// The run this actor started and awaits (its run_done comes here); empty when none. A
  /// run in the state that is not this one was cut off by a restart (room_lifecycle.cpp).
  std::string run_in_flight;
  /// The interactive run in progress: the runner thread's channel (null otherwise), output
  /// not yet logged, and whether a flush is scheduled (room_terminal.cpp).
  std::shared_ptr<runner::terminal_channel> terminal;
  std::string terminal_held;
  bool terminal_flush_scheduled = false;
  /// When output was last logged and sent: output after a quiet spell goes out at once.
  std::chrono::steady_clock::time_point terminal_flushed_at{};
};

using room_actor = caf::stateful_actor<room_data>;

/// Now in ms since the epoch, from the store's clock; never before the last event.
std::int64_t now(const room_data& st);
/// Compact JSON text; invalid UTF-8 replaced.
std::string dump(const json& j);
/// A text frame for a connection actor.
caf::message frame(const json& j);
/// `j` with the client's `ref` echoed, when it sent one.
json with_ref(json j, const json& ref);

/// The room's handlers over its actor's state. Made per message (it holds two references).
class room {
 public:
  explicit room(room_actor* self) : self_(self), st_(self->state) {}

  // -- room_protocol.cpp: frames, joins and commands --

  /// `account`: the signed-in account of the socket's browser (the gateway checked the cookie
  /// on the upgrade), or empty; only an interviewer's fresh join records it.
  void on_frame(const caf::actor& conn, const std::string& text, const std::string& account = {});
  void on_join(const caf::actor& conn, const domain::join_session& join, const json& ref,
               const std::string& account);
  /// One overload per command of domain::command (on_frame dispatches by type); a new command
  /// is a new overload, defined in the file of its concern.
  void on_command(member& who, const domain::code_update& update, const json& ref);
  void on_command(member& who, const domain::pull& pull, const json& ref);
  void on_command(member& who, const domain::cursor_update& cursor, const json& ref);
  void on_command(member& who, const domain::language_change& change, const json& ref);
  void on_command(member& who, const domain::add_note& note, const json& ref);
  void on_command(member& who, const domain::focus_change& focus, const json& ref);

  // -- room_controls.cpp: phases and interviewer controls --

  void on_command(member& who, const domain::start_interview& start, const json& ref);
  void on_command(member& who, const domain::end_interview& end, const json& ref);
  void on_command(member& who, const domain::reopen_interview& reopen, const json& ref);
  void on_command(member& who, const domain::set_controls& controls, const json& ref);

  // -- room_scorecards.cpp --

  void on_command(member& who, const domain::save_scorecard& save, const json& ref);
  // -- room_calls.cpp: audio and video calls --

  /// Relays a WebRTC signal to one connected participant of this room; never logged.
  void on_command(member& who, const domain::call_signal& signal, const json& ref);
  /// Logs and broadcasts the sender's part in the call (call_state_changed).
  void on_command(member& who, const domain::call_state& call, const json& ref);

  // -- room_runs.cpp --

  void on_command(member& who, const domain::run_code& run, const json& ref);
  void on_run_output(const std::string& run_id, const std::string& stream, const std::string& data);
  /// A run ended; its result carries its run_id.
  void on_run_done(const events::run_finished& result);

  // -- room_terminal.cpp: interactive runs --

  void on_command(member& who, const domain::start_repl& repl, const json& ref);
  void on_command(member& who, const domain::terminal_input& input, const json& ref);
  void on_command(member& who, const domain::terminal_resize& resize, const json& ref);
  void on_command(member& who, const domain::stop_run& stop, const json& ref);
  /// A piece of the terminal's output from the runner's thread: held, logged soon.
  void on_terminal_output(const std::string& run_id, const std::string& data);
  /// Logs and sends what the terminal printed since the last flush.
  void flush_terminal();

  // -- room_questions.cpp: the loaded question and test runs --

  void on_command(member& who, const domain::load_question& load, const json& ref);
  void on_command(member& who, const domain::run_tests& run, const json& ref);
  /// The library's answer to a load_question, read on the store's reader thread.
  void on_question_read(const question_read& read);
  /// Test `index` of the run in progress ended (shown, not logged).
  void on_test_result(const std::string& run_id, std::uint64_t index,
                      const events::test_result& result);
  /// Every test ended: logged as tests_finished.
  void on_tests_done(const std::string& run_id, const events::tests_finished& finished);

  // -- room_lifecycle.cpp: loading, connections over time, registry requests --

  /// Reads the newest snapshot and the events after it on the store's reader thread, without
  /// waiting; on_loaded folds them. Meanwhile the room holds other messages back (its loading
  /// behaviour) or, recovering, answers busy.
  void load();
  /// Folds what load() read: the snapshot, then the events after it.
  void on_loaded();
  /// A connection actor ended without ws_closed (its node died, or it failed): a drop.
  void on_conn_down(const caf::actor_addr& conn) { on_closed(conn, value(close_code::abnormal)); }
  void on_closed(const caf::actor_addr& conn, int code);
  void on_grace(const std::string& pid, std::uint64_t gen);
  /// Passivation (`log_leaves`) or shutdown: drain, snapshot, quit; false while people are here.
  caf::response_promise on_stop(bool log_leaves);
  std::string on_expire(const std::string& by);
  /// This node no longer owns the session: clients resume on its new owner.
  void on_moved();
  void quit();

  // -- room_pipeline.cpp: the store's answers --

  void on_snapshot_done(std::uint64_t seq, std::uint64_t previous, bool ok);
  void on_append_done(std::uint64_t ticket, int code, const std::string& message);
  /// A read of the log for a pull is done: its reply (or error) takes its place in the order.
  void on_log_read(std::uint64_t ticket, const std::string& frame_text);

  // -- room_views.cpp --

  json live_participants() const;

 private:
  domain::command_limits command_limits() const;
  /// Live output for `run_output`, batched on the runner's thread: at most one message per
  /// stream every 100 ms. The runner's chunks are whole UTF-8 characters, so batches are too.
  /// What is still held when the run ends is not sent: `run_finished` carries the whole output,
  /// and clients replace what they streamed with it. Not logged: the replay has run_finished.
  static std::function<void(std::string_view, std::string_view)> output_streamer(
      caf::actor me, std::string run_id);
  static run_queue::done_fn run_finisher(caf::actor me, std::string run_id, bool interactive);
  /// Starts `language`'s program (or REPL) on a pseudo-terminal of `size`.
  void start_terminal(member& who, const std::string& language, bool repl,
                      domain::terminal_size size, const json& ref);
  runner::terminal_channel* running_terminal(member& who, const std::string& run_id,
                                             const json& ref);

  // -- room_pipeline.cpp: recording events and publishing them in order --

  /// Applies a new event to the state and adds it to `txn`; the error text if it does not apply.
  std::optional<std::string> record(std::vector<event>& txn, event_type type,
                                    const std::string& pid, json payload);
  /// record() of a typed payload (events.hpp): the event type follows from the struct.
  template <class Payload>
  std::optional<std::string> record(std::vector<event>& txn, const std::string& pid,
                                    const Payload& payload) {
    return record(txn, events::type_of(payload), pid, events::to_json(payload));
  }
  /// Sends `txn` to the log; what is emitted next waits for it to be durable.
  void submit(std::vector<event> txn);
  /// Queues a snapshot of the state as of the append just submitted, without waiting: the
  /// store writes it in FIFO order after that append (in the same group commit when it can) and
  /// refuses it if that append failed, so a snapshot never gets ahead of the log. The room keeps
  /// working meanwhile; only encoding (tens of microseconds) runs here.
  void snapshot_async();
  /// Sends now, or after the appends in flight so clients see events in seq order.
  void emit(std::vector<caf::actor> to, caf::message msg);
  void send(const outbound& o);
  void reply(const caf::actor& conn, const json& j) { emit({conn}, frame(j)); }
  void error_to(const caf::actor& conn, error_code code, const std::string& message,
                const json& ref);
  /// Publishes what is done at the front of `pending`, in submission order.
  void publish_done();
  /// Everything appended is durable and published: recover, snapshot or stop.
  void on_drained();
  /// After a failed append the in-memory state is ahead of the log: reload it from the log
  /// and make every client resume, so what they see is exactly what was logged.
  void recover();
  /// A validated change failed to apply: a bug, not a client error. Reload from the log.
  void rollback_unexpected(const std::string& why);

  // -- room_lifecycle.cpp --

  void leave(const std::string& pid, const std::string& reason);
  void finish_interrupted_run();

  // -- room_calls.cpp --

  /// Leaving the room ends the call: adds call_state_changed false/false to `txn` when `pid`
  /// is in the call, and returns the frame to send the others once it is logged (else null).
  json end_call(std::vector<event>& txn, const std::string& pid);
  /// False (and `rate_limited` sent) when `who` is over its call message rate.
  bool take_call_token(member& who, const json& ref);
  void start_grace(const std::string& pid);

  // -- room_history.cpp: updates kept for pull, resume and cursor mapping --

  /// Keeps code updates for pull, resume and cursor mapping, packed, within the history's
  /// count and byte limits (older ones are read from the log).
  void remember(const event& e);
  /// `who` is known to have `version`: history it alone held back may go.
  void acknowledge(member& who, std::uint64_t version);
  /// Drops the entries every connected or resumable member has acknowledged, and the oldest
  /// beyond the count and byte caps (a member that is behind is served from the log).
  void trim_history();
  static std::size_t entry_bytes(const history_entry& h);
  void clear_history();
  /// Drops authors no entry refers to any more (a long room sees many client sessions).
  void compact_authors();
  /// An update as code_changed carries it.
  json update_json(const history_entry& h) const;
  /// code_changed {from, updates} with every update after `from`, from memory or, further
  /// back, from the log without waiting: the reply keeps its place among what is sent after it.
  void send_updates_since(const caf::actor& conn, std::uint64_t from, const json& ref);

  // -- room_views.cpp: audiences and what each participant is shown --

  std::vector<caf::actor> connected() const;
  std::vector<caf::actor> others(const std::string& except) const;
  /// Connected interviewers, other than `except`. Candidates never get interviewer-only data.
  std::vector<caf::actor> interviewers(const std::string& except) const;
  /// Connected candidates (everyone who is not an interviewer).
  std::vector<caf::actor> candidates() const;
  json participant_view(const std::string& pid) const;
  json session_state(const member& m) const;
  /// False for a candidate in the lobby: the one rule every audience but everyone() follows.
  bool sees_room(const member& m) const;
  /// Every connected socket, lobby candidates too: only for what they may see (phase_changed).
  std::vector<caf::actor> everyone() const;
  /// session_state of a candidate waiting in the lobby: title, who is preparing, itself.
  json lobby_state(const member& m) const;
  /// True once `interviewer` submitted their own scorecard: then they see the others'.
  bool may_see_scorecards_of_others(const std::string& interviewer) const;
  /// The scorecards `viewer` (an interviewer) may see: their own, and all once they submitted.
  json visible_scorecards(const std::string& viewer) const;
  /// Connected interviewers other than `owner` who may see `owner`'s scorecard.
  std::vector<caf::actor> scorecard_audience(const std::string& owner) const;

  // -- room_controls.cpp --

  /// Logs a phase change and tells everyone; candidates leaving the lobby get the room.
  void change_phase(member& who, domain::phase to, const json& ref);

  room_actor* self_;
  room_data& st_;
};

}  // namespace rooms::actors::detail
