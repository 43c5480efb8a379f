#pragma once
/// The session export format (JSON lines), shared by `export`, `import` and the offline backend.
///
/// Line 1: {"type":"session","sessionId","createdAt","language","title","keyHash"}; then every
/// event in its `/events` JSON form (eventlog::to_json), in seq order from 1 without a gap.
/// This is exactly what `POST /api/admin/import` accepts (gateway/api.cpp).

#include <istream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eventlog/store.hpp"

namespace rooms::cli {

/// A parsed, validated export: the meta to create and the events to append.
struct session_export {
  eventlog::session_meta meta;
  std::vector<eventlog::event> events;
};

/// The header line's object.
nlohmann::json export_header(const std::string& session_id, std::int64_t created_at, const std::string& language,
                             const std::string& title, const std::string& key_hash);

/// Parses an export and checks it the way the server's import does: the header first, every
/// event decodes, seqs run 1, 2, 3, ... and the fold accepts every event. Throws cli_error
/// (failure) naming the line or seq at fault.
session_export parse_export(std::istream& in);

}  // namespace rooms::cli
