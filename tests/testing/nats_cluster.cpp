#include "tests/testing/nats_cluster.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/testing/ports.hpp"

namespace rooms::testing {

std::string nats_server_bin() {
  const char* bin = std::getenv("NATS_SERVER_BIN");
  return bin ? bin : "/usr/sbin/nats-server";
}

nats_cluster::nats_cluster(int servers) {
  for (int i = 0; i < servers; ++i)
    servers_.push_back({"n" + std::to_string(i + 1), free_loopback_port(), free_loopback_port(),
                        free_loopback_port()});
  for (int i = 0; i < servers; ++i) start(i);
  for (int i = 0; i < servers; ++i) wait_ready(i);
}

nats_cluster::~nats_cluster() {
  for (int i = 0; i < static_cast<int>(servers_.size()); ++i)
    if (running(i)) kill9(i);
}

std::vector<std::string> nats_cluster::urls() const {
  std::vector<std::string> out;
  for (const auto& s : servers_) out.push_back("nats://127.0.0.1:" + std::to_string(s.client_port));
  return out;
}

void nats_cluster::start(int i) {
  server& s = servers_[i];
  std::string routes;
  for (const auto& peer : servers_) {
    if (&peer == &s) continue;
    routes += (routes.empty() ? "" : ",") + std::string("nats://127.0.0.1:") +
              std::to_string(peer.route_port);
  }
  std::string store = (dir_.path() / s.name).string();
  std::vector<std::string> args = {nats_server_bin(),
                                   "--addr",
                                   "127.0.0.1",
                                   "--port",
                                   std::to_string(s.client_port),
                                   "--server_name",
                                   s.name,
                                   "--jetstream",
                                   "--store_dir",
                                   store,
                                   "--cluster_name",
                                   "rooms",
                                   "--cluster",
                                   "nats://127.0.0.1:" + std::to_string(s.route_port),
                                   "--routes",
                                   routes,
                                   "--http_port",
                                   std::to_string(s.monitor_port)};
  std::string log_path = (dir_.path() / (s.name + ".log")).string();
  s.log_from = log(i).size();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0) << "fork";
  if (pid == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::string why = std::string("exec ") + argv[0] + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, why.data(), why.size());
    ::_exit(127);
  }
  s.pid = pid;
}

void nats_cluster::wait_ready(int i) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (log(i).find("Server is ready", servers_[i].log_from) == std::string::npos) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << servers_[i].name
        << " did not start (is nats-server installed? tools/bootstrap): " << log(i);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void nats_cluster::kill9(int i) {
  server& s = servers_[i];
  if (s.pid <= 0) return;
  ::kill(s.pid, SIGKILL);
  ::waitpid(s.pid, nullptr, 0);
  s.pid = -1;
}

std::string nats_cluster::log(int i) const {
  std::ifstream in(dir_.path() / (servers_[i].name + ".log"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace rooms::testing
