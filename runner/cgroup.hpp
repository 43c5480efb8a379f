#pragma once
/// Internal: one cgroup per sandbox stage, for a memory limit that covers every process of a
/// run together (RLIMIT_AS is per process and counts reservations, not use) and a process
/// limit that holds whatever the uid (RLIMIT_NPROC is per uid and ignored for root).
///
/// cgroup v2 when this process's cgroup offers the memory and pids controllers, else the v1
/// memory and pids hierarchies when mounted and writable, else nothing (rlimits only).
/// Groups live below one parent per runner, `<own cgroup>/rooms-runner-<pid>-<n>/run-<k>`; parents
/// of runners that died are removed at start.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace rooms::runner::detail {

/// Where this process's cgroups are, from /proc/self/cgroup and /proc/self/mountinfo.
struct cgroup_location {
  std::string v2_dir;      ///< this process's cgroup v2 directory, if cgroup2 is mounted
  std::string memory_dir;  ///< this process's v1 memory cgroup directory, if mounted
  std::string pids_dir;    ///< this process's v1 pids cgroup directory, if mounted
};

/// Pure parsing, for tests: the contents of /proc/self/cgroup and /proc/self/mountinfo.
cgroup_location locate_cgroups(const std::string& proc_self_cgroup, const std::string& mountinfo);

/// Limits of one group; 0 leaves a limit unset.
struct cgroup_limits {
  std::uint64_t memory_bytes = 0;
  std::uint64_t pids = 0;
};

class cgroup_manager;

/// One stage's group (a directory per hierarchy). Destruction kills whatever is left in it and
/// removes it.
class cgroup_run {
 public:
  ~cgroup_run();
  cgroup_run(const cgroup_run&) = delete;
  cgroup_run& operator=(const cgroup_run&) = delete;
  /// The cgroup.procs files the sandbox's first process writes its pid to before exec.
  const std::vector<std::string>& procs_files() const { return procs_; }
  /// Processes the kernel's OOM killer killed in this group so far.
  std::uint64_t oom_kills() const;

 private:
  friend class cgroup_manager;
  cgroup_run(cgroup_manager* owner, std::vector<std::string> dirs, std::string memory_dir,
             int version);
  cgroup_manager* owner_;
  std::vector<std::string> dirs_;
  std::vector<std::string> procs_;
  std::string memory_dir_;
  int version_;
};

class cgroup_manager {
 public:
  /// Detects what is usable on this host and creates the parent group(s). Never throws;
  /// version() is 0 when nothing is usable (describe() says why).
  cgroup_manager();
  ~cgroup_manager();
  cgroup_manager(const cgroup_manager&) = delete;
  cgroup_manager& operator=(const cgroup_manager&) = delete;

  /// 2, 1, or 0 when cgroups are not used.
  int version() const { return version_; }
  /// "cgroup v1 (memory, pids)", or "no cgroups: <why>".
  const std::string& describe() const { return description_; }
  /// A fresh group with these limits; null (and `error`) when it cannot be made.
  std::unique_ptr<cgroup_run> create(const cgroup_limits& limits, std::string& error);

 private:
  friend class cgroup_run;
  bool setup_v2(const std::string& own, std::string& why);
  bool setup_v1(const cgroup_location& where, std::string& why);
  /// Kills and removes a group directory; false when it is still busy.
  static bool remove_group(const std::string& dir, int version);
  /// Remembers a group that could not be removed yet; retried on later runs.
  void defer(const std::string& dir);
  void retry_deferred();

  std::string parent_name_;  ///< "rooms-runner-<pid>-<n>", the same in every hierarchy
  int version_ = 0;
  std::string description_;
  std::string memory_parent_;  ///< v1 memory or v2 parent
  std::string pids_parent_;    ///< v1 pids parent (empty on v2)
  std::atomic<std::uint64_t> counter_{0};
  std::mutex deferred_mutex_;
  std::vector<std::string> deferred_;
};

}  // namespace rooms::runner::detail
