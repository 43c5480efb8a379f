#include "gateway/server.hpp"

#include <thread>

#include "actors/domain/errors.hpp"
#include "base/log.hpp"
#include "gateway/detail/connection_stream.hpp"
#include "gateway/detail/context.hpp"
#include "gateway/detail/http_util.hpp"
#include "gateway/detail/tls.hpp"
#include "gateway/detail/websocket_session.hpp"

namespace rooms::gateway {

using namespace detail;

namespace {

std::string origin_host(std::string_view origin) {
  auto scheme = origin.find("://");
  return std::string(scheme == std::string_view::npos ? origin : origin.substr(scheme + 3));
}

/// Same-origin by default: the Origin's host:port must be the Host the browser connected to.
bool origin_allowed(const context& ctx, const request& req) {
  auto origin = req[http::field::origin];
  if (origin.empty()) return true;  // not a browser: no cross-site hijacking possible
  if (origin_host(origin) == std::string(req[http::field::host])) return true;
  for (const auto& allowed : ctx.options.allowed_origins)
    if (allowed == origin) return true;
  return false;
}

/// Largest body of POST /api/admin/import (an exported session). Admin only.
constexpr std::uint64_t import_body_limit = 256ull << 20;
/// Largest body of POST/PUT /api/questions: above the largest valid question (~7.5 MiB at the
/// library's limits), so an oversized field is a 400 that names it, not a bare 413.
constexpr std::uint64_t question_body_limit = 16ull << 20;

/// Reads HTTP requests on one connection; upgrades to WebSocket on /ws/<id>. With TLS it first
/// tells a ClientHello from plain HTTP: TLS is handshaken, plain HTTP is redirected to https.
class http_session : public std::enable_shared_from_this<http_session> {
 public:
  /// `redirect_only`: the plain-HTTP redirect port, every request answered with a 301.
  http_session(context& ctx, tcp::socket&& socket, bool redirect_only)
      : ctx_(ctx), stream_(beast::tcp_stream(std::move(socket))), redirect_only_(redirect_only) {
    beast::error_code ec;
    auto ep = tcp_().socket().remote_endpoint(ec);
    if (!ec) address_ = ep.address().to_string();
    // Keystrokes are tiny frames: Nagle plus delayed ACKs would add tens of milliseconds.
    tcp_().socket().set_option(tcp::no_delay(true), ec);
    ctx_.http_connections.fetch_add(1);
  }
  ~http_session() { ctx_.http_connections.fetch_sub(1); }

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->redirect_only_ || !self->ctx_.tls_enabled()) return self->do_read();
      self->detect_tls();
    });
  }

 private:
  beast::tcp_stream& tcp_() { return stream_.next_layer(); }

  void detect_tls() {
    // The handshake counts as part of the first request's headers (slowloris).
    tcp_().expires_after(ctx_.options.header_timeout);
    beast::async_detect_ssl(
        tcp_(), buffer_, [self = shared_from_this()](beast::error_code ec, bool is_tls) {
          if (ec) return;
          if (!is_tls) {
            // Plain HTTP on the TLS port: answer it with the way to https, then close.
            self->redirect_only_ = true;
            return self->do_read();
          }
          self->stream_.start_tls(self->ctx_.current_tls());
          self->stream_.tls().async_handshake(
              net::ssl::stream_base::server, self->buffer_.data(),
              [self](beast::error_code ec, std::size_t used) {
                if (ec) {
                  ROOMS_LOG(debug,
                            "TLS handshake from " << self->address_ << " failed: " << ec.message());
                  return;
                }
                self->buffer_.consume(used);
                self->do_read();
              });
        });
  }

 private:
  void do_read() {
    parser_.emplace();
    // The largest limit of any target while the header is read (Beast checks a Content-Length
    // against it as soon as the header is complete), then the target's own.
    parser_->body_limit(std::max<std::uint64_t>(import_body_limit, ctx_.options.max_body_bytes));
    parser_->header_limit(16 * 1024);
    // A client that dribbles (or never finishes) its headers is cut at the deadline (slowloris).
    tcp_().expires_after(ctx_.options.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->on_read(ec);
          self->begin_request();
          self->tcp_().expires_after(self->ctx_.options.body_timeout);
          // Only an admin import may carry a whole exported session, a question write a question.
          auto target = self->parser_->get().target();
          std::uint64_t limit = self->ctx_.options.max_body_bytes;
          if (target == "/api/admin/import")
            limit = import_body_limit;
          else if (target.rfind("/api/questions", 0) == 0)
            limit = question_body_limit;
          auto announced = self->parser_->content_length();
          if (announced && *announced > limit) return self->on_read(http::error::body_limit);
          self->parser_->body_limit(limit);
          http::async_read(self->stream_, self->buffer_, *self->parser_,
                           [self](beast::error_code ec, std::size_t) { self->on_read(ec); });
        });
  }

  /// The headers are in: the request's id and what its log lines say.
  void begin_request() {
    const auto& head = parser_->get();
    request_id_ = request_id_of(head);
    method_ = std::string(head.method_string());
    path_ = std::string(path_of_target(head.target()));
    session_ = session_of_target(head.target());
    started_ = std::chrono::steady_clock::now();
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream) return shutdown();
    if (ec == http::error::body_limit) {
      request req;
      req.version(11);
      req.keep_alive(false);
      return write(json_error(req, http::status::payload_too_large, domain::error_code::too_large,
                              "the request body is too large"));
    }
    if (ec) return;  // timeouts and resets: nothing to answer
    ctx_.http_requests.fetch_add(1, std::memory_order_relaxed);
    request req = parser_->release();
    if (redirect_only_) return write(redirect_to_https(req, ctx_.https_port));
    log::scoped_context scope({session_, "", request_id_});
    if (websocket::is_upgrade(req)) {
      std::string target(req.target());
      if (target.rfind("/ws/", 0) != 0)
        return write(json_error(req, http::status::not_found, domain::error_code::not_found,
                                "no WebSocket endpoint here"));
      if (!origin_allowed(ctx_, req)) {
        ctx_.ws_rejected_origin.fetch_add(1);
        ROOMS_LOG(warn,
                  "websocket from " << address_ << " refused: origin " << req[http::field::origin]);
        return write(json_error(req, http::status::forbidden, domain::error_code::forbidden,
                                "cross-origin WebSocket refused"));
      }
      std::string sid = target.substr(4);
      if (auto q = sid.find('?'); q != std::string::npos) sid.resize(q);
      ROOMS_LOG(debug, "http " << method_ << " " << path_ << " upgrade from " << address_);
      tcp_().expires_never();
      return start_websocket(ctx_, std::move(stream_), std::move(req), sid);
    }
    if (is_api_request(req)) {
      // The log and the actors may block: answer from the blocking pool, write on our strand.
      net::post(ctx_.blocking, [self = shared_from_this(), req = std::move(req)]() mutable {
        log::scoped_context scope({self->session_, "", self->request_id_});
        auto res = handle_api(self->ctx_, req, self->address_);
        net::post(self->stream_.get_executor(),
                  [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
      });
      return;
    }
    write(handle_static(ctx_, req));
  }

  void write(response res) {
    if (!redirect_only_) add_security_headers(res);
    if (stream_.is_tls()) res.set(http::field::strict_transport_security, "max-age=31536000");
    if (!request_id_.empty()) res.set("X-Request-Id", request_id_);
    log_access(res.result_int());
    auto sp = std::make_shared<response>(std::move(res));
    sp->prepare_payload();
    bool close = sp->need_eof();
    http::async_write(stream_, *sp,
                      [self = shared_from_this(), sp, close](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (close) return self->shutdown();
                        self->do_read();
                      });
  }

  /// One line per request: the API at info (but for /health and /metrics, polled), the rest
  /// at debug. Method, path without its query, status, time taken: never a header or a body.
  void log_access(unsigned status) {
    bool quiet =
        redirect_only_ || path_.rfind("/api/", 0) != 0 || path_ == "/health" || path_ == "/metrics";
    auto lvl = quiet ? log::level::debug : log::level::info;
    if (!log::enabled(lvl)) return;
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started_)
                      .count();
    log::scoped_context scope({session_, "", request_id_});
    std::ostringstream line;
    line << "http " << method_ << " " << path_ << " " << status << " " << micros / 1000 << "."
         << (micros % 1000) / 100 << " ms" << (stream_.is_tls() ? " tls" : "") << " from "
         << address_;
    log::write(lvl, line.str());
  }

  void shutdown() {
    beast::error_code ec;
    if (!stream_.is_tls()) {
      tcp_().socket().shutdown(tcp::socket::shutdown_send, ec);
      return;
    }
    // TLS: our close_notify, then the peer's (bounded: a peer may never send it).
    tcp_().expires_after(std::chrono::seconds(5));
    stream_.tls().async_shutdown([self = shared_from_this()](beast::error_code) {
      beast::error_code ignored;
      self->tcp_().socket().close(ignored);
    });
  }

  context& ctx_;
  connection_stream stream_;
  bool redirect_only_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string address_;
  // -- the request being answered, for the log --
  std::string request_id_, method_, path_, session_;
  std::chrono::steady_clock::time_point started_;
};

/// Accepts connections, each onto its own strand.
class listener : public std::enable_shared_from_this<listener> {
 public:
  /// `redirect_only`: the plain-HTTP redirect port.
  listener(context& ctx, tcp::acceptor&& acceptor, bool redirect_only)
      : ctx_(ctx), acceptor_(std::move(acceptor)), redirect_only_(redirect_only) {}
  void run() { do_accept(); }
  void stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
      self->retry_.cancel();
    });
  }

 private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(ctx_.ioc), [self = shared_from_this()](
                                                           beast::error_code ec,
                                                           tcp::socket socket) {
      if (!self->acceptor_.is_open()) return;
      if (!ec) {
        std::make_shared<http_session>(self->ctx_, std::move(socket), self->redirect_only_)->run();
        return self->do_accept();
      }
      // Out of file descriptors (EMFILE/ENFILE) or memory: accepting again
      // at once would spin a core while the pending connection stays in the
      // backlog. Pause, then retry.
      ROOMS_LOG(warn, "accept failed: " << ec.message() << "; retrying in 100 ms");
      self->retry_.expires_after(std::chrono::milliseconds(100));
      self->retry_.async_wait([self](beast::error_code wait_ec) {
        if (!wait_ec) self->do_accept();
      });
    });
  }

  context& ctx_;
  tcp::acceptor acceptor_;
  bool redirect_only_;
  net::steady_timer retry_{acceptor_.get_executor()};
};

}  // namespace

class server::impl {
 public:
  impl(gateway_options options, caf::actor_system& system, actors::registry_actor registry,
       std::shared_ptr<const actors::services> svc, cluster_options cluster)
      : ctx(std::move(options), system, std::move(registry), std::move(svc)) {
    ctx.cluster = std::move(cluster);
    ctx.ws_registry =
        ctx.cluster.router ? ctx.cluster.router : actors::resolver_actor(ctx.registry);
  }
  context ctx;
  std::shared_ptr<listener> accept_loop;
  std::shared_ptr<listener> redirect_loop;  ///< --http-redirect-port
  std::uint16_t port = 0;
  std::vector<std::thread> threads;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
};

server::server(gateway_options options, caf::actor_system& system, actors::registry_actor registry,
               std::shared_ptr<const actors::services> services, cluster_options cluster)
    : impl_(std::make_unique<impl>(std::move(options), system, std::move(registry),
                                   std::move(services), std::move(cluster))) {}

server::~server() {
  stop();
}

namespace {

/// A bound, listening acceptor on host:port, or the error text.
std::string open_acceptor(tcp::acceptor& acceptor, const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) return "bad listen address \"" + host + "\": " + ec.message();
  tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
  return {};
}

}  // namespace

std::string server::start() {
  auto& ctx = impl_->ctx;
  if (ctx.tls_enabled()) {
    auto loaded = load_tls(ctx.options.tls_cert, ctx.options.tls_key);
    if (!loaded.error.empty()) return loaded.error;
    ctx.tls = std::move(loaded.context);
    ROOMS_LOG(info, "TLS: " << loaded.description);
  }
  tcp::acceptor acceptor(ctx.ioc);
  if (auto err = open_acceptor(acceptor, ctx.options.host, ctx.options.port); !err.empty())
    return err;
  impl_->port = acceptor.local_endpoint().port();
  ctx.https_port = impl_->port;
  if (ctx.tls_enabled() && ctx.options.http_redirect_port != 0) {
    tcp::acceptor redirect(ctx.ioc);
    if (auto err = open_acceptor(redirect, ctx.options.host, ctx.options.http_redirect_port);
        !err.empty())
      return err + " (--http-redirect-port)";
    impl_->redirect_loop = std::make_shared<listener>(ctx, std::move(redirect), true);
    impl_->redirect_loop->run();
  }
  impl_->accept_loop = std::make_shared<listener>(ctx, std::move(acceptor), false);
  impl_->accept_loop->run();
  impl_->work.emplace(ctx.ioc.get_executor());
  for (int i = 0; i < std::max(1, ctx.options.io_threads); ++i)
    impl_->threads.emplace_back([&ctx] { ctx.ioc.run(); });
  return {};
}

std::string server::reload_tls() {
  auto& ctx = impl_->ctx;
  if (!ctx.tls_enabled()) return "TLS is off (no --tls-cert): nothing to reload";
  auto loaded = load_tls(ctx.options.tls_cert, ctx.options.tls_key);
  if (!loaded.error.empty()) return loaded.error + "; keeping the certificate in use";
  {
    std::lock_guard lock(ctx.tls_mutex);
    ctx.tls = std::move(loaded.context);
  }
  ROOMS_LOG(info, "TLS: reloaded, new connections get " << loaded.description);
  return {};
}

bool server::tls() const {
  return impl_->ctx.tls_enabled();
}

std::uint16_t server::port() const {
  return impl_->port;
}

void server::stop() {
  auto& ctx = impl_->ctx;
  if (impl_->threads.empty() || ctx.stopping.exchange(true)) return;
  impl_->accept_loop->stop();
  if (impl_->redirect_loop) impl_->redirect_loop->stop();
  std::vector<std::shared_ptr<websocket_session>> open;
  {
    std::lock_guard lock(ctx.sockets_mutex);
    for (auto& [ptr, weak] : ctx.sockets)
      if (auto s = weak.lock()) open.push_back(s);
  }
  for (auto& s : open)
    s->close_from_server(domain::value(domain::close_code::going_away), "server shutting down");
  // Give the close handshakes a moment, then end the I/O threads.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(ctx.sockets_mutex);
      if (ctx.sockets.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  impl_->work.reset();
  ctx.ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  ctx.blocking.join();
}

}  // namespace rooms::gateway
