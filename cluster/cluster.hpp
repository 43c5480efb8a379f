#pragma once
/// Several roomd nodes as one service, on CAF's distributed runtime.
///
/// Membership is static: a cluster file lists every node (id, CAF address, HTTP address) and
/// every node reads the same file. A session belongs to the node chosen by rendezvous hashing
/// of its id over the node ids, and that node's RocksDB holds its log; nothing is replicated.
///
/// - WebSockets: any node accepts them. The gateway resolves rooms through the router actor
///   (spawn_router), which speaks the registry protocol of actors/room.hpp and forwards to the
///   owner's registry, published with CAF's middleman; the connection actor then talks to the
///   remote room directly (the messages are atoms, strings, integers and actor handles).
/// - REST: a request about a session another node owns is forwarded over HTTP to that node
///   (forward_http); session creation is spread over the nodes; admin listings merge every
///   node's.
/// - A node that is down: its sessions answer 503 and close code 4503 until it is back;
///   the others are unaffected.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <caf/all.hpp>

#include "actors/domain/errors.hpp"
#include "actors/room.hpp"

namespace rooms::cluster {

/// One line of the cluster file.
struct node {
  std::string id;        ///< unique, [A-Za-z0-9_.-]{1,64}
  std::string caf_host;  ///< where its registry is published (CAF middleman)
  std::uint16_t caf_port = 0;
  std::string http_host;  ///< its HTTP/WebSocket address
  std::uint16_t http_port = 0;
  std::string http_base() const { return "http://" + http_host + ":" + std::to_string(http_port); }
};

/// Parses a cluster file's text: one node per line, `<id> <caf-host:port> <http-host:port>`,
/// blank lines and `#` comments ignored. Returns the nodes, or an error naming the line.
std::variant<std::vector<node>, std::string> parse_cluster(std::string_view text);

/// The nodes this node counts as members now: fixed from a cluster file, or live from the
/// nodes' heartbeats (`roomd --nats`: ha/membership), replaced while the cluster serves.
/// Thread safe: readers take a snapshot, never a reference into a list being replaced.
class node_set {
 public:
  explicit node_set(std::vector<node> nodes = {})
      : nodes_(std::make_shared<const std::vector<node>>(std::move(nodes))) {}
  std::shared_ptr<const std::vector<node>> current() const {
    std::lock_guard lock(mutex_);
    return nodes_;
  }
  void set(std::vector<node> nodes) {
    auto next = std::make_shared<const std::vector<node>>(std::move(nodes));
    std::lock_guard lock(mutex_);
    nodes_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const std::vector<node>> nodes_;
};

/// Rendezvous (highest random weight) hashing: the node owning `session_id`. Adding or removing
/// a node moves only the sessions that node gains or loses. `nodes` must not be empty.
const node& owner_of(const std::vector<node>& nodes, std::string_view session_id);

/// Close code for a WebSocket whose session's node is unreachable (like HTTP 503); the
/// session is intact and clients may resume once the node is back.
inline constexpr std::uint16_t close_node_unavailable =
    domain::value(domain::close_code::unavailable);

/// Spawns the router: (resolve_atom, sid) and (detach_atom, sid) as the registry answers
/// them, for sessions of any node of `nodes` (as it is at each request). `local_registry` serves
/// this node's sessions; other nodes' registries are reached through the middleman (connected on
/// first use, again after a failure no sooner than `retry_after`).
/// A resolve whose owner cannot be reached fails with `unavailable` (actors/errors.hpp).
actors::resolver_actor spawn_router(
    caf::actor_system& system, std::shared_ptr<const node_set> nodes, std::string self_id,
    actors::resolver_actor local_registry,
    std::chrono::milliseconds retry_after = std::chrono::milliseconds(1000));

/// What a node publishes to its peers: resolve and detach, the part of the registry protocol
/// (actors/room.hpp) a connection on another node needs. Expire, live, list and shutdown are
/// not in it: a peer that sends them gets `unexpected_message` and the registry never sees them.
using published_registry = actors::resolver_actor;

/// Publishes a published_registry in front of `registry` on this node's CAF address. Returns an
/// error text, or empty.
std::string publish_registry(caf::actor_system& system, const node& self,
                             const actors::resolver_actor& registry);

/// An HTTP exchange forwarded to another node.
struct http_result {
  int status = 0;  ///< 0: no answer (see error)
  std::string content_type;
  std::string body;
  std::string error;
};

/// One blocking HTTP/1.1 request to `to` (connect + answer within `timeout`). `headers` are
/// sent as given (Authorization, Content-Type, the forwarding marks).
http_result forward_http(const node& to, const std::string& method, const std::string& target,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& body, std::chrono::milliseconds timeout);

/// Header a node adds to a request it forwards; the receiver then never forwards it again
/// (a disagreement about membership answers 502 instead of looping).
inline constexpr const char* forwarded_header = "X-Rooms-Forwarded";

}  // namespace rooms::cluster
