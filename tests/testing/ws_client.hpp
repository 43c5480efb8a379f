#pragma once
/// A small synchronous WebSocket client for black-box tests of roomd (Boost.Beast).
///
/// Every wait takes a timeout: tests wait for the message they expect, never sleep. Not thread
/// safe: one test thread drives one client.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace rooms::testing {

using namespace std::chrono_literals;

/// The server answered the upgrade with a plain HTTP response (Beast does not hand it out:
/// see upgrade_status for the status code).
struct ws_refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Options of a connection.
struct ws_options {
  /// Origin header of the upgrade request; none when empty. Default: none.
  std::string origin;
  /// SO_RCVBUF in bytes set before connecting; 0 keeps the system default. A small one makes
  /// a client that stops reading look slow to the server quickly. Default: 0.
  int receive_buffer = 0;
  /// Extra headers of the upgrade request.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// One WebSocket connection to `127.0.0.1:<port><target>`.
class ws_client {
 public:
  /// Connects and completes the upgrade; throws ws_refused when the server answered the
  /// upgrade with a non-101 HTTP response, std::runtime_error on other failures.
  ws_client(int port, const std::string& target, ws_options options = {});
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  /// Convenience: connects to `/ws/<session_id>`.
  static std::unique_ptr<ws_client> join_path(int port, const std::string& session_id,
                                              ws_options options = {});

  // -- sending --

  /// Sends one text frame.
  void send_text(const std::string& text);
  /// Sends one JSON object as a text frame.
  void send(const nlohmann::json& message);
  /// Sends one binary frame.
  void send_binary(const std::string& bytes);

  // -- receiving --

  /// The next text message as JSON (a non-JSON text is returned as a JSON string), or nullopt
  /// when none arrived within `timeout` or the connection is closed.
  std::optional<nlohmann::json> next(std::chrono::milliseconds timeout = 5s);
  /// The next message whose "type" is `type`, skipping (and dropping) others; nullopt on
  /// timeout or close.
  std::optional<nlohmann::json> next_of_type(const std::string& type,
                                             std::chrono::milliseconds timeout = 5s);
  /// Waits until the server closes the connection, dropping messages; its close code (1006
  /// when the TCP connection ended without a close frame), or nullopt on timeout.
  std::optional<int> wait_closed(std::chrono::milliseconds timeout = 5s);
  /// Every message received but not yet returned, in order.
  std::size_t buffered() const { return inbox_.size(); }
  /// Every byte of every text and binary message received so far, as it came off the wire
  /// (before JSON parsing): what a test asserts a client was never sent.
  const std::string& received_bytes() const { return received_; }

  /// True once the server's close frame arrived or the connection failed.
  bool closed() const { return closed_; }
  /// The close code the server sent (1006 without a close frame); 0 while open.
  int close_code() const { return close_code_; }
  /// Why the connection ended, for failure messages ("" while open).
  const std::string& close_error() const { return close_error_; }

  // -- closing --

  /// Sends a close frame with `code` and waits (up to `timeout`) for the server's answer.
  void close(int code = 1000, std::chrono::milliseconds timeout = 5s);
  /// Drops the TCP connection without a close frame (the server sees 1006).
  void drop();

 private:
  struct impl;
  /// Writes one frame, running I/O until it is sent.
  void write(const std::string& data, bool text);
  /// Runs I/O until a message is queued, the connection closes, or the deadline passes.
  bool pump(std::chrono::steady_clock::time_point deadline);

  std::unique_ptr<impl> impl_;
  std::deque<nlohmann::json> inbox_;
  std::string received_;
  bool closed_ = false;
  int close_code_ = 0;
  std::string close_error_;
};

/// The HTTP status of a WebSocket upgrade request to `target` with `options` (101 when
/// accepted), and the response body.
std::pair<int, std::string> upgrade_status(int port, const std::string& target,
                                           const ws_options& options = {});

}  // namespace rooms::testing
