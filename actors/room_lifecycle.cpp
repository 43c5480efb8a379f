#include "actors/detail/ids.hpp"
#include "actors/detail/room_impl.hpp"
#include "base/log.hpp"

namespace rooms::actors::detail {

/// Reads the newest snapshot and the events after it on the store's reader thread, without
/// waiting; on_loaded folds them. Meanwhile the room holds other messages back (its loading
/// behaviour) or, recovering, answers busy.
void room::load() {
  auto into = std::make_shared<loaded_log>();
  st_.loading = into;
  caf::actor me = caf::actor_cast<caf::actor>(self_);
  auto* store = st_.svc->store;
  auto id = st_.meta.id;
  store->read_async([me, store, id, into](eventlog::status s) {
    if (s.ok()) {
      auto snap = store->snapshot_at_or_below(id, UINT64_MAX);
      if (snap.ok() && snap->has_value()) into->state = domain::decode_snapshot((*snap)->bytes);
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
void room::on_loaded() {
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
  finish_interrupted_run();
  if (st_.stopping && st_.pending.empty()) on_drained();
}

void room::on_closed(const caf::actor_addr& conn, int code) {
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

void room::on_grace(const std::string& pid, std::uint64_t gen) {
  auto m = st_.members.find(pid);
  if (m == st_.members.end() || m->second.conn || m->second.grace_gen != gen) return;
  if (st_.failed) return start_grace(pid);  // log it once the log works again
  leave(pid, "disconnected");
}

/// Passivation (`log_leaves`) or shutdown: drain, snapshot, quit; false while people are here.
/// A run in the log that this actor did not start was cut off by a restart or a passivation
/// (its result went to an actor that is gone): logged as ended, or the room would stay busy.
void room::finish_interrupted_run() {
  if (!st_.load_error.empty() || !st_.state.running.is_object()) return;
  std::string run_id = st_.state.running.value("runId", "");
  if (!st_.run_in_flight.empty() && run_id == st_.run_in_flight) return;  // still ours
  events::run_finished interrupted;
  interrupted.run_id = run_id;
  interrupted.exit_code = -1;
  interrupted.error = "the run was interrupted: the room was stopped while it ran";
  if (st_.state.running.value("interactive", false)) interrupted.interactive = true;
  std::vector<event> txn;
  if (record(txn, st_.state.running.value("participantId", ""), interrupted)) return;
  submit(std::move(txn));
}

caf::response_promise room::on_stop(bool log_leaves) {
  auto rp = self_->make_response_promise();
  if (!st_.by_conn.empty() && log_leaves) {
    rp.deliver(false);
    return rp;
  }
  // A terminal waits for people: with nobody left (or the server stopping), end it so its
  // run slot is free; its result finds this actor gone (the next load logs it as cut off).
  if (st_.terminal) st_.terminal->stop();
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

std::string room::on_expire(const std::string& by) {
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

void room::on_moved() {
  for (const auto& [addr, pid] : st_.by_conn) {
    self_->send(st_.members[pid].conn, ws_close_atom::value, int{value(close_code::unavailable)},
                std::string("the session moved to another node; resume"));
    st_.svc->stats->participants_connected.fetch_sub(1);
  }
  st_.by_conn.clear();
  st_.members.clear();
  quit();  // what is still being appended ends in the log or not at all; clients resume from it
}

void room::quit() {
  st_.svc->stats->rooms_live.fetch_sub(1);
  self_->quit();
}

void room::leave(const std::string& pid, const std::string& reason) {
  std::vector<event> txn;
  json call_ended = end_call(txn, pid);
  if (record(txn, pid, events::participant_left{reason})) return;
  submit(std::move(txn));
  st_.members.erase(pid);
  trim_history();  // it may have been the one that was behind
  if (!call_ended.is_null()) emit(others(pid), frame(call_ended));
  emit(others(pid),
       frame({{"type", "participant_left"}, {"participantId", pid}, {"reason", reason}}));
}

void room::start_grace(const std::string& pid) {
  auto& m = st_.members[pid];
  ++m.grace_gen;
  self_->delayed_send(self_, st_.svc->config.resume_grace, grace_atom::value, pid, m.grace_gen);
}

}  // namespace rooms::actors::detail

namespace rooms::actors {

bool is_known_language(const services& svc, const std::string& language) {
  return language == "plaintext" || (svc.runs && svc.runs->supports(language));
}

}  // namespace rooms::actors

namespace rooms::actors::detail {

namespace {

caf::behavior room_behavior(caf::stateful_actor<room_data>* self,
                            std::shared_ptr<const services> svc, eventlog::session_meta meta) {
  self->state.svc = std::move(svc);
  self->state.meta = std::move(meta);
  room(self).load();
  self->set_down_handler([=](caf::down_msg& down) { room(self).on_conn_down(down.source); });
  auto on_frame = [self](const caf::actor& conn, const std::string& text,
                         const std::string& account) {
    try {
      room(self).on_frame(conn, text, account);
    } catch (const std::exception& e) {
      // A validation bug must cost one message, never the room (events are applied
      // atomically, so the state is intact).
      ROOMS_LOG(error, "session " << self->state.meta.id.str() << ": message failed: " << e.what());
      self->send(conn, ws_out_atom::value,
                 dump({{"type", "error"},
                       {"code", to_string(error_code::invalid_changes)},
                       {"message", "the message could not be processed"}}));
    }
  };
  caf::behavior running{
      [=](ws_in_atom, const caf::actor& conn, const std::string& text) {
        on_frame(conn, text, std::string());
      },
      [=](ws_in_atom, const caf::actor& conn, const std::string& text, const std::string& account) {
        on_frame(conn, text, account);
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
      [=](run_done_atom, const events::run_finished& result) { room(self).on_run_done(result); },
      [=](run_output_atom, const std::string& run_id, const std::string& stream,
          const std::string& data) { room(self).on_run_output(run_id, stream, data); },
      [=](terminal_output_atom, const std::string& run_id, const std::string& data) {
        room(self).on_terminal_output(run_id, data);
      },
      [=](terminal_flush_atom) { room(self).flush_terminal(); },
      [=](grace_atom, const std::string& pid, std::uint64_t gen) { room(self).on_grace(pid, gen); },
      [=](question_read_atom, const std::shared_ptr<const question_read>& read) {
        room(self).on_question_read(*read);
      },
      [=](test_result_atom, const std::string& run_id, std::uint64_t index,
          const events::test_result& result) { room(self).on_test_result(run_id, index, result); },
      [=](tests_done_atom, const std::string& run_id, const events::tests_finished& finished) {
        room(self).on_tests_done(run_id, finished);
      },
      [=](stop_atom) { return room(self).on_stop(true); },
      [=](halt_atom) { return room(self).on_stop(false); },
      [=](expire_atom, const std::string& by) { return room(self).on_expire(by); },
      [=](live_atom) { return room(self).live_participants(); },
      [=](moved_atom, const std::string&) { room(self).on_moved(); },
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

}  // namespace

caf::actor spawn_room(caf::actor_system& system, std::shared_ptr<const services> svc,
                      eventlog::session_meta meta) {
  return system.spawn(room_behavior, std::move(svc), std::move(meta));
}

}  // namespace rooms::actors::detail
