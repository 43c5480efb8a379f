#include <type_traits>
#include <variant>

#include "actors/detail/ids.hpp"
#include "actors/detail/room_impl.hpp"
#include "actors/domain/changeset.hpp"
#include "actors/domain/json_limits.hpp"
#include "actors/domain/permissions.hpp"

namespace rooms::actors::detail {

void room::on_frame(const caf::actor& conn, const std::string& text, const std::string& account) {
  st_.svc->stats->messages_in.fetch_add(1, std::memory_order_relaxed);
  if (st_.stopping) {
    self_->send(conn, reroute_atom::value, text);
    return;
  }
  if (domain::json_too_deep(text, max_json_depth))
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
    return error_to(conn, error_code::busy, "the session cannot be loaded: " + st_.load_error, ref);
  if (st_.failed)
    return error_to(conn, error_code::busy, "the event log is unavailable; retry shortly", ref);
  auto it = st_.by_conn.find(conn.address());
  if (auto* join = std::get_if<domain::join_session>(&parsed.value)) {
    if (it != st_.by_conn.end())
      return error_to(conn, error_code::forbidden, "already joined", ref);
    return on_join(conn, *join, ref, account);
  }
  if (!domain::is_command_type(parsed.type))
    return error_to(conn, refused->code, refused->message, ref);
  if (it == st_.by_conn.end())
    return error_to(conn, error_code::not_joined, "send join_session first", ref);
  member& who = st_.members[it->second];
  // Who may do what in this phase and under these controls: one rule for every command.
  if (auto denied = domain::allowed(
          st_.state, who.interviewer ? domain::role::interviewer : domain::role::candidate,
          domain::command_kind_of(parsed.type)))
    return error_to(who.conn, denied->code, denied->message, ref);
  std::visit(
      [&](const auto& command) {
        using type = std::decay_t<decltype(command)>;
        if constexpr (std::is_same_v<type, domain::command_error>)
          error_to(who.conn, command.code, command.message, ref);
        else if constexpr (!std::is_same_v<type, domain::join_session> &&
                           !std::is_same_v<type, domain::ping>)  // answered above
          on_command(who, command, ref);
      },
      parsed.value);
}

domain::command_limits room::command_limits() const {
  const auto& cfg = st_.svc->config;
  return {cfg.max_name_chars, cfg.max_note_bytes, cfg.max_stdin_bytes, cfg.max_updates_per_push,
          domain::command_limits{}.max_signal_bytes};
}

void room::on_join(const caf::actor& conn, const domain::join_session& join, const json& ref,
                   const std::string& account) {
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
      // It keeps its document at its version (and is sent what it missed), or takes the
      // current one from session_state.
      m.acked = join.version ? std::min(*join.version, st_.state.version) : st_.state.version;
      trim_history();
      st_.by_conn[conn.address()] = pid;
      self_->monitor(conn);  // a connection on another node may vanish without ws_closed
      st_.svc->stats->participants_connected.fetch_add(1);
      emit({conn}, caf::make_message(joined_atom::value));
      emit({conn}, frame(with_ref(session_state(m), ref)));
      if (join.version && *join.version < st_.state.version && sees_room(m))
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
    return error_to(conn, error_code::busy,
                    "the room is full (" + std::to_string(cfg.max_participants) + " participants)",
                    ref);

  member m;
  m.pid = "p_" + detail::random_hex(8);
  m.conn = conn;
  m.resume_token = detail::random_hex(16);
  m.interviewer = join.role == "interviewer";
  m.acked = st_.state.version;  // session_state gives it the document
  events::participant_joined joined;
  joined.participant = {m.pid, join.name, join.role, domain::color_for(st_.state.joins)};
  joined.resume_hash = eventlog::sha256_hex(m.resume_token);
  // Only an interviewer (the key checked above) is tied to its account; a candidate's join
  // never names one, whoever's browser it is.
  if (m.interviewer && !account.empty()) joined.account_id = account;
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

void room::on_command(member& who, const domain::code_update& update, const json& ref) {
  const auto& cfg = st_.svc->config;
  const auto version = update.version;
  if (version > st_.state.version)
    return error_to(who.conn, error_code::invalid_changes,
                    "version " + std::to_string(version) + " is ahead of the server's " +
                        std::to_string(st_.state.version),
                    ref);
  acknowledge(who, version);
  if (version < st_.state.version) {
    st_.svc->stats->updates_rejected.fetch_add(1, std::memory_order_relaxed);
    return reply(who.conn,
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
    changed.origin = u.origin;
    changed.paste_from = u.paste_from;
    if (auto err = record(txn, who.pid, changed)) {
      rollback_unexpected(*err);
      return;
    }
    out_updates.push_back(
        {{"clientID", u.client_id}, {"changes", u.changes}, {"participantId", who.pid}});
  }
  // Not version + n: until the code_changed below reaches it, the client's synced version is
  // still `version`, and its cursors and pulls come at that version.
  submit(std::move(txn));
  emit(connected(), frame({{"type", "code_changed"}, {"from", version}, {"updates", out_updates}}));
}

void room::on_command(member& who, const domain::pull& pull, const json& ref) {
  if (pull.version > st_.state.version)
    return error_to(who.conn, error_code::invalid_changes,
                    "pull needs a \"version\" no newer than the server's", ref);
  send_updates_since(who.conn, pull.version, ref);
  acknowledge(who, pull.version);
}

void room::on_command(member& who, const domain::cursor_update& cursor, const json& ref) {
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
  acknowledge(who, version);
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

void room::on_command(member& who, const domain::language_change& change, const json& ref) {
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

void room::on_command(member& who, const domain::add_note& note, const json& ref) {
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

void room::on_command(member& who, const domain::focus_change& focus, const json& ref) {
  std::vector<event> txn;
  if (auto err = record(txn, who.pid, events::focus_changed{focus.focused}))
    return error_to(who.conn, error_code::busy, *err, ref);
  submit(std::move(txn));
  emit(interviewers(who.pid), frame({{"type", "participant_focus"},
                                     {"participantId", who.pid},
                                     {"focused", focus.focused}}));
}

}  // namespace rooms::actors::detail
