#pragma once
/// Internal to runner/process.cpp: the two forked sides of run_process. The child of the
/// caller is a subreaper (reaper_main) that forks the program (its limits, credentials and
/// exec) and reports back on a pipe. Only async-signal-safe calls: the caller may be
/// multi-threaded.

#include <sys/types.h>

#include <vector>

#include "runner/process.hpp"

namespace rooms::runner::detail {

/// Messages on the report pipe (int[3], written atomically: smaller than PIPE_BUF):
/// {report_started, program pid, 0}, {report_failed, step, errno}, {report_status, wait
/// status, 0}.
enum report_kind { report_failed = 1, report_started = 2, report_status = 3 };

/// The child of the caller: in_fd, out_fd and err_fd become the program's 0, 1 and 2, `extra`
/// its 3, 4, ...; reports go to `report_fd`. Never returns.
[[noreturn]] void reaper_main(const process_spec& spec, char* const* argv, char* const* envp,
                              int in_fd, int out_fd, int err_fd, const std::vector<int>& extra,
                              int report_fd, pid_t caller);

/// What a report_failed step number names, for the error text.
const char* step_name(int step);

}  // namespace rooms::runner::detail
