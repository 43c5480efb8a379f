#include "cli/format.hpp"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

namespace rooms::cli {

namespace {

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Reads exactly `n` digits at `pos`; advances `pos`.
std::optional<int> digits(std::string_view text, std::size_t& pos, std::size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::string short_duration(std::int64_t ms) {
  if (ms < 0) ms = -ms;
  std::int64_t s = ms / 1000;
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string relative_time(std::int64_t at_ms, std::int64_t now_ms) {
  std::int64_t delta = now_ms - at_ms;
  if (delta >= 0 && delta < 1000) return "just now";
  if (delta >= 0) return short_duration(delta) + " ago";
  return "in " + short_duration(-delta);
}

std::string human_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + " B";
  static const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes) / 1024.0;
  std::size_t u = 0;
  while (v >= 1024.0 && u + 1 < std::size(units)) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

std::string iso_time(std::int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_iso_time(std::string_view text) {
  std::size_t pos = 0;
  std::tm tm{};
  auto year = digits(text, pos, 4);
  if (!year || !expect(text, pos, '-')) return std::nullopt;
  auto month = digits(text, pos, 2);
  if (!month || !expect(text, pos, '-')) return std::nullopt;
  auto day = digits(text, pos, 2);
  if (!day) return std::nullopt;
  if (!expect(text, pos, 'T') && !expect(text, pos, ' ')) return std::nullopt;
  auto hour = digits(text, pos, 2);
  if (!hour || !expect(text, pos, ':')) return std::nullopt;
  auto minute = digits(text, pos, 2);
  if (!minute) return std::nullopt;
  int second = 0;
  int millis = 0;
  if (expect(text, pos, ':')) {
    auto s = digits(text, pos, 2);
    if (!s) return std::nullopt;
    second = *s;
    if (expect(text, pos, '.')) {
      // Fractions beyond milliseconds are accepted and dropped.
      int scale = 100;
      std::size_t start = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
        millis += (text[pos] - '0') * scale;
        scale /= 10;
        ++pos;
      }
      if (pos == start) return std::nullopt;
    }
  }
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      second > 60)
    return std::nullopt;
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = second;
  std::int64_t secs = 0;
  if (pos == text.size()) {
    tm.tm_isdst = -1;
    secs = static_cast<std::int64_t>(std::mktime(&tm));
  } else if (expect(text, pos, 'Z') || expect(text, pos, 'z')) {
    secs = static_cast<std::int64_t>(::timegm(&tm));
  } else {
    int sign = text[pos] == '+' ? 1 : text[pos] == '-' ? -1 : 0;
    if (sign == 0) return std::nullopt;
    ++pos;
    auto oh = digits(text, pos, 2);
    if (!oh) return std::nullopt;
    expect(text, pos, ':');
    auto om = digits(text, pos, 2);
    if (!om) return std::nullopt;
    secs = static_cast<std::int64_t>(::timegm(&tm)) - sign * (*oh * 3600 + *om * 60);
  }
  if (pos != text.size()) return std::nullopt;
  return secs * 1000 + millis;
}

std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++width;
  return width;
}

std::string truncate(std::string_view text, std::size_t width) {
  if (display_width(text) <= width) return std::string(text);
  std::string out;
  std::size_t cols = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (cols + 1 >= width) break;
      ++cols;
    }
    out.push_back(text[i]);
  }
  return out + "\u2026";
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) out.push_back(c < 0x20 || c == 0x7F ? ' ' : static_cast<char>(c));
  return out;
}

table::table(std::vector<std::string> header, std::vector<bool> right_aligned)
    : header_(std::move(header)), right_(std::move(right_aligned)) {
  right_.resize(header_.size(), false);
}

void table::add_row(std::vector<std::string> cells) {
  cells.resize(header_.size());
  rows_.push_back(std::move(cells));
}

void table::print(std::ostream& out) const {
  std::vector<std::size_t> widths(header_.size(), 0);
  for (std::size_t i = 0; i < header_.size(); ++i) widths[i] = display_width(header_[i]);
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], display_width(row[i]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      std::string pad(widths[i] - display_width(cells[i]), ' ');
      bool last = i + 1 == cells.size();
      if (right_[i])
        text += pad + cells[i];
      else
        text += cells[i] + (last ? "" : pad);
      if (!last) text += "  ";
    }
    out << text << '\n';
  };
  line(header_);
  for (const auto& row : rows_) line(row);
}

progress::progress(std::string label)
    : label_(std::move(label)), enabled_(::isatty(STDERR_FILENO) == 1) {}

progress::~progress() {
  if (drawn_) std::cerr << "\r\x1b[K" << std::flush;
}

void progress::update(std::uint64_t done, std::uint64_t total) {
  if (!enabled_) return;
  auto now = steady_ms();
  if (drawn_ && now - last_draw_ms_ < 100 && done != total) return;
  last_draw_ms_ = now;
  drawn_ = true;
  std::cerr << "\r\x1b[K" << label_ << ' ' << done;
  if (total != 0) std::cerr << '/' << total;
  std::cerr << std::flush;
}

}  // namespace rooms::cli
