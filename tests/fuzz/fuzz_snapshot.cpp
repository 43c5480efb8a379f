/// Fuzz target (c1): the snapshot decoder (domain::decode_snapshot) on arbitrary bytes.
///
/// Invariants: never throws or crashes; a decoded state re-encodes to bytes that decode to the
/// same state (compared by encoding); its REST view dumps.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actors/domain/room_state.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using json = nlohmann::json;
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto state = rooms::domain::decode_snapshot(bytes);
  if (!state) return 0;
  std::string encoded = rooms::domain::encode_snapshot(*state);
  auto again = rooms::domain::decode_snapshot(encoded);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(rooms::domain::encode_snapshot(*again) == encoded);
  (void)rooms::domain::to_json(*state).dump(-1, ' ', false, json::error_handler_t::replace);
  return 0;
}
