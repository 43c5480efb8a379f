#include "actors/domain/validate.hpp"

#include <algorithm>

namespace rooms::domain {

namespace {

bool is_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_hex_digit(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// Every byte alphanumeric (ASCII) or one of `extra`.
bool alnum_or(std::string_view s, std::string_view extra) {
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return is_alnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}

}  // namespace

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool has_control_chars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

bool valid_name(std::string_view name, std::size_t max_chars) {
  return !name.empty() && code_points(name) <= max_chars && !has_control_chars(name);
}

bool valid_title(std::string_view title, std::size_t max_bytes) {
  return title.size() <= max_bytes && !has_control_chars(title);
}

bool valid_note(std::string_view text, std::size_t max_bytes) {
  return !text.empty() && text.size() <= max_bytes;
}

bool valid_language_name(std::string_view language) {
  return !language.empty() && language.size() <= max_language_bytes && alnum_or(language, "+#._-");
}

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= max_id_bytes && alnum_or(id, "_-");
}

bool valid_client_id(std::string_view client_id) {
  return client_id.size() <= max_client_id_bytes;
}

bool valid_role(std::string_view role) {
  return role == "candidate" || role == "interviewer";
}

bool valid_color(std::string_view color) {
  return color.size() == 7 && color[0] == '#' &&
         std::all_of(color.begin() + 1, color.end(),
                     [](char c) { return is_hex_digit(static_cast<unsigned char>(c)); });
}

bool valid_sha256_hex_or_empty(std::string_view hash) {
  return hash.empty() || (hash.size() == 64 && std::all_of(hash.begin(), hash.end(), [](char c) {
                            return is_hex_digit(static_cast<unsigned char>(c));
                          }));
}

bool valid_reason(std::string_view reason) {
  return reason.size() <= max_reason_bytes && !has_control_chars(reason);
}

}  // namespace rooms::domain
