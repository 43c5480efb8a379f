#pragma once
/// A change set's JSON (ChangeSet.toJSON()) packed into a few bytes, for the rooms' in-memory
/// update history: a keystroke is about 10 bytes, inside std::string's inline buffer, where
/// the JSON tree it replaces took hundreds of bytes on the heap.
///
/// The packing is of the JSON's shape, not of the change set's meaning, so unpacking gives
/// back exactly the JSON a client sent (pull and resume replay it verbatim). Parts: a number
/// n (keep), [n] (delete) or [n, "line", ...] (replace), each a varint of n << 2 | kind, a
/// replace followed by its line count and each line as varint length + UTF-8 bytes. JSON of
/// any other shape is kept as its text (first byte 'J').

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/domain/changeset.hpp"

namespace rooms::actors::detail {

class packed_changes {
 public:
  packed_changes() = default;
  explicit packed_changes(const nlohmann::json& changes) {
    if (!pack(changes))
      bytes_ = "J" + changes.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  /// The JSON as it was packed.
  nlohmann::json to_json() const {
    if (!bytes_.empty() && bytes_[0] == 'J')
      return nlohmann::json::parse(bytes_.begin() + 1, bytes_.end(), nullptr, false);
    nlohmann::json out = nlohmann::json::array();
    std::size_t at = 1;
    while (at < bytes_.size()) {
      std::uint64_t head = varint(at);
      std::uint64_t n = head >> 2;
      switch (head & 3) {
        case 0:
          out.push_back(n);
          break;
        case 1:
          out.push_back(nlohmann::json::array({n}));
          break;
        default: {
          nlohmann::json part = nlohmann::json::array({n});
          for (std::uint64_t lines = varint(at); lines > 0; --lines) {
            auto len = static_cast<std::size_t>(varint(at));
            part.push_back(bytes_.substr(at, len));
            at += len;
          }
          out.push_back(std::move(part));
        }
      }
    }
    return out;
  }

  /// ChangeSet.mapPos of the change set (see domain::changeset::map_pos); pos itself if it cannot
  /// be read.
  std::size_t map_pos(std::size_t pos, int assoc = -1) const {
    auto cs = domain::changeset::from_json(to_json());
    return cs ? cs->map_pos(pos, assoc) : pos;
  }

  /// Heap bytes held beyond the object itself (0 while inline).
  std::size_t heap_bytes() const { return bytes_.capacity() > 15 ? bytes_.capacity() + 1 : 0; }

 private:
  bool pack(const nlohmann::json& changes) {
    if (!changes.is_array()) return false;
    std::string out = "P";
    auto put = [&out](std::uint64_t v) {
      while (v >= 0x80) {
        out.push_back(static_cast<char>(v | 0x80));
        v >>= 7;
      }
      out.push_back(static_cast<char>(v));
    };
    auto count = [](const nlohmann::json& j) -> std::optional<std::uint64_t> {
      if (!j.is_number_unsigned() || j.get<std::uint64_t>() > (UINT64_MAX >> 2))
        return std::nullopt;
      return j.get<std::uint64_t>();
    };
    for (const auto& part : changes) {
      if (part.is_number()) {
        auto n = count(part);
        if (!n) return false;
        put(*n << 2);
        continue;
      }
      if (!part.is_array() || part.empty()) return false;
      auto n = count(part[0]);
      if (!n) return false;
      if (part.size() == 1) {
        put(*n << 2 | 1);
        continue;
      }
      put(*n << 2 | 2);
      put(part.size() - 1);
      for (std::size_t i = 1; i < part.size(); ++i) {
        if (!part[i].is_string()) return false;
        const auto& line = part[i].get_ref<const std::string&>();
        put(line.size());
        out += line;
      }
    }
    bytes_ = std::move(out);
    bytes_.shrink_to_fit();
    return true;
  }

  std::uint64_t varint(std::size_t& at) const {
    std::uint64_t v = 0;
    for (int shift = 0; at < bytes_.size() && shift < 64; shift += 7) {
      auto b = static_cast<unsigned char>(bytes_[at++]);
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) break;
    }
    return v;
  }

  std::string bytes_;
};

}  // namespace rooms::actors::detail
