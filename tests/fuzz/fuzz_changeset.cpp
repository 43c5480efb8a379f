/// Fuzz target (a): ChangeSet JSON parsing and apply (actors/domain/changeset.hpp), plus the UTF-8
/// / UTF-16 conversions. Input: arbitrary text, parsed as JSON the way the room parses a frame.
///
/// Invariants: from_json never throws; a parsed change set applies to a document of exactly
/// its length and to nothing else, giving new_length() units equal to a naive reference;
/// map_pos stays within the output and is monotonic; to_json parses back equal.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "actors/domain/changeset.hpp"
#include "actors/domain/json_limits.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using rooms::domain::changeset;
using json = nlohmann::json;

/// Largest input length a document is built for (the sum of parts can reach 2^31 per part).
constexpr std::size_t max_doc = 1 << 16;

std::u16string reference_apply(const changeset& cs, const std::u16string& doc) {
  std::u16string out;
  std::size_t pos = 0;
  for (const auto& s : cs.sections()) {
    if (s.inserted)
      out += *s.inserted;
    else
      out += doc.substr(pos, s.length);
    pos += s.length;
  }
  return out;
}

void check_utf(std::string_view bytes) {
  auto utf16 = rooms::domain::utf8_to_utf16(bytes);
  auto utf8 = rooms::domain::utf16_to_utf8(utf16);
  // The output is valid UTF-8: a strict dump would throw otherwise.
  (void)json(utf8).dump();
  // Decoding valid UTF-8 is lossless.
  FUZZ_CHECK(rooms::domain::utf8_to_utf16(utf8) == utf16);
  FUZZ_CHECK(utf16.size() <= bytes.size());
}

void check_changeset(const changeset& cs) {
  std::size_t length = 0, new_length = 0;
  for (const auto& s : cs.sections()) {
    length += s.length;
    new_length += s.inserted ? s.inserted->size() : s.length;
  }
  FUZZ_CHECK(length == cs.length());
  FUZZ_CHECK(new_length == cs.new_length());

  // to_json round trip, through text as on the wire.
  json out = cs.to_json();
  auto text = out.dump();
  auto back = changeset::from_json(json::parse(text));
  FUZZ_CHECK(back.has_value());
  FUZZ_CHECK(back->sections() == cs.sections());
  FUZZ_CHECK(back->length() == cs.length() && back->new_length() == cs.new_length());
  FUZZ_CHECK(back->to_json() == out);

  if (cs.length() > max_doc || cs.new_length() > 4 * max_doc) return;
  std::u16string doc(cs.length(), u'x');
  for (std::size_t i = 0; i < doc.size(); ++i) doc[i] = static_cast<char16_t>(u'a' + i % 26);
  const std::u16string original = doc;

  // Wrong lengths are refused and leave the document alone.
  std::u16string longer = doc + u'!';
  FUZZ_CHECK(!cs.apply(longer) && longer == doc + u'!');
  if (!doc.empty()) {
    std::u16string shorter = doc.substr(1);
    FUZZ_CHECK(!cs.apply(shorter) && shorter == doc.substr(1));
  }

  FUZZ_CHECK(cs.apply(doc));
  FUZZ_CHECK(doc.size() == cs.new_length());
  FUZZ_CHECK(doc == reference_apply(cs, original));
  if (cs.empty()) FUZZ_CHECK(doc == original);

  // map_pos: within the output, monotonic, assoc -1 never after assoc +1.
  const std::size_t step = cs.length() > 2048 ? cs.length() / 1024 : 1;
  std::size_t prev_before = 0, prev_after = 0;
  for (std::size_t pos = 0; pos <= cs.length() + 1; pos += step) {
    std::size_t before = cs.map_pos(pos, -1);
    std::size_t after = cs.map_pos(pos, 1);
    FUZZ_CHECK(before <= cs.new_length());
    FUZZ_CHECK(after <= cs.new_length());
    FUZZ_CHECK(before <= after);
    FUZZ_CHECK(before >= prev_before && after >= prev_after);
    prev_before = before;
    prev_after = after;
  }
  FUZZ_CHECK(cs.map_pos(cs.length(), 1) == cs.new_length());
  FUZZ_CHECK(cs.map_pos(0, -1) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_utf(text);
  if (rooms::domain::json_too_deep(text, 64)) return 0;
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return 0;
  // A whole code_update frame, or a bare change set.
  if (j.is_object() && j.contains("updates") && j["updates"].is_array()) {
    for (const auto& u : j["updates"]) {
      if (!u.is_object()) continue;
      auto cs = changeset::from_json(u.value("changes", json()));
      if (cs) check_changeset(*cs);
    }
    return 0;
  }
  auto cs = changeset::from_json(j);
  if (cs) check_changeset(*cs);
  return 0;
}
