#pragma once
/// The stream of one connection: plain TCP, or TLS over it, chosen once when the connection
/// starts (after the first bytes show a TLS ClientHello). Internal to gateway/.
///
/// One type for both, so http_session and websocket_session are written once (Beast's
/// advanced_server_flex example makes them templates instead). Its WebSocket teardown is the
/// draining one (websocket_session.cpp), found by argument-dependent lookup. Not thread safe:
/// used on its connection's strand only.

#include <memory>
#include <optional>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>

namespace rooms::gateway::detail {

class connection_stream {
 public:
  using next_layer_type = boost::beast::tcp_stream;
  using executor_type = next_layer_type::executor_type;
  using tls_stream = boost::beast::ssl_stream<next_layer_type>;

  explicit connection_stream(next_layer_type&& tcp) : tcp_(std::move(tcp)) {}

  /// From now on speaks TLS with `context`, which the stream keeps alive: a certificate reload
  /// swaps the server's context for new connections while this one keeps its own. Call before
  /// the handshake and any other I/O.
  void start_tls(std::shared_ptr<boost::asio::ssl::context> context) {
    context_ = std::move(context);
    tls_.emplace(std::move(tcp_), *context_);
  }
  bool is_tls() const { return tls_.has_value(); }
  /// The TLS stream (handshake, shutdown); only when is_tls().
  tls_stream& tls() { return *tls_; }

  /// The TCP stream under TLS, or the plain one: timeouts, the socket, the raw drain.
  next_layer_type& next_layer() { return tls_ ? tls_->next_layer() : tcp_; }
  const next_layer_type& next_layer() const { return tls_ ? tls_->next_layer() : tcp_; }
  executor_type get_executor() { return next_layer().get_executor(); }

  template <class MutableBuffers, class ReadHandler>
  auto async_read_some(const MutableBuffers& buffers, ReadHandler&& handler) {
    return boost::asio::async_initiate<ReadHandler, void(boost::beast::error_code, std::size_t)>(
        [this](auto&& h, const MutableBuffers& b) {
          if (tls_)
            tls_->async_read_some(b, std::forward<decltype(h)>(h));
          else
            tcp_.async_read_some(b, std::forward<decltype(h)>(h));
        },
        handler, buffers);
  }

  template <class ConstBuffers, class WriteHandler>
  auto async_write_some(const ConstBuffers& buffers, WriteHandler&& handler) {
    return boost::asio::async_initiate<WriteHandler, void(boost::beast::error_code, std::size_t)>(
        [this](auto&& h, const ConstBuffers& b) {
          if (tls_)
            tls_->async_write_some(b, std::forward<decltype(h)>(h));
          else
            tcp_.async_write_some(b, std::forward<decltype(h)>(h));
        },
        handler, buffers);
  }

 private:
  next_layer_type tcp_;  ///< moved into tls_ by start_tls
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::optional<tls_stream> tls_;
};

}  // namespace rooms::gateway::detail
