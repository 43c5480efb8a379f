#pragma once
/// Cheap checks on untrusted JSON text before it reaches the parser.

#include <cstddef>
#include <string_view>

namespace rooms::domain {

/// True when arrays/objects nest deeper than `limit` (a linear scan that skips strings).
/// nlohmann/json recurses while parsing and dumping: deep input must never reach it.
inline bool json_too_deep(std::string_view text, std::size_t limit) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

}  // namespace rooms::domain
