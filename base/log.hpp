#pragma once
/// Leveled logging to stderr, one line per event. Text (the default):
/// "2026-11-26T06:00:00.123Z info  message [request=R session=S participant=P]"; JSON
/// (--log-format json): {"time","level","message","session"?,"participant"?,"requestId"?}.
/// Thread safe. Never pass secrets (keys, tokens) to it.

#include <sstream>
#include <string>
#include <string_view>

namespace rooms::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };
enum class format { text, json };

/// Sets the minimum level written. Default: info.
void set_level(level l);
/// Parses "debug|info|warn|error|off"; false for anything else.
bool parse_level(std::string_view text, level& out);
bool enabled(level l);
/// Sets the line format. Default: text.
void set_format(format f);
/// Parses "text|json"; false for anything else.
bool parse_format(std::string_view text, format& out);
/// Writes one line (no-op below the level), with this thread's context.
void write(level l, std::string_view message);

/// What a line is about, besides its message; empty fields are left out.
struct context {
  std::string session;
  std::string participant;
  std::string request_id;
};

/// Sets this thread's context while it lives (a request on the blocking pool, a socket's
/// handler), restoring the previous one after: every line written meanwhile carries it.
class scoped_context {
 public:
  explicit scoped_context(context c);
  ~scoped_context();
  scoped_context(const scoped_context&) = delete;
  scoped_context& operator=(const scoped_context&) = delete;

 private:
  context saved_;
};

/// This thread's context (what scoped_context set).
const context& current_context();

/// The line `write` would print, without its newline (tests; `time` is the stamp text).
std::string format_line(format f, std::string_view time, level l, std::string_view message,
                        const context& c);

}  // namespace rooms::log

/// ROOMS_LOG(info, "room " << id << " activated"): the stream expression is evaluated only
/// when the level is enabled.
#define ROOMS_LOG(lvl, expr)                                              \
  do {                                                                    \
    if (::rooms::log::enabled(::rooms::log::level::lvl)) {                \
      std::ostringstream rooms_log_os_;                                   \
      rooms_log_os_ << expr;                                              \
      ::rooms::log::write(::rooms::log::level::lvl, rooms_log_os_.str()); \
    }                                                                     \
  } while (false)
