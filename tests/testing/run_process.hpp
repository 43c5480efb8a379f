#pragma once
/// Runs a program (roomctl, roomd --help, ...) as a child process and collects its exit code,
/// stdout and stderr, for black-box tests (tests/cli).

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace rooms::testing {

struct process_result {
  int code = -1;  ///< exit status, or -1 when killed
  std::string out;
  std::string err;
};

inline std::string slurp_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Runs `argv` with `input` on its stdin (from a file, so never a terminal; none: /dev/null),
/// its output in files under `io_dir`; kills it after `timeout` (a test failure).
inline process_result run_process(const std::vector<std::string>& argv_s, const std::string& io_dir,
                                  std::chrono::seconds timeout = std::chrono::seconds(60),
                                  const std::optional<std::string>& input = std::nullopt) {
  const std::string in_path = input ? io_dir + "/stdin" : "/dev/null";
  if (input) std::ofstream(in_path, std::ios::binary | std::ios::trunc) << *input;
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open(in_path.c_str(), O_RDONLY);
    int out = ::open((io_dir + "/stdout").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open((io_dir + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  process_result r;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  bool done = false;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      done = true;
      r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling a child, not timing
    }
  }
  if (!done) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    ADD_FAILURE() << argv_s[0] << " did not finish within " << timeout.count() << " s";
  }
  r.out = slurp_file(io_dir + "/stdout");
  r.err = slurp_file(io_dir + "/stderr");
  return r;
}

}  // namespace rooms::testing
