#pragma once
/// The session export format and its one validated import, shared by roomd's
/// `POST /api/admin/import` (gateway/api.cpp) and `roomctl import` (online pre-check and offline
/// --db write).
///
/// Format (JSON lines): line 1 is the header
/// `{"type":"session","format":1,"sessionId","createdAt","language","title","keyHash"}`
/// (`format` absent means 1: exports made before it existed); then every event in its
/// `/events` JSON form (eventlog::to_json) in seq order 1, 2, 3, ... without a gap.
///
/// An import is refused, and nothing is written, unless every line parses, the header and every
/// event respect the limits a live room enforces (names, titles, notes, document size, ...),
/// seqs run from 1 without gaps or duplicates, timestamps never decrease, and the fold `apply`
/// accepts every event. An existing session id is never overwritten.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/domain/validate.hpp"
#include "eventlog/replica.hpp"
#include "eventlog/store.hpp"

namespace rooms::actors {

/// The export format version this build writes and reads.
inline constexpr int export_format_version = 1;

/// What an imported session may contain: the limits of a live room (room_config, the REST
/// create) plus bounds on what only an import could carry.
struct import_limits {
  /// Participant names: 1..this many code points, no control characters. Default: 64.
  std::size_t max_name_chars = domain::default_max_name_chars;
  /// Session title in bytes, no control characters. Default: 200.
  std::size_t max_title_bytes = domain::default_max_title_bytes;
  /// Document size in UTF-16 units after every event. Default: 1,000,000.
  std::size_t max_doc_units = 1'000'000;
  /// Note text in bytes (1..). Default: 10,000.
  std::size_t max_note_bytes = domain::default_max_note_bytes;
  /// Each run output string (stdout, stderr, compileOutput, error) in bytes. Default: 1 MiB
  /// (the runner caps a stream at 64 KiB; older runners or Piston may say more).
  std::size_t max_output_bytes = 1u << 20;
  /// One line of the file in bytes. Default: 16 MiB.
  std::size_t max_line_bytes = 16u << 20;
};

/// A parsed, validated export: the meta to create and the events to append.
struct session_import {
  eventlog::session_meta meta;
  std::vector<eventlog::event> events;
};

/// The header line of an export.
nlohmann::json export_header(const std::string& session_id, std::int64_t created_at,
                             const std::string& language, const std::string& title,
                             const std::string& key_hash);

/// Parses and validates an export without writing anything. invalid_argument with a message
/// naming the line or the event at fault.
eventlog::result<session_import> parse_import(std::string_view text,
                                              const import_limits& limits = {});

/// parse_import, then writes the session: all or nothing. Errors: invalid_argument (the file),
/// already_exists (the id is taken; the existing session is untouched), or the store's error.
/// The writes go through `log` (the store itself on a single node: eventlog::local_replica);
/// `store` is the local one (its clock and retention).
eventlog::result<session_import> import_session(eventlog::store& store, eventlog::replica& log,
                                                std::string_view text,
                                                const import_limits& limits = {});

}  // namespace rooms::actors
