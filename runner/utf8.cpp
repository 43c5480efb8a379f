#include "runner/utf8.hpp"

namespace rooms::runner::detail {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";

/// Converts `in`; when `final` is false an incomplete sequence at the end is returned in
/// `rest` instead of being replaced.
std::string convert(std::string_view in, bool final, std::string* rest) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  const std::size_t size = in.size();
  while (i < size) {
    auto b = static_cast<unsigned char>(in[i]);
    if (b < 0x80) {
      // ASCII runs are the common case: copy them in one go.
      std::size_t j = i + 1;
      while (j < size && static_cast<unsigned char>(in[j]) < 0x80) ++j;
      out.append(in.substr(i, j - i));
      i = j;
      continue;
    }
    // Length and the allowed range of the second byte (Unicode Table 3-7): this excludes
    // overlong forms, surrogates and code points above U+10FFFF.
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) n = 2;
    else if (b == 0xE0) n = 3, lo = 0xA0;
    else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) n = 3;
    else if (b == 0xED) n = 3, hi = 0x9F;
    else if (b == 0xF0) n = 4, lo = 0x90;
    else if (b >= 0xF1 && b <= 0xF3) n = 4;
    else if (b == 0xF4) n = 4, hi = 0x8F;
    if (n == 0) {
      out.append(replacement);
      ++i;
      continue;
    }
    std::size_t k = 1;
    while (k < n && i + k < size) {
      auto c = static_cast<unsigned char>(in[i + k]);
      bool ok = k == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
      if (!ok) break;
      ++k;
    }
    if (k == n) {
      out.append(in.substr(i, n));
      i += n;
    } else if (i + k == size && !final) {
      *rest = std::string(in.substr(i));  // may still be completed by the next chunk
      return out;
    } else {
      out.append(replacement);  // the maximal subpart: the lead byte and the valid bytes after it
      i += k;
    }
  }
  return out;
}

}  // namespace

std::string utf8_sanitizer::feed(std::string_view chunk) {
  std::string input = std::move(pending_);
  pending_.clear();
  input.append(chunk);
  return convert(input, false, &pending_);
}

std::string utf8_sanitizer::finish() {
  std::string input = std::move(pending_);
  pending_.clear();
  return convert(input, true, nullptr);
}

std::string to_valid_utf8(std::string_view bytes) { return convert(bytes, true, nullptr); }

}  // namespace rooms::runner::detail
