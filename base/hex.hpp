#pragma once
/// Lower-case hex encoding: the one copy every component uses (digests, ids, cursors).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace rooms::base {

/// The value of one hex digit (either case), or -1 for any other character.
int hex_digit_value(char c);

/// Each byte as two lower-case hex digits.
std::string to_hex(std::string_view bytes);

/// Inverse of to_hex (either case); nullopt for an odd length or a non-hex character.
std::optional<std::string> from_hex(std::string_view hex);

}  // namespace rooms::base
