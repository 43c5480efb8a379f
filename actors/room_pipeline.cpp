#include "actors/detail/room_impl.hpp"
#include "actors/domain/summary.hpp"
#include "base/log.hpp"

namespace rooms::actors::detail {

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

void room::on_snapshot_done(std::uint64_t seq, std::uint64_t previous, bool ok) {
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

void room::on_append_done(std::uint64_t ticket, int code, const std::string& message) {
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
void room::on_log_read(std::uint64_t ticket, const std::string& frame_text) {
  auto it = std::find_if(st_.pending.begin(), st_.pending.end(),
                         [&](const pending_append& p) { return p.ticket == ticket; });
  if (it == st_.pending.end() || it->out.empty()) return;
  it->out.front().msg = caf::make_message(ws_out_atom::value, frame_text);
  it->done = true;
  publish_done();
}

/// Publishes what is done at the front of `pending`, in submission order.
void room::publish_done() {
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
void room::on_drained() {
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
    if (st_.snapshot_seq < st_.state.seq) snapshot_async();
    return;
  }
  st_.stop_promise->deliver(true);
  st_.stop_promise.reset();
  quit();
}

/// After a failed append the in-memory state is ahead of the log: reload it from the log
/// and make every client resume, so what they see is exactly what was logged.
void room::recover() {
  if (st_.svc->log().shared()) {
    // The replicated log refused or lost contact: another node may own the session now. The
    // clients resume through the registry, which takes the lease again (or finds the owner).
    on_moved();
    return;
  }
  for (const auto& [addr, pid] : st_.by_conn) {
    self_->send(st_.members[pid].conn, ws_close_atom::value, int{value(close_code::internal_error)},
                std::string("event log error; resume"));
    st_.svc->stats->participants_connected.fetch_sub(1);
  }
  st_.by_conn.clear();
  auto tokens = std::move(st_.members);
  st_.members.clear();
  st_.state = domain::room_state{};
  clear_history();
  st_.snapshot_seq = 0;
  st_.snapshot_durable_seq = 0;
  // The summary may be ahead of the log too: an unknown phase makes the next append rewrite it.
  st_.meta.summary.phase.clear();
  st_.load_error.clear();
  st_.svc->stats->rooms_live.fetch_sub(1);
  load();  // on_loaded clears `failed`; until then frames are answered busy
  for (auto& [pid, m] : tokens) st_.loading->resume_tokens[pid] = m.resume_token;
}

/// Applies a new event to the state and adds it to `txn`; the error text if it does not apply.
std::optional<std::string> room::record(std::vector<event>& txn, event_type type,
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

/// A validated change failed to apply: a bug, not a client error. Reload from the log.
void room::rollback_unexpected(const std::string& why) {
  ROOMS_LOG(error,
            "session " << st_.meta.id.str() << ": state diverged from the log, reloading: " << why);
  st_.failed = true;
  if (st_.pending.empty()) recover();
}

/// Sends `txn` to the log; what is emitted next waits for it to be durable.
void room::submit(std::vector<event> txn) {
  pending_append p;
  p.ticket = st_.next_ticket++;
  p.submitted = std::chrono::steady_clock::now();
  p.events = txn.size();
  st_.pending.push_back(std::move(p));
  caf::actor me = caf::actor_cast<caf::actor>(self_);
  auto ticket = st_.pending.back().ticket;
  // The listing's row changes with the log, in the same write (only when it changed: most
  // appends are keystrokes, which leave it as it was).
  std::optional<eventlog::session_summary> summary;
  if (auto now_summary = domain::summarize(st_.meta.summary, st_.state);
      now_summary != st_.meta.summary) {
    st_.meta.summary = now_summary;
    summary = std::move(now_summary);
  }
  auto done = [me, ticket](eventlog::status s) {
    caf::anon_send(me, append_done_atom::value, ticket, static_cast<int>(s.code()), s.message());
  };
  st_.svc->log().append_async(st_.meta.id, std::move(txn), std::move(summary), std::move(done));
  if (st_.state.seq >= st_.snapshot_seq + st_.svc->config.snapshot_every) snapshot_async();
}

/// Queues a snapshot of the state as of the append just submitted, without waiting: the
/// store writes it in FIFO order after that append (in the same group commit when it can) and
/// refuses it if that append failed, so a snapshot never gets ahead of the log. The room keeps
/// working meanwhile; only encoding (tens of microseconds) runs here.
void room::snapshot_async() {
  auto seq = st_.state.seq;
  auto previous = st_.snapshot_seq;
  st_.snapshot_seq = seq;  // the next one is due snapshot_every events from here
  caf::actor me = caf::actor_cast<caf::actor>(self_);
  st_.svc->store->put_snapshot_async(st_.meta.id, seq, domain::encode_snapshot(st_.state),
                                     [me, seq, previous](eventlog::status s) {
                                       caf::anon_send(me, snapshot_done_atom::value, seq, previous,
                                                      s.ok());
                                     });
}

/// Sends now, or after the appends in flight so clients see events in seq order.
void room::emit(std::vector<caf::actor> to, caf::message msg) {
  outbound o{std::move(to), std::move(msg)};
  if (st_.pending.empty())
    send(o);
  else
    st_.pending.back().out.push_back(std::move(o));
}

void room::send(const outbound& o) {
  for (const auto& conn : o.to) {
    if (!conn) continue;
    self_->send(conn, o.msg);
    st_.svc->stats->messages_out.fetch_add(1, std::memory_order_relaxed);
  }
}

void room::error_to(const caf::actor& conn, error_code code, const std::string& message,
                    const json& ref) {
  st_.svc->stats->errors_sent.fetch_add(1, std::memory_order_relaxed);
  reply(conn, with_ref({{"type", "error"}, {"code", to_string(code)}, {"message", message}}, ref));
}

}  // namespace rooms::actors::detail
