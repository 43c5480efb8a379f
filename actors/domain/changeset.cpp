#include "actors/domain/changeset.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "base/utf8.hpp"

namespace rooms::domain {

namespace {

constexpr char16_t replacement_char = u'\uFFFD';

/// Largest length accepted in a change set part: well above any document a room holds, and
/// small enough that sums over a message can never overflow std::size_t.
constexpr std::uint64_t max_part_length = std::uint64_t{1} << 31;

bool is_high_surrogate(char32_t unit) {
  return unit >= 0xD800 && unit <= 0xDBFF;
}
bool is_low_surrogate(char32_t unit) {
  return unit >= 0xDC00 && unit <= 0xDFFF;
}

void append_utf16(std::u16string& out, char32_t code_point) {
  if (code_point < 0x10000) {
    out.push_back(static_cast<char16_t>(code_point));
  } else {
    code_point -= 0x10000;
    out.push_back(static_cast<char16_t>(0xD800 + (code_point >> 10)));
    out.push_back(static_cast<char16_t>(0xDC00 + (code_point & 0x3FF)));
  }
}

/// A part length: a JSON integer in [0, 2^31]. Floats (even 3.0), booleans and negatives are
/// refused although JavaScript would take them, so a length is always exact.
std::optional<std::size_t> part_length(const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    auto length = value.get<std::uint64_t>();
    if (length <= max_part_length) return static_cast<std::size_t>(length);
    return std::nullopt;
  }
  if (value.is_number_integer()) {
    // nlohmann stores non-negative integers as unsigned, but a json built in C++ may not.
    auto length = value.get<std::int64_t>();
    if (length >= 0 && static_cast<std::uint64_t>(length) <= max_part_length) {
      return static_cast<std::size_t>(length);
    }
  }
  return std::nullopt;
}

std::optional<changeset::section> parse_part(const nlohmann::json& part) {
  if (!part.is_array()) {
    auto length = part_length(part);
    if (!length) return std::nullopt;
    return changeset::section{*length, std::nullopt};
  }
  if (part.empty()) return std::nullopt;
  auto length = part_length(part[0]);
  if (!length) return std::nullopt;
  std::u16string inserted;
  for (std::size_t i = 1; i < part.size(); ++i) {
    const auto& line = part[i];
    if (!line.is_string()) return std::nullopt;
    if (i > 1) inserted.push_back(u'\n');
    inserted += utf8_to_utf16(line.get_ref<const std::string&>());
  }
  return changeset::section{*length, std::move(inserted)};
}

}  // namespace

// -- UTF conversions --

std::u16string utf8_to_utf16(std::string_view text) {
  // The project's one decoder (base/utf8.hpp), which replaces like browsers' TextDecoder.
  std::u16string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      out.push_back(lead);
      ++i;
      continue;
    }
    const auto seq = base::decode_utf8(text, i);
    append_utf16(out, seq.what == base::utf8_sequence::kind::valid ? seq.code_point
                                                                   : base::replacement_character);
    i += seq.length;
  }
  return out;
}

std::string utf16_to_utf8(std::u16string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char32_t unit = text[i];
    if (is_high_surrogate(unit) && i + 1 < text.size() && is_low_surrogate(text[i + 1])) {
      base::append_utf8(out, 0x10000 + ((unit - 0xD800) << 10) + (text[i + 1] - 0xDC00));
      ++i;
    } else if (is_high_surrogate(unit) || is_low_surrogate(unit)) {
      base::append_utf8(out, replacement_char);
    } else {
      base::append_utf8(out, unit);
    }
  }
  return out;
}

// -- changeset --

std::optional<changeset> changeset::from_json(const nlohmann::json& json) {
  // The shape is checked before every access, so nothing below should throw; the catch keeps
  // that promise if nlohmann ever disagrees (a client's JSON must never take the room down).
  try {
    if (!json.is_array()) return std::nullopt;
    changeset result;
    result.sections_.reserve(json.size());
    for (const auto& part : json) {
      auto parsed = parse_part(part);
      if (!parsed) return std::nullopt;
      result.length_ += parsed->length;
      result.new_length_ += parsed->inserted ? parsed->inserted->size() : parsed->length;
      // Sections are kept exactly as sent (no merging), as CodeMirror's fromJSON does, so
      // to_json() gives back what CodeMirror's toJSON() would.
      result.sections_.push_back(std::move(*parsed));
    }
    return result;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // deliberately swallowed: malformed input is just "not a change set"
  }
}

nlohmann::json changeset::to_json() const {
  auto parts = nlohmann::json::array();
  for (const auto& section : sections_) {
    if (!section.inserted) {
      parts.push_back(section.length);
      continue;
    }
    auto part = nlohmann::json::array({section.length});
    // CodeMirror stores an insertion as lines and writes an empty one as a bare deletion.
    if (!section.inserted->empty()) {
      std::u16string_view rest = *section.inserted;
      for (;;) {
        auto newline = rest.find(u'\n');
        part.push_back(utf16_to_utf8(rest.substr(0, newline)));
        if (newline == std::u16string_view::npos) break;
        rest.remove_prefix(newline + 1);
      }
    }
    parts.push_back(std::move(part));
  }
  return parts;
}

bool changeset::empty() const {
  return std::all_of(sections_.begin(), sections_.end(), [](const section& s) {
    return !s.inserted || (s.length == 0 && s.inserted->empty());
  });
}

bool changeset::apply(std::u16string& doc) const {
  if (doc.size() != length_) return false;
  const section* only_change = nullptr;
  std::size_t only_change_pos = 0;
  std::size_t changes = 0;
  std::size_t pos = 0;
  for (const auto& s : sections_) {
    if (s.inserted) {
      ++changes;
      only_change = &s;
      only_change_pos = pos;
    }
    pos += s.length;
  }
  if (changes == 0) return true;
  if (changes == 1) {
    // The common keystroke: one replace moves the tail once and usually needs no allocation.
    doc.replace(only_change_pos, only_change->length, *only_change->inserted);
    return true;
  }
  // Several changes: build the result in one pass, so the cost stays linear however many
  // sections there are (replacing one by one would move the tail once per section).
  std::u16string result;
  result.reserve(new_length_);
  pos = 0;
  for (const auto& s : sections_) {
    if (s.inserted) {
      result += *s.inserted;
    } else {
      result.append(doc, pos, s.length);
    }
    pos += s.length;
  }
  doc = std::move(result);
  return true;
}

std::size_t changeset::map_pos(std::size_t pos, int assoc) const {
  // A transcription of ChangeDesc.mapPos (MapMode.Simple) from @codemirror/state, which also
  // decides the cases where an insertion and a deletion meet at the same position.
  pos = std::min(pos, length_);
  std::size_t pos_a = 0;
  std::size_t pos_b = 0;
  for (const auto& s : sections_) {
    const std::size_t end_a = pos_a + s.length;
    if (!s.inserted) {
      if (end_a > pos) return pos_b + (pos - pos_a);
      pos_b += s.length;
    } else {
      const std::size_t inserted = s.inserted->size();
      if (end_a > pos || (end_a == pos && assoc < 0 && s.length == 0)) {
        return pos == pos_a || assoc < 0 ? pos_b : pos_b + inserted;
      }
      pos_b += inserted;
    }
    pos_a = end_a;
  }
  return pos_b;
}

std::size_t changeset::inserted_length() const {
  std::size_t total = 0;
  for (const auto& s : sections_) {
    if (s.inserted) total += s.inserted->size();
  }
  return total;
}

nlohmann::json replace_all_json(std::size_t length, std::string_view text) {
  nlohmann::json replace = nlohmann::json::array({length});
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string_view::npos; start = nl + 1)
    replace.push_back(std::string(text.substr(start, nl - start)));
  replace.push_back(std::string(text.substr(start)));
  return nlohmann::json::array({std::move(replace)});
}

}  // namespace rooms::domain
