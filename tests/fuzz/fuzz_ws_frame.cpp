/// Fuzz target (d): what the room does to a WebSocket text frame before dispatching it:
/// json_too_deep(text, 64), then json::parse(text, nullptr, false), then parse_command, then dump
/// (replies echo parts of the message, e.g. "ref").
///
/// Invariants: nothing that passes the depth check crashes the parser or the dump (nlohmann
/// recurses when dumping); whatever passes and parses is really at most 64 deep; a dump parses
/// back equal; parse_command never throws, carries the ref, and refuses exactly the envelopes
/// without a "type" string.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actors/domain/commands.hpp"
#include "actors/domain/json_limits.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using json = nlohmann::json;

/// Nesting depth of a value, counted like json_too_deep (an array or object is one level);
/// stops counting past `limit` so a bug cannot overflow the stack here either.
std::size_t depth_of(const json& j, std::size_t limit) {
  if (!j.is_structured() || limit == 0) return j.is_structured() ? 1 : 0;
  std::size_t deepest = 0;
  for (const auto& child : j) {
    auto d = depth_of(child, limit - 1);
    if (d > deepest) deepest = d;
  }
  return deepest + 1;
}

bool has_nan(const json& j, std::size_t limit) {
  if (j.is_number_float()) return j.get<double>() != j.get<double>();
  if (!j.is_structured() || limit == 0) return false;
  for (const auto& child : j)
    if (has_nan(child, limit - 1)) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool too_deep = rooms::domain::json_too_deep(text, 64);
  json msg = json::parse(text, nullptr, false);
  if (msg.is_discarded()) return 0;
  const std::size_t depth = depth_of(msg, 200);
  // Whatever the check lets through is really within the limit. (The converse does not hold:
  // nlohmann stops at a NUL byte, so "1\0[[[..." parses as 1 while the scan sees the brackets.)
  if (!too_deep) FUZZ_CHECK(depth <= 64);
  if (too_deep) return 0;
  auto out = msg.dump(-1, ' ', false, json::error_handler_t::replace);
  auto strict = msg.dump();  // parse only accepts valid UTF-8, so a strict dump cannot throw
  FUZZ_CHECK(out == strict);
  if (!has_nan(msg, 200)) FUZZ_CHECK(json::parse(out) == msg);
  auto parsed = rooms::domain::parse_command(msg);  // must not throw, whatever the fields
  const bool has_type = msg.is_object() && msg.contains("type") && msg["type"].is_string();
  FUZZ_CHECK(parsed.type.empty() != has_type ||
             (has_type && msg["type"].get<std::string>().empty()));
  if (!has_type) FUZZ_CHECK(std::holds_alternative<rooms::domain::command_error>(parsed.value));
  if (msg.is_object()) {
    json ref = msg.contains("ref") ? msg["ref"] : json();
    FUZZ_CHECK(parsed.ref == ref || has_nan(ref, 200));
    json reply = {{"type", "error"}, {"code", "bad_json"}, {"ref", ref}};
    (void)reply.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  return 0;
}
