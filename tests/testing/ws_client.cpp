#include "tests/testing/ws_client.hpp"

#include "tests/testing/roomd_process.hpp"

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio.hpp>
#include <boost/beast.hpp>

namespace rooms::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

struct ws_client::impl {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  bool reading = false;  ///< an async_read is pending

  /// Runs handlers until `done()` or the deadline; false on timeout.
  template <class Done>
  bool run_until(Done done, clock_type::time_point deadline) {
    while (!done()) {
      if (ioc.stopped()) ioc.restart();
      if (clock_type::now() >= deadline) return false;
      ioc.run_one_until(deadline);
    }
    return true;
  }
};

ws_client::ws_client(int port, const std::string& target, ws_options options)
    : impl_(std::make_unique<impl>()) {
  auto& sock = beast::get_lowest_layer(impl_->ws).socket();
  sock.open(net::ip::tcp::v4());
  if (options.receive_buffer > 0)
    sock.set_option(net::socket_base::receive_buffer_size(options.receive_buffer));
  beast::get_lowest_layer(impl_->ws).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(impl_->ws).connect(net::ip::tcp::endpoint(
      net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  impl_->ws.set_option(websocket::stream_base::decorator([options](websocket::request_type& req) {
    if (!options.origin.empty()) req.set(http::field::origin, options.origin);
    for (const auto& [k, v] : options.headers) req.set(k, v);
  }));
  websocket::response_type res;
  beast::error_code ec;
  impl_->ws.handshake(res, "127.0.0.1:" + std::to_string(port), target, ec);
  beast::get_lowest_layer(impl_->ws).expires_never();
  if (ec == websocket::error::upgrade_declined)
    throw ws_refused("websocket upgrade to " + target + " refused");
  if (ec) throw std::runtime_error("websocket handshake to " + target + " failed: " + ec.message());
  impl_->ws.read_message_max(64u << 20);
}

ws_client::~ws_client() = default;

std::unique_ptr<ws_client> ws_client::join_path(int port, const std::string& session_id,
                                                ws_options options) {
  return std::make_unique<ws_client>(port, "/ws/" + session_id, std::move(options));
}

void ws_client::write(const std::string& data, bool text) {
  impl_->ws.text(text);
  // Shared with the handler: it may outlive this call when the write times out.
  struct op {
    std::string payload;
    bool done = false;
    beast::error_code result;
  };
  auto w = std::make_shared<op>();
  w->payload = data;
  impl_->ws.async_write(net::buffer(w->payload), [w](beast::error_code ec, std::size_t) {
    w->done = true;
    w->result = ec;
  });
  if (!impl_->run_until([&] { return w->done; }, clock_type::now() + std::chrono::seconds(10)))
    throw std::runtime_error("websocket write did not complete within 10 s");
  if (w->result) throw std::runtime_error("websocket write failed: " + w->result.message());
}

void ws_client::send_text(const std::string& text) {
  write(text, true);
}

void ws_client::send(const json& message) {
  write(message.dump(), true);
}

void ws_client::send_binary(const std::string& bytes) {
  write(bytes, false);
}

bool ws_client::pump(clock_type::time_point deadline) {
  if (!inbox_.empty()) return true;
  if (closed_) return false;
  if (!impl_->reading) {
    impl_->reading = true;
    impl_->ws.async_read(impl_->buffer, [this](beast::error_code ec, std::size_t) {
      impl_->reading = false;
      if (ec) {
        closed_ = true;
        // A close frame that arrived counts even when the TCP teardown after it failed (Beast
        // 1.74's server teardown may close before our close reply lands: ENOTCONN here).
        auto code = static_cast<int>(impl_->ws.reason().code);
        close_code_ = code != 0 ? code : 1006;
        close_error_ = ec.message();
        return;
      }
      std::string text = beast::buffers_to_string(impl_->buffer.data());
      received_ += text;
      impl_->buffer.consume(impl_->buffer.size());
      json j = json::parse(text, nullptr, false);
      inbox_.push_back(j.is_discarded() ? json(text) : std::move(j));
    });
  }
  return impl_->run_until([this] { return !inbox_.empty() || closed_; }, deadline) &&
         !inbox_.empty();
}

std::optional<json> ws_client::next(std::chrono::milliseconds timeout) {
  if (!pump(clock_type::now() + timeout)) return std::nullopt;
  json out = std::move(inbox_.front());
  inbox_.pop_front();
  return out;
}

std::optional<json> ws_client::next_of_type(const std::string& type,
                                            std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  while (pump(deadline)) {
    json out = std::move(inbox_.front());
    inbox_.pop_front();
    if (out.is_object() && out.value("type", "") == type) return out;
  }
  return std::nullopt;
}

std::optional<int> ws_client::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  while (!closed_) {
    inbox_.clear();
    if (!pump(deadline) && !closed_) return std::nullopt;
  }
  inbox_.clear();
  return close_code_;
}

void ws_client::close(int code, std::chrono::milliseconds timeout) {
  if (closed_) return;
  auto sent = std::make_shared<bool>(false);
  impl_->ws.async_close(websocket::close_reason(static_cast<std::uint16_t>(code)),
                        [sent](beast::error_code) { *sent = true; });
  auto deadline = clock_type::now() + timeout;
  impl_->run_until([&] { return *sent; }, deadline);
  // The server answers with its own close frame, which ends the read.
  while (!closed_ && clock_type::now() < deadline) {
    inbox_.clear();
    pump(deadline);
  }
}

void ws_client::drop() {
  beast::error_code ignored;
  beast::get_lowest_layer(impl_->ws).socket().shutdown(net::ip::tcp::socket::shutdown_both,
                                                       ignored);
  beast::get_lowest_layer(impl_->ws).socket().close(ignored);
  closed_ = true;
  close_code_ = 1006;
  close_error_ = "dropped by the client";
}

std::pair<int, std::string> upgrade_status(int port, const std::string& target,
                                           const ws_options& options) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Upgrade", "websocket"},
      {"Connection", "Upgrade"},
      {"Sec-WebSocket-Version", "13"},
      {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};
  if (!options.origin.empty()) headers.emplace_back("Origin", options.origin);
  for (const auto& h : options.headers) headers.push_back(h);
  auto reply = http_call(port, "GET", target, "", headers);
  return {reply.status, reply.body};
}

}  // namespace rooms::testing
