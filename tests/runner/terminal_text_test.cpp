// terminal_sanitizer: whole UTF-8 characters, stripped strings and reports, chunking invariance.

#include "runner/terminal_text.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <string>
#include <vector>

namespace {

using rooms::runner::terminal_sanitizer;

const std::string fffd = "\xEF\xBF\xBD";
// ESC and the C1 controls (as UTF-8) by name: a hex escape would swallow the letter after it.
const std::string esc = "\x1B", bel = "\x07", can = "\x18", sub = "\x1A", enq = "\x05";
const std::string c1_dcs = "\xC2\x90", c1_sos = "\xC2\x98", c1_csi = "\xC2\x9B", c1_st = "\xC2\x9C",
                  c1_osc = "\xC2\x9D", c1_pm = "\xC2\x9E", c1_apc = "\xC2\x9F";

/// feed(whole) + finish() on a fresh sanitizer.
std::string clean(const std::string& in) {
  terminal_sanitizer s;
  auto out = s.feed(in);  // before finish(): the operands of + are unsequenced
  return out + s.finish();
}

/// Every piece fed in turn, then finish().
std::string clean_pieces(const std::vector<std::string>& pieces) {
  terminal_sanitizer s;
  std::string out;
  for (const auto& p : pieces) out += s.feed(p);
  return out + s.finish();
}

// -- UTF-8 --

TEST(terminal_text, ascii_and_multibyte_utf8_unchanged) {
  const std::string text =
      "hello, world\r\n\tgr\u00FC\u00DFe \xE2\x82\xAC \xF0\x9F\x98\x80 \xE4\xB8\xAD\n";
  EXPECT_EQ(clean(text), text);
  EXPECT_EQ(clean("\x08\x07\x0B\x0C\x0E\x0F\x7F"), "\x08\x07\x0B\x0C\x0E\x0F\x7F");
}

TEST(terminal_text, emoji_split_at_every_byte) {
  const std::string emoji = "\xF0\x9F\x98\x80";
  for (std::size_t cut = 0; cut <= emoji.size(); ++cut) {
    terminal_sanitizer s;
    auto first = s.feed("a" + emoji.substr(0, cut));
    EXPECT_EQ(first, cut == emoji.size() ? "a" + emoji : "a") << cut;  // only whole characters
    auto rest = s.feed(emoji.substr(cut) + "b");
    EXPECT_EQ(first + rest + s.finish(), "a" + emoji + "b") << cut;
  }
}

TEST(terminal_text, invalid_bytes_become_replacement_characters) {
  EXPECT_EQ(clean("a\xFF-"), "a" + fffd + "-");
  EXPECT_EQ(clean("\xC3("), fffd + "(");
  EXPECT_EQ(clean("\xED\xA0\x80"), fffd + fffd + fffd);       // a surrogate
  EXPECT_EQ(clean("\xE2\x82\x1B[31mx"), fffd + "\x1B[31mx");  // ESC breaks a character
  // A raw 0x9D byte is not UTF-8, so U+FFFD and not an OSC: the text after it is shown.
  EXPECT_EQ(clean("a\x9D;52;x" + bel + "b"), "a" + fffd + ";52;x" + bel + "b");
}

TEST(terminal_text, finish_turns_a_held_character_into_fffd) {
  terminal_sanitizer s;
  EXPECT_EQ(s.feed("ok\xF0\x9F"), "ok");
  EXPECT_EQ(s.finish(), fffd);
  EXPECT_EQ(s.feed("again"), "again");  // as new after finish()
}

// -- strings: OSC, DCS, SOS, PM, APC --

TEST(terminal_text, osc52_is_stripped_with_either_terminator) {
  EXPECT_EQ(clean("before\x1B]52;c;aGVsbG8=" + bel + "after"), "beforeafter");
  EXPECT_EQ(clean("before\x1B]52;c;aGVsbG8=\x1B\\after"), "beforeafter");
  EXPECT_EQ(clean("x\x1B]52;c;?\x07y"), "xy");  // the clipboard read, too
}

TEST(terminal_text, osc_title_hyperlink_and_colour_query_stripped) {
  EXPECT_EQ(clean_pieces({"a\x1B", "]", "0;my ", "ti\xC3", "\xA9tle", "\x1B", "\\b"}), "ab");
  EXPECT_EQ(clean("\x1B]8;;https://evil.example\x1B\\link\x1B]8;;\x1B\\"), "link");
  EXPECT_EQ(clean("\x1B]11;?\x07\x1B]4;1;?\x1B\\done"), "done");
}

TEST(terminal_text, endless_osc_costs_nothing_and_recovers_after_st) {
  terminal_sanitizer s;
  EXPECT_EQ(s.feed("start\x1B]0;"), "start");
  const std::string piece(4096, 'A');
  std::string shown;
  for (int i = 0; i < 256; ++i) shown += s.feed(piece);  // 1 MiB
  EXPECT_EQ(shown, "");
  EXPECT_EQ(s.feed("\x1B\\visible"), "visible");
  EXPECT_EQ(s.finish(), "");
}

TEST(terminal_text, dcs_sos_pm_apc_stripped_until_st_only) {
  EXPECT_EQ(clean("a\x1BP$qm\x1B\\b"), "ab");                  // DECRQSS
  EXPECT_EQ(clean("a\x1BPq#0;2;0;0;0#0~~@@vv\x1B\\b"), "ab");  // sixel
  EXPECT_EQ(clean("a\x1BX sos \x07 still\x1B\\b"), "ab");      // BEL does not end it
  EXPECT_EQ(clean("a\x1B^pm\x1B\\b\x1B_apc\x1B\\c"), "abc");
}

TEST(terminal_text, esc_in_a_string_ends_it_and_starts_a_sequence) {
  // As in xterm.js: the OSC ends at ESC, and ESC [ 31 m is then shown.
  EXPECT_EQ(clean("\x1B]0;t\x1B[31mX"), "\x1B[31mX");
  EXPECT_EQ(clean("\x1B]0;t\x1B[6nX"), "X");
}

TEST(terminal_text, can_and_sub_abort_a_sequence) {
  EXPECT_EQ(clean("\x1B]0;title\x18shown"), "shown");
  EXPECT_EQ(clean("\x1BP$q\x1Ashown"), "shown");
  EXPECT_EQ(clean("\x1B[6\x18n"), "n");  // the CSI is gone, its final is just a letter now
  EXPECT_EQ(clean("a" + can + "b" + sub), "a" + can + "b" + sub);  // elsewhere they are C0
}

// -- CSI --

TEST(terminal_text, reports_and_queries_dropped) {
  for (const char* seq : {"\x1B[6n", "\x1B[5n", "\x1B[?6n", "\x1B[c", "\x1B[0c", "\x1B[>c",
                          "\x1B[=c", "\x1B[18t", "\x1B[14t", "\x1B[1x", "\x1B[?1$p", "\x1B[4$p",
                          "\x1B[>q", "\x1B[>0q", "\x1B[?u", "\x1B[?1;1;0S", "\x1B[?4m"}) {
    EXPECT_EQ(clean(std::string("a") + seq + "b"), "ab") << seq + 1;
  }
}

TEST(terminal_text, mouse_and_focus_modes_dropped) {
  for (const char* seq : {"\x1B[?1000h", "\x1B[?1000l", "\x1B[?1006;1000h", "\x1B[?9h",
                          "\x1B[?1003h", "\x1B[?1004h", "\x1B[?1015h", "\x1B[?1016h",
                          "\x1B[?25;1002h", "\x1B[?01000h", "\x1B[?1000:1h", "\x1B[?2031h"}) {
    EXPECT_EQ(clean(std::string("a") + seq + "b"), "ab") << seq + 1;
  }
}

TEST(terminal_text, screen_sequences_pass) {
  for (const char* seq :
       {"\x1B[31m", "\x1B[38;2;1;2;3m", "\x1B[38:5:208m", "\x1B[2J", "\x1B[H", "\x1B[10;20H",
        "\x1B[?25l", "\x1B[?25h", "\x1B[?2004h", "\x1B[?1049h", "\x1B[1000h", "\x1B[2 q", "\x1B[!p",
        "\x1B[u", "\x1B[s", "\x1B[K", "\x1B[3S", "\x1B[q"}) {
    EXPECT_EQ(clean(std::string("a") + seq + "b"), std::string("a") + seq + "b") << seq + 1;
  }
}

TEST(terminal_text, control_inside_a_csi_runs_before_it) {
  // xterm.js executes C0 controls met inside a CSI; DEL is ignored there.
  EXPECT_EQ(clean("\x1B[3\n1m"), "\n\x1B[31m");
  EXPECT_EQ(clean("\x1B[3\x7F;1m"), "\x1B[3;1m");
  EXPECT_EQ(clean("\x1B[6\rn"), "\r");
}

TEST(terminal_text, malformed_and_overlong_csi_dropped_whole) {
  EXPECT_EQ(clean("a\x1B[1?1000hb"), "ab");  // a prefix after parameters: xterm.js ignores it
  EXPECT_EQ(clean("a\x1B[1$1mb"), "ab");     // a parameter after an intermediate
  std::string params;
  while (params.size() < 300) params += "1;";
  EXPECT_EQ(clean("a\x1B[" + params + "mb"), "ab");
  const std::string fits = "\x1B[" + std::string(253, '1') + "m";  // 256 bytes
  EXPECT_EQ(clean(fits), fits);
  EXPECT_EQ(clean("\x1B[" + std::string(254, '1') + "m"), "");
  EXPECT_EQ(clean("\x1B[3\xC3\xA9m"), "\xC3\xA9m");  // broken by a character, which is kept
}

TEST(terminal_text, incomplete_sequence_at_finish_dropped) {
  EXPECT_EQ(clean("a\x1B[6"), "a");
  EXPECT_EQ(clean("a\x1B"), "a");
  EXPECT_EQ(clean("a\x1B("), "a");
  EXPECT_EQ(clean("a\x1B]0;never ended"), "a");
}

// -- ESC sequences, C0 and C1 --

TEST(terminal_text, escape_sequences_pass) {
  for (const auto& seq : {esc + "7", esc + "8", esc + "(B", esc + ")0", esc + "c", esc + "#8",
                          esc + "M", esc + "=", esc + ">", esc + "%G"}) {
    EXPECT_EQ(clean("a" + seq + "b"), "a" + seq + "b") << seq.substr(1);
  }
  EXPECT_EQ(clean("a" + esc + "Zb" + esc + "\\c" + enq + "d"), "abcd");  // DECID, ST, ENQ
}

TEST(terminal_text, c1_forms) {
  EXPECT_EQ(clean("a" + c1_osc + "52;c;eA==" + c1_st + "b"), "ab");
  EXPECT_EQ(clean("a" + c1_osc + "0;title" + bel + "b"), "ab");
  EXPECT_EQ(clean("a" + c1_dcs + "$qm" + c1_st + "b"), "ab");
  EXPECT_EQ(clean("a" + c1_sos + "s" + c1_st + "b" + c1_pm + "p" + esc + "\\c"), "abc");
  EXPECT_EQ(clean("a" + c1_apc + "apc" + c1_st + "b"), "ab");
  EXPECT_EQ(clean("a" + c1_csi + "31mb"), "a\x1B[31mb");  // normalised to ESC [
  EXPECT_EQ(clean("a" + c1_csi + "6nb" + c1_csi + "?1000hc"), "abc");
  EXPECT_EQ(clean("a\xC2\x85-b\xC2\x84-c" + c1_st + "d\xC2\x80"), "a-b-cd");  // other C1
  EXPECT_EQ(clean("\x1B[3\xC2\x85;1m"), ";1m");                               // a C1 ends a CSI
}

// -- properties --

/// Inputs mixing all of the above with random bytes.
std::string random_input(std::mt19937& rng) {
  // clang-format off
  static const std::vector<std::string> parts = {
      "hello ", "\r\n", "\t", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xFF", "\xC3",
      "\x1B]52;c;aGk=\x07", "\x1B]0;title\x1B\\", "\x1B]8;;http://x\x1B\\", "\x1B]",
      "\x1BP$q", "\x1B\\", "\x07", "\x18", "\x1A", "\x05", "\x7F", "\x1B", "\x1B[", "\x1B[6n",
      "\x1B[c", "\x1B[>c", "\x1B[18t", "\x1B[?1$p", "\x1B[?1000h", "\x1B[?1006;1000h",
      "\x1B[31m", "\x1B[2J", "\x1B[H", "\x1B[?25l", "\x1B[?2004h", "\x1BM", "\x1B(B", "\x1B#8",
      "\xC2\x9D", "\xC2\x9C", "\xC2\x9B", "\xC2\x90", "\xC2\x98", "\xC2\x9F", "\xC2\x85",
      "\x9D", "?", ";", "1000", "n", "h", "$", ">", "[", "]"};
  // clang-format on
  std::string in;
  const int n = std::uniform_int_distribution<int>(0, 40)(rng);
  for (int i = 0; i < n; ++i) {
    if (rng() % 5 == 0) {
      in.push_back(static_cast<char>(rng() & 0xFF));
    } else {
      in += parts[rng() % parts.size()];
    }
  }
  return in;
}

TEST(terminal_text, chunking_invariance_and_fixed_point) {
  std::mt19937 rng(20240611);
  for (int round = 0; round < 5000; ++round) {
    const auto in = random_input(rng);
    const auto whole = clean(in);
    std::vector<std::string> pieces;
    for (std::size_t i = 0; i < in.size();) {
      const std::size_t len = std::min<std::size_t>(in.size() - i, rng() % 6);
      pieces.push_back(in.substr(i, len));  // empty pieces too
      i += len;
    }
    ASSERT_EQ(clean_pieces(pieces), whole) << ::testing::PrintToString(in);
    std::vector<std::string> bytes;
    for (char c : in) bytes.emplace_back(1, c);
    ASSERT_EQ(clean_pieces(bytes), whole) << ::testing::PrintToString(in);
    ASSERT_EQ(clean(whole), whole) << ::testing::PrintToString(in);
  }
}

}  // namespace
