#include "ha/replica.hpp"

#include <future>

#include "base/log.hpp"
#include "ha/detail/impl.hpp"
#include "ha/wire.hpp"

namespace rooms::ha {

using eventlog::errc;

namespace {

void work(worker& w) {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(w.mutex);
      w.wake.wait(lock, [&] { return w.stopping || !w.jobs.empty(); });
      if (w.jobs.empty()) return;  // stopping, and everything queued is done
      job = std::move(w.jobs.front());
      w.jobs.pop_front();
    }
    job();
  }
}

/// A message of the stream no larger than this is read in one go when catching up.
constexpr std::size_t catch_up_batch = 100000;

/// How long a write waits for JetStream to answer again (a NATS server lost: its clients
/// reconnect, a stream whose leader it was elects another, 4-9 s in nats-server 2.9).
constexpr auto settle_time = std::chrono::seconds(20);

/// An append whose outcome is unknown (no answer): waits until the stream answers, then finds
/// out whether it was stored (the message after `expected` is ours) or writes it again.
eventlog::result<std::uint64_t> settle(replication::client& nats, const std::string& sid,
                                       const std::string& payload, std::uint64_t expected) {
  auto deadline = steady::now() + settle_time;
  eventlog::status last_error{errc::io_error, "no answer"};
  while (steady::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto last = nats.last_seq(sid);
    if (!last.ok()) {
      last_error = last.error();
      continue;
    }
    if (*last == expected) {
      auto again = nats.append(sid, payload, expected);
      if (again.ok() || again.error().code() != errc::io_error) return again;
      last_error = again.error();
      continue;
    }
    auto next = nats.read(sid, expected, 1);
    if (!next.ok()) {
      last_error = next.error();
      continue;
    }
    if (!next->empty() && next->front().payload == payload) return next->front().stream_seq;
    return status{errc::wrong_seq, "session " + sid + ": another writer appended first"};
  }
  return last_error;
}

/// A read of the session's messages after `after`, tried again while the stream does not
/// answer (a read makes a consumer, which waits for the JetStream meta leader: after a NATS
/// server died, for seconds after appends work again), up to settle_time.
eventlog::result<std::vector<replication::stored_message>> read_settled(replication::client& nats,
                                                                        const std::string& sid,
                                                                        std::uint64_t after) {
  auto deadline = steady::now() + settle_time;
  for (;;) {
    auto messages = nats.read(sid, after, catch_up_batch);
    if (messages.ok() || messages.error().code() != errc::io_error || steady::now() > deadline)
      return messages;
    ROOMS_LOG(debug, "ha: reading session " << sid << ": " << messages.error().to_string());
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace

replication::options node_replica::impl::nats_options(const std::string& bucket) const {
  replication::options o;
  o.urls = opts.urls;
  o.stream = opts.stream;
  o.replicas = opts.replicas;
  o.lease_bucket = bucket;
  o.lease_ttl = opts.lease_ttl;
  return o;
}

worker& node_replica::impl::worker_of(const std::string& sid) {
  return *workers[std::hash<std::string>{}(sid) % workers.size()];
}

void node_replica::impl::post(const std::string& sid, std::function<void()> job) {
  auto& w = worker_of(sid);
  {
    std::lock_guard lock(w.mutex);
    w.jobs.push_back(std::move(job));
  }
  w.wake.notify_one();
}

status node_replica::impl::run(const std::string& sid,
                               std::function<status(replication::client&)> job) {
  std::promise<status> done;
  auto answer = done.get_future();
  auto& w = worker_of(sid);
  post(sid, [&done, &w, job = std::move(job)] { done.set_value(job(*w.nats)); });
  return answer.get();
}

/// Replays the session's messages this node has not seen into the local store. Events the
/// store already has (it wrote them, or an earlier catch-up did) are skipped by seq.
status node_replica::impl::catch_up(replication::client& nats, const eventlog::session_id& id) {
  const std::string sid = id.str();
  std::uint64_t after = 0;
  {
    std::lock_guard lock(mutex);
    if (auto it = sessions.find(sid); it != sessions.end() && it->second.known)
      after = it->second.stream_last;
  }
  auto local = store->last_seq(id);
  if (!local.ok() && local.error().code() != errc::not_found) return local.error();
  std::uint64_t local_seq = local.ok() ? *local : 0;
  bool exists = local.ok();
  std::uint64_t last = after;
  for (;;) {
    auto messages = read_settled(nats, sid, last);
    if (!messages.ok()) return messages.error();
    for (const auto& m : *messages) {
      auto msg = decode(m.payload, id);
      if (!msg.ok()) return msg.error();
      if (msg->what == wire_message::kind::create) {
        if (!exists) {
          if (auto s = store->create_session(msg->meta, msg->events.front()); !s.ok()) return s;
          exists = true;
          local_seq = 1;
        }
      } else {
        std::vector<eventlog::event> missing;
        for (auto& e : msg->events)
          if (e.seq > local_seq) missing.push_back(std::move(e));
        if (!missing.empty()) {
          if (!exists)
            return status{errc::corruption, "session " + sid + ": events before creation"};
          auto top = missing.back().seq;
          if (auto s = store->append(id, std::move(missing), msg->summary); !s.ok()) return s;
          local_seq = top;
        }
      }
      last = m.stream_seq;
    }
    if (messages->size() < catch_up_batch) break;
  }
  std::lock_guard lock(mutex);
  auto& entry = sessions[sid];
  entry.stream_last = last;
  entry.known = true;
  return {};
}

/// Appends one message to the stream after the session's last, then to the local store.
status node_replica::impl::write(replication::client& nats, const eventlog::session_id& id,
                                 const std::vector<eventlog::event>& events,
                                 const std::optional<eventlog::session_summary>& summary,
                                 bool need_lease) {
  const std::string sid = id.str();
  std::uint64_t expected = 0;
  {
    std::lock_guard lock(mutex);
    auto& entry = sessions[sid];
    if (entry.known) expected = entry.stream_last;
  }
  if (need_lease) {
    // Renewed every TTL/4: older than 3/4 of it, another node may be about to take over. A
    // renewal late because NATS fails over is waited for; a lease lost is final.
    auto deadline = steady::now() + settle_time;
    for (;;) {
      {
        std::lock_guard lock(mutex);
        auto& entry = sessions[sid];
        if (!entry.lease) return status{errc::locked, "this node no longer holds session " + sid};
        if (steady::now() - entry.renewed_at <= opts.lease_ttl * 3 / 4) break;
      }
      if (steady::now() > deadline) {
        ROOMS_LOG(warn, "ha: the lease of session " << sid << " was not renewed in time");
        return status{errc::locked, "the lease of session " + sid + " could not be renewed"};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  if (!need_lease) {
    // Creation's first events: the stream may hold the session from a create on this worker.
    std::lock_guard lock(mutex);
    if (!sessions[sid].known) return status{errc::not_found, "session " + sid + " not caught up"};
  }
  auto payload = encode_append(events, summary);
  auto seq = nats.append(sid, payload, expected);
  if (!seq.ok() && seq.error().code() == errc::io_error) seq = settle(nats, sid, payload, expected);
  if (!seq.ok()) {
    // Unknown outcome (io_error) or refused: the room reloads; next time we read first.
    std::lock_guard lock(mutex);
    sessions[sid].known = false;
    return seq.error();
  }
  {
    std::lock_guard lock(mutex);
    sessions[sid].stream_last = *seq;
  }
  // Durable in the cluster: the local copy follows (a failure here is repaired by catch_up).
  auto s = store->append(id, events, summary);
  if (!s.ok()) {
    std::lock_guard lock(mutex);
    sessions[sid].known = false;
  }
  return s;
}

node_replica::node_replica(std::unique_ptr<impl> i) : impl_(std::move(i)) {}

node_replica::~node_replica() {
  {
    std::lock_guard lock(impl_->keeper_mutex);
    impl_->keeper_stopping = true;
  }
  impl_->keeper_wake.notify_all();
  if (impl_->keeper.joinable()) impl_->keeper.join();
  if (impl_->renewer.joinable()) impl_->renewer.join();
  if (impl_->beater.joinable()) impl_->beater.join();
  for (auto& w : impl_->workers) {
    {
      std::lock_guard lock(w->mutex);
      w->stopping = true;
    }
    w->wake.notify_all();
    if (w->thread.joinable()) w->thread.join();
  }
  // Leases still held go now, so no node waits for their TTL.
  std::vector<replication::lease> held;
  {
    std::lock_guard lock(impl_->mutex);
    for (auto& [sid, entry] : impl_->sessions)
      if (entry.lease) held.push_back(*std::exchange(entry.lease, std::nullopt));
  }
  for (const auto& lease : held) (void)impl_->leases->release(lease);
}

eventlog::result<std::unique_ptr<node_replica>> node_replica::start(
    options opts, eventlog::store& store, std::shared_ptr<cluster::node_set> members) {
  auto state = std::make_unique<impl>();
  state->opts = std::move(opts);
  state->store = &store;
  state->members = std::move(members);
  auto heartbeats = replication::client::connect(state->nats_options(node_bucket));
  if (!heartbeats.ok()) return heartbeats.error();
  state->heartbeats = std::move(*heartbeats);
  auto beats = replication::client::connect(state->nats_options(node_bucket));
  if (!beats.ok()) return beats.error();
  state->beats = std::move(*beats);
  auto leases = replication::client::connect(state->nats_options(lease_bucket));
  if (!leases.ok()) return leases.error();
  state->leases = std::move(*leases);
  for (int i = 0; i < std::max(1, state->opts.workers); ++i) {
    auto w = std::make_unique<worker>();
    auto c = replication::client::connect(state->nats_options(lease_bucket));
    if (!c.ok()) return c.error();
    w->nats = std::move(*c);
    state->workers.push_back(std::move(w));
  }
  state->beat();  // the first heartbeat, and the members as they are now
  state->read_members_round();
  for (auto& w : state->workers) w->thread = std::thread([w = w.get()] { work(*w); });
  auto* raw = state.get();
  state->keeper = std::thread([raw] { raw->keep(); });
  state->renewer = std::thread([raw] { raw->renew_leases(); });
  state->beater = std::thread([raw] { raw->send_beats(); });
  return std::unique_ptr<node_replica>(new node_replica(std::move(state)));
}

void node_replica::on_lost(std::function<void(const std::string&)> callback) {
  std::lock_guard lock(impl_->mutex);
  impl_->lost = std::move(callback);
}

status node_replica::create_session(const eventlog::session_meta& meta,
                                    const eventlog::event& first) {
  auto* in = impl_.get();
  return in->run(meta.id.str(), [in, &meta, &first](replication::client& nats) -> status {
    const std::string sid = meta.id.str();
    auto seq = nats.append(sid, encode_create(meta, first), 0);
    if (!seq.ok()) {
      if (seq.error().code() == errc::wrong_seq)
        return status{errc::already_exists, "session " + sid + " exists"};
      return seq.error();
    }
    {
      std::lock_guard lock(in->mutex);
      auto& entry = in->sessions[sid];
      entry.stream_last = *seq;
      entry.known = true;
    }
    return in->store->create_session(meta, first);
  });
}

status node_replica::append(const eventlog::session_id& id, std::vector<eventlog::event> events,
                            std::optional<eventlog::session_summary> summary) {
  auto* in = impl_.get();
  return in->run(id.str(), [in, &id, &events, &summary](replication::client& nats) {
    return in->write(nats, id, events, summary, false);
  });
}

void node_replica::append_async(const eventlog::session_id& id, std::vector<eventlog::event> events,
                                std::optional<eventlog::session_summary> summary, callback done) {
  auto* in = impl_.get();
  auto& w = in->worker_of(id.str());
  in->post(id.str(),
           [in, &w, id, events = std::move(events), summary = std::move(summary),
            done = std::move(done)] { done(in->write(*w.nats, id, events, summary, true)); });
}

void node_replica::acquire_async(const eventlog::session_id& id, callback done) {
  auto* in = impl_.get();
  auto& w = in->worker_of(id.str());
  in->post(id.str(), [in, &w, id, done = std::move(done), queued = steady::now()] {
    const std::string sid = id.str();
    ROOMS_LOG(
        debug,
        "ha: taking session "
            << sid << " (queued "
            << std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - queued).count()
            << " ms)");
    // Only the session's owner takes it: a peer whose members are behind ours may still send
    // its clients here; they are refused and retry (the keeper gives up what this node holds
    // but no longer owns).
    if (auto owner = cluster::owner_of(*in->members->current(), sid); owner.id != in->opts.self.id)
      return done(status{errc::already_exists, "session " + sid + " belongs to " + owner.id});
    bool held = false;
    {
      std::lock_guard lock(in->mutex);
      auto& entry = in->sessions[sid];
      held = entry.lease.has_value();
    }
    if (!held) {
      auto sent_at = steady::now();  // the TTL runs from the server's write, later than this
      auto got = w.nats->acquire(sid, in->opts.self.id);
      if (!got.ok()) return done(got.error());
      std::lock_guard lock(in->mutex);
      auto& entry = in->sessions[sid];
      entry.lease = *got;
      entry.renewed_at = sent_at;
      entry.known = false;  // another node may have written since we last looked
    }
    auto caught_up = in->catch_up(*w.nats, id);
    ROOMS_LOG(debug, "ha: session " << sid << " taken: " << caught_up.to_string());
    done(std::move(caught_up));
  });
}

void node_replica::release(const eventlog::session_id& id) {
  auto* in = impl_.get();
  auto& w = in->worker_of(id.str());
  in->post(id.str(), [in, &w, sid = id.str()] {
    std::optional<replication::lease> held;
    {
      std::lock_guard lock(in->mutex);
      auto it = in->sessions.find(sid);
      if (it == in->sessions.end()) return;
      held = std::move(it->second.lease);
      // What another node writes next is unknown here: read it before serving again.
      in->sessions.erase(it);
    }
    if (held) {
      if (auto s = w.nats->release(*held); !s.ok())
        ROOMS_LOG(warn, "ha: releasing session " << sid << ": " << s.to_string());
    }
  });
}

status node_replica::catch_up(const eventlog::session_id& id) {
  auto* in = impl_.get();
  return in->run(id.str(), [in, &id](replication::client& nats) { return in->catch_up(nats, id); });
}

std::size_t node_replica::leases_held() const {
  std::lock_guard lock(impl_->mutex);
  std::size_t n = 0;
  for (const auto& [sid, entry] : impl_->sessions) n += entry.lease ? 1 : 0;
  return n;
}

}  // namespace rooms::ha
