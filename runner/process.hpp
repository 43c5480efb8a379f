#pragma once
/// Internal: runs one child process with rlimits, a wall-clock limit and capped output.
/// Used by the local runner to start bubblewrap; generic so it can be tested on its own.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rooms::runner {
class terminal_channel;
}

namespace rooms::runner::detail {

/// Resource limits applied in the child between fork and exec (soft = hard unless noted).
struct process_limits {
  std::uint64_t cpu_seconds = 0;    ///< RLIMIT_CPU soft; hard is one second more. 0: unchanged.
  std::uint64_t address_space = 0;  ///< RLIMIT_AS bytes. 0: unchanged.
  std::uint64_t processes = 0;      ///< RLIMIT_NPROC (counted per real uid). 0: unchanged.
  std::uint64_t file_size = 0;      ///< RLIMIT_FSIZE bytes. 0: unchanged.
  std::uint64_t open_files = 0;     ///< RLIMIT_NOFILE. 0: unchanged.
};

/// What to start.
struct process_spec {
  std::vector<std::string> argv;  ///< argv[0] is an absolute path (no PATH search)
  std::vector<std::string> env;   ///< "K=V" entries; the child gets exactly these
  std::string stdin_data;
  process_limits limits;
  /// Switch real/effective/saved uid and gid to this id (and drop supplementary groups)
  /// before exec. Only meaningful when the caller is root.
  std::optional<uid_t> uid;
  std::chrono::milliseconds wall_timeout{5000};
  std::size_t output_cap = 64u << 10;  ///< cap of stdout and of stderr, each
  /// Extra pipes the child inherits: the write end of each lands on fd 3, 4, ... in order and
  /// whatever the child writes there is returned in process_result::extra_output.
  int extra_pipes = 0;
  /// Host fds the child inherits after the extra pipes: pass_fds[i] lands on fd
  /// 3 + extra_pipes + i. The caller keeps ownership.
  std::vector<int> pass_fds = {};
  /// cgroup.procs files the program writes its own pid to before it drops its uid and execs,
  /// so it and everything it starts is in those cgroups from its first instruction.
  std::vector<std::string> cgroup_procs = {};
  /// Called on the calling thread with output as it arrives (stream 1 = stdout, 2 = stderr):
  /// exactly the bytes kept in the result, so nothing past the cap. Must not throw.
  std::function<void(int stream, std::string_view data)> on_output = {};
  /// Set: the program runs on a pseudo-terminal (its stdin, stdout and stderr, and its
  /// controlling terminal, with the program's process group in the foreground, so ^C in the
  /// input signals the program and not the supervisor; job-control stops are disabled).
  /// stdin_data is ignored: input, resizes and a stop come through the channel, which the
  /// caller keeps alive until run_process returns. Output arrives as stream 1, raw bytes;
  /// reaching output_cap kills the program (truncated). The caller's signals SIGINT, SIGQUIT,
  /// SIGTSTP, SIGTTIN, SIGTTOU and SIGHUP are ignored in the program as started (bubblewrap
  /// must survive a ^C): whatever it starts should reset them (env --default-signal).
  terminal_channel* terminal = nullptr;
};

/// How the process ended.
struct process_result {
  std::string stdout_data;
  std::string stderr_data;
  std::vector<std::string> extra_output;  ///< one per extra pipe (capped at 64 KiB each)
  int exit_code = -1;                     ///< -1 when killed by a signal or never started
  int term_signal = 0;                    ///< the signal that ended it, or 0
  bool timed_out = false;
  bool truncated = false;
  std::int64_t duration_ms = 0;
  std::string error;  ///< set when the process could not be started
};

/// Starts the process in its own session/process group, feeds stdin, reads stdout and stderr
/// concurrently with poll (each capped; the excess is drained and dropped), and kills the whole
/// process group with SIGKILL at the wall-clock limit. Never throws; thread-safe.
process_result run_process(const process_spec& spec);

/// "SIGKILL" for 9, "" for 0, "SIG<n>" for unknown numbers.
std::string signal_name(int signal);

}  // namespace rooms::runner::detail
