#pragma once
/// The one UTF-8 decoder of the project (rooms::base): the change sets (UTF-8 <-> UTF-16) and
/// the runner (program output made valid UTF-8) both decode through decode_utf8, so they agree
/// on what is valid and on where U+FFFD goes.
///
/// Every invalid input becomes U+FFFD by "substitution of maximal subparts" (Unicode 15, 3.9),
/// which is also what the WHATWG decoder (browsers' TextDecoder) does: a lead byte and the valid
/// continuation bytes after it become one U+FFFD, and the byte that broke the sequence is
/// decoded afresh. Overlong forms, surrogates and code points above U+10FFFF are invalid.

#include <cstddef>
#include <string>
#include <string_view>

namespace rooms::base {

inline constexpr char32_t replacement_character = 0xFFFD;

/// One decoded sequence of `text` at some position.
struct utf8_sequence {
  enum class kind {
    valid,      ///< `code_point` is the decoded character
    invalid,    ///< a maximal subpart that is not UTF-8: stands for one U+FFFD
    truncated,  ///< a valid prefix cut off by the end of `text` (more bytes could complete it)
  };
  kind what = kind::valid;
  char32_t code_point = replacement_character;  ///< U+FFFD unless valid
  std::size_t length = 1;                       ///< bytes consumed, >= 1
};

/// Decodes the sequence starting at text[pos] (pos < text.size()).
utf8_sequence decode_utf8(std::string_view text, std::size_t pos);

/// Appends `code_point` (<= U+10FFFF, not a surrogate) encoded as UTF-8.
void append_utf8(std::string& out, char32_t code_point);

/// `bytes` with every invalid sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view bytes);

/// Streaming to_valid_utf8: feed() chunks as they arrive; a sequence split between two chunks is
/// held back until it is complete, so the concatenation of every feed() and finish() equals
/// to_valid_utf8() of the concatenated input.
class utf8_sanitizer {
 public:
  /// The valid UTF-8 that `chunk` completes.
  std::string feed(std::string_view chunk);
  /// The held-back tail (an incomplete sequence: one U+FFFD), or empty.
  std::string finish();

 private:
  std::string pending_;
};

}  // namespace rooms::base
