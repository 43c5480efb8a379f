#pragma once
/// Private: the RocksDB key layout and the stored session_meta encoding.

#include <cstdint>
#include <string>
#include <string_view>

#include "eventlog/event.hpp"
#include "eventlog/status.hpp"
#include "eventlog/store.hpp"

namespace rooms::eventlog::detail {

/// Column family names; stored in the DB, so never rename.
inline constexpr const char* cf_meta = "meta";
inline constexpr const char* cf_events = "events";
inline constexpr const char* cf_snapshots = "snapshots";
/// The question library's versions (questions::question_store; eventlog only opens it).
inline constexpr const char* cf_questions = "questions";
/// Interviewer accounts (accounts/account_store.hpp); like questions, not session data.
inline constexpr const char* cf_accounts = "accounts";

inline constexpr std::size_t id_size = 16;
inline constexpr std::size_t seq_key_size = id_size + 8;

/// `session id | seq big-endian`: one session's entries are one contiguous, ordered range.
inline std::string seq_key(const session_id& id, std::uint64_t seq) {
  std::string key(id.raw());
  for (int shift = 56; shift >= 0; shift -= 8) key.push_back(static_cast<char>(seq >> shift));
  return key;
}

/// Exclusive upper bound of a session's range: longer than every `seq_key` of that session and
/// shorter-prefixed than none of the next session's, so bytewise it sorts right after them.
inline std::string range_end(const session_id& id) {
  std::string key(id.raw());
  key.append(8, '\xff');
  key.push_back('\0');
  return key;
}

inline std::uint64_t seq_of_key(std::string_view key) {
  std::uint64_t seq = 0;
  for (std::size_t i = id_size; i < seq_key_size; ++i) {
    seq = seq << 8 | static_cast<std::uint8_t>(key[i]);
  }
  return seq;
}

inline session_id id_of_key(std::string_view key) {
  session_id id;
  for (std::size_t i = 0; i < id_size; ++i) id.bytes[i] = static_cast<std::uint8_t>(key[i]);
  return id;
}

/// Current stored format of session_meta (first byte of every meta value). 1: the eight
/// fields; 2: plus the summary (1 still decodes, with an empty summary).
inline constexpr std::uint8_t meta_format_version = 2;

/// [version byte][msgpack array]; the id is the key, so it is not repeated in the value.
std::string encode_meta(const session_meta& meta);
/// corruption for garbage or an unknown version; `id` is filled from the caller's key.
result<session_meta> decode_meta(const session_id& id, std::string_view bytes);

/// The three times at the head of a meta, without decoding the rest (a listing orders and
/// checks liveness with them, and decodes whole only the metas that can make the page).
struct meta_times {
  std::int64_t created_at = 0;
  std::int64_t last_activity_at = 0;
  std::int64_t expires_at = 0;
};
/// false for garbage or an unknown version (decode_meta then says why).
bool decode_meta_times(std::string_view bytes, meta_times& out);

}  // namespace rooms::eventlog::detail
