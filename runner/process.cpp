#include "runner/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runner/detail/process_child.hpp"
#include "runner/runner.hpp"

namespace rooms::runner::detail {
namespace {

using clock = std::chrono::steady_clock;

/// Owns a file descriptor.
class fd_guard {
 public:
  fd_guard() = default;
  explicit fd_guard(int fd) : fd_(fd) {}
  ~fd_guard() { reset(); }
  fd_guard(fd_guard&& other) noexcept : fd_(other.release()) {}
  fd_guard& operator=(fd_guard&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.release();
    }
    return *this;
  }
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

struct pipe_pair {
  fd_guard read;
  fd_guard write;
};

bool make_pipe(pipe_pair& p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  p.read = fd_guard(fds[0]);
  p.write = fd_guard(fds[1]);
  return true;
}

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/// Appends what fits under the cap; the rest is dropped and flagged.
void append_capped(std::string& out, const char* data, std::size_t n, std::size_t cap,
                   bool& truncated) {
  std::size_t room = out.size() < cap ? cap - out.size() : 0;
  if (n > room) truncated = true;
  out.append(data, n < room ? n : room);
}

/// A pseudo-terminal of the channel's size: master (non-blocking, the caller's) and slave
/// (the program's), with UTF-8 line editing and without the suspend character (no job
/// control: nobody could resume a stopped program).
bool open_terminal(const terminal_channel& channel, fd_guard& master, fd_guard& slave) {
  struct winsize ws {};
  ws.ws_col = channel.size().first;
  ws.ws_row = channel.size().second;
  int m = -1, s = -1;
  if (::openpty(&m, &s, nullptr, nullptr, &ws) != 0) return false;
  master = fd_guard(m);
  slave = fd_guard(s);
  ::fcntl(m, F_SETFD, FD_CLOEXEC);
  ::fcntl(s, F_SETFD, FD_CLOEXEC);
  struct termios tio {};
  if (::tcgetattr(s, &tio) == 0) {
    tio.c_iflag |= IUTF8;
    tio.c_cc[VSUSP] = _POSIX_VDISABLE;
    ::tcsetattr(s, TCSANOW, &tio);
  }
  return true;
}

}  // namespace

std::string signal_name(int signal) {
  if (signal <= 0) return {};
  if (const char* abbrev = ::sigabbrev_np(signal)) return std::string("SIG") + abbrev;
  return "SIG" + std::to_string(signal);
}

process_result run_process(const process_spec& spec) {
  process_result result;
  if (spec.argv.empty()) {
    result.error = "empty command";
    return result;
  }
  // Prepare everything that allocates before fork: the children may only call
  // async-signal-safe functions.
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : spec.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pipe_pair in, out, err, reports;
  std::vector<pipe_pair> extra(
      static_cast<std::size_t>(spec.extra_pipes > 0 ? spec.extra_pipes : 0));
  // On a terminal, the slave side is the child's stdin, stdout and stderr and the master is
  // read like stdout (and written for input).
  fd_guard slave;
  bool pipes_ok = extra.size() <= 16 && make_pipe(reports) &&
                  (spec.terminal != nullptr ? open_terminal(*spec.terminal, out.read, slave)
                                            : make_pipe(in) && make_pipe(out) && make_pipe(err));
  for (auto& p : extra) pipes_ok = pipes_ok && make_pipe(p);
  if (!pipes_ok) {
    result.error = std::string("cannot create pipes: ") + std::strerror(errno);
    return result;
  }
  // The child's fds 3, 4, ...: the extra pipes' write ends, then the passed fds.
  std::vector<int> extra_child;
  for (auto& p : extra) extra_child.push_back(p.write.get());
  for (int fd : spec.pass_fds) extra_child.push_back(fd);
  if (extra_child.size() > 16) {
    result.error = "too many fds to pass";
    return result;
  }

  // Writing stdin to a program that exited raises SIGPIPE; block it on this thread for the
  // duration and swallow any that became pending, so the host process never dies of it and
  // its own SIGPIPE policy is left alone.
  sigset_t pipe_set, old_mask;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
  struct restore_mask {
    sigset_t* pipe_set;
    sigset_t* old_mask;
    ~restore_mask() {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) && !sigismember(old_mask, SIGPIPE)) {
        timespec zero{0, 0};
        ::sigtimedwait(pipe_set, nullptr, &zero);
      }
      ::pthread_sigmask(SIG_SETMASK, old_mask, nullptr);
    }
  } restore{&pipe_set, &old_mask};

  const auto start = clock::now();
  pid_t caller = ::getpid();
  pid_t reaper = ::fork();
  if (reaper < 0) {
    result.error = std::string("fork failed: ") + std::strerror(errno);
    return result;
  }
  if (reaper == 0) {
    if (slave) {
      reaper_main(spec, argv.data(), envp.data(), slave.get(), slave.get(), slave.get(),
                  extra_child, reports.write.get(), caller);
    }
    reaper_main(spec, argv.data(), envp.data(), in.read.get(), out.write.get(), err.write.get(),
                extra_child, reports.write.get(), caller);
  }
  slave.reset();  // the program holds the only copies: its exit reads as EIO on the master
  in.read.reset();
  out.write.reset();
  err.write.reset();
  reports.write.reset();
  for (auto& p : extra) p.write.reset();

  // Reports: "started <pid>", "failed <step> <errno>", "status <wait status>".
  pid_t program = 0;
  int failed_step = 0, failed_errno = 0;
  bool have_status = false;
  int status = 0;
  auto handle_report = [&](const int* m) {
    if (m[0] == report_started) program = m[1];
    if (m[0] == report_failed && failed_step == 0) failed_step = m[1], failed_errno = m[2];
    if (m[0] == report_status) have_status = true, status = m[1];
  };
  std::string report_buffer;
  auto read_reports = [&](bool blocking_until_started) {
    while (reports.read) {
      char chunk[256];
      ssize_t n = ::read(reports.read.get(), chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return;
      if (n <= 0) {
        reports.read.reset();
        return;
      }
      report_buffer.append(chunk, static_cast<std::size_t>(n));
      while (report_buffer.size() >= 3 * sizeof(int)) {
        int m[3];
        std::memcpy(m, report_buffer.data(), sizeof m);
        report_buffer.erase(0, sizeof m);
        handle_report(m);
      }
      if (blocking_until_started && (program != 0 || failed_step != 0)) return;
    }
  };
  // The reaper reports the program's pid (or a failure) at once: wait for it, we need the
  // pid to kill the program's process group.
  read_reports(true);
  set_nonblocking(reports.read.get());

  // A pidfd makes "the reaper exited" one more pollable event.
  fd_guard pidfd(static_cast<int>(::syscall(SYS_pidfd_open, reaper, 0)));
  set_nonblocking(in.write.get());
  set_nonblocking(out.read.get());
  set_nonblocking(err.read.get());
  for (auto& p : extra) set_nonblocking(p.read.get());
  if (spec.stdin_data.empty()) in.write.reset();

  std::size_t stdin_pos = 0;
  bool exited = false;  // the reaper exited: the program and all its descendants are gone
  bool killed = false;
  auto deadline = start + spec.wall_timeout;
  // After a kill we drain for at most this long; processes killed with SIGKILL close their
  // pipes promptly.
  constexpr auto grace = std::chrono::milliseconds(2000);
  std::vector<char> buf(65536);
  result.extra_output.resize(extra.size());
  std::string terminal_input;  // taken from the channel, not yet written to the master

  auto kill_program = [&] {
    if (killed) return;
    killed = true;
    deadline = clock::now() + grace;
    // The reaper has not exited (we checked), so it has not reaped everything yet and the
    // program's group still has members (or the program is unreaped): the group id cannot
    // have been reused.
    if (program > 0) ::kill(-program, SIGKILL);
  };
  // Notices the exit without reaping, so the pid stays reserved while we look at it.
  auto check_exit = [&] {
    if (exited) return;
    siginfo_t info{};
    if (::waitid(P_PID, static_cast<id_t>(reaper), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == reaper) {
      exited = true;
      auto now = clock::now();
      result.duration_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(now - start).count();
      // Everything below the reaper is gone, so the pipes are at EOF once drained; a short
      // bound anyway, in case a descendant escaped into another process tree.
      if (deadline > now + std::chrono::milliseconds(250))
        deadline = now + std::chrono::milliseconds(250);
    }
  };

  while (true) {
    check_exit();
    if (exited && !out.read && !err.read) break;
    auto now = clock::now();
    if (now >= deadline) {
      if (!exited && !killed) {
        result.timed_out = true;
        kill_program();
        continue;
      }
      if (!exited) ::kill(reaper, SIGKILL);  // the program's tree ignored SIGKILL of its group
      break;
    }
    std::vector<pollfd> fds;
    enum kind { k_out, k_err, k_in, k_pid, k_report, k_extra, k_wake, k_type };
    std::vector<std::pair<kind, std::size_t>> kinds;
    auto add = [&](int fd, short events, kind k, std::size_t index) {
      fds.push_back({fd, events, 0});
      kinds.push_back({k, index});
    };
    if (out.read) add(out.read.get(), POLLIN, k_out, 0);
    if (err.read) add(err.read.get(), POLLIN, k_err, 0);
    if (in.write) add(in.write.get(), POLLOUT, k_in, 0);
    if (spec.terminal != nullptr) {
      add(spec.terminal->wakeup_fd(), POLLIN, k_wake, 0);
      if (out.read && !terminal_input.empty()) add(out.read.get(), POLLOUT, k_type, 0);
    }
    if (pidfd && !exited) add(pidfd.get(), POLLIN, k_pid, 0);
    if (reports.read) add(reports.read.get(), POLLIN, k_report, 0);
    for (std::size_t i = 0; i < extra.size(); ++i) {
      if (extra[i].read) add(extra[i].read.get(), POLLIN, k_extra, i);
    }
    auto wait_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    // Without a pidfd (kernels before 5.3) check on the reaper every 50 ms.
    if (!pidfd && wait_ms > 50) wait_ms = 50;
    int n = ::poll(fds.data(), fds.size(), static_cast<int>(wait_ms));
    if (n < 0) {
      if (errno == EINTR) continue;
      kill_program();
      if (!exited) ::kill(reaper, SIGKILL);
      break;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      auto [k, index] = kinds[i];
      if (k == k_pid) continue;  // check_exit() at the top of the loop
      if (k == k_report) {
        read_reports(false);
        continue;
      }
      if (k == k_wake) {
        auto p = spec.terminal->take();
        if (p.stop) kill_program();
        if (p.size && out.read) {
          struct winsize ws {};
          ws.ws_col = p.size->first;
          ws.ws_row = p.size->second;
          ::ioctl(out.read.get(), TIOCSWINSZ, &ws);  // SIGWINCH to the foreground group
        }
        // Like a full tty buffer: what a program that does not read would pile up is dropped.
        if (terminal_input.size() + p.input.size() <= terminal_channel::max_pending)
          terminal_input += p.input;
        continue;
      }
      if (k == k_type) {
        if ((fds[i].revents & POLLOUT) == 0 || !out.read) continue;
        ssize_t w = ::write(out.read.get(), terminal_input.data(), terminal_input.size());
        if (w > 0) terminal_input.erase(0, static_cast<std::size_t>(w));
        if (w < 0 && errno != EAGAIN && errno != EINTR) terminal_input.clear();
        continue;
      }
      if (k == k_in) {
        ssize_t w = ::write(in.write.get(), spec.stdin_data.data() + stdin_pos,
                            spec.stdin_data.size() - stdin_pos);
        if (w > 0) stdin_pos += static_cast<std::size_t>(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || stdin_pos == spec.stdin_data.size()) {
          in.write.reset();  // EOF for the program (or it closed its stdin: EPIPE)
        }
        continue;
      }
      fd_guard& fd = k == k_out ? out.read : k == k_err ? err.read : extra[index].read;
      // Read until the pipe is empty so a flood is drained at full speed.
      while (true) {
        ssize_t r = ::read(fd.get(), buf.data(), buf.size());
        if (r > 0) {
          auto size = static_cast<std::size_t>(r);
          if (k == k_out || k == k_err) {
            std::string& kept = k == k_out ? result.stdout_data : result.stderr_data;
            std::size_t before = kept.size();
            append_capped(kept, buf.data(), size, spec.output_cap, result.truncated);
            // A terminal's program may flood forever: the cap ends it.
            if (result.truncated && spec.terminal != nullptr) kill_program();
            if (spec.on_output && kept.size() > before) {
              try {
                spec.on_output(k == k_out ? 1 : 2, std::string_view(kept).substr(before));
              } catch (...) {
                // A throwing callback must not leave the program running unsupervised.
              }
            }
          } else {
            bool ignored = false;
            append_capped(result.extra_output[index], buf.data(), size, 65536, ignored);
          }
          continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r == 0 || errno != EAGAIN) fd.reset();
        break;
      }
    }
  }
  in.write.reset();
  out.read.reset();
  err.read.reset();
  int reaper_status = 0;
  while (::waitpid(reaper, &reaper_status, 0) < 0 && errno == EINTR) {
  }
  if (!exited) {
    result.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start).count();
  }
  // The reaper is gone, so every writer of these pipes is gone: reading to EOF cannot block.
  for (auto* p : {&reports.read}) {
    if (*p) {
      int flags = ::fcntl(p->get(), F_GETFL);
      ::fcntl(p->get(), F_SETFL, flags & ~O_NONBLOCK);
    }
  }
  read_reports(false);
  for (std::size_t i = 0; i < extra.size(); ++i) {
    while (extra[i].read) {
      ssize_t r = ::read(extra[i].read.get(), buf.data(), buf.size());
      if (r > 0) {
        bool ignored = false;
        append_capped(result.extra_output[i], buf.data(), static_cast<std::size_t>(r), 65536,
                      ignored);
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      extra[i].read.reset();
    }
  }

  if (failed_step != 0) {
    result.error = std::string("cannot start ") + spec.argv[0] + ": " + step_name(failed_step) +
                   " failed: " + std::strerror(failed_errno);
    return result;
  }
  if (!have_status) {
    // The reaper was killed before it could report: count the program as killed.
    result.exit_code = -1;
    result.term_signal = SIGKILL;
    return result;
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = -1;
    result.term_signal = WTERMSIG(status);
  }
  return result;
}

}  // namespace rooms::runner::detail
