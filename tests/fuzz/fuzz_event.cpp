/// Fuzz target (b): the stored event decoder (eventlog::decode) on arbitrary bytes, and
/// event_from_json on the same input read as JSON text.
///
/// Invariants: neither throws nor crashes; a decoded event re-encodes to bytes that decode to
/// the same event (compared by encoding, so a NaN payload compares equal to itself); the JSON
/// form of a decoded event dumps (with replacement of invalid UTF-8, as the room does) and,
/// when no payload key collides with the envelope, event_from_json gives the event back.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actors/domain/json_limits.hpp"
#include "eventlog/event.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using json = nlohmann::json;
namespace el = rooms::eventlog;

bool envelope_collision(const el::event& e) {
  return e.payload.is_object() &&
         (e.payload.contains("seq") || e.payload.contains("ts") || e.payload.contains("type") ||
          e.payload.contains("participantId"));
}

void check_stable(const el::event& e) {
  // Stored and reloaded.
  std::string bytes = el::encode(e);
  auto again = el::decode(bytes);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->ts == e.ts && again->type == e.type &&
             again->participant_id == e.participant_id);
  FUZZ_CHECK(el::encode(*again) == bytes);
  // Served as JSON (the /events form) and read back (roomctl import).
  json j = el::to_json(e);
  (void)j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (!envelope_collision(e)) {
    auto back = el::event_from_json(j);
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(back->seq == e.seq);
    FUZZ_CHECK(el::encode(*back) == bytes);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = el::decode(bytes);
  if (decoded.ok()) {
    check_stable(*decoded);
    // A format-1 value that decodes is canonical except for msgpack's choice of widths.
    FUZZ_CHECK(decoded->payload.is_object());
  } else {
    FUZZ_CHECK(decoded.error().code() == el::errc::corruption);
  }

  if (rooms::domain::json_too_deep(bytes, 64)) return 0;
  json j = json::parse(bytes, nullptr, false);
  if (j.is_discarded()) return 0;
  auto e = el::event_from_json(j);
  if (!e.ok()) {
    FUZZ_CHECK(e.error().code() == el::errc::invalid_argument);
    return 0;
  }
  check_stable(*e);
  return 0;
}
