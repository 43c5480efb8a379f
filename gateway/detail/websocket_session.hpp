#pragma once
/// One WebSocket. Owns the socket on its strand; a small CAF "connection actor" bridges it to
/// the room. Other threads never touch the socket: they post to the strand.

#include <chrono>
#include <deque>
#include <memory>
#include <string>

#include "gateway/detail/context.hpp"

namespace rooms::gateway::detail {

/// The TCP stream under a WebSocket, with a teardown that drains. When roomd closes a socket
/// (a 1009 for an oversized frame above all), the client may still be writing: a browser sends
/// a whole 20 MiB frame in one go. Closing a socket with unread bytes sends a TCP reset, which
/// makes the client drop our close frame unread (it sees 1006). Beast 1.74's own teardown
/// reads one chunk at most before it closes, so this one reads and discards what the peer
/// sends until it closes its side, bounded in time and bytes so a peer that never stops cannot
/// hold the connection.
class draining_tcp_stream : public beast::tcp_stream {
 public:
  explicit draining_tcp_stream(beast::tcp_stream&& stream) : beast::tcp_stream(std::move(stream)) {}
};

/// Bounds of the drain: past either, the socket is closed anyway (a reset if bytes remain).
inline constexpr std::chrono::seconds teardown_drain_time{2};
inline constexpr std::size_t teardown_drain_bytes = std::size_t{64} << 20;

/// The composed teardown: shut our sending side, read until the peer's EOF (or the bounds),
/// close. Always completes without an error: the socket is closed either way.
struct draining_teardown_op {
  static constexpr std::size_t chunk = 64 << 10;
  draining_tcp_stream& stream;
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
      if (role == beast::role_type::server) stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
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
void async_teardown(beast::role_type role, draining_tcp_stream& stream, TeardownHandler&& handler) {
  net::async_compose<TeardownHandler, void(beast::error_code)>(draining_teardown_op{stream, role},
                                                               handler, stream);
}

class websocket_session : public std::enable_shared_from_this<websocket_session> {
 public:
  websocket_session(context& ctx, beast::tcp_stream&& stream, std::string session_id);
  ~websocket_session();

  /// Accepts the upgrade and starts reading.
  void run(request req);

  // -- called from any thread (they post to the strand) --

  /// Queues a text frame (the message's second element is the payload, shared, never copied).
  void deliver(caf::message frame);
  /// Closes with `code` after the frames already queued.
  void close(std::uint16_t code, std::string reason);
  /// Server-side close (shutdown): the room sees a disconnect, not a leave.
  void close_from_server(std::uint16_t code, std::string reason);
  /// The room accepted the join: stop the join timer.
  void joined();

 private:
  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec);
  void write_next();
  void on_write(beast::error_code ec);
  /// Closes with `code`; `flush` sends the queued frames first, otherwise they are dropped.
  void start_close(std::uint16_t code, std::string reason, bool flush = false);
  void send_local(const std::string& text);
  void finish();

  context& ctx_;
  websocket::stream<draining_tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::string session_id_;
  caf::actor conn_;                 ///< our connection actor
  std::deque<caf::message> queue_;  ///< frames to write; front is in flight when writing_
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;            ///< a close is queued or sent
  bool finished_ = false;
  std::uint16_t close_code_ = 0;
  std::string close_reason_;
  net::steady_timer join_timer_;
  net::steady_timer close_timer_;   ///< forces the TCP close if the peer never completes it
  token_bucket rate_;     ///< messages accepted
  token_bucket refused_;  ///< messages refused by rate_ before the socket is closed as a flood
};

}  // namespace rooms::gateway::detail
