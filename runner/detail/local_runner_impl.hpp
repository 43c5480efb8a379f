#pragma once
/// Internal to runner/: the local backend's class, its methods defined by concern:
/// local_runner.cpp (construction: the host's isolation layers, the bwrap command line, the
/// installed languages; slots; run()), local_stage.cpp (one bubblewrap invocation and a
/// batch run: compile, then run), local_interactive.cpp (a run on a pseudo-terminal) and
/// local_probe.cpp (the start-up hello worlds and versions).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runner/cgroup.hpp"
#include "runner/languages.hpp"
#include "runner/postgres.hpp"
#include "runner/process.hpp"
#include "runner/runner.hpp"

namespace rooms::runner::detail {

std::string lower(std::string s);

/// First "digits(.digits)+" in text, e.g. "3.11.2" of "Python 3.11.2".
std::string parse_version(const std::string& text);

/// A per-run host directory bound to /work; removed on destruction.
class work_dir {
 public:
  explicit work_dir(const std::string& root);
  ~work_dir();
  work_dir(const work_dir&) = delete;
  work_dir& operator=(const work_dir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool write_file(const std::string& path, const std::string& data);

enum class stage { compile, run, version };

/// The probe's hello worlds get this many times the run and compile clocks: a JVM compiler's
/// first start on a busy machine (others building at start-up) must not drop the language for
/// the server's whole life; user programs keep the configured limits.
constexpr int probe_timeout_factor = 3;

class local_runner final : public runner {
 public:
  explicit local_runner(const local_options& options);

  std::vector<runtime> runtimes() const override { return runtimes_; }
  std::string name() const override { return "local"; }
  std::string describe() const override { return layers_; }
  run_result run(const run_request& request) override;

 private:
  static run_result failed(std::string error);
  static bool has_repl(const language& lang);
  static const language* find(const std::string& name, const std::vector<const language*>& in);

  /// The part of the bwrap command line shared by every stage.
  void build_base_args();
  /// What the constructor learns about the host: bwrap's options, the seccomp program, the
  /// cgroup hierarchy. Logged once, and describe() tells it.
  void setup_isolation();

  /// How one bubblewrap invocation went.
  struct stage_outcome {
    process_result p;
    bool started = false;            ///< bwrap set the sandbox up
    std::uint64_t oom_kills = 0;     ///< processes the memory cgroup's OOM killer killed
    std::uint64_t memory_limit = 0;  ///< that cgroup's limit, bytes
  };

  /// One bubblewrap invocation. `on_output` (may be empty) gets the output as it arrives.
  /// `probing`: the start-up probe's own program, given probe_timeout_factor times the clocks.
  /// `database`: the run's PostgreSQL database (postgresql language), else null.
  stage_outcome sandboxed(const language& lang, stage s, const std::vector<std::string>& command,
                          const std::string& host_work, const std::string& stdin_data,
                          const std::string& java_class, int slot, bool probing,
                          std::function<void(int, std::string_view)> on_output = {},
                          std::optional<std::chrono::milliseconds> run_timeout = std::nullopt,
                          terminal_channel* terminal = nullptr,
                          const pg_database* database = nullptr);
  int acquire_slot();
  void release_slot(int slot);

  /// bwrap exits with the program's status, or 128 + signal when a signal killed it.
  static void fill_status(const process_result& p, run_result& r);
  /// The note a run gets when the memory cgroup's OOM killer ended one of its processes.
  static std::string memory_note(const std::string& before, std::uint64_t limit);

  run_result run_language(const language& lang, const run_request& request, bool probing = false);
  /// A run on a pseudo-terminal: the program (compiled first, without a terminal) or the
  /// language's REPL, its signals reset inside the sandbox (env --default-signal: the
  /// supervisor started it with the terminal's signals ignored), its output sanitized for
  /// the viewers' terminal emulators.
  run_result run_interactive(const language& lang, const run_request& request,
                             const std::string& host_work, const std::string& java_class, int slot,
                             const pg_database* database);

  /// Runs every installed language's hello world and version command, a bounded number at a
  /// time; runtimes_ lists exactly those that printed "hello, world".
  void probe();

  local_options options_;
  bool switch_uid_ = false;
  bool disable_userns_ = false;               ///< this bwrap has --disable-userns
  std::string seccomp_program_;               ///< compiled filter; empty with use_seccomp off
  std::unique_ptr<cgroup_manager> cgroups_;   ///< null: no cgroups (rlimits only)
  std::unique_ptr<postgres_admin> postgres_;  ///< null: no PostgreSQL configured
  std::string layers_;                        ///< describe()
  std::string init_error_;
  std::vector<std::string> base_args_;
  std::vector<const language*> installed_;  ///< toolchain present on the host
  std::vector<const language*> usable_;     ///< passed the probe (or installed, without probe)
  std::vector<runtime> runtimes_;
  std::map<std::string, std::string> failures_;  ///< why a language is not usable
  std::mutex slots_mutex_;
  std::condition_variable slots_cv_;
  std::deque<int> free_slots_;
};

}  // namespace rooms::runner::detail
