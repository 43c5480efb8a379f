#pragma once
/// The replicated log of record for cluster mode (issue #23), on NATS JetStream: one stream per
/// deployment, one subject per session (`<prefix>.<session id>`), replicated by JetStream's Raft
/// (replicas 3), and session leases in a JetStream key-value bucket. This is the layer below
/// the rooms: it appends, reads back and leases; the room actor is not wired to it yet
/// (replication/README.md says what is and what is not).
///
/// Single writer per session: an append names the stream sequence of the session's last message
/// it knows (0: none yet) and JetStream refuses it with wrong_seq when another writer appended
/// since, so two nodes that both believe they own a session cannot interleave its events.
/// An append returns only after JetStream's acknowledgement, which a replicated stream sends
/// once a quorum of its replicas has the message.
///
/// Thread safety: one client may be used from one thread at a time; calls block on the network
/// (up to `options::timeout`), so callers run them on a thread of their own, never an actor's.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eventlog/status.hpp"

namespace rooms::replication {

using eventlog::errc;
using eventlog::result;
using eventlog::status;

struct options {
  /// nats://host:port of the NATS servers; the client fails over between them.
  std::vector<std::string> urls;
  /// The deployment's stream and the prefix of its subjects.
  std::string stream = "ROOMS";
  std::string subject_prefix = "rooms";
  /// Copies JetStream keeps of the stream and the lease bucket (3 survives one lost server).
  int replicas = 3;
  /// The key-value bucket of session leases, and how long a lease lives without renewal.
  std::string lease_bucket = "rooms-leases";
  std::chrono::milliseconds lease_ttl{5000};
  /// The longest one call waits for an answer (a JetStream API request or an acknowledgement).
  std::chrono::milliseconds timeout{5000};
  /// How long `connect` keeps retrying while the servers elect their JetStream leader.
  std::chrono::milliseconds ready_timeout{30000};
};

/// One message of a session's subject: its stream sequence and what was appended.
struct stored_message {
  std::uint64_t stream_seq = 0;
  std::string payload;
};

/// Ownership of one session by one node, held while renewed within the TTL.
struct lease {
  std::string session;
  std::string node;
  /// The key-value revision this holder wrote last: a renewal must name it.
  std::uint64_t revision = 0;
};

class client {
 public:
  /// Connects to `opts.urls` and makes sure the stream and the lease bucket exist (creating
  /// them with `opts.replicas` copies when they do not). Retries while the cluster has no
  /// JetStream leader yet, up to `opts.ready_timeout`.
  static result<std::unique_ptr<client>> connect(options opts);
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Appends `payload` to the session's subject if the subject's last message is still
  /// `expected_last` (0: the subject has none). Returns the new message's stream sequence;
  /// wrong_seq when another writer got there first; io_error when no quorum answered.
  result<std::uint64_t> append(std::string_view session, std::string_view payload,
                               std::uint64_t expected_last);

  /// The stream sequence of the session's last message, 0 when it has none.
  result<std::uint64_t> last_seq(std::string_view session);

  /// The session's messages with a stream sequence above `after`, in order, at most `limit`.
  result<std::vector<stored_message>> read(std::string_view session, std::uint64_t after,
                                           std::size_t limit);

  /// Takes the session's lease for `node`: already_exists (naming the holder) while another
  /// node's lease is alive. A lease that lapsed (not renewed within the TTL) or was released can
  /// be taken.
  result<lease> acquire(std::string_view session, std::string_view node);
  /// Renews a lease held: wrong_seq when it lapsed (or someone else took it since); io_error
  /// when no server answered (its outcome is unknown: try again).
  result<lease> renew(const lease& held);
  /// Gives a lease up at once (a clean shutdown), so another node need not wait for the TTL.
  status release(const lease& held);

  // -- the bucket as a plain map (node heartbeats: cluster membership) --

  /// Writes `value` under `key` (a [A-Za-z0-9_-] token), whoever wrote it last; it lives for
  /// the bucket's TTL unless written again.
  status put(std::string_view key, std::string_view value);
  /// Every live key of the bucket with its value, sorted by key.
  result<std::vector<std::pair<std::string, std::string>>> entries();

 private:
  struct impl;
  explicit client(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

}  // namespace rooms::replication
