#pragma once
/// Internal: program output to valid UTF-8. Output ends up in JSON (run_finished, the event
/// log, the Piston API), and a strict JSON encoder throws on invalid UTF-8, so every byte
/// sequence that is not UTF-8 becomes U+FFFD here, once, for every consumer.

#include <string>
#include <string_view>

namespace rooms::runner::detail {

/// Streaming converter: feed() chunks as they arrive; a sequence split between two chunks is
/// held back until it is complete, so the concatenation of every feed() and finish() equals
/// to_valid_utf8() of the concatenated input. Each maximal invalid subpart (Unicode 15, 3.9
/// "U+FFFD substitution of maximal subparts") becomes one U+FFFD.
class utf8_sanitizer {
 public:
  /// The valid UTF-8 that `chunk` completes.
  std::string feed(std::string_view chunk);
  /// The held-back tail (an incomplete sequence: one U+FFFD), or empty.
  std::string finish();

 private:
  std::string pending_;
};

/// `bytes` with every invalid sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view bytes);

}  // namespace rooms::runner::detail
