#pragma once
/// The inside of ha::node_replica, shared by replica.cpp (the workers: writes, catch-up,
/// leases taken and given up) and keeper.cpp (heartbeats, membership, lease renewals).

#include <atomic>
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

/// What the keeper's renewal of one lease found.
enum class renewal {
  kept,      ///< renewed, or NATS did not answer (the next round tries again)
  lost,      ///< lapsed and taken, or written since: given up
  not_ours,  ///< released or taken again by a worker meanwhile
};

struct node_replica::impl {
  options opts;
  eventlog::store* store = nullptr;
  std::shared_ptr<cluster::node_set> members;
  std::vector<std::unique_ptr<worker>> workers;

  mutable std::mutex mutex;  ///< guards sessions and lost
  std::map<std::string, session_entry> sessions;
  std::function<void(const std::string&)> lost;

  // The keeper: heartbeats, membership and renewals, each on a thread of its own.
  std::unique_ptr<replication::client> leases;      ///< the lease bucket (renew)
  std::unique_ptr<replication::client> heartbeats;  ///< the node bucket (members)
  std::mutex keeper_mutex;
  std::condition_variable keeper_wake;
  bool keeper_stopping = false;
  std::unique_ptr<replication::client> beats;  ///< the node bucket (this node's heartbeat)
  std::thread keeper;
  std::thread renewer;
  std::thread beater;
  /// Since when (steady ticks) every heartbeat of this node was stored; none_yet: the last
  /// one failed.
  static constexpr std::int64_t none_yet = -1;
  std::atomic<std::int64_t> puts_ok_since{none_yet};

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

  // The keeper's threads (keeper.cpp).
  void every_quarter_ttl(const char* what, void (impl::*round)());
  void keep();
  void renew_leases();
  void send_beats();
  void beat();
  void read_members_round();
  void renew_all();
  renewal renew(const replication::lease& lease);
  renewal drop_locked(session_entry& entry, const eventlog::status& why);
  std::vector<cluster::node> read_members();
  replication::options nats_options(const std::string& bucket) const;
};

/// The heartbeat bucket: one key per live node, its cluster-file line as the value.
inline constexpr const char* node_bucket = "rooms-nodes";
inline constexpr const char* lease_bucket = "rooms-leases";

}  // namespace rooms::ha
