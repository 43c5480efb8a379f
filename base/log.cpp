#include "base/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace rooms::log {

namespace {
std::atomic<int> min_level{static_cast<int>(level::info)};
std::mutex write_mutex;
const char* names[] = {"debug", "info ", "warn ", "error"};
}  // namespace

void set_level(level l) {
  min_level.store(static_cast<int>(l));
}

bool parse_level(std::string_view text, level& out) {
  static constexpr std::pair<std::string_view, level> table[] = {{"debug", level::debug},
                                                                 {"info", level::info},
                                                                 {"warn", level::warn},
                                                                 {"error", level::error},
                                                                 {"off", level::off}};
  for (auto [name, l] : table) {
    if (text == name) {
      out = l;
      return true;
    }
  }
  return false;
}

bool enabled(level l) {
  return static_cast<int>(l) >= min_level.load(std::memory_order_relaxed);
}

void write(level l, std::string_view message) {
  if (!enabled(l) || l == level::off) return;
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  std::lock_guard lock(write_mutex);
  std::fprintf(stderr, "%s %s %.*s\n", stamp, names[static_cast<int>(l)],
               static_cast<int>(message.size()), message.data());
}

}  // namespace rooms::log
