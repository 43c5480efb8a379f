#pragma once
/// What a program running on a pseudo-terminal may show in the viewers' terminal emulators.

#include <cstddef>
#include <string>
#include <string_view>

namespace rooms::runner {

/// Makes a program's raw terminal output safe to show in every viewer's terminal emulator
/// (xterm.js): whole UTF-8 characters only, and no sequence that changes something outside
/// the terminal's screen or makes the emulator answer (which would be typed into the program
/// by every viewer at once). Stateful: sequences and characters may be split across feeds.
///
/// The bytes are decoded as UTF-8 first (invalid ones become U+FFFD) and the code points are
/// then parsed as xterm.js parses them (the DEC/VT500 state machine), because xterm.js gets
/// text: a raw byte 0x9D is U+FFFD there too, while U+009D (C2 9D) is an OSC introducer.
/// - Stripped whole: OSC (ended by BEL or ST), DCS, SOS, PM, APC, in 7-bit and C1 form (OSC 52
///   clipboard, titles, hyperlinks, colour queries, DECRQSS, sixel, ...). Nothing of them is
///   kept, so an endless string costs no memory. As in xterm.js, any ESC ends such a string;
///   the ESC then starts a new sequence (ESC \ is the ST, dropped).
/// - CSI passes (U+009B written as ESC [) except reports and queries (DSR, DA, window ops,
///   DECRQM, XTVERSION, ...) and mouse, focus and colour-scheme reporting modes. A malformed
///   CSI, one xterm.js would ignore, or one over 256 bytes is dropped up to its final byte.
/// - Other ESC sequences pass, except ST, DECID (ESC Z: answered like DA) and malformed ones.
/// - C0 controls pass (inside a sequence too: xterm.js executes them there), except ENQ
///   (answerback). CAN and SUB abort a sequence and are then dropped with it. Every other C1
///   code point is dropped, so the output never contains U+0080..U+009F.
/// - A sequence still incomplete at finish() is dropped: the emulator would complete it with
///   whatever is written next.
///
/// Output is a fixed point: feeding it to a fresh sanitizer gives it back unchanged. Memory
/// is bounded (a held sequence is at most 256 bytes), time linear, nothing throws except
/// std::bad_alloc. Not thread-safe: one instance per output stream.
class terminal_sanitizer {
 public:
  /// The valid UTF-8 that may be shown now; whatever is still incomplete is held back.
  std::string feed(std::string_view bytes);
  /// At the end of the stream: a held incomplete character as U+FFFD, a held incomplete
  /// sequence dropped. The sanitizer is then as new.
  std::string finish();

  /// Longest escape sequence or CSI held (bytes, ESC [ included); longer ones are dropped.
  static constexpr std::size_t max_sequence = 256;

 private:
  enum class state : unsigned char { ground, escape, csi, string };
  enum class csi_phase : unsigned char { entry, param, intermediate };

  void decode(std::string_view bytes, bool final, std::string& out);
  void step(char32_t c, std::string& out);
  void escape_byte(char c, std::string& out);
  void csi_byte(char c, std::string& out);
  void begin(state s, bool osc = false);

  state state_ = state::ground;
  csi_phase phase_ = csi_phase::entry;
  bool osc_ = false;       ///< state string: BEL ends it too
  bool overlong_ = false;  ///< state escape or csi: dropped, swallowed up to the final byte
  bool ignored_ = false;   ///< state csi: malformed as xterm.js sees it, dropped at the final
  std::string seq_;        ///< the escape sequence or CSI held, as it would be written out
  std::string tail_;       ///< an incomplete UTF-8 character (at most 3 bytes)
};

}  // namespace rooms::runner
