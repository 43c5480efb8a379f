// The hand-off between a room (any thread) and the runner's thread of an interactive run: a
// mutex-guarded queue plus an eventfd the runner polls next to the pseudo-terminal.

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "runner/runner.hpp"

namespace rooms::runner {

terminal_channel::terminal_channel(std::uint16_t cols, std::uint16_t rows)
    : size_{cols, rows}, wakeup_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

terminal_channel::~terminal_channel() {
  if (wakeup_fd_ >= 0) ::close(wakeup_fd_);
}

namespace {
void wake(int fd) {
  std::uint64_t one = 1;
  // A full counter (never in practice) still leaves the fd readable: nothing is lost.
  [[maybe_unused]] auto n = ::write(fd, &one, sizeof one);
}
}  // namespace

bool terminal_channel::write(std::string_view bytes) {
  {
    std::lock_guard lock(mutex_);
    if (closed_ || stop_ || input_.size() + bytes.size() > max_pending) return false;
    input_.append(bytes);
  }
  wake(wakeup_fd_);
  return true;
}

void terminal_channel::resize(std::uint16_t cols, std::uint16_t rows) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    resize_ = std::make_pair(cols, rows);
    size_ = {cols, rows};
  }
  wake(wakeup_fd_);
}

void terminal_channel::stop() {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    stop_ = true;
  }
  wake(wakeup_fd_);
}

bool terminal_channel::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

terminal_channel::pending terminal_channel::take() {
  std::uint64_t count = 0;
  [[maybe_unused]] auto n = ::read(wakeup_fd_, &count, sizeof count);
  std::lock_guard lock(mutex_);
  pending p;
  p.input.swap(input_);
  p.size = resize_;
  resize_.reset();
  p.stop = stop_;
  return p;
}

std::pair<std::uint16_t, std::uint16_t> terminal_channel::size() const {
  std::lock_guard lock(mutex_);
  return size_;
}

void terminal_channel::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  input_.clear();
}

}  // namespace rooms::runner
