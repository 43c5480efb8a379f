#include "tests/testing/roomd_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <gtest/gtest.h>
#include <boost/asio.hpp>
#include <boost/beast.hpp>

namespace rooms::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

std::string bin_path(const std::string& name) {
  const char* dir = std::getenv("ROOMS_BIN_DIR");
  return std::string(dir ? dir : "./bin") + "/" + name;
}

namespace {
std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

roomd_process::roomd_process(std::string data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)) {
  const std::string port_file = data_dir_ + ".port";
  ::unlink(port_file.c_str());
  log_path_ = data_dir_ + ".log";
  std::vector<std::string> args = {bin_path("roomd"), "--port-file", port_file, "--data-dir",
                                   data_dir_,         "--log-level", "debug"};
  // An ephemeral port unless the test chose one (a cluster's nodes are listed by address).
  if (std::find(extra_args.begin(), extra_args.end(), "--listen") == extra_args.end()) {
    args.push_back("--listen");
    args.push_back("127.0.0.1:0");
  }
  // No runner unless the test asks for one: probing every toolchain costs seconds per start.
  if (std::find(extra_args.begin(), extra_args.end(), "--runner") == extra_args.end()) {
    args.push_back("--runner");
    args.push_back("none");
  }
  // Sandbox uids of their own: RLIMIT_NPROC counts per uid across the host, so a fork bomb in
  // one test's roomd (ctest runs two at once) would starve another's start-up probe.
  if (std::find(extra_args.begin(), extra_args.end(), "--sandbox-uid") == extra_args.end()) {
    static std::atomic<unsigned> started{0};
    auto base = 1000000 + (static_cast<unsigned>(::getpid()) % 100000 * 8 + started++ % 8) * 64;
    args.push_back("--sandbox-uid");
    args.push_back(std::to_string(base));
  }
  // Over TLS /health cannot be asked in plain HTTP: the port file (written once listening) is
  // the sign of life.
  const bool tls =
      std::find(extra_args.begin(), extra_args.end(), "--tls-cert") != extra_args.end();
  for (auto& a : extra_args) args.push_back(std::move(a));
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  // Generous: with --runner local, roomd probes every installed toolchain before it listens
  // (all 25 languages: over 30 s on a busy 2-core machine).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("roomd exited at start: " + log());
    }
    std::ifstream in(port_file);
    if (in >> port_ && port_ > 0) {
      if (tls) return;
      try {
        if (http_call(port_, "GET", "/health").status == 200) return;
      } catch (...) {
      }
    }
    std::this_thread::sleep_for(
        std::chrono::milliseconds(20));  // polling a child's start-up, not timing a test
  }
  kill9();
  throw std::runtime_error("roomd did not start within 120 s: " + log());
}

roomd_process::~roomd_process() {
  if (pid_ > 0) stop();
}

std::string roomd_process::admin_token() const {
  auto token = read_file(data_dir_ + "/admin.token");
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

std::string roomd_process::log() const {
  return read_file(log_path_);
}

int roomd_process::stop(std::chrono::seconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill9();
  return -1;
}

void roomd_process::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string http_reply::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (beast::iequals(k, name)) return v;
  return {};
}

http_reply http_call(int port, const std::string& method, const std::string& target,
                     const std::string& body,
                     const std::vector<std::pair<std::string, std::string>>& headers) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(30));
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                        static_cast<unsigned short>(port)));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256u << 20);
  http::read(stream, buffer, parser);
  auto res = parser.release();
  http_reply out;
  out.status = res.result_int();
  out.body = res.body();
  for (const auto& field : res)
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  beast::error_code ec;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  return out;
}

}  // namespace rooms::testing
