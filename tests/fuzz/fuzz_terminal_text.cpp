/// Fuzz target: runner::terminal_sanitizer, which stands between a program on a pseudo-terminal
/// and every viewer's xterm.js.
///
/// Invariants: the output is valid UTF-8; it holds no string introducer (ESC ] / P / X / ^ / _)
/// and no C1 code point (U+0080..U+009F); no CSI in it is a report request or a mouse/focus
/// mode (checked by a scan written independently of the sanitizer's parser); it is a fixed
/// point (sanitized again, unchanged); and feeding the input in pieces, a split derived from
/// the input itself and byte by byte, gives exactly feed(whole) + finish().

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/utf8.hpp"
#include "runner/terminal_text.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using rooms::runner::terminal_sanitizer;

bool valid_utf8_without_c1(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto seq = rooms::base::decode_utf8(s, i);
    if (seq.what != rooms::base::utf8_sequence::kind::valid) return false;
    if (seq.code_point >= 0x80 && seq.code_point <= 0x9F) return false;
    i += seq.length;
  }
  return true;
}

/// Whether the parameters of a "CSI ? ... h/l" name a mouse or focus mode.
bool names_reporting_mode(std::string_view params) {
  std::string_view rest = params;
  while (true) {
    const auto end = rest.find_first_of(";:");
    auto p = rest.substr(0, end);
    while (p.size() > 1 && p.front() == '0') p.remove_prefix(1);
    for (std::string_view m :
         {"9", "1000", "1001", "1002", "1003", "1004", "1005", "1006", "1015", "1016"})
      if (p == m) return true;
    if (end == std::string_view::npos) return false;
    rest.remove_prefix(end + 1);
  }
}

/// Every ESC in `out` starts something the sanitizer may let through.
bool escapes_allowed(std::string_view out) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] != '\x1B') continue;
    if (i + 1 == out.size()) return false;  // never ends on half a sequence
    const char next = out[i + 1];
    if (next == ']' || next == 'P' || next == 'X' || next == '^' || next == '_') return false;
    if (next != '[') continue;
    std::size_t j = i + 2;
    while (j < out.size() && (out[j] < 0x40 || out[j] > 0x7E)) ++j;
    if (j == out.size()) return false;
    const std::string_view body = out.substr(i + 2, j - i - 2);
    const char final = out[j];
    if (final == 'n' || final == 'c' || final == 't' || final == 'x') return false;
    if (final == 'p' && body.find('$') != std::string_view::npos) return false;
    if (final == 'q' && !body.empty() && body.front() == '>') return false;
    if ((final == 'h' || final == 'l') && !body.empty() && body.front() == '?' &&
        names_reporting_mode(body.substr(1)))
      return false;
    i = j;
  }
  return true;
}

std::string sanitize(std::string_view in) {
  terminal_sanitizer s;
  auto out = s.feed(in);  // before finish(): the operands of + are unsequenced
  return out + s.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string whole = sanitize(in);

  FUZZ_CHECK(valid_utf8_without_c1(whole));
  FUZZ_CHECK(escapes_allowed(whole));
  FUZZ_CHECK(sanitize(whole) == whole);

  // Pieces whose lengths (1 to 7, a 0 adds an empty feed) come from the input's own bytes.
  {
    terminal_sanitizer s;
    std::string out;
    std::size_t i = 0, k = 0;
    while (i < size) {
      std::size_t len = data[k++ % size] % 8;
      if (len == 0) {
        out += s.feed({});
        len = 1;
      }
      len = std::min(len, size - i);
      out += s.feed(in.substr(i, len));
      i += len;
    }
    out += s.finish();
    FUZZ_CHECK(out == whole);
  }
  // Byte by byte: every sequence and character split everywhere.
  {
    terminal_sanitizer s;
    std::string out;
    for (std::size_t i = 0; i < size; ++i) out += s.feed(in.substr(i, 1));
    out += s.finish();
    FUZZ_CHECK(out == whole);
  }
  return 0;
}
