#include "gateway/server.hpp"

#include <thread>

#include "actors/domain/errors.hpp"
#include "base/log.hpp"
#include "gateway/detail/context.hpp"
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

/// Reads HTTP requests on one connection; upgrades to WebSocket on /ws/<id>.
class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(context& ctx, tcp::socket&& socket) : ctx_(ctx), stream_(std::move(socket)) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) address_ = ep.address().to_string();
    // Keystrokes are tiny frames: Nagle plus delayed ACKs would add tens of milliseconds.
    stream_.socket().set_option(tcp::no_delay(true), ec);
    ctx_.http_connections.fetch_add(1);
  }
  ~http_session() { ctx_.http_connections.fetch_sub(1); }

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

 private:
  void do_read() {
    parser_.emplace();
    // The largest limit of any target while the header is read (Beast checks a Content-Length
    // against it as soon as the header is complete), then the target's own.
    parser_->body_limit(std::max<std::uint64_t>(import_body_limit, ctx_.options.max_body_bytes));
    parser_->header_limit(16 * 1024);
    // A client that dribbles (or never finishes) its headers is cut at the deadline (slowloris).
    stream_.expires_after(ctx_.options.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->on_read(ec);
          self->stream_.expires_after(self->ctx_.options.body_timeout);
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
      stream_.expires_never();
      return start_websocket(ctx_, std::move(stream_), std::move(req), sid);
    }
    if (is_api_request(req)) {
      // The log and the actors may block: answer from the blocking pool, write on our strand.
      net::post(ctx_.blocking, [self = shared_from_this(), req = std::move(req)]() mutable {
        auto res = handle_api(self->ctx_, req, self->address_);
        net::post(self->stream_.get_executor(),
                  [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
      });
      return;
    }
    write(handle_static(ctx_, req));
  }

  void write(response res) {
    add_security_headers(res);
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

  void shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  context& ctx_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string address_;
};

/// Accepts connections, each onto its own strand.
class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(context& ctx, tcp::acceptor&& acceptor) : ctx_(ctx), acceptor_(std::move(acceptor)) {}
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
    acceptor_.async_accept(net::make_strand(ctx_.ioc),
                           [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
                             if (!self->acceptor_.is_open()) return;
                             if (!ec) {
                               std::make_shared<http_session>(self->ctx_, std::move(socket))->run();
                               return self->do_accept();
                             }
                             // Out of file descriptors (EMFILE/ENFILE) or memory: accepting again
                             // at once would spin a core while the pending connection stays in the
                             // backlog. Pause, then retry.
                             ROOMS_LOG(warn,
                                       "accept failed: " << ec.message() << "; retrying in 100 ms");
                             self->retry_.expires_after(std::chrono::milliseconds(100));
                             self->retry_.async_wait([self](beast::error_code wait_ec) {
                               if (!wait_ec) self->do_accept();
                             });
                           });
  }

  context& ctx_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_{acceptor_.get_executor()};
};

}  // namespace

class server::impl {
 public:
  impl(gateway_options options, caf::actor_system& system, caf::actor registry,
       std::shared_ptr<const actors::services> svc, cluster_options cluster)
      : ctx(std::move(options), system, std::move(registry), std::move(svc)) {
    ctx.cluster = std::move(cluster);
    ctx.ws_registry = ctx.cluster.router ? ctx.cluster.router : ctx.registry;
  }
  context ctx;
  std::shared_ptr<listener> accept_loop;
  std::uint16_t port = 0;
  std::vector<std::thread> threads;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
};

server::server(gateway_options options, caf::actor_system& system, caf::actor registry,
               std::shared_ptr<const actors::services> services, cluster_options cluster)
    : impl_(std::make_unique<impl>(std::move(options), system, std::move(registry),
                                   std::move(services), std::move(cluster))) {}

server::~server() {
  stop();
}

std::string server::start() {
  auto& ctx = impl_->ctx;
  beast::error_code ec;
  auto address = net::ip::make_address(ctx.options.host, ec);
  if (ec) return "bad listen address \"" + ctx.options.host + "\": " + ec.message();
  tcp::acceptor acceptor(ctx.ioc);
  tcp::endpoint endpoint(address, ctx.options.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return "cannot listen on " + ctx.options.host + ":" + std::to_string(ctx.options.port) + ": " +
           ec.message();
  impl_->port = acceptor.local_endpoint().port();
  impl_->accept_loop = std::make_shared<listener>(ctx, std::move(acceptor));
  impl_->accept_loop->run();
  impl_->work.emplace(ctx.ioc.get_executor());
  for (int i = 0; i < std::max(1, ctx.options.io_threads); ++i)
    impl_->threads.emplace_back([&ctx] { ctx.ioc.run(); });
  return {};
}

std::uint16_t server::port() const {
  return impl_->port;
}

void server::stop() {
  auto& ctx = impl_->ctx;
  if (impl_->threads.empty() || ctx.stopping.exchange(true)) return;
  impl_->accept_loop->stop();
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
