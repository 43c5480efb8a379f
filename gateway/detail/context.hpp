#pragma once
/// What every connection of the gateway shares. Internal to gateway/.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <caf/all.hpp>

#include "accounts/account_store.hpp"
#include "accounts/sign_in.hpp"
#include "actors/domain/errors.hpp"
#include "actors/room.hpp"
#include "base/token_bucket.hpp"
#include "gateway/server.hpp"
#include "query/service.hpp"
#include "questions/question_store.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace rooms::gateway::detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

class websocket_session;
class connection_stream;

/// A token bucket: `rate` tokens per second up to `burst`. Not thread safe.
using token_bucket = base::token_bucket;

/// Token buckets per client address, thread safe. Old entries are pruned as it grows.
class address_limiter {
 public:
  address_limiter(double per_minute) : per_minute_(per_minute) {}
  bool take(const std::string& address) {
    std::lock_guard lock(mutex_);
    if (buckets_.size() > 10'000) buckets_.clear();  // bounded memory beats perfect fairness
    auto it = buckets_.try_emplace(address, per_minute_ / 60.0, per_minute_).first;
    return it->second.take();
  }

 private:
  double per_minute_;
  std::mutex mutex_;
  std::map<std::string, token_bucket> buckets_;
};

/// The accounts on the event log's "accounts" column family (routes_auth.cpp); nullptr when
/// the store has no such CF.
std::unique_ptr<accounts::account_store> open_account_store(const actors::services& svc);

/// The question library on the event log's "questions" column family, with the runner's
/// languages plus plaintext (routes_questions.cpp); nullptr when the store has no such CF.
std::unique_ptr<questions::question_store> open_question_store(const actors::services& svc);

struct context {
  context(gateway_options o, caf::actor_system& sys, actors::registry_actor reg,
          std::shared_ptr<const actors::services> s)
      : options(std::move(o)),
        system(sys),
        registry(std::move(reg)),
        svc(std::move(s)),
        query(*svc->store, svc->replica),
        owned_questions(svc->questions ? nullptr : open_question_store(*svc)),
        questions(svc->questions ? svc->questions : owned_questions.get()),
        create_limiter(options.create_per_minute),
        accounts(open_account_store(*svc)),
        sign_ins(options.sign_in_ttl.count()),
        login_limiter(options.login_per_minute) {}

  gateway_options options;
  caf::actor_system& system;
  actors::registry_actor
      registry;  ///< this node's rooms (REST always asks it: other nodes' requests are forwarded)
  actors::resolver_actor
      ws_registry;          ///< where WebSockets resolve rooms: the cluster router, or `registry`
  cluster_options cluster;  ///< empty nodes: a single node
  std::shared_ptr<const actors::services> svc;
  query::service query;  ///< every REST answer about stored sessions, and their creation
  /// The library when main did not open one into `svc` (one store per column family: its
  /// versions are numbered under its own lock).
  std::unique_ptr<questions::question_store> owned_questions;
  questions::question_store* questions;  ///< /api/questions (routes_questions.cpp); may be null
  net::io_context ioc;
  net::thread_pool blocking{2};  ///< REST handlers that read the log or ask actors
  address_limiter create_limiter;

  // -- accounts (routes_auth.cpp) --
  std::unique_ptr<accounts::account_store> accounts;  ///< null without an "accounts" CF
  /// Signed-in browsers, in memory only: a restart signs everyone out.
  accounts::session_table sign_ins;
  /// 5 failed sign-ins of one login within 15 minutes lock it for 15 minutes.
  accounts::login_guard login_guard{5, 15 * 60'000, 15 * 60'000};
  address_limiter login_limiter;  ///< sign-in attempts per client address
  std::atomic<std::uint64_t> logins{0};
  std::atomic<std::uint64_t> login_failures{0};
  std::atomic<std::uint64_t> login_lockouts{0};
  /// OpenID Connect sign-ins under way (routes_oidc.cpp), by sha256_hex of their rooms_oidc
  /// cookie: each lives 10 minutes and is used once.
  struct oidc_pending {
    std::string state, nonce, verifier, redirect_uri;
    std::int64_t expires_ms = 0;
  };
  std::mutex oidc_mutex;
  std::map<std::string, oidc_pending> oidc_pending_sign_ins;  ///< guarded by oidc_mutex
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<std::int64_t> http_connections{0};
  std::atomic<std::int64_t> ws_connections{0};
  std::atomic<std::uint64_t> http_requests{0};
  std::atomic<std::uint64_t> ws_rejected_origin{0};
  std::atomic<std::uint64_t> ws_closed_slow{0};
  std::atomic<std::uint64_t> ws_rate_limited{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> backups{0};             ///< POST /api/admin/backup that succeeded
  std::atomic<std::int64_t> last_backup_unix_ms{0};  ///< when the newest of them began

  std::mutex sockets_mutex;
  std::map<websocket_session*, std::weak_ptr<websocket_session>> sockets;

  // -- TLS (options.tls_cert) --
  bool tls_enabled() const { return !options.tls_cert.empty(); }
  /// The context a new TLS connection takes; a reload swaps it, connections keep theirs.
  std::shared_ptr<net::ssl::context> current_tls() {
    std::lock_guard lock(tls_mutex);
    return tls;
  }
  std::mutex tls_mutex;
  std::shared_ptr<net::ssl::context> tls;  ///< guarded by tls_mutex
  std::uint16_t https_port = 0;            ///< the bound TLS port, for redirects
};

/// Security headers every response carries.
void add_security_headers(response& res);
/// A JSON error body {"error","message"} with the status.
/// The JSON error answer {"error","message"}; `code` is the protocol's one list of codes.
response json_error(const request& req, http::status status, domain::error_code code,
                    const std::string& message);
/// A JSON body with the status.
response json_response(const request& req, http::status status, const std::string& body);

/// In a cluster: answers a request another node must serve (forwarded over HTTP), spreads
/// session creation and merges admin listings; nullopt when this node answers it itself.
std::optional<response> route_in_cluster(context& ctx, const request& req,
                                         const std::string& client_address);
/// A request forwarded by another node of the cluster (it carries the shared admin token).
bool from_cluster_peer(const context& ctx, const request& req);
/// The request carries the admin token (compared in constant time).
bool has_admin_token(const context& ctx, const request& req);
/// A fresh session id this node owns (any random id on a single node).
eventlog::session_id new_session_id(const context& ctx);

/// REST API, /health and /metrics. Runs on the blocking pool; may block on the log or actors.
response handle_api(context& ctx, const request& req, const std::string& client_address);
/// Static files of the web build; index.html for /, /room/<id>, /replay/<id>.
response handle_static(context& ctx, const request& req);
/// True when the request is answered by handle_api (it must not run on an I/O thread).
bool is_api_request(const request& req);

/// Starts a WebSocket session on an upgraded HTTP connection.
void start_websocket(context& ctx, connection_stream&& stream, request req,
                     const std::string& session_id);

}  // namespace rooms::gateway::detail
