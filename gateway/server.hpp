#pragma once
/// roomd's network front: one port for HTTP (REST, static files, /metrics) and WebSocket.
///
/// Shape of Beast's chat-multi example: a listener accepts, an http_session reads requests and
/// upgrades, a websocket_session owns one socket. Each connection runs on its own strand of an
/// Asio thread pool; REST handlers that touch the log run on a separate small pool so a slow
/// read never stalls sockets. Rooms are reached only through the registry actor.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/room.hpp"
#include "cluster/cluster.hpp"

namespace rooms::gateway {

class oidc_provider;

/// Everything configurable about the front. Every field has a default.
struct gateway_options {
  /// Address to listen on. Default: 127.0.0.1.
  std::string host = "127.0.0.1";
  /// Port; 0 picks a free one (see server::port()). Default: 8080.
  std::uint16_t port = 8080;
  /// Built web app (index.html, assets/). Default: ./web/dist.
  std::string web_dir = "./web/dist";
  /// Admin bearer token (from ROOMD_ADMIN_TOKEN or <data-dir>/admin.token).
  std::string admin_token;
  /// Origins allowed to open WebSockets besides the server's own. Default: none.
  std::vector<std::string> allowed_origins;
  /// Asio I/O threads. Default: 2.
  int io_threads = 2;
  /// Largest WebSocket message in bytes; larger closes with 1009. Default: 1 MiB.
  std::size_t max_message_bytes = 1u << 20;
  /// Largest HTTP request body in bytes. Default: 1 MiB.
  std::size_t max_body_bytes = 1u << 20;
  /// A connection must join within this time or is closed with 4408. Default: 10 s.
  std::chrono::milliseconds join_timeout{10'000};
  /// Messages per second a connection may send (token bucket). Default: 60.
  double message_rate = 60;
  /// Burst of that bucket. Default: 200.
  double message_burst = 200;
  /// Queued outgoing messages per connection before it is closed as a slow consumer (1008).
  /// Default: 2048.
  std::size_t max_send_queue = 2048;
  /// Queued outgoing bytes per connection before it is closed as a slow consumer. Default: 16 MiB.
  std::size_t max_send_queue_bytes = 16u << 20;
  /// Sessions one client address may create per minute (admin token bypasses). Default: 30.
  double create_per_minute = 30;
  /// Time a client has to send a request's headers (slowloris); an idle keep-alive connection is
  /// closed after it too. Default: 30 s.
  std::chrono::milliseconds header_timeout{30'000};
  /// Time a client has to send a request's body once its headers arrived. Default: 30 s.
  std::chrono::milliseconds body_timeout{30'000};
  /// WebSocket idle timeout: a peer that answers no ping for this long is dropped. Default: 30 s.
  std::chrono::seconds idle_timeout{30};
  /// Require the admin token for /metrics. Default: false.
  bool metrics_need_token = false;
  /// Serve the Piston v2 API (/api/v2/runtimes, /api/v2/execute) from the local runner.
  /// Default: false.
  bool serve_piston = false;
  /// With serve_piston: answer clients other than loopback too. Default: false.
  bool serve_piston_public = false;
  /// STUN/TURN server URLs handed to calls by GET /api/ice-servers ("turn:host:3478",
  /// "stun:host:3478", ...). Default: none (host candidates only: a LAN or loopback call).
  std::vector<std::string> turn_urls;
  /// The TURN REST shared secret (coturn's static-auth-secret with use-auth-secret): turn:
  /// and turns: URLs get short-lived credentials signed with it. Default: none.
  std::string turn_secret;
  /// How long handed-out TURN credentials are valid. Default: 1 h.
  std::chrono::seconds turn_ttl{3600};
  /// PEM certificate chain: serve HTTPS and WSS on `port` (reloaded with server::reload_tls).
  /// Default: none (plain HTTP).
  std::string tls_cert;
  /// PEM private key of tls_cert. Default: none.
  std::string tls_key;
  /// With TLS: a second, plain-HTTP port on `host` that answers every request with a 301 to
  /// https://<host>:<port><path>. 0: none. Default: 0.
  std::uint16_t http_redirect_port = 0;
  /// Creating interviews (POST /api/sessions) needs a signed-in account or the admin token;
  /// candidates' links and interviewer keys work as without it. Default: false.
  bool require_sign_in = false;
  /// A sign-in session unused this long ends (the cookie's Max-Age too). Default: 12 h.
  std::chrono::milliseconds sign_in_ttl{12 * 3600 * 1000};
  /// Sign-in attempts one client address may make per minute (burst: as many). Default: 20.
  double login_per_minute = 20;
  /// OpenID Connect sign-in (--oidc-issuer ...): the provider as discovered at start; null
  /// when off.
  std::shared_ptr<oidc_provider> oidc;
};

/// Membership when roomd is one node of several (roomd --cluster FILE --node-id ID, or
/// roomd --nats URL,... --node-id ID).
struct cluster_options {
  /// The members: every node of the cluster file, or the live ones (--nats); null for a
  /// single node.
  std::shared_ptr<cluster::node_set> nodes;
  /// This node's id (one of `nodes`).
  std::string self_id;
  /// WebSockets resolve rooms through this actor (cluster::spawn_router) instead of the
  /// local registry.
  actors::resolver_actor router;
  /// How long a forwarded REST request may take. Default: 10 s.
  std::chrono::milliseconds forward_timeout{10'000};
};

/// The HTTP/WebSocket server. Thread safety: start/stop from one thread.
class server {
 public:
  server(gateway_options options, caf::actor_system& system, actors::registry_actor registry,
         std::shared_ptr<const actors::services> services, cluster_options cluster = {});
  ~server();

  /// Binds and starts the I/O threads. Returns an error text, or empty on success.
  std::string start();
  /// The bound port (after start).
  std::uint16_t port() const;
  /// Whether the port speaks TLS (options.tls_cert).
  bool tls() const;
  /// Reads the certificate and key files again; new connections get them, open ones keep
  /// theirs. On an error (named as at start) the old ones stay in use. Blocks on file I/O:
  /// call from the thread that handles signals. Returns the error, or empty.
  std::string reload_tls();
  /// Stops accepting, closes every WebSocket (1001), waits for the I/O threads.
  void stop();

  class impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace rooms::gateway
