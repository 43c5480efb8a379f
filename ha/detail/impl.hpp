#pragma once
/// The inside of ha::node_replica, shared by replica.cpp (the workers: writes, catch-up,
/// leases taken and given up) and keeper.cpp (heartbeats, membership, lease renewals).

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "ha/replica.hpp"
#include "replication/jetstream.hpp"

namespace rooms::ha {

using steady = std::chrono::steady_clock;

/// What this node knows of one session's replicated log.
struct session_entry {
  /// Stream sequence of the session's last message written or read here; valid when `known`.
  std::uint64_t stream_last = 0;
  bool known = false;
  /// The lease, while held; when it was last written (acquired or renewed).
  std::optional<replication::lease> lease;
  steady::time_point renewed_at{};
};

/// One append thread with its own NATS connection; jobs of one session go to one worker.
struct worker {
  std::unique_ptr<replication::client> nats;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> jobs;
  bool stopping = false;
  std::thread thread;
};

struct node_replica::impl {
  options opts;
  eventlog::store* store = nullptr;
  std::shared_ptr<cluster::node_set> members;
  std::vector<std::unique_ptr<worker>> workers;

  mutable std::mutex mutex;  ///< guards sessions and lost
  std::map<std::string, session_entry> sessions;
  std::function<void(const std::string&)> lost;

  // The keeper: heartbeats, membership, renewals.
  std::unique_ptr<replication::client> leases;      ///< the lease bucket (renew)
  std::unique_ptr<replication::client> heartbeats;  ///< the node bucket
  std::mutex keeper_mutex;
  std::condition_variable keeper_wake;
  bool keeper_stopping = false;
  std::thread keeper;

  worker& worker_of(const std::string& sid);
  /// Runs `job` on the session's worker, after the jobs queued before it.
  void post(const std::string& sid, std::function<void()> job);
  /// post() and wait for its status (a REST thread).
  status run(const std::string& sid, std::function<status(replication::client&)> job);

  // On the session's worker:
  status catch_up(replication::client& nats, const eventlog::session_id& id);
  status write(replication::client& nats, const eventlog::session_id& id,
               const std::vector<eventlog::event>& events,
               const std::optional<eventlog::session_summary>& summary, bool need_lease);

  // The keeper thread (keeper.cpp).
  void keep();
  void beat_and_renew();
  std::vector<cluster::node> read_members();
  replication::options nats_options(const std::string& bucket) const;
};

/// The heartbeat bucket: one key per live node, its cluster-file line as the value.
inline constexpr const char* node_bucket = "rooms-nodes";
inline constexpr const char* lease_bucket = "rooms-leases";

}  // namespace rooms::ha
