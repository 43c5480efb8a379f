/// Fuzz target (c2): the fold (domain::apply) over a random sequence of events.
///
/// Input: JSON lines, each an event in its API form ({"seq","ts","type","participantId"?,...}).
/// A line without "seq" gets the next one and without "ts" gets 0, so the fuzzer reaches the
/// type-specific code instead of stalling on wrong_seq. Each event goes through the stored
/// encoding (encode + decode) first, as the log hands it to the fold.
///
/// Invariants: apply never throws or crashes; it is atomic (an error leaves the state equal,
/// compared by snapshot encoding); on success seq advances by one, the version never goes
/// back, every cursor-free invariant of the state holds, and the state survives a snapshot
/// round trip (checked at the end) and dumps as the REST view.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actors/domain/json_limits.hpp"
#include "actors/domain/room_state.hpp"
#include "eventlog/event.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using json = nlohmann::json;
namespace el = rooms::eventlog;
namespace ac = rooms::domain;

/// Stop folding once the document is this long (keeps each input fast).
constexpr std::size_t max_doc = 1 << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  ac::room_state state;
  std::size_t start = 0;
  while (start < input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    std::string_view line = input.substr(start, end - start);
    start = end + 1;
    if (ac::json_too_deep(line, 64)) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    if (!j.contains("seq")) j["seq"] = state.seq + 1;
    if (!j.contains("ts")) j["ts"] = 0;
    auto parsed = el::event_from_json(j);
    if (!parsed.ok()) continue;
    auto stored = el::decode(el::encode(*parsed));
    FUZZ_CHECK(stored.ok());
    el::event e = std::move(*stored);
    e.seq = parsed->seq;

    // Events parsed from JSON text hold no NaN, so room_state's == is exact here.
    const ac::room_state before = state;
    const std::uint64_t version_before = state.version;
    std::optional<ac::apply_error> error;
    try {
      error = ac::apply(state, e);
    } catch (const json::exception& ex) {
      // apply must never throw: it answers an apply_error and leaves the state as it was.
      std::fprintf(stderr, "domain::apply threw: %s\n", ex.what());
      std::abort();
    }
    if (error) {
      FUZZ_CHECK(!error->code.empty());
      FUZZ_CHECK(state == before);
      continue;
    }
    FUZZ_CHECK(state.seq == e.seq);
    FUZZ_CHECK(state.version >= version_before);
    if (e.type == el::event_type::code_changed)
      FUZZ_CHECK(state.version == version_before + 1);
    else
      FUZZ_CHECK(state.version == version_before);
    if (state.doc.size() > max_doc) break;
  }
  auto snap = ac::decode_snapshot(ac::encode_snapshot(state));
  FUZZ_CHECK(snap.has_value());
  FUZZ_CHECK(*snap == state);
  (void)ac::to_json(state).dump(-1, ' ', false, json::error_handler_t::replace);
  return 0;
}
