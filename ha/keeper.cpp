/// The keeper's three threads: this node's heartbeat (send_beats), the live members (keep),
/// and the renewal of every lease held (renew_leases). Apart because a read of the members
/// makes a consumer, which waits for the JetStream meta leader (5 s timeouts, for a while
/// after a NATS server died): it must hold back neither heartbeats nor renewals past the TTL.

#include <algorithm>

#include "base/log.hpp"
#include "ha/detail/impl.hpp"

namespace rooms::ha {

namespace {

std::string line_of(const cluster::node& n) {
  return n.id + " " + n.caf_host + ":" + std::to_string(n.caf_port) + " " + n.http_host + ":" +
         std::to_string(n.http_port);
}

}  // namespace

/// Runs `round` every lease TTL / 4 until the keeper stops; a round late by more than that is
/// logged (late heartbeats make this node look dead; late renewals lose its leases).
void node_replica::impl::every_quarter_ttl(const char* what, void (impl::*round)()) {
  for (;;) {
    {
      std::unique_lock lock(keeper_mutex);
      if (keeper_wake.wait_for(lock, opts.lease_ttl / 4, [&] { return keeper_stopping; })) return;
    }
    auto began = steady::now();
    (this->*round)();
    auto took = steady::now() - began;
    if (took > opts.lease_ttl / 4)
      ROOMS_LOG(warn,
                "ha: a " << what << " round took "
                         << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                         << " ms (lease " << opts.lease_ttl.count() << " ms)");
  }
}

void node_replica::impl::keep() {
  every_quarter_ttl("members", &impl::read_members_round);
}
void node_replica::impl::send_beats() {
  every_quarter_ttl("heartbeat", &impl::beat);
}
void node_replica::impl::renew_leases() {
  every_quarter_ttl("lease renewal", &impl::renew_all);
}

/// Every live heartbeat as a node; this node is always one (its own heartbeat may be late
/// while NATS fails over, and a node never gives its sessions away to nobody).
std::vector<cluster::node> node_replica::impl::read_members() {
  std::vector<cluster::node> out;
  auto entries = heartbeats->entries();
  if (!entries.ok()) {
    ROOMS_LOG(warn, "ha: reading the members: " << entries.error().to_string());
    return *members->current();  // keep what we knew
  }
  for (const auto& [key, value] : *entries) {
    auto parsed = cluster::parse_cluster(value);
    if (auto* nodes = std::get_if<std::vector<cluster::node>>(&parsed);
        nodes && nodes->size() == 1 && nodes->front().id == key) {
      if (key != opts.self.id) out.push_back(nodes->front());
    } else {
      ROOMS_LOG(warn, "ha: ignoring the malformed heartbeat of " << key);
    }
  }
  out.push_back(opts.self);
  std::sort(out.begin(), out.end(),
            [](const cluster::node& a, const cluster::node& b) { return a.id < b.id; });
  return out;
}

void node_replica::impl::beat() {
  auto now = steady::now().time_since_epoch().count();
  if (auto s = beats->put(opts.self.id, line_of(opts.self)); !s.ok()) {
    ROOMS_LOG(warn, "ha: heartbeat: " << s.to_string());
    puts_ok_since = none_yet;
  } else if (puts_ok_since == none_yet) {
    puts_ok_since = now;
  }
}

void node_replica::impl::read_members_round() {
  auto live = read_members();
  auto before = members->current();
  // While NATS fails over nobody's heartbeat gets through: every one lapses, and the first
  // read after it misses those who have not written again yet. A missing node is only out
  // once this node's own heartbeats have been stored for a whole TTL (a live node writes
  // several in that time); until then the members only grow.
  auto since = puts_ok_since.load();
  auto ttl = std::chrono::duration_cast<steady::duration>(opts.lease_ttl).count();
  if (since == none_yet || steady::now().time_since_epoch().count() - since < ttl) {
    for (const auto& n : *before)
      if (std::none_of(live.begin(), live.end(), [&](const auto& m) { return m.id == n.id; }))
        live.push_back(n);
    std::sort(live.begin(), live.end(),
              [](const cluster::node& a, const cluster::node& b) { return a.id < b.id; });
  }
  {
    std::vector<std::string> was, now;
    for (const auto& n : *before) was.push_back(n.id);
    for (const auto& n : live) now.push_back(n.id);
    if (was != now) {
      std::string names;
      for (const auto& id : now) names += " " + id;
      ROOMS_LOG(info, "ha: members now" << names);
    }
  }
  members->set(live);
}

/// Renews every lease held; reports the ones lost and the ones another node owns now.
void node_replica::impl::renew_all() {
  auto live = members->current();
  std::vector<replication::lease> held;
  {
    std::lock_guard lock(mutex);
    for (const auto& [sid, entry] : sessions)
      if (entry.lease) held.push_back(*entry.lease);
  }
  std::vector<std::string> lost_now;
  for (const auto& lease : held) {
    auto outcome = renew(lease);
    // Reported on every round until the lease is given up, not once: a room still being
    // activated when the first report came stops on a later one.
    if (outcome == renewal::lost ||
        (outcome == renewal::kept && cluster::owner_of(*live, lease.session).id != opts.self.id))
      lost_now.push_back(lease.session);
  }
  std::function<void(const std::string&)> tell;
  {
    std::lock_guard lock(mutex);
    tell = lost;
  }
  if (tell)
    for (const auto& sid : lost_now) tell(sid);
}

/// Renews one lease (kept also while NATS fails over: appends wait for the next round). Every NATS
/// call runs without `mutex`: what it needs is read under the lock first and checked again after.
renewal node_replica::impl::renew(const replication::lease& lease) {
  // Released or re-acquired meanwhile by a worker: its entry is not ours to touch.
  auto same_lease = [&](const session_entry& e) {
    return e.lease && e.lease->revision == lease.revision;
  };
  // The bucket's TTL runs from when the server stored the renewal, which is after we sent
  // it: counting from the send keeps this node's idea of its lease shorter than the truth.
  auto sent_at = steady::now();
  auto renewed = leases->renew(lease);
  if (renewed.ok() || renewed.error().code() != eventlog::errc::wrong_seq) {
    std::lock_guard lock(mutex);
    auto it = sessions.find(lease.session);
    if (it == sessions.end() || !same_lease(it->second)) return renewal::not_ours;
    if (renewed.ok()) {
      it->second.lease = *renewed;
      it->second.renewed_at = sent_at;
    }  // else NATS is failing over: appends wait for the next renewal
    return renewal::kept;
  }
  // Lapsed (a NATS fail-over outlasted the TTL) or taken: take it again if it is free. Had
  // another node taken it and written meanwhile, this node's next append names a sequence
  // that is no longer the subject's last and is refused, and the room reloads from the
  // stream: the lease is kept rather than the room closed. (Comparing the stream's last
  // sequence with ours here would also see our own append still in flight as "another's".)
  {
    std::lock_guard lock(mutex);
    auto it = sessions.find(lease.session);
    if (it == sessions.end() || !same_lease(it->second)) return renewal::not_ours;
    if (!it->second.known)
      return drop_locked(it->second,
                         {renewed.error().code(), renewed.error().message() + "; not caught up"});
  }
  auto again = leases->acquire(lease.session, opts.self.id);
  if (!again.ok()) {
    std::lock_guard lock(mutex);
    auto it = sessions.find(lease.session);
    if (it == sessions.end() || !same_lease(it->second)) return renewal::not_ours;
    return drop_locked(it->second, {again.error().code(),
                                    renewed.error().message() + "; " + again.error().to_string()});
  }
  {
    std::lock_guard lock(mutex);
    auto it = sessions.find(lease.session);
    if (it != sessions.end() && same_lease(it->second)) {
      ROOMS_LOG(info, "ha: lease of " << lease.session << " taken again after it lapsed");
      it->second.lease = *again;
      it->second.renewed_at = sent_at;
      return renewal::kept;
    }
  }
  (void)leases->release(*again);  // a worker released or replaced it meanwhile
  return renewal::not_ours;
}

/// Forgets a lease lost (`why`); under `mutex`.
renewal node_replica::impl::drop_locked(session_entry& entry, const eventlog::status& why) {
  ROOMS_LOG(warn, "ha: " << why.to_string());
  entry.lease.reset();
  entry.known = false;
  return renewal::lost;
}

}  // namespace rooms::ha
