#pragma once
/// Leveled logging to stderr, one line per event: "2026-11-26T06:00:00.123Z info  message".
/// Thread safe. Never pass secrets (keys, tokens) to it.

#include <sstream>
#include <string>
#include <string_view>

namespace rooms::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

/// Sets the minimum level written. Default: info.
void set_level(level l);
/// Parses "debug|info|warn|error|off"; false for anything else.
bool parse_level(std::string_view text, level& out);
bool enabled(level l);
/// Writes one line (no-op below the level).
void write(level l, std::string_view message);

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
