#pragma once
/// One WebSocket. Owns the socket on its strand; a small CAF "connection actor" bridges it to
/// the room. Other threads never touch the socket: they post to the strand.

#include <deque>
#include <memory>
#include <string>

#include "gateway/detail/connection_stream.hpp"
#include "gateway/detail/context.hpp"

namespace rooms::gateway::detail {

class websocket_session : public std::enable_shared_from_this<websocket_session> {
 public:
  /// `account`: the signed-in account of the upgrade's `rooms_session` cookie, or empty.
  websocket_session(context& ctx, connection_stream&& stream, std::string session_id,
                    std::string account);
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
  /// Plain or TLS; its WebSocket teardown drains what the peer still sends after our close
  /// frame (async_teardown in websocket_session.cpp).
  websocket::stream<connection_stream> ws_;
  beast::flat_buffer buffer_;
  std::string session_id_;
  std::string account_;
  caf::actor conn_;                 ///< our connection actor
  std::deque<caf::message> queue_;  ///< frames to write; front is in flight when writing_
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;  ///< a close is queued or sent
  bool finished_ = false;
  std::uint16_t close_code_ = 0;
  std::string close_reason_;
  net::steady_timer join_timer_;
  net::steady_timer close_timer_;  ///< forces the TCP close if the peer never completes it
  token_bucket rate_;              ///< messages accepted
  token_bucket refused_;  ///< messages refused by rate_ before the socket is closed as a flood
};

}  // namespace rooms::gateway::detail
