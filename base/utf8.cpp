#include "base/utf8.hpp"

namespace rooms::base {
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
    if (static_cast<unsigned char>(in[i]) < 0x80) {
      // ASCII runs are the common case: copy them in one go.
      std::size_t j = i + 1;
      while (j < size && static_cast<unsigned char>(in[j]) < 0x80) ++j;
      out.append(in.substr(i, j - i));
      i = j;
      continue;
    }
    const auto seq = decode_utf8(in, i);
    if (seq.what == utf8_sequence::kind::valid) {
      out.append(in.substr(i, seq.length));
    } else if (seq.what == utf8_sequence::kind::truncated && !final) {
      *rest = std::string(in.substr(i));  // may still be completed by the next chunk
      return out;
    } else {
      out.append(replacement);
    }
    i += seq.length;
  }
  return out;
}

}  // namespace

utf8_sequence decode_utf8(std::string_view text, std::size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  if (lead < 0x80) return {utf8_sequence::kind::valid, lead, 1};
  // Length and the allowed range of the second byte (Unicode Table 3-7): this excludes
  // overlong forms, surrogates and code points above U+10FFFF.
  std::size_t n = 0;
  char32_t code_point = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2, code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3, code_point = lead & 0x0F;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4, code_point = lead & 0x07;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    return {utf8_sequence::kind::invalid, replacement_character, 1};
  }
  std::size_t k = 1;
  while (k < n && pos + k < text.size()) {
    const auto c = static_cast<unsigned char>(text[pos + k]);
    if (c < lo || c > hi) break;
    lo = 0x80, hi = 0xBF;
    code_point = (code_point << 6) | (c & 0x3F);
    ++k;
  }
  if (k == n) return {utf8_sequence::kind::valid, code_point, n};
  if (pos + k == text.size()) return {utf8_sequence::kind::truncated, replacement_character, k};
  return {utf8_sequence::kind::invalid, replacement_character, k};
}

void append_utf8(std::string& out, char32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

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

std::string to_valid_utf8(std::string_view bytes) {
  return convert(bytes, true, nullptr);
}

}  // namespace rooms::base
