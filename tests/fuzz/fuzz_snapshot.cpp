/// Fuzz target (c1): the snapshot decoder (actors::decode_snapshot) on arbitrary bytes.
///
/// Invariants: never throws or crashes; a decoded state re-encodes to bytes that decode to the
/// same state (compared by encoding); its REST view dumps.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actors/room_state.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using json = nlohmann::json;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto state = rooms::actors::decode_snapshot(bytes);
  if (!state) return 0;
  std::string encoded = rooms::actors::encode_snapshot(*state);
  auto again = rooms::actors::decode_snapshot(encoded);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(rooms::actors::encode_snapshot(*again) == encoded);
  (void)rooms::actors::to_json(*state).dump(-1, ' ', false, json::error_handler_t::replace);
  return 0;
}
