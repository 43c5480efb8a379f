// rooms::fetch against a small HTTP server on a loopback ephemeral port: real requests over
// a real socket, the server recording what arrived.

#include "fetch/fetch.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/secrets.hpp"
#include "tests/testing/ports.hpp"

namespace {

using namespace rooms;

/// Answers every request with `body` (keeping the connection open, as HTTP/1.1 allows) and
/// records each request's head and body.
class server {
 public:
  explicit server(std::string body) : body_(std::move(body)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 8);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    url_ = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
    thread_ = std::thread([this] { serve(); });
  }
  ~server() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  const std::string& url() const { return url_; }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int connections() const { return connections_; }

 private:
  void serve() {
    std::vector<pollfd> fds{{fd_, POLLIN, 0}};
    std::vector<std::string> pending{""};
    while (!stop_) {
      if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        fds.push_back({::accept(fd_, nullptr, nullptr), POLLIN, 0});
        pending.emplace_back();
        ++connections_;
      }
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (!(fds[i].revents & POLLIN)) continue;
        char buf[4096];
        ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) continue;
        pending[i].append(buf, static_cast<std::size_t>(n));
        answer_complete_requests(fds[i].fd, pending[i]);
      }
    }
    for (std::size_t i = 1; i < fds.size(); ++i) ::close(fds[i].fd);
  }

  void answer_complete_requests(int fd, std::string& in) {
    auto end = in.find("\r\n\r\n");
    if (end == std::string::npos) return;
    std::size_t length = 0;
    auto at = in.find("Content-Length: ");
    if (at != std::string::npos && at < end) length = std::stoul(in.substr(at + 16));
    if (in.size() < end + 4 + length) return;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(in.substr(0, end + 4 + length));
    }
    in.erase(0, end + 4 + length);
    std::string reply = "HTTP/1.1 201 Created\r\nContent-Length: " + std::to_string(body_.size()) +
                        "\r\n\r\n" + body_;
    (void)!::write(fd, reply.data(), reply.size());
  }

  std::string body_, url_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

TEST(Fetch, GetSendsTheHeadersAndReturnsStatusAndBody) {
  server s("hello");
  fetch::request r;
  r.url = s.url() + "/path?q=1";
  r.headers = {"Accept: text/plain", "X-Trace: 42"};
  auto got = fetch::perform(r);
  EXPECT_EQ(got.error, "");
  EXPECT_EQ(got.status, 201);
  EXPECT_EQ(got.body, "hello");
  ASSERT_EQ(s.requests().size(), 1u);
  const auto head = s.requests()[0];
  EXPECT_EQ(head.rfind("GET /path?q=1 HTTP/1.1\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("\r\nAccept: text/plain\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nX-Trace: 42\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Authorization"), std::string::npos) << head;
}

TEST(Fetch, PostSendsTheBodyWithBasicAuthAndNoExpect) {
  server s("{}");
  fetch::request r;
  r.method = "POST";
  r.url = s.url() + "/token";
  r.headers = {"Content-Type: application/x-www-form-urlencoded"};
  r.body = std::string(3000, 'x');  // beyond curl's 1 KiB threshold for Expect: 100-continue
  r.user = "client";
  r.password = "s3cret";
  auto got = fetch::perform(r);
  EXPECT_EQ(got.error, "");
  EXPECT_EQ(got.status, 201);
  ASSERT_EQ(s.requests().size(), 1u);
  const auto request = s.requests()[0];
  EXPECT_EQ(request.rfind("POST /token HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_NE(request.find("\r\nAuthorization: Basic " + base::base64("client:s3cret") + "\r\n"),
            std::string::npos)
      << request;
  EXPECT_EQ(request.find("Expect:"), std::string::npos) << request;
  EXPECT_EQ(request.substr(request.size() - 3000), std::string(3000, 'x'));
}

TEST(Fetch, AnAnswerBeyondMaxBodyIsAnErrorWithNoBody) {
  server s(std::string(5000, 'b'));
  fetch::request r;
  r.url = s.url();
  r.max_body = 1000;
  auto got = fetch::perform(r);
  EXPECT_EQ(got.error, "the answer is larger than 1000 bytes");
  EXPECT_EQ(got.status, 0);
  EXPECT_EQ(got.body, "");
  r.max_body = 5000;  // exactly the limit is fine
  got = fetch::perform(r);
  EXPECT_EQ(got.error, "");
  EXPECT_EQ(got.body.size(), 5000u);
}

TEST(Fetch, AClientKeepsItsConnectionAndForgetsTheLastRequest) {
  server s("ok");
  fetch::client c;
  fetch::request with_auth;
  with_auth.url = s.url() + "/a";
  with_auth.user = "u";
  with_auth.password = "p";
  EXPECT_EQ(c.perform(with_auth).status, 201);
  fetch::request plain;
  plain.url = s.url() + "/b";
  EXPECT_EQ(c.perform(plain).status, 201);
  ASSERT_EQ(s.requests().size(), 2u);
  EXPECT_EQ(s.requests()[1].find("Authorization"), std::string::npos) << s.requests()[1];
  EXPECT_EQ(s.connections(), 1);
}

TEST(Fetch, RefusedConnectionsAndOtherSchemesAreErrors) {
  fetch::request r;
  r.url = "http://127.0.0.1:" + std::to_string(rooms::testing::free_loopback_port()) + "/";
  auto got = fetch::perform(r);
  EXPECT_EQ(got.status, 0);
  EXPECT_NE(got.error, "");
  r.url = "file:///etc/passwd";
  got = fetch::perform(r);
  EXPECT_EQ(got.status, 0);
  EXPECT_NE(got.error, "");
  EXPECT_EQ(got.body, "");
}

TEST(Fetch, EscapeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(fetch::escape("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(fetch::escape("a b&c=d/e+f?\xc3\xa9"), "a%20b%26c%3Dd%2Fe%2Bf%3F%C3%A9");
  EXPECT_EQ(fetch::escape(""), "");
}

}  // namespace
