#include "base/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "base/utf8.hpp"

namespace rooms::log {

namespace {
std::atomic<int> min_level{static_cast<int>(level::info)};
std::atomic<int> line_format{static_cast<int>(format::text)};
std::mutex write_mutex;
const char* padded_names[] = {"debug", "info ", "warn ", "error"};
const char* names[] = {"debug", "info", "warn", "error"};
thread_local context current;

/// `text` as the inside of a JSON string: valid UTF-8 (U+FFFD for invalid bytes), with quotes,
/// backslashes and control characters escaped.
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char ch : base::to_valid_utf8(text)) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += ch;
    }
  }
  out += '"';
}

void append_json_field(std::string& out, std::string_view name, std::string_view value) {
  out += ',';
  append_json_string(out, name);
  out += ':';
  append_json_string(out, value);
}

std::string now_stamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return stamp;
}

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

void set_format(format f) {
  line_format.store(static_cast<int>(f));
}

bool parse_format(std::string_view text, format& out) {
  if (text == "text")
    out = format::text;
  else if (text == "json")
    out = format::json;
  else
    return false;
  return true;
}

scoped_context::scoped_context(context c) : saved_(std::move(current)) {
  current = std::move(c);
}

scoped_context::~scoped_context() {
  current = std::move(saved_);
}

const context& current_context() {
  return current;
}

std::string format_line(format f, std::string_view time, level l, std::string_view message,
                        const context& c) {
  std::string line;
  if (f == format::json) {
    line = "{\"time\":";
    append_json_string(line, time);
    append_json_field(line, "level", names[static_cast<int>(l)]);
    append_json_field(line, "message", message);
    if (!c.session.empty()) append_json_field(line, "session", c.session);
    if (!c.participant.empty()) append_json_field(line, "participant", c.participant);
    if (!c.request_id.empty()) append_json_field(line, "requestId", c.request_id);
    line += '}';
    return line;
  }
  line.append(time).append(" ").append(padded_names[static_cast<int>(l)]).append(" ");
  line.append(message);
  if (c.request_id.empty() && c.session.empty() && c.participant.empty()) return line;
  const char* sep = " [";
  auto add = [&](const char* name, const std::string& value) {
    if (value.empty()) return;
    line.append(sep).append(name).append("=").append(value);
    sep = " ";
  };
  add("request", c.request_id);
  add("session", c.session);
  add("participant", c.participant);
  line += ']';
  return line;
}

void write(level l, std::string_view message) {
  if (!enabled(l) || l == level::off) return;
  auto line = format_line(static_cast<format>(line_format.load(std::memory_order_relaxed)),
                          now_stamp(), l, message, current);
  line += '\n';
  std::lock_guard lock(write_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace rooms::log
