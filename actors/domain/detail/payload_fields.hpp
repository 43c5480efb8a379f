#pragma once
/// Internal to actors/domain: the field readers and writers every payload decoder shares
/// (events.cpp, question_events.cpp). A decoder never throws: `guarded` turns nlohmann's
/// exceptions into a payload_error.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/domain/events.hpp"

namespace rooms::domain::events::fields {

using json = nlohmann::json;

inline payload_error malformed(std::string message) {
  return {"malformed", std::move(message)};
}

inline bool is_uint(const json& j) {
  return j.is_number_unsigned() || (j.is_number_integer() && j.get<std::int64_t>() >= 0);
}

/// Reads an optional field: absent leaves `out` empty; present must pass `is` (else false).
template <class T, class Is>
bool optional_field(const json& j, const char* key, std::optional<T>& out, Is is) {
  out.reset();
  auto it = j.find(key);
  if (it == j.end()) return true;
  if (!is(*it)) return false;
  out = it->template get<T>();
  return true;
}

inline bool optional_string(const json& j, const char* key, std::optional<std::string>& out) {
  return optional_field(j, key, out, [](const json& v) { return v.is_string(); });
}
inline bool optional_uint(const json& j, const char* key, std::optional<std::uint64_t>& out) {
  return optional_field(j, key, out, is_uint);
}
inline bool optional_int(const json& j, const char* key, std::optional<std::int64_t>& out) {
  return optional_field(j, key, out, [](const json& v) { return v.is_number_integer(); });
}
inline bool optional_bool(const json& j, const char* key, std::optional<bool>& out) {
  return optional_field(j, key, out, [](const json& v) { return v.is_boolean(); });
}

/// A required string field.
inline bool string_field(const json& j, const char* key, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

/// Writes an optional field only when set, so json -> struct -> json gives the input back.
template <class T>
void put(json& j, const char* key, const std::optional<T>& value) {
  if (value) j[key] = *value;
}

/// Runs a decoder with nlohmann's exceptions turned into an error: a payload must never throw
/// out of the fold.
template <class F>
std::optional<payload_error> guarded(F decode) {
  try {
    return decode();
  } catch (const json::exception& e) {
    return malformed(e.what());
  }
}

}  // namespace rooms::domain::events::fields
