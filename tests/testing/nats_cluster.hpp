#pragma once
/// Real nats-server processes (Debian's `nats-server`) clustered with JetStream on loopback,
/// for the tests of the replicated log. Each server has its own client port, route port and
/// store dir under one temp dir, and an HTTP monitoring port (`/jsz`, `/healthz`); all are
/// stopped (SIGKILL) when the cluster object goes.

#include <sys/types.h>

#include <string>
#include <vector>

#include "tests/testing/temp_dir.hpp"

namespace rooms::testing {

class nats_cluster {
 public:
  /// Starts `servers` nats-server processes routed to each other (cluster "rooms"), JetStream
  /// on, and waits until each accepts clients (fails the test after 20 s).
  explicit nats_cluster(int servers = 3);
  ~nats_cluster();
  nats_cluster(const nats_cluster&) = delete;
  nats_cluster& operator=(const nats_cluster&) = delete;

  /// nats://127.0.0.1:<port> of every server.
  std::vector<std::string> urls() const;
  /// SIGKILL server i (no goodbye to its peers); start(i) brings it back with the same store
  /// (without waiting: wait_ready(i) does).
  void kill9(int i);
  void start(int i);
  /// Waits until the process started last for server i accepts clients (fails the test after
  /// 20 s).
  void wait_ready(int i);
  bool running(int i) const { return servers_[i].pid > 0; }
  int servers() const { return static_cast<int>(servers_.size()); }
  /// The server name (`n1`, `n2`, ...) and HTTP monitoring port of server i.
  const std::string& name(int i) const { return servers_[i].name; }
  int monitor_port(int i) const { return servers_[i].monitor_port; }
  /// What server i wrote to its log so far (every run of it).
  std::string log(int i) const;

 private:
  struct server {
    std::string name;
    int client_port = 0;
    int route_port = 0;
    int monitor_port = 0;
    pid_t pid = -1;
    std::size_t log_from = 0;  ///< the log's size when this run began
  };
  temp_dir dir_;
  std::vector<server> servers_;
};

/// The path of nats-server: $NATS_SERVER_BIN or /usr/sbin/nats-server.
std::string nats_server_bin();

}  // namespace rooms::testing
