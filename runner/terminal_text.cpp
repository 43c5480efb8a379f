// terminal_sanitizer: UTF-8 decoding (base/utf8.hpp), then the DEC/VT500 parser's states as
// xterm.js implements them (src/common/parser/EscapeSequenceParser.ts), reduced to what decides
// whether a sequence is shown: ground, escape, CSI, and one state for every stripped string.

#include "runner/terminal_text.hpp"

#include <algorithm>
#include <cstdint>

#include "base/utf8.hpp"

namespace rooms::runner {
namespace {

constexpr char32_t esc = 0x1B, bel = 0x07, enq = 0x05, can = 0x18, sub = 0x1A, del = 0x7F;

/// A CSI that makes the emulator answer: `final` byte, and when not 0 the prefix it needs
/// (one of < = > ? right after CSI) or an intermediate it needs (0x20-0x2F before the final).
struct report_rule {
  char final;
  char prefix;
  char intermediate;
};

// The brief's list first, then the other requests of xterm's ctlseqs and of xterm.js addons.
constexpr report_rule report_rules[] = {
    {'n', 0, 0},     // DSR, cursor position report, DECXCPR, colour scheme query (?996n)
    {'c', 0, 0},     // DA1, DA2 (>), DA3 (=)
    {'t', 0, 0},     // window manipulation and reports
    {'x', 0, 0},     // DECREQTPARM
    {'p', 0, '$'},   // DECRQM (ANSI and ?)
    {'q', '>', 0},   // XTVERSION
    {'u', '?', 0},   // kitty keyboard flags query
    {'u', 0, '$'},   // DECRQTSR
    {'S', '?', 0},   // XTSMGRAPHICS (sixel/ReGIS attributes, the image addon answers)
    {'m', '?', 0},   // XTQMODKEYS
    {'w', 0, '$'},   // DECRQPSR
    {'y', 0, '*'},   // DECRQCRA (checksum of a rectangle)
    {'|', 0, '#'},   // XTREPORTSGR
    {'v', 0, '"'},   // DECRQDE
    {'z', 0, '\''},  // DECELR: locator (mouse) reports
    {'{', 0, '\''},  // DECSLE: locator events
    {'|', 0, '\''},  // DECRQLP: locator position
};

/// DEC private modes after which the emulator writes on its own: X10 and X11 mouse tracking,
/// focus events, mouse encodings, alternate scroll (wheel as arrow keys), colour-scheme
/// updates. Every viewer's mouse, focus or theme would type into the program.
bool reporting_mode(std::uint32_t mode) {
  switch (mode) {
    case 9:
    case 1000:
    case 1001:
    case 1002:
    case 1003:
    case 1004:
    case 1005:
    case 1006:
    case 1007:
    case 1015:
    case 1016:
    case 2031:
      return true;
    default:
      return false;
  }
}

/// Whether any parameter or sub-parameter (xterm.js reads "1000:1" as 1000 with a
/// sub-parameter) of `params` (digits, ';' and ':') is a reporting mode.
bool any_reporting_mode(std::string_view params) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i <= params.size(); ++i) {
    if (i == params.size() || params[i] == ';' || params[i] == ':') {
      if (reporting_mode(value)) return true;
      value = 0;
    } else {
      // Saturates: a huge number is no mode (xterm.js clamps it, too).
      value = std::min<std::uint32_t>(value * 10 + static_cast<std::uint32_t>(params[i] - '0'),
                                      1'000'000);
    }
  }
  return false;
}

/// Whether a well-formed CSI may be shown: `body` is what lies between CSI and `final`.
bool csi_allowed(std::string_view body, char final) {
  char prefix = 0;
  if (!body.empty() && body.front() >= 0x3C && body.front() <= 0x3F) {
    prefix = body.front();
    body.remove_prefix(1);
  }
  const auto split = std::min(body.find_first_not_of("0123456789:;"), body.size());
  const auto params = body.substr(0, split), intermediates = body.substr(split);
  for (const auto& r : report_rules) {
    if (r.final == final && (r.prefix == 0 || r.prefix == prefix) &&
        (r.intermediate == 0 || intermediates.find(r.intermediate) != std::string_view::npos))
      return false;
  }
  if ((final == 'h' || final == 'l') && prefix == '?') return !any_reporting_mode(params);
  return true;
}

}  // namespace

std::string terminal_sanitizer::feed(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  decode(bytes, false, out);
  return out;
}

std::string terminal_sanitizer::finish() {
  std::string out;
  decode({}, true, out);
  begin(state::ground);  // an incomplete sequence is dropped
  return out;
}

void terminal_sanitizer::decode(std::string_view bytes, bool final, std::string& out) {
  std::string joined;
  if (!tail_.empty()) {
    // At most 3 bytes held: the character they start is decoded as if never split.
    joined = std::move(tail_);
    tail_.clear();
    joined.append(bytes);
    bytes = joined;
  }
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (b < 0x80) {
      if (state_ == state::ground && b >= 0x20 && b < del) {
        // Printable ASCII is most of the output: copy the run in one go.
        std::size_t j = i + 1;
        while (j < bytes.size() && bytes[j] >= 0x20 && bytes[j] < 0x7F) ++j;
        out.append(bytes.substr(i, j - i));
        i = j;
      } else {
        step(b, out);
        ++i;
      }
      continue;
    }
    const auto seq = base::decode_utf8(bytes, i);
    if (seq.what == base::utf8_sequence::kind::truncated && !final) {
      tail_.assign(bytes.substr(i));  // may still be completed by the next feed
      return;
    }
    step(
        seq.what == base::utf8_sequence::kind::valid ? seq.code_point : base::replacement_character,
        out);
    i += seq.length;
  }
}

void terminal_sanitizer::begin(state s, bool osc) {
  state_ = s;
  phase_ = csi_phase::entry;
  osc_ = osc;
  overlong_ = false;
  ignored_ = false;
  seq_.clear();
  if (s == state::escape) seq_ = "\x1b";
  if (s == state::csi) seq_ = "\x1b[";
}

void terminal_sanitizer::step(char32_t c, std::string& out) {
  if (c >= 0x80 && c <= 0x9F) {
    // C1 controls act the same from every state (xterm.js's "anywhere" transitions): they
    // end whatever sequence was under way, and none of them is ever written out.
    switch (c) {
      case 0x9B:
        begin(state::csi);
        break;
      case 0x9D:
        begin(state::string, /*osc=*/true);
        break;
      case 0x90:  // DCS
      case 0x98:  // SOS
      case 0x9E:  // PM
      case 0x9F:  // APC
        begin(state::string);
        break;
      default:  // ST (0x9C) ends a string; the rest (IND, NEL, ...) are dropped
        begin(state::ground);
    }
    return;
  }
  if (c == esc) {
    begin(state::escape);  // also ends a string, as in xterm.js; ESC \ is then its ST
    return;
  }
  if (c == can || c == sub) {
    if (state_ == state::ground) {
      out.push_back(static_cast<char>(c));
    } else {
      begin(state::ground);  // aborts the sequence, and goes with it
    }
    return;
  }
  if (c >= 0x80) {
    if (state_ == state::string) return;
    // xterm.js drops a sequence that a non-ASCII character interrupts; the character is text.
    if (state_ != state::ground) begin(state::ground);
    base::append_utf8(out, c);
    return;
  }
  if (state_ == state::string) {
    if (osc_ && c == bel) begin(state::ground);
    return;  // nothing of a string is kept
  }
  if (c < 0x20 || c == del) {
    // Executed in the middle of a sequence, too (DEL is ignored there). ENQ asks for the
    // answerback message.
    if (c != enq && (c != del || state_ == state::ground)) out.push_back(static_cast<char>(c));
    return;
  }
  const auto b = static_cast<char>(c);
  switch (state_) {
    case state::ground:
      out.push_back(b);
      break;
    case state::escape:
      escape_byte(b, out);
      break;
    case state::csi:
      csi_byte(b, out);
      break;
    case state::string:
      break;
  }
}

void terminal_sanitizer::escape_byte(char b, std::string& out) {
  if (b < 0x30) {  // an intermediate
    if (overlong_) return;
    if (seq_.size() + 2 > max_sequence) {
      overlong_ = true;
      seq_.clear();
    } else {
      seq_.push_back(b);
    }
    return;
  }
  if (overlong_) {
    begin(state::ground);
    return;
  }
  if (seq_.size() == 1) {  // ESC and its final, no intermediates: it may introduce more
    switch (b) {
      case '[':
        begin(state::csi);
        return;
      case ']':
        begin(state::string, /*osc=*/true);
        return;
      case 'P':  // DCS
      case 'X':  // SOS
      case '^':  // PM
      case '_':  // APC
        begin(state::string);
        return;
      case '\\':  // ST: only ever ends a string, which was dropped
      case 'Z':   // DECID: answered like DA1
        begin(state::ground);
        return;
      default:
        break;
    }
  }
  seq_.push_back(b);
  out += seq_;
  begin(state::ground);
}

void terminal_sanitizer::csi_byte(char b, std::string& out) {
  if (b >= 0x40) {  // the final byte
    if (!overlong_ && !ignored_ && csi_allowed(std::string_view(seq_).substr(2), b)) {
      seq_.push_back(b);
      out += seq_;
    }
    begin(state::ground);
    return;
  }
  // Where xterm.js would ignore the CSI (CSI_IGNORE): a prefix that is not first, a
  // parameter after an intermediate.
  if (b >= 0x3C) {
    if (phase_ == csi_phase::entry) {
      phase_ = csi_phase::param;
    } else {
      ignored_ = true;
    }
  } else if (b >= 0x30) {
    if (phase_ == csi_phase::intermediate) {
      ignored_ = true;
    } else {
      phase_ = csi_phase::param;
    }
  } else {
    phase_ = csi_phase::intermediate;
  }
  if (overlong_ || ignored_) {
    seq_.clear();
    return;
  }
  if (seq_.size() + 2 > max_sequence) {  // with the final byte still to come
    overlong_ = true;
    seq_.clear();
    return;
  }
  seq_.push_back(b);
}

}  // namespace rooms::runner
