#pragma once
/// Starts a real roomd on an ephemeral loopback port with a data dir, for black-box tests.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace rooms::testing {

/// Path of a binary built next to the tests ($ROOMS_BIN_DIR/<name>).
std::string bin_path(const std::string& name);

/// A running roomd child process. Stops it (SIGTERM, then SIGKILL after 10 s) on destruction.
class roomd_process {
 public:
  /// Starts `roomd --listen 127.0.0.1:0 --data-dir <data_dir>` plus `extra_args` (their own
  /// `--listen` replaces the ephemeral port; and
  /// `--runner none` unless they choose a runner)
  /// and waits until /health answers (with --tls-cert: until the port file is written; fails
  /// the test after 20 s). stderr goes to
  /// <data_dir>/../roomd-<pid>.log so failures can show it.
  explicit roomd_process(std::string data_dir, std::vector<std::string> extra_args = {});
  ~roomd_process();
  roomd_process(const roomd_process&) = delete;
  roomd_process& operator=(const roomd_process&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& data_dir() const { return data_dir_; }
  /// The admin token roomd generated in the data dir.
  std::string admin_token() const;
  /// The log written so far.
  std::string log() const;

  /// SIGTERM and wait; returns the exit status (as from waitpid), or -1.
  int stop(std::chrono::seconds timeout = std::chrono::seconds(10));
  /// SIGKILL and reap.
  void kill9();

 private:
  std::string data_dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  int port_ = 0;
};

/// A minimal blocking HTTP/1.1 client over Beast for tests.
struct http_reply {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(const std::string& name) const;
};
http_reply http_call(int port, const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::vector<std::pair<std::string, std::string>>& headers = {});

}  // namespace rooms::testing
