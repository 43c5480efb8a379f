// The forked sides of run_process (detail/process_child.hpp).

#include "runner/detail/process_child.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace rooms::runner::detail {
namespace {

void report(int fd, int kind, int a, int b) {
  int data[3] = {kind, a, b};
  // Best effort: a lost report reads as "killed" in the parent.
  [[maybe_unused]] auto n = ::write(fd, data, sizeof data);
}

/// The program's side (grandchild of the caller): limits, credentials, exec.
[[noreturn]] void program_exec(const process_spec& spec, char* const* argv, char* const* envp,
                               int report_fd, pid_t reaper) {
  auto fail = [report_fd](int step) {
    report(report_fd, report_failed, step, errno);
    ::_exit(127);
  };
  // Its own process group, so the caller can kill the program and everything it started
  // without killing the reaper, which must stay to collect them.
  if (::setpgid(0, 0) != 0) fail(1);
  // On a terminal, the program's group is the foreground one: ^C reaches it, not the reaper
  // (SIGTTOU is ignored here, so a background group may take the terminal).
  if (spec.terminal != nullptr && ::tcsetpgrp(0, ::getpid()) != 0) fail(9);
  // Join the run's cgroups while still privileged (cgroup.procs belongs to root). Writing the
  // pid moves this process; bwrap and the program inherit the groups.
  if (!spec.cgroup_procs.empty()) {
    char digits[24];
    int len = 0;
    for (auto v = static_cast<unsigned long>(::getpid()); v > 0 || len == 0; v /= 10)
      digits[len++] = static_cast<char>('0' + v % 10);
    char pid_text[24];
    for (int i = 0; i < len; ++i) pid_text[i] = digits[len - 1 - i];
    for (const auto& path : spec.cgroup_procs) {
      int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) fail(8);
      if (::write(fd, pid_text, static_cast<std::size_t>(len)) != len) fail(8);
      ::close(fd);
    }
  }
  auto limit = [&](int resource, std::uint64_t soft, std::uint64_t hard) {
    if (soft == 0) return;
    struct rlimit rl {};
    rl.rlim_cur = soft;
    rl.rlim_max = hard;
    if (::setrlimit(resource, &rl) != 0) fail(4);
  };
  const auto& l = spec.limits;
  limit(RLIMIT_CPU, l.cpu_seconds, l.cpu_seconds + 1);
  limit(RLIMIT_AS, l.address_space, l.address_space);
  limit(RLIMIT_NPROC, l.processes, l.processes);
  limit(RLIMIT_FSIZE, l.file_size, l.file_size);
  limit(RLIMIT_NOFILE, l.open_files, l.open_files);
  struct rlimit no_core {};  // no core files from user code
  ::setrlimit(RLIMIT_CORE, &no_core);
  if (spec.uid) {
    // Raw syscalls: in a forked child there is one thread, and glibc's setxid broadcast for
    // multi-threaded processes must not run here.
    uid_t id = *spec.uid;
    if (::syscall(SYS_setgroups, 0, nullptr) != 0) fail(5);
    if (::syscall(SYS_setresgid, id, id, id) != 0) fail(5);
    if (::syscall(SYS_setresuid, id, id, id) != 0) fail(5);
  }
  // After the uid switch, which clears it: die with the reaper.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != reaper) ::_exit(127);
  ::execve(argv[0], argv, envp);
  fail(6);
  ::_exit(127);  // fail() does not return; this tells the compiler so
}

}  // namespace

/// The child of the caller: a subreaper that starts the program and reaps every process that
/// ends up orphaned below it (bubblewrap's pid-1 outlives its parent by design), so no zombie
/// is left to the host's init, which may not reap at all (roomd as a container's pid 1).
/// Only async-signal-safe calls: the caller may be multi-threaded.
[[noreturn]] void reaper_main(const process_spec& spec, char* const* argv, char* const* envp,
                              int in_fd, int out_fd, int err_fd, const std::vector<int>& extra,
                              int report_fd_in, pid_t caller) {
  // Undo whatever the host process set up: blocked signals and ignored dispositions are
  // inherited across exec and would change how the program behaves (e.g. SIGPIPE).
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  if (spec.terminal != nullptr) {
    // Terminal signals must not end the reaper or bubblewrap (the program resets them).
    struct sigaction ign {};
    ign.sa_handler = SIG_IGN;
    for (int sig : {SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGHUP})
      ::sigaction(sig, &ign, nullptr);
  }
  ::setsid();
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the caller's thread died: so do we (and then the program)
  if (::getppid() != caller) ::_exit(127);

  // Move every fd we pass above the target range first, so the dup2s below cannot clobber
  // one another.
  const int high = 64;
  int report_fd = ::fcntl(report_fd_in, F_DUPFD_CLOEXEC, high);
  int in_h = ::fcntl(in_fd, F_DUPFD_CLOEXEC, high);
  int out_h = ::fcntl(out_fd, F_DUPFD_CLOEXEC, high);
  int err_h = ::fcntl(err_fd, F_DUPFD_CLOEXEC, high);
  if (report_fd < 0) ::_exit(127);
  int extra_h[16];
  bool fds_ok = in_h >= 0 && out_h >= 0 && err_h >= 0;
  for (std::size_t i = 0; i < extra.size() && i < 16; ++i) {
    extra_h[i] = ::fcntl(extra[i], F_DUPFD_CLOEXEC, high);
    fds_ok = fds_ok && extra_h[i] >= 0;
  }
  // Nothing else of the host process leaks into the program, whatever other threads opened.
  ::syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC);
  fds_ok = fds_ok && ::dup2(in_h, 0) >= 0 && ::dup2(out_h, 1) >= 0 && ::dup2(err_h, 2) >= 0;
  for (std::size_t i = 0; i < extra.size() && i < 16; ++i) {
    fds_ok = fds_ok && ::dup2(extra_h[i], static_cast<int>(3 + i)) >= 0;
  }
  // The pseudo-terminal becomes the new session's controlling terminal.
  if (fds_ok && spec.terminal != nullptr) fds_ok = ::ioctl(0, TIOCSCTTY, 0) == 0;
  if (!fds_ok) {
    report(report_fd, report_failed, 3, errno);
    ::_exit(127);
  }

  pid_t reaper = ::getpid();
  pid_t program = ::fork();
  if (program == 0) program_exec(spec, argv, envp, report_fd, reaper);
  if (program < 0) {
    report(report_fd, report_failed, 7, errno);
    ::_exit(127);
  }
  report(report_fd, report_started, program, 0);
  // Only the program and its descendants may hold the pipes (including the caller's ends we
  // inherited, such as stdin's write end), or EOF would never come: keep the report pipe only.
  ::syscall(SYS_close_range, 0u, static_cast<unsigned>(report_fd - 1), 0u);
  ::syscall(SYS_close_range, static_cast<unsigned>(report_fd + 1), ~0u, 0u);
  int program_status = 0;
  while (true) {
    int status = 0;
    pid_t r = ::waitpid(-1, &status, 0);
    if (r == program) program_status = status;
    if (r < 0 && errno != EINTR) break;  // ECHILD: every descendant is gone
  }
  report(report_fd, report_status, program_status, 0);
  ::_exit(0);
}

const char* step_name(int step) {
  switch (step) {
    case 1:
      return "setpgid";
    case 7:
      return "fork";
    case 2:
    case 3:
      return "fd setup";
    case 4:
      return "setrlimit";
    case 5:
      return "switching uid";
    case 6:
      return "exec";
    case 8:
      return "joining the cgroup";
    case 9:
      return "taking the terminal";
    default:
      return "start";
  }
}

}  // namespace rooms::runner::detail
