#pragma once
/// High availability on NATS JetStream (`roomd --nats URL,...`, issue #23): this node's side
/// of the replicated log of record (eventlog::replica), session leases and membership.
///
/// - Writes: one JetStream subject per session (replication::client), appended with the
///   stream sequence of the session's last message, acknowledged once a quorum stored it; the
///   local RocksDB store is written after that, by the same worker thread, so it only ever
///   holds what the cluster has. Sessions are spread over `workers` threads by id: one
///   session's writes and catch-ups run in order on one of them.
/// - Ownership: a room appends only while this node holds the session's lease (renewed every
///   lease_ttl / 4 by the keeper thread, refused when the last renewal is older than 3/4 of the
///   TTL). A node takes a session whose lease lapsed or was released, after bringing its local
///   store up to date from the stream.
/// - Membership: the keeper writes this node's heartbeat (its line of the cluster file) to a
///   key-value bucket with the same TTL and reads everyone's: `members` is the live set the
///   router and REST use to find a session's owner (rendezvous hashing, as with a file).
///   A session whose owner is now another node, or whose lease was lost, is reported to
///   `on_lost` (the registry then closes its room with a resumable code).
///
/// Every NATS call blocks, on these threads only: never on an actor's.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/cluster.hpp"
#include "eventlog/replica.hpp"

namespace rooms::ha {

using eventlog::status;

struct options {
  std::vector<std::string> urls;  ///< nats://host:port of the NATS servers
  cluster::node self;             ///< this node: id (a [A-Za-z0-9_-] token), CAF and HTTP address
  /// How long a lease or heartbeat lives without renewal: a dead node's sessions move after
  /// about this long. Default: 2 s.
  std::chrono::milliseconds lease_ttl{2000};
  int replicas = 3;  ///< copies of the stream and buckets
  int workers = 4;   ///< append threads (each with its own NATS connection)
  std::string stream = "ROOMS";
};

class node_replica final : public eventlog::replica {
 public:
  /// Connects (waiting up to 30 s for JetStream), creates the stream and buckets if missing,
  /// writes the first heartbeat and fills `members`; then starts the threads.
  static eventlog::result<std::unique_ptr<node_replica>> start(
      options opts, eventlog::store& store, std::shared_ptr<cluster::node_set> members);
  ~node_replica() override;

  /// Called on the keeper thread with the id of a session this node must stop serving.
  void on_lost(std::function<void(const std::string& session)> callback);

  status create_session(const eventlog::session_meta& meta, const eventlog::event& first) override;
  status append(const eventlog::session_id& id, std::vector<eventlog::event> events,
                std::optional<eventlog::session_summary> summary) override;
  void acquire_async(const eventlog::session_id& id, callback done) override;
  void append_async(const eventlog::session_id& id, std::vector<eventlog::event> events,
                    std::optional<eventlog::session_summary> summary, callback done) override;
  void release(const eventlog::session_id& id) override;
  status catch_up(const eventlog::session_id& id) override;
  bool shared() const override { return true; }

  /// Leases held now (metrics, tests).
  std::size_t leases_held() const;

  struct impl;

 private:
  explicit node_replica(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace rooms::ha
