#include "actors/room.hpp"

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include <type_traits>
#include <variant>

#include "actors/detail/ids.hpp"
#include "actors/detail/packed_changes.hpp"
#include "actors/detail/room_actor.hpp"
#include "actors/domain/changeset.hpp"
#include "actors/domain/commands.hpp"
#include "actors/domain/errors.hpp"
#include "actors/domain/events.hpp"
#include "actors/domain/json_limits.hpp"
#include "actors/domain/room_state.hpp"
#include "base/log.hpp"

namespace rooms::actors {

using json = nlohmann::json;
using domain::changeset;
using domain::close_code;
using domain::color_for;
using domain::decode_snapshot;
using domain::encode_snapshot;
using domain::error_code;
using domain::json_too_deep;
using domain::room_state;
using domain::utf16_to_utf8;
using eventlog::event;
using eventlog::event_type;
namespace events = domain::events;

namespace {

using append_done_atom = caf::atom_constant<caf::atom("app_done")>;
using snapshot_done_atom = caf::atom_constant<caf::atom("snap_done")>;
using log_read_atom = caf::atom_constant<caf::atom("log_read")>;
using loaded_atom = caf::atom_constant<caf::atom("loaded")>;
using run_done_atom = caf::atom_constant<caf::atom("run_done")>;
using run_output_atom = caf::atom_constant<caf::atom("run_out")>;
using grace_atom = caf::atom_constant<caf::atom("grace")>;

constexpr std::size_t max_json_depth = 64;

/// A participant as the room knows it live (the folded state has the logged part).
struct member {
  std::string pid;
  caf::actor conn;           ///< invalid while disconnected and resumable
  std::string resume_token;  ///< empty after a restart (only its hash survives, in the state)
  bool interviewer = false;
  std::uint64_t grace_gen = 0;
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
};

using room_actor = caf::stateful_actor<room_data>;

// -- helpers --

std::int64_t now(const room_data& st) {
  const auto& clock = st.svc->store->options().clock;
  auto t = clock ? clock() : eventlog::now_ms();
  return std::max(t, st.state.last_ts);  // ts never goes backwards within a session
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

caf::message frame(const json& j) {
  return caf::make_message(ws_out_atom::value, dump(j));
}

json with_ref(json j, const json& ref) {
  if (!ref.is_null()) j["ref"] = ref;
  return j;
}

// -- the room --

class room {
 public:
  explicit room(room_actor* self) : self_(self), st_(self->state) {}

  /// Reads the newest snapshot and the events after it on the store's reader thread, without
  /// waiting; on_loaded folds them. Meanwhile the room holds other messages back (its loading
  /// behaviour) or, recovering, answers busy.
  void load() {
    auto into = std::make_shared<loaded_log>();
    st_.loading = into;
    caf::actor me = caf::actor_cast<caf::actor>(self_);
    auto* store = st_.svc->store;
    auto id = st_.meta.id;
    store->read_async([me, store, id, into](eventlog::status s) {
      if (s.ok()) {
        auto snap = store->snapshot_at_or_below(id, UINT64_MAX);
        if (snap.ok() && snap->has_value()) into->state = decode_snapshot((*snap)->bytes);
        std::uint64_t from = into->state ? into->state->seq + 1 : 1;
        s = store->scan(id, from, [&](const event& e) {
          into->events.push_back(e);
          return true;
        });
      }
      into->status = std::move(s);
      caf::anon_send(me, loaded_atom::value);
    });
  }

  /// Folds what load() read: the snapshot, then the events after it.
  void on_loaded() {
    if (!st_.loading) return;
    auto log = std::move(st_.loading);
    if (log->state) {
      st_.state = std::move(*log->state);
      st_.snapshot_seq = st_.state.seq;
      st_.snapshot_durable_seq = st_.state.seq;
    }
    for (const auto& e : log->events) {
      if (auto err = apply(st_.state, e)) {
        st_.load_error = "event " + std::to_string(e.seq) + ": " + err->message;
        break;
      }
      remember(e);
    }
    if (!log->status.ok() && st_.load_error.empty()) st_.load_error = log->status.to_string();
    // Participants still in the log were connected when the server stopped: they may resume.
    for (const auto& [pid, p] : st_.state.participants) {
      member m;
      m.pid = pid;
      m.interviewer = p.role == "interviewer";
      auto token = log->resume_tokens.find(pid);
      if (token != log->resume_tokens.end()) m.resume_token = token->second;
      st_.members[pid] = m;
      start_grace(pid);
    }
    st_.svc->stats->rooms_live.fetch_add(1);
    st_.svc->stats->rooms_activated.fetch_add(1);
    st_.failed = false;  // recovered, when it was
    if (st_.stopping && st_.pending.empty()) on_drained();
  }

  // -- inbound frames --

  void on_frame(const caf::actor& conn, const std::string& text) {
    st_.svc->stats->messages_in.fetch_add(1, std::memory_order_relaxed);
    if (st_.stopping) {
      self_->send(conn, reroute_atom::value, text);
      return;
    }
    if (json_too_deep(text, max_json_depth))
      return error_to(conn, error_code::bad_json, "JSON nested too deeply", nullptr);
    json msg = json::parse(text, nullptr, false);
    if (msg.is_discarded())
      return error_to(conn, error_code::bad_json, "a message must be one JSON object", nullptr);
    auto parsed = domain::parse_command(msg, command_limits());
    const json& ref = parsed.ref;
    auto* refused = std::get_if<domain::command_error>(&parsed.value);
    // Checked in the order clients have always seen: the envelope, ping, the room's health,
    // the join state, and only then the message's own fields.
    if (parsed.type.empty()) return error_to(conn, refused->code, refused->message, ref);
    if (std::holds_alternative<domain::ping>(parsed.value))
      return reply(conn, with_ref({{"type", "pong"}}, ref));
    if (!st_.load_error.empty())
      return error_to(conn, error_code::busy, "the session cannot be loaded: " + st_.load_error,
                      ref);
    if (st_.failed)
      return error_to(conn, error_code::busy, "the event log is unavailable; retry shortly", ref);
    auto it = st_.by_conn.find(conn.address());
    if (auto* join = std::get_if<domain::join_session>(&parsed.value)) {
      if (it != st_.by_conn.end())
        return error_to(conn, error_code::forbidden, "already joined", ref);
      return on_join(conn, *join, ref);
    }
    if (!domain::is_command_type(parsed.type))
      return error_to(conn, refused->code, refused->message, ref);
    if (it == st_.by_conn.end())
      return error_to(conn, error_code::not_joined, "send join_session first", ref);
    member& who = st_.members[it->second];
    std::visit(
        [&](const auto& command) {
          using type = std::decay_t<decltype(command)>;
          if constexpr (std::is_same_v<type, domain::command_error>)
            error_to(who.conn, command.code, command.message, ref);
          else if constexpr (std::is_same_v<type, domain::code_update>)
            on_code_update(who, command, ref);
          else if constexpr (std::is_same_v<type, domain::pull>)
            on_pull(who, command, ref);
          else if constexpr (std::is_same_v<type, domain::cursor_update>)
            on_cursor(who, command, ref);
          else if constexpr (std::is_same_v<type, domain::language_change>)
            on_language(who, command, ref);
          else if constexpr (std::is_same_v<type, domain::run_code>)
            on_run(who, command, ref);
          else if constexpr (std::is_same_v<type, domain::add_note>)
            on_note(who, command, ref);
          else if constexpr (std::is_same_v<type, domain::focus_change>)
            on_focus(who, command, ref);
          // join_session and ping were answered above.
        },
        parsed.value);
  }

  domain::command_limits command_limits() const {
    const auto& cfg = st_.svc->config;
    return {cfg.max_name_chars, cfg.max_note_bytes, cfg.max_stdin_bytes, cfg.max_updates_per_push};
  }

  void on_join(const caf::actor& conn, const domain::join_session& join, const json& ref) {
    const auto& cfg = st_.svc->config;
    // Resume: a known token takes its participant back, with no second join event.
    if (join.resume_token) {
      const std::string& token = *join.resume_token;
      const std::string hash = eventlog::sha256_hex(token);
      for (auto& [pid, m] : st_.members) {
        auto p = st_.state.participants.find(pid);
        bool match =
            (!m.resume_token.empty() && detail::constant_time_equal(m.resume_token, token)) ||
            (p != st_.state.participants.end() && !p->second.resume_hash.empty() &&
             detail::constant_time_equal(p->second.resume_hash, hash));
        if (!match) continue;
        if (m.conn) {  // the old socket is still open: the new one replaces it
          st_.by_conn.erase(m.conn.address());
          self_->send(m.conn, ws_close_atom::value, int{value(close_code::replaced)},
                      std::string("replaced by a newer connection"));
          st_.svc->stats->participants_connected.fetch_sub(1);
        }
        m.conn = conn;
        m.resume_token = token;
        ++m.grace_gen;
        st_.by_conn[conn.address()] = pid;
        self_->monitor(conn);  // a connection on another node may vanish without ws_closed
        st_.svc->stats->participants_connected.fetch_add(1);
        emit({conn}, caf::make_message(joined_atom::value));
        emit({conn}, frame(with_ref(session_state(m), ref)));
        if (join.version && *join.version < st_.state.version)
          send_updates_since(conn, *join.version, json());
        return;
      }
    }
    if (join.fresh_join_error)
      return error_to(conn, join.fresh_join_error->code, join.fresh_join_error->message, ref);
    if (join.role == "interviewer") {
      if (join.key.empty() ||
          !detail::constant_time_equal(eventlog::sha256_hex(join.key), st_.meta.key_hash)) {
        error_to(conn, error_code::forbidden,
                 join.key.empty() ? "the interviewer role needs the interviewer key"
                                  : "wrong interviewer key",
                 ref);
        // Queued like the error before it: sent directly, the close could overtake the error
        // (held behind appends in flight) and the gateway would drop the error unsent.
        emit({conn}, caf::make_message(ws_close_atom::value, int{value(close_code::bad_key)},
                                       std::string("bad interviewer key")));
        return;
      }
    }
    if (st_.members.size() >= cfg.max_participants)
      return error_to(
          conn, error_code::busy,
          "the room is full (" + std::to_string(cfg.max_participants) + " participants)", ref);

    member m;
    m.pid = "p_" + detail::random_hex(8);
    m.conn = conn;
    m.resume_token = detail::random_hex(16);
    m.interviewer = join.role == "interviewer";
    events::participant_joined joined;
    joined.participant = {m.pid, join.name, join.role, color_for(st_.state.joins)};
    joined.resume_hash = eventlog::sha256_hex(m.resume_token);
    std::vector<event> txn;
    if (auto err = record(txn, m.pid, joined)) return error_to(conn, error_code::busy, *err, ref);
    submit(std::move(txn));
    st_.members[m.pid] = m;
    st_.by_conn[conn.address()] = m.pid;
    self_->monitor(conn);
    st_.svc->stats->participants_connected.fetch_add(1);
    emit({conn}, caf::make_message(joined_atom::value));
    emit({conn}, frame(with_ref(session_state(st_.members[m.pid]), ref)));
    emit(others(m.pid),
         frame({{"type", "participant_joined"}, {"participant", participant_view(m.pid)}}));
  }

  void on_code_update(member& who, const domain::code_update& update, const json& ref) {
    const auto& cfg = st_.svc->config;
    const auto version = update.version;
    if (version > st_.state.version)
      return error_to(who.conn, error_code::invalid_changes,
                      "version " + std::to_string(version) + " is ahead of the server's " +
                          std::to_string(st_.state.version),
                      ref);
    if (version < st_.state.version) {
      st_.svc->stats->updates_rejected.fetch_add(1, std::memory_order_relaxed);
      return reply(
          who.conn,
          with_ref({{"type", "code_update_rejected"}, {"version", st_.state.version}}, ref));
    }
    // The whole chain must fit the document first: all or nothing.
    std::size_t length = st_.state.doc.size();
    for (const auto& u : update.updates) {
      if (u.parsed.length() != length)
        return error_to(who.conn, error_code::invalid_changes,
                        "change set of length " + std::to_string(u.parsed.length()) +
                            " does not fit a document of length " + std::to_string(length),
                        ref);
      length = u.parsed.new_length();
      if (length > cfg.max_doc_units)
        return error_to(
            who.conn, error_code::too_large,
            "the document would exceed " + std::to_string(cfg.max_doc_units) + " characters", ref);
    }
    std::vector<event> txn;
    json out_updates = json::array();
    for (std::size_t i = 0; i < update.updates.size(); ++i) {
      const auto& u = update.updates[i];
      events::code_changed changed;
      changed.version = version + i + 1;
      changed.client_id = u.client_id;
      changed.changes = u.changes;
      if (auto err = record(txn, who.pid, changed)) {
        rollback_unexpected(*err);
        return;
      }
      out_updates.push_back(
          {{"clientID", u.client_id}, {"changes", u.changes}, {"participantId", who.pid}});
    }
    submit(std::move(txn));
    emit(connected(),
         frame({{"type", "code_changed"}, {"from", version}, {"updates", out_updates}}));
  }

  void on_pull(member& who, const domain::pull& pull, const json& ref) {
    if (pull.version > st_.state.version)
      return error_to(who.conn, error_code::invalid_changes,
                      "pull needs a \"version\" no newer than the server's", ref);
    send_updates_since(who.conn, pull.version, ref);
  }

  void on_cursor(member& who, const domain::cursor_update& cursor, const json& ref) {
    const auto version = cursor.version;
    auto anchor = cursor.anchor;
    auto head = cursor.head;
    if (version > st_.state.version)
      return error_to(who.conn, error_code::invalid_changes,
                      "cursor version is ahead of the document", ref);
    if (version < st_.state.version) {
      // Map a stale cursor through the updates since its version (CodeMirror's mapPos, assoc -1).
      if (st_.history.empty() || st_.history.front().version > version + 1)
        return error_to(who.conn, error_code::invalid_changes, "cursor version is too old to map",
                        ref);
      for (const auto& h : st_.history) {
        if (h.version <= version) continue;
        anchor = h.changes.map_pos(anchor, -1);
        head = h.changes.map_pos(head, -1);
      }
    }
    anchor = std::min<std::uint64_t>(anchor, st_.state.doc.size());
    head = std::min<std::uint64_t>(head, st_.state.doc.size());
    std::vector<event> txn;
    if (auto err = record(txn, who.pid, events::cursor_moved{st_.state.version, anchor, head}))
      return error_to(who.conn, error_code::busy, *err, ref);
    submit(std::move(txn));
    emit(others(who.pid), frame({{"type", "cursor_updated"},
                                 {"participantId", who.pid},
                                 {"version", st_.state.version},
                                 {"anchor", anchor},
                                 {"head", head}}));
  }

  void on_language(member& who, const domain::language_change& change, const json& ref) {
    if (!is_known_language(*st_.svc, change.language))
      return error_to(who.conn, error_code::unsupported_language,
                      "unsupported language; see GET /api/runtimes", ref);
    std::vector<event> txn;
    if (auto err = record(txn, who.pid, events::language_changed{change.language}))
      return error_to(who.conn, error_code::busy, *err, ref);
    submit(std::move(txn));
    emit(connected(), frame({{"type", "language_changed"},
                             {"participantId", who.pid},
                             {"language", change.language}}));
  }

  void on_run(member& who, const domain::run_code& run, const json& ref) {
    auto& runs = *st_.svc->runs;
    std::string language;
    if (!runs.supports(st_.state.language, &language))
      return error_to(who.conn, error_code::unsupported_language,
                      "\"" + st_.state.language + "\" cannot be run here; see GET /api/runtimes",
                      ref);
    if (!st_.state.running.is_null())
      return error_to(who.conn, error_code::busy, "a run is already in progress", ref);
    const std::string run_id = "r_" + detail::random_hex(8);
    runner::run_request request;
    request.language = st_.state.language;
    request.code = utf16_to_utf8(st_.state.doc);
    request.stdin_data = run.stdin_data;
    caf::actor me = caf::actor_cast<caf::actor>(self_);
    request.on_output = output_streamer(me, run_id);
    bool queued = runs.submit(std::move(request), [me, run_id](runner::run_result r) {
      events::run_finished result;
      result.stdout_text = r.stdout_data;
      result.stderr_text = r.stderr_data;
      result.exit_code = r.exit_code;
      if (!r.signal.empty()) result.signal = r.signal;
      result.timed_out = r.timed_out;
      result.truncated = r.truncated;
      result.duration_ms = r.duration_ms;
      if (!r.compile_output.empty() || r.compile_failed) result.compile_output = r.compile_output;
      if (!r.error.empty()) result.error = r.error;
      caf::anon_send(me, run_done_atom::value, run_id, dump(events::to_json(result)));
    });
    if (!queued)
      return error_to(who.conn, error_code::busy, "too many runs are queued; retry shortly", ref);
    std::vector<event> txn;
    if (auto err = record(txn, who.pid,
                          events::run_started{run_id, st_.state.language, st_.state.version}))
      return error_to(who.conn, error_code::busy, *err, ref);
    submit(std::move(txn));
    st_.svc->stats->runs_started.fetch_add(1, std::memory_order_relaxed);
    emit(connected(), frame({{"type", "run_started"},
                             {"runId", run_id},
                             {"participantId", who.pid},
                             {"language", st_.state.language},
                             {"version", st_.state.version}}));
  }

  /// Live output for `run_output`, batched on the runner's thread: at most one message per
  /// stream every 100 ms. The runner's chunks are whole UTF-8 characters, so batches are too.
  /// What is still held when the run ends is not sent: `run_finished` carries the whole output,
  /// and clients replace what they streamed with it. Not logged: the replay has run_finished.
  static std::function<void(std::string_view, std::string_view)> output_streamer(
      caf::actor me, std::string run_id) {
    struct batch {
      std::string held[2];  // stdout, stderr
      std::chrono::steady_clock::time_point last{};
    };
    auto b = std::make_shared<batch>();
    return [me = std::move(me), run_id = std::move(run_id), b](std::string_view stream,
                                                               std::string_view chunk) {
      b->held[stream == "stderr" ? 1 : 0].append(chunk);
      auto now = std::chrono::steady_clock::now();
      if (now - b->last < std::chrono::milliseconds(100)) return;
      b->last = now;
      for (int k = 0; k < 2; ++k) {
        if (b->held[k].empty()) continue;
        caf::anon_send(me, run_output_atom::value, run_id, std::string(k ? "stderr" : "stdout"),
                       std::move(b->held[k]));
        b->held[k].clear();
      }
    };
  }

  void on_run_output(const std::string& run_id, const std::string& stream,
                     const std::string& data) {
    if (!st_.state.running.is_object() || st_.state.running.value("runId", "") != run_id) return;
    if (st_.failed || st_.stopping) return;
    emit(connected(),
         frame({{"type", "run_output"}, {"runId", run_id}, {"stream", stream}, {"data", data}}));
  }

  void on_run_done(const std::string& run_id, const std::string& result_text) {
    if (!st_.state.running.is_object() || st_.state.running.value("runId", "") != run_id) return;
    if (st_.failed || st_.stopping) return;
    json result = json::parse(result_text, nullptr, false);
    if (!result.is_object()) return;
    result["runId"] = run_id;
    std::string starter = st_.state.running.value("participantId", "");
    std::vector<event> txn;
    if (record(txn, event_type::run_finished, starter, result))
      return;  // the fold checks it against events::run_finished
    submit(std::move(txn));
    st_.svc->stats->runs_finished.fetch_add(1, std::memory_order_relaxed);
    json out = result;
    out["type"] = "run_finished";
    emit(connected(), frame(out));
  }

  void on_note(member& who, const domain::add_note& note, const json& ref) {
    if (!who.interviewer)
      return error_to(who.conn, error_code::forbidden, "only interviewers add notes", ref);
    const std::string note_id = "n_" + detail::random_hex(8);
    std::vector<event> txn;
    if (auto err = record(txn, who.pid, events::note_added{note_id, note.text, st_.state.version}))
      return error_to(who.conn, error_code::busy, *err, ref);
    submit(std::move(txn));
    emit(interviewers(""), frame({{"type", "note_added"},
                                  {"noteId", note_id},
                                  {"participantId", who.pid},
                                  {"text", note.text},
                                  {"version", st_.state.version}}));
  }

  void on_focus(member& who, const domain::focus_change& focus, const json& ref) {
    std::vector<event> txn;
    if (auto err = record(txn, who.pid, events::focus_changed{focus.focused}))
      return error_to(who.conn, error_code::busy, *err, ref);
    submit(std::move(txn));
    emit(interviewers(who.pid), frame({{"type", "participant_focus"},
                                       {"participantId", who.pid},
                                       {"focused", focus.focused}}));
  }

  // -- connection lifecycle --

  /// A connection actor ended without ws_closed (its node died, or it failed): a drop.
  void on_conn_down(const caf::actor_addr& conn) { on_closed(conn, value(close_code::abnormal)); }

  void on_closed(const caf::actor_addr& conn, int code) {
    auto it = st_.by_conn.find(conn);
    if (it == st_.by_conn.end()) return;
    std::string pid = it->second;
    st_.by_conn.erase(it);
    st_.svc->stats->participants_connected.fetch_sub(1);
    auto m = st_.members.find(pid);
    if (m == st_.members.end()) return;
    m->second.conn = caf::actor();
    if (domain::is_clean_leave(code) && !st_.failed) {
      leave(pid, "left");
    } else {
      start_grace(pid);
    }
  }

  void on_grace(const std::string& pid, std::uint64_t gen) {
    auto m = st_.members.find(pid);
    if (m == st_.members.end() || m->second.conn || m->second.grace_gen != gen) return;
    if (st_.failed) return start_grace(pid);  // log it once the log works again
    leave(pid, "disconnected");
  }

  // -- appends --

  void on_snapshot_done(std::uint64_t seq, std::uint64_t previous, bool ok) {
    if (ok) {
      st_.svc->stats->snapshots_written.fetch_add(1, std::memory_order_relaxed);
      st_.snapshot_durable_seq = std::max(st_.snapshot_durable_seq, seq);
    } else {
      if (st_.snapshot_seq == seq) st_.snapshot_seq = previous;  // try again after the next append
      // Stopping: do not retry forever (an expired session refuses snapshots); the log has
      // every event, a snapshot only makes the next activation faster.
      if (st_.stopping) st_.snapshot_given_up = true;
    }
    if (st_.stopping && st_.pending.empty()) on_drained();
  }

  void on_append_done(std::uint64_t ticket, int code, const std::string& message) {
    auto it = std::find_if(st_.pending.begin(), st_.pending.end(),
                           [&](const pending_append& p) { return p.ticket == ticket; });
    if (it == st_.pending.end()) return;  // cannot happen: every ticket is answered once
    it->done = true;
    it->code = code;
    it->message = message;
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - it->submitted)
                      .count();
    if (code == 0 && it->events > 0)
      st_.svc->stats->append_latency.record(static_cast<std::uint64_t>(micros));
    publish_done();
  }

  /// A read of the log for a pull is done: its reply (or error) takes its place in the order.
  void on_log_read(std::uint64_t ticket, const std::string& frame_text) {
    auto it = std::find_if(st_.pending.begin(), st_.pending.end(),
                           [&](const pending_append& p) { return p.ticket == ticket; });
    if (it == st_.pending.end() || it->out.empty()) return;
    it->out.front().msg = caf::make_message(ws_out_atom::value, frame_text);
    it->done = true;
    publish_done();
  }

  /// Publishes what is done at the front of `pending`, in submission order.
  void publish_done() {
    auto& stats = *st_.svc->stats;
    while (!st_.pending.empty() && st_.pending.front().done) {
      pending_append done = std::move(st_.pending.front());
      st_.pending.pop_front();
      if (done.code == 0 && !st_.failed) {
        stats.events_appended.fetch_add(done.events, std::memory_order_relaxed);
        for (auto& o : done.out) send(o);
      } else {
        if (!st_.failed) {
          stats.append_failures.fetch_add(1);
          // Nothing of this append or the ones behind it was published; tell the clients why.
          json err = {{"type", "error"},
                      {"code", to_string(error_code::busy)},
                      {"message", "the event log refused the write (" + done.message +
                                      "); reconnect to resume"}};
          for (const auto& [addr, pid] : st_.by_conn)
            self_->send(st_.members[pid].conn, ws_out_atom::value, dump(err));
        }
        st_.failed = true;
      }
    }
    if (st_.pending.empty()) on_drained();
  }

  /// Everything appended is durable and published: recover, snapshot or stop.
  void on_drained() {
    if (st_.failed) {
      if (!st_.loading) recover();  // else on_loaded comes back here
      return;
    }
    // Nobody connected or resumable: no client can pull from the history any more (a joiner
    // gets the document itself).
    if (st_.members.empty()) clear_history();
    if (!st_.stopping || !st_.stop_promise) return;
    // Stopping: the room answers once its last snapshot is written, so the next activation
    // (and shutdown) finds it; meanwhile the room keeps answering (on_snapshot_done comes back
    // here). Periodic snapshots are queued by submit() without waiting.
    if (st_.snapshot_durable_seq < st_.state.seq && !st_.snapshot_given_up) {
      if (st_.snapshot_seq < st_.state.seq) write_snapshot();
      return;
    }
    st_.stop_promise->deliver(true);
    st_.stop_promise.reset();
    quit();
  }

  /// After a failed append the in-memory state is ahead of the log: reload it from the log
  /// and make every client resume, so what they see is exactly what was logged.
  void recover() {
    for (const auto& [addr, pid] : st_.by_conn) {
      self_->send(st_.members[pid].conn, ws_close_atom::value,
                  int{value(close_code::internal_error)}, std::string("event log error; resume"));
      st_.svc->stats->participants_connected.fetch_sub(1);
    }
    st_.by_conn.clear();
    auto tokens = std::move(st_.members);
    st_.members.clear();
    st_.state = room_state{};
    clear_history();
    st_.snapshot_seq = 0;
    st_.snapshot_durable_seq = 0;
    st_.load_error.clear();
    st_.svc->stats->rooms_live.fetch_sub(1);
    load();  // on_loaded clears `failed`; until then frames are answered busy
    for (auto& [pid, m] : tokens) st_.loading->resume_tokens[pid] = m.resume_token;
  }

  /// The snapshot at passivation: queued like the periodic ones; on_snapshot_done answers the
  /// stop once it is written.
  void write_snapshot() { snapshot_async(); }

  // -- registry requests --

  /// Passivation (`log_leaves`) or shutdown: drain, snapshot, quit; false while people are here.
  caf::response_promise on_stop(bool log_leaves) {
    auto rp = self_->make_response_promise();
    if (!st_.by_conn.empty() && log_leaves) {
      rp.deliver(false);
      return rp;
    }
    st_.stopping = true;
    if (log_leaves) {
      // Resumable participants will not come back to a passivated room: log their leave.
      std::vector<std::string> leaving;
      for (const auto& [pid, m] : st_.members) leaving.push_back(pid);
      for (const auto& pid : leaving) leave(pid, "disconnected");
    }
    st_.stop_promise = rp;
    if (st_.pending.empty()) on_drained();
    return rp;
  }

  std::string on_expire(const std::string& by) {
    for (const auto& [addr, pid] : st_.by_conn) {
      self_->send(st_.members[pid].conn, ws_close_atom::value, int{value(close_code::expired)},
                  std::string("session expired by " + by));
      st_.svc->stats->participants_connected.fetch_sub(1);
    }
    st_.by_conn.clear();
    st_.members.clear();
    quit();
    return "ok";
  }

  std::string live_participants() const {
    json list = json::array();
    for (const auto& [pid, m] : st_.members) {
      json p = participant_view(pid);
      list.push_back(p);
    }
    return dump(list);
  }

  void quit() {
    st_.svc->stats->rooms_live.fetch_sub(1);
    self_->quit();
  }

 private:
  // -- logging --

  /// Applies a new event to the state and adds it to `txn`; the error text if it does not apply.
  std::optional<std::string> record(std::vector<event>& txn, event_type type,
                                    const std::string& pid, json payload) {
    event e;
    e.seq = st_.state.seq + 1;
    e.ts = now(st_);
    e.type = type;
    e.participant_id = pid;
    e.payload = std::move(payload);
    if (auto err = apply(st_.state, e)) return err->message;
    remember(e);
    txn.push_back(std::move(e));
    return std::nullopt;
  }

  /// record() of a typed payload (events.hpp): the event type follows from the struct.
  template <class Payload>
  std::optional<std::string> record(std::vector<event>& txn, const std::string& pid,
                                    const Payload& payload) {
    return record(txn, events::type_of(payload), pid, events::to_json(payload));
  }

  /// Keeps code updates for pull, resume and cursor mapping, packed, within the history's
  /// count and byte limits (older ones are read from the log).
  void remember(const event& e) {
    if (e.type != event_type::code_changed) return;
    auto changes = e.payload.find("changes");
    if (changes == e.payload.end() || !changes->is_array()) return;
    const std::string client_id = e.payload.value("clientID", "");
    auto& authors = st_.authors;
    std::size_t author = authors.size();
    for (std::size_t i = authors.size(); i-- > 0;) {
      if (authors[i].client_id == client_id && authors[i].pid == e.participant_id) {
        author = i;
        break;
      }
    }
    if (author == authors.size()) authors.push_back({client_id, e.participant_id});
    history_entry h;
    h.version = e.payload.value("version", std::uint64_t{0});
    h.author = static_cast<std::uint32_t>(author);
    h.changes = detail::packed_changes(*changes);
    st_.history_bytes += entry_bytes(h);
    st_.history.push_back(std::move(h));
    const auto& cfg = st_.svc->config;
    while (!st_.history.empty() &&
           (st_.history.size() > cfg.history_window || st_.history_bytes > cfg.history_max_bytes)) {
      st_.history_bytes -= entry_bytes(st_.history.front());
      st_.history.pop_front();
    }
    if (authors.size() > 64) compact_authors();
  }

  static std::size_t entry_bytes(const history_entry& h) {
    return sizeof(history_entry) + h.changes.heap_bytes();
  }

  void clear_history() {
    st_.history.clear();
    st_.history.shrink_to_fit();
    st_.authors.clear();
    st_.history_bytes = 0;
  }

  /// Drops authors no entry refers to any more (a long room sees many client sessions).
  void compact_authors() {
    std::vector<history_author> kept;
    std::map<std::uint32_t, std::uint32_t> renumbered;
    for (auto& h : st_.history) {
      auto [it, fresh] = renumbered.try_emplace(h.author, static_cast<std::uint32_t>(kept.size()));
      if (fresh) kept.push_back(st_.authors[h.author]);
      h.author = it->second;
    }
    st_.authors = std::move(kept);
  }

  /// An update as code_changed carries it.
  json update_json(const history_entry& h) const {
    const auto& a = st_.authors[h.author];
    return {{"clientID", a.client_id}, {"changes", h.changes.to_json()}, {"participantId", a.pid}};
  }

  /// A validated change failed to apply: a bug, not a client error. Reload from the log.
  void rollback_unexpected(const std::string& why) {
    ROOMS_LOG(error, "session " << st_.meta.id.str()
                                << ": state diverged from the log, reloading: " << why);
    st_.failed = true;
    if (st_.pending.empty()) recover();
  }

  /// Sends `txn` to the log; what is emitted next waits for it to be durable.
  void submit(std::vector<event> txn) {
    pending_append p;
    p.ticket = st_.next_ticket++;
    p.submitted = std::chrono::steady_clock::now();
    p.events = txn.size();
    st_.pending.push_back(std::move(p));
    caf::actor me = caf::actor_cast<caf::actor>(self_);
    auto ticket = st_.pending.back().ticket;
    st_.svc->store->append_async(st_.meta.id, std::move(txn), [me, ticket](eventlog::status s) {
      caf::anon_send(me, append_done_atom::value, ticket, static_cast<int>(s.code()), s.message());
    });
    if (st_.state.seq >= st_.snapshot_seq + st_.svc->config.snapshot_every) snapshot_async();
  }

  /// Queues a snapshot of the state as of the append just submitted, without waiting: the
  /// store writes it in FIFO order after that append (in the same group commit when it can) and
  /// refuses it if that append failed, so a snapshot never gets ahead of the log. The room keeps
  /// working meanwhile; only encoding (tens of microseconds) runs here.
  void snapshot_async() {
    auto seq = st_.state.seq;
    auto previous = st_.snapshot_seq;
    st_.snapshot_seq = seq;  // the next one is due snapshot_every events from here
    caf::actor me = caf::actor_cast<caf::actor>(self_);
    st_.svc->store->put_snapshot_async(
        st_.meta.id, seq, encode_snapshot(st_.state), [me, seq, previous](eventlog::status s) {
          caf::anon_send(me, snapshot_done_atom::value, seq, previous, s.ok());
        });
  }

  /// Sends now, or after the appends in flight so clients see events in seq order.
  void emit(std::vector<caf::actor> to, caf::message msg) {
    outbound o{std::move(to), std::move(msg)};
    if (st_.pending.empty())
      send(o);
    else
      st_.pending.back().out.push_back(std::move(o));
  }

  void send(const outbound& o) {
    for (const auto& conn : o.to) {
      if (!conn) continue;
      self_->send(conn, o.msg);
      st_.svc->stats->messages_out.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void reply(const caf::actor& conn, const json& j) { emit({conn}, frame(j)); }

  void error_to(const caf::actor& conn, error_code code, const std::string& message,
                const json& ref) {
    st_.svc->stats->errors_sent.fetch_add(1, std::memory_order_relaxed);
    reply(conn,
          with_ref({{"type", "error"}, {"code", to_string(code)}, {"message", message}}, ref));
  }

  void leave(const std::string& pid, const std::string& reason) {
    std::vector<event> txn;
    if (record(txn, pid, events::participant_left{reason})) return;
    submit(std::move(txn));
    st_.members.erase(pid);
    emit(others(pid),
         frame({{"type", "participant_left"}, {"participantId", pid}, {"reason", reason}}));
  }

  void start_grace(const std::string& pid) {
    auto& m = st_.members[pid];
    ++m.grace_gen;
    self_->delayed_send(self_, st_.svc->config.resume_grace, grace_atom::value, pid, m.grace_gen);
  }

  // -- audiences --

  std::vector<caf::actor> connected() const {
    std::vector<caf::actor> out;
    for (const auto& [pid, m] : st_.members)
      if (m.conn) out.push_back(m.conn);
    return out;
  }

  std::vector<caf::actor> others(const std::string& except) const {
    std::vector<caf::actor> out;
    for (const auto& [pid, m] : st_.members)
      if (m.conn && pid != except) out.push_back(m.conn);
    return out;
  }

  /// Connected interviewers, other than `except`. Candidates never get interviewer-only data.
  std::vector<caf::actor> interviewers(const std::string& except) const {
    std::vector<caf::actor> out;
    for (const auto& [pid, m] : st_.members)
      if (m.conn && m.interviewer && pid != except) out.push_back(m.conn);
    return out;
  }

  // -- views --

  json participant_view(const std::string& pid) const {
    json p;
    auto it = st_.state.participants.find(pid);
    if (it != st_.state.participants.end()) p = to_json(it->second);
    auto m = st_.members.find(pid);
    p["online"] = m != st_.members.end() && static_cast<bool>(m->second.conn);
    auto c = st_.state.cursors.find(pid);
    if (c != st_.state.cursors.end())
      p["cursor"] = {
          {"version", c->second.version}, {"anchor", c->second.anchor}, {"head", c->second.head}};
    return p;
  }

  json session_state(const member& m) const {
    json participants = json::array();
    for (const auto& [pid, other] : st_.members) {
      json p = participant_view(pid);
      if (m.interviewer) {
        auto it = st_.state.participants.find(pid);
        if (it != st_.state.participants.end()) p["focused"] = it->second.focused;
      }
      participants.push_back(std::move(p));
    }
    auto self_view = st_.state.participants.find(m.pid);
    json out = {
        {"type", "session_state"},
        {"sessionId", st_.meta.id.str()},
        {"participantId", m.pid},
        {"resumeToken", m.resume_token},
        {"role", self_view != st_.state.participants.end() ? self_view->second.role : "candidate"},
        {"version", st_.state.version},
        {"doc", utf16_to_utf8(st_.state.doc)},
        {"language", st_.state.language},
        {"title", st_.state.title},
        {"participants", std::move(participants)}};
    if (!st_.state.last_run.is_null()) out["lastRun"] = st_.state.last_run;
    if (!st_.state.running.is_null()) out["running"] = st_.state.running;
    return out;
  }

  /// code_changed {from, updates} with every update after `from`, from memory or, further
  /// back, from the log without waiting: the reply keeps its place among what is sent after it.
  void send_updates_since(const caf::actor& conn, std::uint64_t from, const json& ref) {
    json updates = json::array();
    bool in_memory = !st_.history.empty() && st_.history.front().version <= from + 1;
    if (in_memory || from >= st_.state.version) {
      if (in_memory)
        for (const auto& h : st_.history)
          if (h.version > from) updates.push_back(update_json(h));
      return reply(
          conn,
          with_ref({{"type", "code_changed"}, {"from", from}, {"updates", std::move(updates)}},
                   ref));
    }
    pending_append p;
    p.ticket = st_.next_ticket++;
    p.submitted = std::chrono::steady_clock::now();
    p.out.push_back({{conn}, caf::message()});
    st_.pending.push_back(std::move(p));
    // The store runs the scan after the appends queued so far: it sees every event up to the
    // current seq; later ones are sent after the reply.
    const auto upto = st_.state.version, last_seq = st_.state.seq,
               ticket = st_.pending.back().ticket;
    auto found = std::make_shared<json>(json::array());
    caf::actor me = caf::actor_cast<caf::actor>(self_);
    auto* stats = st_.svc->stats;
    st_.svc->store->scan_async(
        st_.meta.id, 1,
        [found, from, upto, last_seq](const event& e) {
          if (e.seq > last_seq) return false;
          auto v =
              e.type == event_type::code_changed ? e.payload.value("version", std::uint64_t{0}) : 0;
          if (v > from && v <= upto)
            found->push_back({{"clientID", e.payload.value("clientID", "")},
                              {"changes", e.payload["changes"]},
                              {"participantId", e.participant_id}});
          return true;
        },
        [found, from, ref, me, ticket, stats](eventlog::status s) {
          json out;
          if (s.ok()) {
            out = with_ref(
                {{"type", "code_changed"}, {"from", from}, {"updates", std::move(*found)}}, ref);
          } else {
            stats->errors_sent.fetch_add(1, std::memory_order_relaxed);
            out = with_ref({{"type", "error"},
                            {"code", to_string(error_code::busy)},
                            {"message", "cannot read the log: " + s.to_string()}},
                           ref);
          }
          caf::anon_send(me, log_read_atom::value, ticket, dump(out));
        });
  }

  room_actor* self_;
  room_data& st_;
};

}  // namespace

bool is_known_language(const services& svc, const std::string& language) {
  return language == "plaintext" || (svc.runs && svc.runs->supports(language));
}

static caf::behavior room_behavior(caf::stateful_actor<room_data>* self,
                                   std::shared_ptr<const services> svc,
                                   eventlog::session_meta meta) {
  self->state.svc = std::move(svc);
  self->state.meta = std::move(meta);
  room(self).load();
  self->set_down_handler([=](caf::down_msg& down) { room(self).on_conn_down(down.source); });
  caf::behavior running{
      [=](ws_in_atom, const caf::actor& conn, const std::string& text) {
        try {
          room(self).on_frame(conn, text);
        } catch (const std::exception& e) {
          // A validation bug must cost one message, never the room (events are applied
          // atomically, so the state is intact).
          ROOMS_LOG(error,
                    "session " << self->state.meta.id.str() << ": message failed: " << e.what());
          self->send(conn, ws_out_atom::value,
                     dump({{"type", "error"},
                           {"code", to_string(error_code::invalid_changes)},
                           {"message", "the message could not be processed"}}));
        }
      },
      [=](ws_closed_atom, const caf::actor& conn, int code) {
        room(self).on_closed(conn.address(), code);
      },
      [=](snapshot_done_atom, std::uint64_t seq, std::uint64_t previous, bool ok) {
        room(self).on_snapshot_done(seq, previous, ok);
      },
      [=](append_done_atom, std::uint64_t ticket, int code, const std::string& message) {
        room(self).on_append_done(ticket, code, message);
      },
      [=](log_read_atom, std::uint64_t ticket, const std::string& frame_text) {
        room(self).on_log_read(ticket, frame_text);
      },
      [=](run_done_atom, const std::string& run_id, const std::string& result) {
        room(self).on_run_done(run_id, result);
      },
      [=](run_output_atom, const std::string& run_id, const std::string& stream,
          const std::string& data) { room(self).on_run_output(run_id, stream, data); },
      [=](grace_atom, const std::string& pid, std::uint64_t gen) { room(self).on_grace(pid, gen); },
      [=](detail::stop_atom) { return room(self).on_stop(true); },
      [=](detail::halt_atom) { return room(self).on_stop(false); },
      [=](expire_atom, const std::string& by) { return room(self).on_expire(by); },
      [=](live_atom) { return room(self).live_participants(); },
      [=](loaded_atom) { room(self).on_loaded(); },  // a reload after a failed append
  };
  // Loading: every other message waits in the mailbox until the log is read.
  self->set_default_handler(caf::skip);
  return {
      [=](loaded_atom) {
        room(self).on_loaded();
        self->set_default_handler(caf::print_and_drop);
        self->become(running);
      },
  };
}

caf::actor detail::spawn_room(caf::actor_system& system, std::shared_ptr<const services> svc,
                              eventlog::session_meta meta) {
  return system.spawn(room_behavior, std::move(svc), std::move(meta));
}

}  // namespace rooms::actors
