#pragma once
/// Human formatting and parsing for roomctl: times, durations, sizes, aligned tables.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rooms::cli {

/// "just now", "45s ago", "5m ago", "3h ago", "2d ago"; "in 5m" for a time after `now_ms`.
std::string relative_time(std::int64_t at_ms, std::int64_t now_ms);
/// A duration rounded to its largest unit: "0s", "45s", "5m", "3h", "2d".
std::string short_duration(std::int64_t ms);
/// "512 B", "1.5 KiB", "12.0 MiB".
std::string human_bytes(std::uint64_t bytes);
/// "2024-05-01T12:00:00.123Z" (UTC).
std::string iso_time(std::int64_t unix_ms);

/// An ISO 8601 time "YYYY-MM-DD[T ]HH:MM[:SS[.fff]][Z|+HH:MM|-HH:MM]" (local time without a zone)
/// -> unix ms; nullopt when malformed.
std::optional<std::int64_t> parse_iso_time(std::string_view text);
/// A decimal unsigned integer without sign or spaces; nullopt otherwise.
std::optional<std::uint64_t> parse_uint(std::string_view text);

/// Display width of UTF-8 text (one column per code point; good enough for titles).
std::size_t display_width(std::string_view text);
/// Cuts UTF-8 text to `width` columns at a code point boundary, ending in "…" when cut.
std::string truncate(std::string_view text, std::size_t width);
/// Replaces control characters (tabs, newlines, escapes) so a title cannot break a table or
/// send escape sequences to the terminal.
std::string printable(std::string_view text);

/// A text table with left-aligned columns (right-aligned where asked), two spaces apart.
class table {
 public:
  explicit table(std::vector<std::string> header, std::vector<bool> right_aligned = {});
  void add_row(std::vector<std::string> cells);
  void print(std::ostream& out) const;
  bool empty() const { return rows_.empty(); }

 private:
  std::vector<std::string> header_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

/// Progress on stderr ("verify 12/340") when stderr is a terminal; silent otherwise.
class progress {
 public:
  explicit progress(std::string label);
  ~progress();
  progress(const progress&) = delete;
  progress& operator=(const progress&) = delete;
  /// Redraws at most every 100 ms; `total` 0 means unknown.
  void update(std::uint64_t done, std::uint64_t total = 0);

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::int64_t last_draw_ms_ = 0;
};

}  // namespace rooms::cli
