#include "gateway/detail/websocket_session.hpp"

#include <nlohmann/json.hpp>

#include "actors/domain/errors.hpp"
#include "actors/errors.hpp"
#include "actors/room.hpp"
#include "base/log.hpp"
#include "gateway/detail/http_util.hpp"

namespace rooms::gateway::detail {

// -- the draining teardown --
//
// When roomd closes a socket (a 1009 for an oversized frame above all), the client may still be
// writing: a browser sends a whole 20 MiB frame in one go. Closing a socket with unread bytes
// sends a TCP reset, which makes the client drop our close frame unread (it reports 1006).
// Beast 1.74's own teardown reads one chunk at most before it closes, so this one reads and
// discards what the peer sends until it closes its side, bounded in time and bytes so a peer
// that never stops cannot hold the connection. Beast's websocket::stream finds it by
// argument-dependent lookup (it is declared before any stream operation below).
//
// Over TLS the drain is the same, on the TCP stream under TLS: after the WebSocket close
// handshake nothing more is read as TLS (the bytes are discarded unread) and no close_notify
// is sent, since a peer still writing its frame would never answer one; the TCP FIN ends the
// connection, as RFC 6455 7.1.1 has the server do.

/// Bounds of the drain: past either, the socket is closed anyway (a reset if bytes remain).
inline constexpr std::chrono::seconds teardown_drain_time{2};
inline constexpr std::size_t teardown_drain_bytes = std::size_t{64} << 20;

/// The composed teardown: shut our sending side, read until the peer's EOF (or the bounds),
/// close. Always completes without an error: the socket is closed either way.
struct draining_teardown_op {
  static constexpr std::size_t chunk = 64 << 10;
  beast::tcp_stream& stream;  ///< under TLS, if any
  beast::role_type role;
  std::unique_ptr<char[]> buffer = std::make_unique<char[]>(chunk);
  std::size_t drained = 0;
  bool started = false;

  template <class Self>
  void operator()(Self& self, beast::error_code ec = {}, std::size_t bytes = 0) {
    if (!started) {
      started = true;
      beast::error_code ignored;
      // The server sends its FIN first (RFC 6455 7.1.1); a client waits for the server's.
      if (role == beast::role_type::server)
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream.expires_after(teardown_drain_time);  // the stream closes the socket when it passes
    } else {
      drained += bytes;
      if (ec || drained >= teardown_drain_bytes) {  // EOF, the deadline, or enough
        stream.close();
        return self.complete(beast::error_code{});
      }
    }
    // Always through a read, so the handler never runs inside the initiating call.
    stream.async_read_some(net::buffer(buffer.get(), chunk), std::move(self));
  }
};

/// Found by Beast's websocket::stream (argument-dependent lookup) in place of its own.
template <class TeardownHandler>
void async_teardown(beast::role_type role, connection_stream& stream, TeardownHandler&& handler) {
  net::async_compose<TeardownHandler, void(beast::error_code)>(
      draining_teardown_op{stream.next_layer(), role}, handler, stream.next_layer());
}

using namespace rooms::actors;

namespace {

/// The connection actor: forwards frames to the room and the room's output to the socket.
struct conn_data {
  static inline const char* name = "ws_connection";
  std::weak_ptr<websocket_session> ws;
  resolver_actor registry;
  std::string session_id;
  /// The browser's signed-in account (its cookie on the upgrade), or empty: sent with each
  /// frame so the room can record it on an interviewer's join.
  std::string account;
  caf::actor room;
  bool closed = false;
  bool close_sent = false;  ///< the room told us to close the socket
};
using conn_actor = caf::stateful_actor<conn_data>;

/// Sends a frame to the room, with the account when the browser is signed in.
void forward(conn_actor* self, std::string text) {
  auto me = caf::actor_cast<caf::actor>(self);
  if (self->state.account.empty())
    self->send(self->state.room, ws_in_atom::value, me, std::move(text));
  else
    self->send(self->state.room, ws_in_atom::value, me, std::move(text), self->state.account);
}

/// Resolves the room through the registry; messages wait in the mailbox meanwhile (await).
void resolve(conn_actor* self, std::optional<std::string> resend) {
  self->request(self->state.registry, caf::infinite, resolve_atom::value, self->state.session_id)
      .await(
          [=](const caf::actor& room) {
            if (room) {
              self->state.room = room;
              // A room on another node may vanish with its node (no ws_close then).
              self->monitor(room);
              if (self->state.closed) {
                // The socket went away while we were resolving.
                self->send(room, ws_closed_atom::value, caf::actor_cast<caf::actor>(self),
                           int{domain::value(domain::close_code::abnormal)});
                self->send(self->state.registry, detach_atom::value, self->state.session_id);
                return self->quit();
              }
              if (resend) forward(self, std::move(*resend));
              return;
            }
            if (auto ws = self->state.ws.lock())
              ws->close(domain::value(domain::close_code::internal_error), "session unavailable");
          },
          [=](caf::error& err) {
            auto ws = self->state.ws.lock();
            if (!ws) return;
            auto code = actors::code_of(err);
            if (code == domain::error_code::not_found)
              ws->close(domain::value(domain::close_code::unknown_session),
                        "unknown or expired session");
            else if (code == domain::error_code::unavailable)
              ws->close(cluster::close_node_unavailable,
                        "the session's node is unavailable; retry later");
            else
              ws->close(domain::value(domain::close_code::internal_error), "session unavailable");
          });
}

caf::behavior connection(conn_actor* self, std::weak_ptr<websocket_session> ws,
                         resolver_actor registry, std::string sid, std::string account) {
  self->state.ws = std::move(ws);
  self->state.registry = std::move(registry);
  self->state.session_id = std::move(sid);
  self->state.account = std::move(account);
  resolve(self, std::nullopt);
  self->set_down_handler([=](caf::down_msg& down) {
    if (!self->state.room || down.source != self->state.room.address() || self->state.close_sent)
      return;
    // Our room ended without closing us: its node went away (or it failed). The session is
    // intact in its node's log; the client resumes once the node is back.
    bool remote = down.source.node() != self->node();
    self->state.room = caf::actor();
    if (auto ws = self->state.ws.lock())
      ws->close(remote ? cluster::close_node_unavailable
                       : domain::value(domain::close_code::internal_error),
                remote ? "the session's node is unavailable; resume later"
                       : "session unavailable; resume");
  });
  return {
      [=](ws_in_atom, std::string& text) {
        if (self->state.room) forward(self, std::move(text));
      },
      [=](ws_closed_atom, int code) {
        self->state.closed = true;
        if (!self->state.room) return;  // resolve failed; nothing to tell
        self->send(self->state.room, ws_closed_atom::value, caf::actor_cast<caf::actor>(self),
                   code);
        self->send(self->state.registry, detach_atom::value, self->state.session_id);
        self->quit();
      },
      [=](ws_out_atom, const std::string&) {
        if (auto ws = self->state.ws.lock())
          ws->deliver(self->current_mailbox_element()->copy_content_to_message());
      },
      [=](ws_close_atom, int code, const std::string& reason) {
        self->state.close_sent = true;
        if (auto ws = self->state.ws.lock()) ws->close(static_cast<std::uint16_t>(code), reason);
      },
      [=](joined_atom) {
        if (auto ws = self->state.ws.lock()) ws->joined();
      },
      [=](reroute_atom, std::string& text) {
        // The room was passivated under us: find (or activate) it again and resend.
        self->state.room = caf::actor();
        resolve(self, std::move(text));
      },
  };
}

std::string_view payload_of(const caf::message& m) {
  return m.get_as<std::string>(1);
}

websocket::close_reason make_close_reason(std::uint16_t code, const std::string& reason) {
  websocket::close_reason cr;
  cr.code = code;
  cr.reason = reason.substr(0, 120);  // a close frame's payload is at most 125 bytes
  return cr;
}

}  // namespace

void start_websocket(context& ctx, connection_stream&& stream, request req,
                     const std::string& session_id) {
  auto account = signed_in_account_id(ctx, req);
  std::make_shared<websocket_session>(ctx, std::move(stream), session_id, std::move(account))
      ->run(std::move(req));
}

websocket_session::websocket_session(context& ctx, connection_stream&& stream,
                                     std::string session_id, std::string account)
    : ctx_(ctx),
      ws_(std::move(stream)),
      session_id_(std::move(session_id)),
      account_(std::move(account)),
      join_timer_(ws_.get_executor()),
      close_timer_(ws_.get_executor()),
      rate_(ctx.options.message_rate, ctx.options.message_burst),
      refused_(ctx.options.message_rate, ctx.options.message_burst) {
  ctx_.ws_connections.fetch_add(1);
}

websocket_session::~websocket_session() {
  ctx_.ws_connections.fetch_sub(1);
}

void websocket_session::run(request req) {
  websocket::stream_base::timeout timeouts =
      websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = ctx_.options.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.read_message_max(ctx_.options.max_message_bytes);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "roomd/" ROOMS_VERSION); }));
  ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec) return;
  {
    std::lock_guard lock(ctx_.sockets_mutex);
    ctx_.sockets[this] = weak_from_this();
  }
  if (ctx_.stopping)
    return start_close(domain::value(domain::close_code::going_away), "server shutting down");
  conn_ = ctx_.system.spawn(connection, weak_from_this(), ctx_.ws_registry, session_id_, account_);
  join_timer_.expires_after(ctx_.options.join_timeout);
  join_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->start_close(domain::value(domain::close_code::join_timeout), "join timeout");
  });
  do_read();
}

namespace {

/// An `error` message the gateway answers itself (before the room sees the frame).
std::string error_frame(domain::error_code code, std::string_view message) {
  return nlohmann::json{{"type", "error"}, {"code", domain::to_string(code)}, {"message", message}}
      .dump();
}

}  // namespace

void websocket_session::do_read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->on_read(ec);
  });
}

void websocket_session::on_read(beast::error_code ec) {
  if (ec) return finish();
  std::string text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (closing_) return do_read();
  if (!rate_.take()) {
    ctx_.ws_rate_limited.fetch_add(1, std::memory_order_relaxed);
    // Each refused message takes a token from a second bucket that refills at the allowed rate:
    // a client a little over its rate is only slowed (it gets rate_limited), one far over it
    // (a flood) empties it within a burst and is closed rather than answered frame by frame.
    // (Resetting a strike count on every accepted message would let a client sending at any
    // rate below rate x burst go on forever, doubling its traffic with our errors.)
    if (!refused_.take())
      return start_close(domain::value(domain::close_code::policy), "message flood");
    send_local(error_frame(domain::error_code::rate_limited, "too many messages; slow down"));
    return do_read();
  }
  if (!ws_.got_text()) {
    send_local(error_frame(domain::error_code::bad_json, "send JSON in text frames"));
    return do_read();
  }
  caf::anon_send(conn_, ws_in_atom::value, std::move(text));
  do_read();
}

void websocket_session::send_local(const std::string& text) {
  deliver(caf::make_message(ws_out_atom::value, text));
}

void websocket_session::deliver(caf::message frame) {
  net::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
    if (self->closing_ || self->finished_) return;
    auto size = payload_of(frame).size();
    if (self->queue_.size() >= self->ctx_.options.max_send_queue ||
        self->queued_bytes_ + size > self->ctx_.options.max_send_queue_bytes) {
      // A slow consumer must never slow its room or grow memory without bound.
      self->ctx_.ws_closed_slow.fetch_add(1);
      log::scoped_context scope({self->session_id_, "", ""});
      ROOMS_LOG(info, "session " << self->session_id_ << ": closing a slow consumer ("
                                 << self->queue_.size() << " frames queued)");
      return self->start_close(domain::value(domain::close_code::policy), "slow consumer");
    }
    self->queued_bytes_ += size;
    self->queue_.push_back(std::move(frame));
    if (!self->writing_) self->write_next();
  });
}

void websocket_session::write_next() {
  writing_ = true;
  auto text = payload_of(queue_.front());
  ws_.text(true);
  ws_.async_write(
      net::buffer(text.data(), text.size()),
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void websocket_session::on_write(beast::error_code ec) {
  writing_ = false;
  if (!queue_.empty()) {
    queued_bytes_ -= payload_of(queue_.front()).size();
    queue_.pop_front();
  }
  if (ec) return;
  if (!queue_.empty()) return write_next();
  if (closing_)
    ws_.async_close(make_close_reason(close_code_, close_reason_),
                    [self = shared_from_this()](beast::error_code) {});
}

void websocket_session::close(std::uint16_t code, std::string reason) {
  // The room's own closes (4401, 4410, ...) come after frames it sent first (the error that
  // explains them): flush those, then close.
  net::post(ws_.get_executor(),
            [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
              self->start_close(code, std::move(reason), true);
            });
}

void websocket_session::close_from_server(std::uint16_t code, std::string reason) {
  net::post(ws_.get_executor(),
            [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
              self->start_close(code, std::move(reason));
            });
}

void websocket_session::joined() {
  net::post(ws_.get_executor(), [self = shared_from_this()] { self->join_timer_.cancel(); });
}

void websocket_session::start_close(std::uint16_t code, std::string reason, bool flush) {
  if (closing_ || finished_) return;
  closing_ = true;
  close_code_ = code;
  close_reason_ = std::move(reason);
  join_timer_.cancel();
  // A peer that never reads would keep our close frame waiting forever: cut TCP after 5 s.
  close_timer_.expires_after(std::chrono::seconds(5));
  close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec) return;
    beast::error_code ignored;
    beast::get_lowest_layer(self->ws_).socket().close(ignored);
  });
  if (!flush) {
    // Drop what waits behind the frame in flight (a slow consumer gets no more).
    while (queue_.size() > (writing_ ? 1u : 0u)) {
      queued_bytes_ -= payload_of(queue_.back()).size();
      queue_.pop_back();
    }
  }
  if (writing_) return;  // on_write sends the rest, then the close
  if (!queue_.empty()) return write_next();
  ws_.async_close(make_close_reason(close_code_, close_reason_),
                  [self = shared_from_this()](beast::error_code) {});
}

void websocket_session::finish() {
  if (finished_) return;
  finished_ = true;
  join_timer_.cancel();
  close_timer_.cancel();
  {
    std::lock_guard lock(ctx_.sockets_mutex);
    ctx_.sockets.erase(this);
  }
  // What the room hears: the peer's close code, or "server going away" when we closed it, so a
  // shutdown or a dropped slow consumer is a disconnect (resumable), never a leave.
  int code = domain::value(domain::close_code::abnormal);
  if (closing_)
    code = close_code_ >= 4000 ? close_code_ : close_server_going_away;
  else if (ws_.reason().code != 0)
    code = ws_.reason().code;
  if (conn_) caf::anon_send(conn_, ws_closed_atom::value, code);
}

}  // namespace rooms::gateway::detail
