// The Piston backend against a tiny HTTP server on a loopback ephemeral port: a real HTTP
// exchange over a real socket, answering canned Piston-shaped JSON.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "runner/piston.hpp"
#include "runner/runner.hpp"

namespace {

using namespace rooms::runner;
using namespace std::chrono_literals;
using json = nlohmann::json;

const char* runtimes_body = R"([
  {"language":"python","version":"3.10.0","aliases":["py","python3"]},
  {"language":"c++","version":"10.2.0","aliases":["cpp","g++"],"runtime":"gcc"},
  {"language":"javascript","version":"18.15.0","aliases":["node-javascript","js"],"runtime":"node"}
])";

/// One request as the server saw it.
struct seen_request {
  std::string method, path, body;
  std::map<std::string, std::string> headers;  ///< lower-case names
};

/// Answers each connection with the canned reply for its path, then closes it.
class fake_piston {
 public:
  fake_piston() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    reply("/api/v2/runtimes", 200, runtimes_body);
    thread_ = std::thread([this] { serve(); });
  }
  ~fake_piston() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void reply(const std::string& path, int status, const std::string& body) {
    std::lock_guard lock(mutex_);
    replies_[path] = {status, body};
  }
  std::vector<seen_request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      handle(c);
      ::close(c);
    }
  }
  void handle(int c) {
    std::string data;
    char buf[4096];
    std::size_t header_end = std::string::npos;
    std::size_t content_length = 0;
    while (true) {
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          auto pos = lower(data).find("content-length:");
          if (pos != std::string::npos && pos < header_end)
            content_length = std::stoul(data.substr(pos + 15));
        }
      }
      if (header_end != std::string::npos && data.size() >= header_end + 4 + content_length) break;
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      data.append(buf, static_cast<std::size_t>(n));
    }
    seen_request req;
    std::string head = data.substr(0, header_end);
    auto first_line_end = head.find("\r\n");
    std::string first = head.substr(0, first_line_end);
    req.method = first.substr(0, first.find(' '));
    req.path = first.substr(first.find(' ') + 1, first.rfind(' ') - first.find(' ') - 1);
    std::size_t pos = first_line_end + 2;
    while (pos < head.size()) {
      auto end = head.find("\r\n", pos);
      if (end == std::string::npos) end = head.size();
      auto line = head.substr(pos, end - pos);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        auto value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        req.headers[lower(line.substr(0, colon))] = value;
      }
      pos = end + 2;
    }
    req.body = data.substr(header_end + 4, content_length);
    std::pair<int, std::string> answer{404, R"({"message":"no such route"})"};
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(req);
      if (auto it = replies_.find(req.path); it != replies_.end()) answer = it->second;
    }
    std::string response = "HTTP/1.1 " + std::to_string(answer.first) +
                           " X\r\nContent-Type: application/json\r\n"
                           "Content-Length: " +
                           std::to_string(answer.second.size()) + "\r\nConnection: close\r\n\r\n" +
                           answer.second;
    ::send(c, response.data(), response.size(), MSG_NOSIGNAL);
  }
  static std::string lower(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::map<std::string, std::pair<int, std::string>> replies_;
  std::vector<seen_request> requests_;
  std::thread thread_;
};

piston_options options_for(const fake_piston& server) {
  piston_options o;
  o.url = server.url() + "/";
  o.connect_timeout = 1s;
  o.total_timeout = 5s;
  o.run_timeout = 3000ms;
  o.compile_timeout = 7000ms;
  return o;
}

TEST(piston_runner, runtimes_are_fetched_once_and_mapped) {
  fake_piston server;
  auto r = make_piston_runner(options_for(server));
  EXPECT_EQ(r->name(), "piston");
  auto list = r->runtimes();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[1].language, "cpp");
  EXPECT_EQ(list[1].version, "10.2.0");
  EXPECT_NE(std::find(list[1].aliases.begin(), list[1].aliases.end(), "c++"),
            list[1].aliases.end());
  r->runtimes();
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);  // cached
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].path, "/api/v2/runtimes");
}

TEST(piston_runner, execute_request_shape_and_success) {
  fake_piston server;
  server.reply("/api/v2/execute", 200, R"({"language":"c++","version":"10.2.0",
    "compile":{"stdout":"","stderr":"warning: x\n","output":"warning: x\n","code":0,"signal":null},
    "run":{"stdout":"hi\n","stderr":"","output":"hi\n","code":0,"signal":null,"wall_time":42}})");
  auto r = make_piston_runner(options_for(server));
  auto result = r->run({"cpp", "int main(){}", "some input"});
  EXPECT_TRUE(result.error.empty()) << result.error;
  EXPECT_EQ(result.stdout_data, "hi\n");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.compile_output, "warning: x\n");
  EXPECT_FALSE(result.compile_failed);
  EXPECT_EQ(result.duration_ms, 42);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  auto post = requests[1];
  EXPECT_EQ(post.method, "POST");
  EXPECT_EQ(post.path, "/api/v2/execute");
  EXPECT_EQ(post.headers["content-type"], "application/json");
  auto body = json::parse(post.body);
  EXPECT_EQ(body["language"], "c++");
  EXPECT_EQ(body["version"], "10.2.0");
  ASSERT_EQ(body["files"].size(), 1u);
  EXPECT_EQ(body["files"][0]["content"], "int main(){}");
  EXPECT_TRUE(body["files"][0].contains("name"));
  EXPECT_EQ(body["stdin"], "some input");
  EXPECT_EQ(body["run_timeout"], 3000);
  EXPECT_EQ(body["compile_timeout"], 7000);
}

TEST(piston_runner, aliases_resolve_through_the_runtimes_list) {
  fake_piston server;
  server.reply("/api/v2/execute", 200,
               R"({"run":{"stdout":"1\n","stderr":"","code":0,"signal":null}})");
  auto r = make_piston_runner(options_for(server));
  EXPECT_EQ(r->run({"js", "console.log(1)", ""}).stdout_data, "1\n");
  EXPECT_EQ(json::parse(server.requests().back().body)["language"], "javascript");
  EXPECT_NE(r->run({"cobol", "", ""}).error.find("unsupported language"), std::string::npos);
}

TEST(piston_runner, stage_mapping) {
  using rooms::runner::detail::parse_piston_execute;
  auto compile_error = parse_piston_execute(
      R"({"compile":{"stdout":"","stderr":"main.c:1: error: x","output":"main.c:1: error: x","code":1,"signal":null},"run":{"stdout":"","stderr":"","code":null,"signal":null}})");
  EXPECT_TRUE(compile_error.compile_failed);
  EXPECT_EQ(compile_error.compile_output, "main.c:1: error: x");
  EXPECT_TRUE(compile_error.error.empty());
  auto timeout = parse_piston_execute(
      R"({"run":{"stdout":"partial","stderr":"","code":null,"signal":"SIGKILL","status":"TO","message":"Time limit exceeded"}})");
  EXPECT_TRUE(timeout.timed_out);
  EXPECT_EQ(timeout.signal, "SIGKILL");
  EXPECT_EQ(timeout.exit_code, -1);
  EXPECT_EQ(timeout.stdout_data, "partial");
  auto segv = parse_piston_execute(
      R"({"run":{"stdout":"","stderr":"","code":null,"signal":"SIGSEGV","status":"SG"}})");
  EXPECT_EQ(segv.signal, "SIGSEGV");
  EXPECT_FALSE(segv.timed_out);
  auto flood = parse_piston_execute(
      R"({"run":{"stdout":"xxxx","stderr":"","code":null,"signal":"SIGKILL","status":"OL"}})");
  EXPECT_TRUE(flood.truncated);
  auto err_flood = parse_piston_execute(
      R"({"run":{"stdout":"","stderr":"eeee","code":null,"signal":"SIGKILL","status":"EL"}})");
  EXPECT_TRUE(err_flood.truncated);
  auto exit3 = parse_piston_execute(
      R"({"run":{"stdout":"","stderr":"boom","code":3,"signal":null,"status":"RE"}})");
  EXPECT_EQ(exit3.exit_code, 3);
  EXPECT_EQ(exit3.stderr_data, "boom");
  EXPECT_NE(parse_piston_execute("not json").error, "");
  EXPECT_NE(parse_piston_execute(R"({"language":"c"})").error, "");
  EXPECT_NE(parse_piston_execute(R"({"run":{"status":"XX","message":"isolate broke"}})")
                .error.find("isolate broke"),
            std::string::npos);
}

TEST(piston_runner, names_map_both_ways) {
  using namespace rooms::runner::detail;
  EXPECT_EQ(to_piston_language("cpp"), "c++");
  EXPECT_EQ(from_piston_language("c++"), "cpp");
  EXPECT_EQ(to_piston_language("python"), "python");
  EXPECT_EQ(from_piston_language("javascript"), "javascript");
}

TEST(piston_runner, non_2xx_is_a_clear_error) {
  fake_piston server;
  server.reply("/api/v2/execute", 400, R"({"message":"python-3.10.0 runtime is unknown"})");
  auto r = make_piston_runner(options_for(server));
  auto result = r->run({"python", "print(1)", ""});
  EXPECT_NE(result.error.find("HTTP 400"), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("runtime is unknown"), std::string::npos) << result.error;
  server.reply("/api/v2/runtimes", 500, "oops");
  auto fresh = make_piston_runner(options_for(server));
  EXPECT_TRUE(fresh->runtimes().empty());
  EXPECT_NE(fresh->run({"python", "", ""}).error.find("HTTP 500"), std::string::npos);
}

TEST(piston_runner, unreachable_gives_a_clear_error_within_the_connect_timeout) {
  // A port nobody listens on: refused at once.
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(s);
  piston_options o;
  o.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  o.connect_timeout = 500ms;
  auto start = std::chrono::steady_clock::now();
  auto result = make_piston_runner(o)->run({"python", "print(1)", ""});
  EXPECT_NE(result.error.find("unreachable"), std::string::npos) << result.error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  // A black-holed address (TEST-NET-1, never routed): bounded by the connect timeout.
  o.url = "http://192.0.2.1:2000";
  start = std::chrono::steady_clock::now();
  result = make_piston_runner(o)->run({"python", "print(1)", ""});
  EXPECT_NE(result.error.find("unreachable"), std::string::npos) << result.error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

}  // namespace
