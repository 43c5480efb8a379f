/// roomd over TLS (--tls-cert, --tls-key): HTTPS and WSS on one port, checked by curl and a
/// Beast TLS client that verifies the certificate the test made with the openssl CLI; plain
/// HTTP redirected to https; SIGHUP reloading the certificate under an open WebSocket; the
/// draining close (1009) over TLS; start-up errors that name the file and the reason.

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <thread>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>

#include "tests/gateway/helpers.hpp"

namespace rooms::gateway::test {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using clock_type = std::chrono::steady_clock;

/// Runs a shell command; its exit code and what it printed (stdout and stderr).
std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return {-1, "popen failed"};
  char buf[4096];
  while (auto n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

struct cert_files {
  std::string cert, key;
};

/// A self-signed EC certificate for 127.0.0.1 made by the openssl CLI; `days` -1 makes one
/// that expired a day ago.
cert_files make_cert(const temp_dir& dir, const std::string& name, const std::string& serial,
                     int days = 2) {
  cert_files f{(dir.path() / (name + ".crt")).string(), (dir.path() / (name + ".key")).string()};
  auto csr = (dir.path() / (name + ".csr")).string();
  auto ext = (dir.path() / (name + ".ext")).string();
  std::ofstream(ext) << "subjectAltName=IP:127.0.0.1\n";
  auto [code, out] =
      run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
          f.key + " -out " + csr + " -subj /CN=" + name + " && openssl x509 -req -in " + csr +
          " -signkey " + f.key + " -days " + std::to_string(days) + " -set_serial " + serial +
          " -extfile " + ext + " -out " + f.cert);
  EXPECT_EQ(code, 0) << out;
  return f;
}

/// A port nobody listens on right now.
int free_port() {
  net::io_context ioc;
  net::ip::tcp::acceptor a(ioc, {net::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

/// `curl -sS --cacert CA -D - URL ...`: the response head and body, verifying the certificate.
std::pair<int, std::string> curl(const std::string& ca, const std::string& url,
                                 const std::string& extra = "") {
  return run("curl -sS --max-time 10 --cacert " + ca + " -D - " + extra + " '" + url + "'");
}

/// POST /api/sessions over HTTPS (curl); the new session's id.
std::string create_session_over(const roomd_process& server, const std::string& ca) {
  auto [code, out] =
      curl(ca, "https://127.0.0.1:" + std::to_string(server.port()) + "/api/sessions",
           "-X POST -H 'Content-Type: application/json' -d '{}'");
  EXPECT_EQ(code, 0) << out;
  auto body =
      json::parse(out.substr(std::min(out.size(), out.find("\r\n\r\n") + 4)), nullptr, false);
  EXPECT_TRUE(body.is_object()) << out;
  return body.is_object() ? body.value("sessionId", "") : "";
}

/// A WebSocket over TLS that verifies the server against `ca_file`. Every wait is bounded.
class tls_ws {
 public:
  tls_ws(int port, const std::string& ca_file, const std::string& target) {
    tls_.load_verify_file(ca_file);
    ws_.next_layer().set_verify_mode(ssl::verify_peer);
    auto& tcp = beast::get_lowest_layer(ws_);
    tcp.expires_after(std::chrono::seconds(10));
    tcp.connect({net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    ws_.next_layer().handshake(ssl::stream_base::client);
    ws_.handshake("127.0.0.1:" + std::to_string(port), target);
    tcp.expires_never();
    ws_.read_message_max(64u << 20);
  }

  /// The serial number of the certificate the server presented, as upper-case hex.
  std::string peer_serial() {
    X509* cert = SSL_get1_peer_certificate(ws_.next_layer().native_handle());
    if (!cert) return {};
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
    char* hex = BN_bn2hex(bn);
    std::string out = hex;
    OPENSSL_free(hex);
    BN_free(bn);
    X509_free(cert);
    return out;
  }

  void send(const json& message) {
    text_ = message.dump();
    bool done = false;
    ws_.async_write(net::buffer(text_), [&](beast::error_code, std::size_t) { done = true; });
    run_until([&] { return done; });
  }

  /// The next message of `type` (others dropped), or nullopt on close or after 5 s.
  std::optional<json> next_of_type(const std::string& type) {
    auto deadline = clock_type::now() + 5s;
    while (clock_type::now() < deadline) {
      auto text = read(deadline);
      if (!text) return std::nullopt;
      auto j = json::parse(*text, nullptr, false);
      if (j.is_object() && j.value("type", "") == type) return j;
    }
    return std::nullopt;
  }

  /// Writes one text frame of `size` bytes while reading: the close code the server sent, or
  /// 1006 when the connection failed without one (a reset before our read of it).
  int close_code_after_writing(std::size_t size) {
    std::string payload(size, ' ');
    bool written = false, closed = false;
    ws_.async_write(net::buffer(payload), [&](beast::error_code, std::size_t) { written = true; });
    ws_.async_read(buffer_, [&](beast::error_code, std::size_t) { closed = true; });
    run_until([&] { return written && closed; }, clock_type::now() + 30s);
    return ws_.reason().code != 0 ? ws_.reason().code : 1006;
  }

 private:
  std::optional<std::string> read(clock_type::time_point deadline) {
    bool done = false;
    beast::error_code result;
    ws_.async_read(buffer_, [&](beast::error_code ec, std::size_t) {
      done = true;
      result = ec;
    });
    if (!run_until([&] { return done; }, deadline)) {
      // Cancel the read and let its handler run before `done` goes out of scope.
      beast::get_lowest_layer(ws_).cancel();
      run_until([&] { return done; }, clock_type::now() + 5s);
      return std::nullopt;
    }
    if (result) return std::nullopt;
    auto text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    return text;
  }

  template <class Done>
  bool run_until(Done done, clock_type::time_point deadline = clock_type::now() + 10s) {
    while (!done()) {
      if (ioc_.stopped()) ioc_.restart();
      if (clock_type::now() >= deadline) return false;
      ioc_.run_one_until(deadline);
    }
    return true;
  }

  net::io_context ioc_;
  ssl::context tls_{ssl::context::tls_client};
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws_{ioc_, tls_};
  beast::flat_buffer buffer_;
  std::string text_;
};

/// Waits (polling the child's log) until it contains `text`.
bool log_shows(const roomd_process& server, const std::string& text) {
  auto deadline = clock_type::now() + 10s;
  while (clock_type::now() < deadline) {
    if (server.log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(20ms);  // polling a child's log, not timing a test
  }
  return false;
}

class tls : public ::testing::Test {
 protected:
  std::vector<std::string> tls_args(const cert_files& c) {
    return {"--tls-cert", c.cert, "--tls-key", c.key};
  }
  std::string data() const { return (dir_.path() / "data").string(); }
  temp_dir dir_;
};

TEST_F(tls, https_and_wss_on_one_port) {
  auto cert = make_cert(dir_, "first", "0xA1");
  roomd_process server(data(), tls_args(cert));
  auto base = "https://127.0.0.1:" + std::to_string(server.port());
  auto [code, head] = curl(cert.cert, base + "/health", "-o /dev/null");
  ASSERT_EQ(code, 0) << head;
  EXPECT_NE(head.find("HTTP/1.1 200"), std::string::npos) << head;
  EXPECT_NE(head.find("Strict-Transport-Security: max-age=31536000"), std::string::npos) << head;
  auto sid = create_session_over(server, cert.cert);
  ASSERT_FALSE(sid.empty());

  tls_ws ws(server.port(), cert.cert, "/ws/" + sid);
  EXPECT_EQ(ws.peer_serial(), "A1");
  ws.send({{"type", "join_session"}, {"name", "ann"}, {"role", "candidate"}});
  auto state = ws.next_of_type("session_state");
  ASSERT_TRUE(state) << server.log();
  EXPECT_EQ(state->value("sessionId", ""), sid);
  ws.send({{"type", "ping"}});
  EXPECT_TRUE(ws.next_of_type("pong"));
}

TEST_F(tls, plain_http_is_redirected_to_https_on_the_tls_port_and_the_redirect_port) {
  auto cert = make_cert(dir_, "first", "0xA1");
  int redirect_port = free_port();
  auto args = tls_args(cert);
  args.insert(args.end(), {"--http-redirect-port", std::to_string(redirect_port)});
  roomd_process server(data(), args);
  auto https = "https://127.0.0.1:" + std::to_string(server.port());

  auto r = http_call(redirect_port, "GET", "/room/abc?x=1");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("Location"), https + "/room/abc?x=1");
  EXPECT_EQ(r.header("Strict-Transport-Security"), "") << "HSTS over plain HTTP means nothing";
  r = http_call(redirect_port, "GET", "/", "", {{"Host", "rooms.example.com:80"}});
  EXPECT_EQ(r.header("Location"),
            "https://rooms.example.com:" + std::to_string(server.port()) + "/");
  r = http_call(redirect_port, "GET", "/", "", {{"Host", "bad host\"><"}});
  EXPECT_EQ(r.status, 400) << "no Location built from a Host that is not a host name";
  // A plain request on the TLS port itself gets the same answer instead of a TLS alert.
  r = http_call(server.port(), "GET", "/health");
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(r.header("Location"), https + "/health");
  // And TLS still works beside it.
  auto [code, head] = curl(cert.cert, https + "/health", "-o /dev/null");
  EXPECT_NE(head.find("HTTP/1.1 200"), std::string::npos) << head;
}

TEST_F(tls, sighup_reloads_the_certificate_and_open_sockets_keep_working) {
  auto first = make_cert(dir_, "first", "0xA1");
  auto second = make_cert(dir_, "second", "0xB2");
  // roomd reads the files at these paths again on SIGHUP.
  temp_dir live;
  cert_files in_use{(live.path() / "cert.pem").string(), (live.path() / "key.pem").string()};
  std::filesystem::copy_file(first.cert, in_use.cert);
  std::filesystem::copy_file(first.key, in_use.key);
  roomd_process server(data(), tls_args(in_use));
  auto s = create_session_over(server, first.cert);

  tls_ws before(server.port(), first.cert, "/ws/" + s);
  ASSERT_EQ(before.peer_serial(), "A1");
  before.send({{"type", "join_session"}, {"name", "ann"}, {"role", "candidate"}});
  ASSERT_TRUE(before.next_of_type("session_state"));

  std::filesystem::copy_file(second.cert, in_use.cert,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(second.key, in_use.key,
                             std::filesystem::copy_options::overwrite_existing);
  ::kill(server.pid(), SIGHUP);
  ASSERT_TRUE(log_shows(server, "TLS: reloaded")) << server.log();

  // The open socket is untouched: it still talks, with its old session.
  before.send({{"type", "ping"}});
  EXPECT_TRUE(before.next_of_type("pong"));
  // A new connection gets the new certificate (verified against the new CA only).
  tls_ws after(server.port(), second.cert, "/ws/" + s);
  EXPECT_EQ(after.peer_serial(), "B2");
  after.send({{"type", "join_session"}, {"name", "bob"}, {"role", "candidate"}});
  EXPECT_TRUE(after.next_of_type("session_state"));
  EXPECT_TRUE(before.next_of_type("participant_joined")) << "the old socket hears the new one";

  // A broken reload (a key of another certificate) is refused, named, and changes nothing.
  std::filesystem::copy_file(first.key, in_use.key,
                             std::filesystem::copy_options::overwrite_existing);
  ::kill(server.pid(), SIGHUP);
  ASSERT_TRUE(log_shows(server, "does not match the certificate")) << server.log();
  EXPECT_NE(server.log().find("--tls-key " + in_use.key), std::string::npos) << server.log();
  tls_ws still(server.port(), second.cert, "/ws/" + s);
  EXPECT_EQ(still.peer_serial(), "B2");
}

TEST_F(tls, an_oversized_frame_over_tls_still_reads_1009) {
  auto cert = make_cert(dir_, "first", "0xA1");
  roomd_process server(data(), tls_args(cert));  // --max-message-bytes 1 MiB
  auto s = create_session_over(server, cert.cert);
  // The client writes the whole 8 MiB frame at full speed, as a browser does: with a plain
  // close the server's reset would cost it our close frame (1006). See ws_limits_test.
  for (int attempt = 0; attempt < 3; ++attempt) {
    tls_ws ws(server.port(), cert.cert, "/ws/" + s);
    EXPECT_EQ(ws.close_code_after_writing(std::size_t{8} << 20), 1009) << "attempt " << attempt;
  }
}

TEST_F(tls, a_bad_certificate_or_key_stops_the_start_with_one_line_naming_it) {
  auto good = make_cert(dir_, "good", "0x1");
  auto other = make_cert(dir_, "other", "0x2");
  auto expired = make_cert(dir_, "expired", "0x3", -1);
  auto garbage = (dir_.path() / "garbage.pem").string();
  std::ofstream(garbage) << "not a certificate\n";
  auto missing = (dir_.path() / "missing.pem").string();
  struct bad_case {
    std::string cert, key, file, reason;
  };
  const bad_case cases[] = {
      {expired.cert, expired.key, "--tls-cert " + expired.cert, "the certificate expired on"},
      {good.cert, other.key, "--tls-key " + other.key, "does not match the certificate in"},
      {missing, good.key, "--tls-cert " + missing, "cannot read it (No such file or directory)"},
      {garbage, good.key, "--tls-cert " + garbage, "not a PEM certificate"},
      {good.cert, garbage, "--tls-key " + garbage, "not a usable PEM private key"},
  };
  for (const auto& c : cases) {
    auto [code, out] = run(rooms::testing::bin_path("roomd") +
                           " --listen 127.0.0.1:0 --runner none" + " --data-dir " + data() +
                           " --log-level warn --tls-cert " + c.cert + " --tls-key " + c.key);
    EXPECT_NE(code, 0) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
    EXPECT_EQ(out.rfind("roomd: " + c.file + ": " + c.reason, 0), 0u) << out;
  }
}

}  // namespace
}  // namespace rooms::gateway::test
