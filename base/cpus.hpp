#pragma once
/// How many CPUs this process may run on.

#include <sched.h>

#include <algorithm>
#include <thread>

namespace rooms::base {

/// The CPUs in this process's affinity mask (sched_getaffinity): what `taskset` or a cgroup
/// cpuset leaves it, not the machine's count (std::thread::hardware_concurrency), so a pinned
/// roomd sizes its worker pools by the cores it really has. At least 1; the machine's count
/// when the mask cannot be read (more CPUs than a cpu_set_t holds, 1024).
inline unsigned usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace rooms::base
