#pragma once
/// Code execution: one interface, two backends (a local bubblewrap sandbox, a Piston v2 API).
/// No CAF or Asio here; the actors wrap a runner in a runner actor.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rooms::runner {

/// The live side of an interactive run (a program on a pseudo-terminal): what participants
/// type, resizes and a stop, handed from any thread (a room actor) to the thread inside
/// run(). Thread-safe; every call returns at once. Input is bounded: write() refuses bytes
/// beyond max_pending while the program does not read them, so a stalled program cannot make
/// the server hold unbounded input.
class terminal_channel {
 public:
  static constexpr std::size_t max_pending = 64u << 10;
  terminal_channel(std::uint16_t cols, std::uint16_t rows);
  ~terminal_channel();
  terminal_channel(const terminal_channel&) = delete;
  terminal_channel& operator=(const terminal_channel&) = delete;

  /// Queues keystrokes for the program's terminal. False once the run has ended (or was
  /// stopped) or when max_pending bytes are already waiting.
  bool write(std::string_view bytes);
  void resize(std::uint16_t cols, std::uint16_t rows);
  /// Ends the run (its process group is killed); idempotent.
  void stop();
  bool closed() const;

  /// The runner's side: an fd that polls readable while something is queued.
  int wakeup_fd() const { return wakeup_fd_; }
  struct pending {
    std::string input;
    std::optional<std::pair<std::uint16_t, std::uint16_t>> size;  ///< cols, rows
    bool stop = false;
  };
  /// Takes everything queued (and clears the wakeup).
  pending take();
  /// The size the terminal starts with (the latest resize before the start wins).
  std::pair<std::uint16_t, std::uint16_t> size() const;
  /// The run ended: later writes fail.
  void close();

 private:
  mutable std::mutex mutex_;
  std::string input_;
  std::optional<std::pair<std::uint16_t, std::uint16_t>> resize_;
  std::pair<std::uint16_t, std::uint16_t> size_;
  bool stop_ = false;
  bool closed_ = false;
  int wakeup_fd_ = -1;
};

/// What to run.
struct run_request {
  std::string language;    ///< a language name of runtimes() (or one of its aliases)
  std::string code;        ///< the document, UTF-8
  std::string stdin_data;  ///< standard input
  /// Optional: called with the program's output as it arrives, stream "stdout" or "stderr",
  /// on the thread inside run(), before run() returns. The chunks of a stream concatenate to
  /// that stream's final run_result text (valid UTF-8, capped). Local runner only (Piston
  /// answers at the end: never called). Must not throw; must not block for long (the program
  /// is not read meanwhile).
  std::function<void(std::string_view stream, std::string_view chunk)> on_output = {};
  /// Optional: loaded before the program by languages that take one (local runner, sql: SQL
  /// run first against the same in-memory database, e.g. a question's tables). Ignored by the
  /// other languages and by Piston.
  std::string setup = {};
  /// Optional: the run stage's wall-clock limit instead of the runner's configured one (a
  /// question's per-test timeoutMs); compilation keeps its own limit.
  std::optional<std::chrono::milliseconds> run_timeout = std::nullopt;
  /// Set: an interactive run. The program (or with `repl` the language's interpreter) gets a
  /// pseudo-terminal as stdin, stdout and stderr; stdin_data is ignored; on_output is called
  /// with stream "terminal" and text made safe for a viewer's terminal emulator (whole UTF-8
  /// characters, no OSC/DCS strings, no sequences that make the emulator answer); the
  /// run_result's stdout is the same transcript and stderr is empty. The wall clock is
  /// local_options::terminal_timeout unless run_timeout is given. Local runner only.
  std::shared_ptr<terminal_channel> terminal = nullptr;
  /// With `terminal`: start the language's REPL instead of the program (runtime::repl).
  bool repl = false;
};

/// How a run ended; field names follow PROTOCOL.md's run_finished.
/// Program output is valid UTF-8: invalid bytes became U+FFFD.
struct run_result {
  std::string stdout_data;
  std::string stderr_data;  ///< ends with "memory limit exceeded ..." when the memory cgroup killed
                            ///< a process
  int exit_code = 0;        ///< -1 when killed by a signal or never started
  std::string signal;       ///< "SIGKILL", ... or empty
  bool timed_out = false;
  bool truncated = false;  ///< stdout or stderr hit the output cap
  std::int64_t duration_ms = 0;
  std::string compile_output;   ///< compiler diagnostics of compiled languages (may be empty)
  bool compile_failed = false;  ///< true when compilation failed and the program never ran
  /// Set when the runner itself failed (unsupported language, Piston unreachable, sandbox
  /// missing); the other fields are then meaningless.
  std::string error;
};

/// A language the runner can execute.
struct runtime {
  std::string language;  ///< "python", "javascript", "c", "cpp", ... (runner/README.md)
  std::string version;   ///< toolchain version, e.g. "3.11.2"
  std::vector<std::string> aliases;
  bool repl = false;  ///< has an interpreter for run_request::repl (local runner)
};

/// A code runner. Thread safety: run() may be called from several threads at once.
class runner {
 public:
  virtual ~runner() = default;
  /// Languages that work (probed at construction for the local runner).
  virtual std::vector<runtime> runtimes() const = 0;
  /// Runs to completion (blocking) within the configured limits.
  virtual run_result run(const run_request& request) = 0;
  /// "local" or "piston".
  virtual std::string name() const = 0;
  /// One line on how runs are isolated, for the start-up log (local: the active layers).
  virtual std::string describe() const { return name(); }
};

/// A PostgreSQL server the local runner's `postgresql` language runs against: reached by its
/// Unix socket only (the sandbox has no network), as an admin role that creates one throwaway
/// role and database per run (runner/README.md "PostgreSQL").
struct postgres_options {
  std::string socket_dir;  ///< the directory holding .s.PGSQL.<port>, e.g. /var/run/postgresql
  int port = 5432;         ///< names the socket file
  /// A role with CREATEROLE and CREATEDB (a superuser in practice: DROP DATABASE ... FORCE).
  std::string admin_user = "postgres";
  /// Empty: libpq's own sources (PGPASSWORD, PGPASSFILE or ~/.pgpass in roomd's environment;
  /// never passed to the sandbox).
  std::string admin_password;
};

/// Limits of the local sandbox. Every field has a default.
struct local_options {
  std::chrono::milliseconds run_timeout{5000};       ///< wall clock of the program. Default 5 s.
  std::chrono::milliseconds compile_timeout{10000};  ///< wall clock of compilation. Default 10 s.
  /// Wall clock of an interactive run (a terminal or REPL waits for people). Default 300 s.
  std::chrono::milliseconds terminal_timeout{300000};
  std::size_t memory_bytes = 256u << 20;      ///< RLIMIT_AS. Default 256 MiB.
  std::size_t output_bytes = 64u << 10;       ///< cap of stdout and of stderr each. Default 64 KiB.
  int max_processes = 64;                     ///< RLIMIT_NPROC. Default 64.
  std::size_t max_file_bytes = 16u << 20;     ///< RLIMIT_FSIZE. Default 16 MiB.
  int max_open_files = 64;                    ///< RLIMIT_NOFILE. Default 64.
  std::string bwrap_path = "/usr/bin/bwrap";  ///< the bubblewrap binary.
  bool probe = true;                          ///< run each language's hello world at start.
  /// RLIMIT_AS of the compile stage (compilers and JVM-based javac need more). Default 2 GiB.
  std::size_t compile_memory_bytes = std::size_t{2048} << 20;
  std::size_t tmp_bytes =
      64u << 20;  ///< size of the sandbox's private /tmp (tmpfs). Default 64 MiB.
  /// When the host process is root, each run drops to its own uid sandbox_uid + slot (slot <
  /// max_parallel_runs) before starting bubblewrap, so RLIMIT_NPROC (counted per uid) is a
  /// per-run limit and the program is no host root in any namespace. -1: never switch.
  int sandbox_uid = 61000;
  int max_parallel_runs = 8;  ///< runs beyond this wait for a free slot. Default 8.
  int probe_parallelism = 0;  ///< probes at once; 0: max(2, hardware threads).
  std::string work_root;      ///< host dir for per-run work dirs; empty: the system temp dir.
  /// Put each stage in its own cgroup (v2, else v1) limiting memory (all processes together:
  /// memory_bytes + tmp_bytes for a run, compile_memory_bytes + tmp_bytes for a compile) and
  /// tasks (max_processes). Used when the host offers it; rlimits apply either way.
  bool use_cgroups = true;
  /// Install the seccomp filter (bwrap --seccomp); off only to measure or debug.
  bool use_seccomp = true;
  /// Set: offer the `postgresql` language against this server. Unset: not offered.
  std::optional<postgres_options> postgres = std::nullopt;
};

/// Piston v2 API settings.
struct piston_options {
  std::string url = "http://127.0.0.1:2000";  ///< base URL; /api/v2/... is appended
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds total_timeout{20000};
  std::chrono::milliseconds run_timeout{5000};
  std::chrono::milliseconds compile_timeout{10000};
};

/// The embedded sandbox backend.
std::unique_ptr<runner> make_local_runner(const local_options& options = {});
/// The Piston backend (fetches /api/v2/runtimes lazily and caches it).
std::unique_ptr<runner> make_piston_runner(const piston_options& options);

}  // namespace rooms::runner
