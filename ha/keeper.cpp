/// The keeper thread: this node's heartbeat, the live members, and the leases' renewals.

#include "base/log.hpp"
#include "ha/detail/impl.hpp"

namespace rooms::ha {

namespace {

std::string line_of(const cluster::node& n) {
  return n.id + " " + n.caf_host + ":" + std::to_string(n.caf_port) + " " + n.http_host + ":" +
         std::to_string(n.http_port);
}

}  // namespace

void node_replica::impl::keep() {
  for (;;) {
    {
      std::unique_lock lock(keeper_mutex);
      if (keeper_wake.wait_for(lock, opts.lease_ttl / 4, [&] { return keeper_stopping; })) return;
    }
    auto began = steady::now();
    beat_and_renew();
    auto took = steady::now() - began;
    // Late heartbeats make this node look dead to the others (its sessions would move).
    if (took > opts.lease_ttl / 4)
      ROOMS_LOG(warn, "ha: a heartbeat round took "
                          << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                          << " ms (lease " << opts.lease_ttl.count() << " ms)");
  }
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

void node_replica::impl::beat_and_renew() {
  if (auto s = heartbeats->put(opts.self.id, line_of(opts.self)); !s.ok())
    ROOMS_LOG(warn, "ha: heartbeat: " << s.to_string());
  auto live = read_members();
  {
    auto before = members->current();
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

  // Renew every lease held; report the ones lost and the ones another node owns now.
  std::vector<replication::lease> held;
  {
    std::lock_guard lock(mutex);
    for (const auto& [sid, entry] : sessions)
      if (entry.lease) held.push_back(*entry.lease);
  }
  std::vector<std::string> lost_now;
  for (const auto& lease : held) {
    // The bucket's TTL runs from when the server stored the renewal, which is after we sent
    // it: counting from the send keeps this node's idea of its lease shorter than the truth.
    auto sent_at = steady::now();
    auto renewed = leases->renew(lease);
    std::lock_guard lock(mutex);
    auto it = sessions.find(lease.session);
    // Released or re-acquired meanwhile by a worker: its entry is not ours to touch.
    if (it == sessions.end() || !it->second.lease || it->second.lease->revision != lease.revision)
      continue;
    auto& entry = it->second;
    if (renewed.ok()) {
      entry.lease = *renewed;
      entry.renewed_at = sent_at;
    } else if (renewed.error().code() == eventlog::errc::wrong_seq) {
      // Lapsed (a NATS fail-over outlasted the TTL) or taken. Still ours if nobody took it
      // and nobody wrote since: take it again.
      auto again = leases->acquire(lease.session, opts.self.id);
      auto last = again.ok() ? leases->last_seq(lease.session)
                             : eventlog::result<std::uint64_t>(again.error());
      if (again.ok() && last.ok() && entry.known && *last == entry.stream_last) {
        entry.lease = *again;
        entry.renewed_at = sent_at;
      } else {
        ROOMS_LOG(warn, "ha: " << renewed.error().to_string());
        if (again.ok()) (void)leases->release(*again);
        entry.lease.reset();
        entry.known = false;
      }
    }  // else NATS is failing over: appends wait for the next renewal
    // Reported on every round until the lease is given up, not once: a room still being
    // activated when the first report came stops on a later one.
    bool moved = cluster::owner_of(live, lease.session).id != opts.self.id;
    if (!entry.lease || moved) lost_now.push_back(lease.session);
  }
  std::function<void(const std::string&)> tell;
  {
    std::lock_guard lock(mutex);
    tell = lost;
  }
  if (tell)
    for (const auto& sid : lost_now) tell(sid);
}

}  // namespace rooms::ha
