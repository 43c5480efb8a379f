#pragma once
/// Private: the "interviews" column family, an index of the sessions by creation time, newest
/// first, so an interviews page is a bounded seek instead of a scan of every meta.
///
/// Keys (values are the session's search record, see index_record):
///   'c' | inverted created_at (8, big-endian) | id (16)                   every session
///   'a' | account id | '\0' | inverted created_at | id                    per interviewer account
///   'v'                                                                   marker: index complete
/// created_at never changes, so a key is written at creation and deleted at expiry; the value is
/// rewritten only when the title, the candidates or the accounts change (not per keystroke), in
/// the WriteBatch that writes the meta, so the index never disagrees with the metas.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eventlog/store.hpp"

namespace rocksdb {
class DB;
class Status;
class ColumnFamilyHandle;
struct ReadOptions;
}  // namespace rocksdb

namespace rooms::eventlog::detail {

/// Stored in the DB, so never rename.
inline constexpr const char* cf_interviews = "interviews";
/// Written last by a (re)build: a data dir whose index lacks it is rebuilt at open (a primary)
/// or listed by a scan of the metas (a secondary), so a crash mid-build costs only a rebuild.
inline constexpr std::string_view index_marker_key = "v";

/// What a session puts in the index: its keys (sorted, unique) and the record they all hold.
struct index_entries {
  std::vector<std::string> keys;
  std::string record;
  bool operator==(const index_entries&) const = default;
};
/// The record is the title, then each candidate name, each followed by '\0': what a search
/// matches, so a page rejects non-matches without reading their metas.
index_entries index_of(const session_meta& meta);

/// Maps a RocksDB status to our most specific code, keeping RocksDB's text (store.cpp).
status from_rocks(const rocksdb::Status& s, const std::string& context);

/// Drops whatever the index holds and writes it anew from the metas, marker last.
status rebuild_index(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta_cf,
                     rocksdb::ColumnFamilyHandle* index_cf);

/// A page of list_interviews. `index_cf` nullptr (a secondary of a data dir from before the
/// index) or an index without its marker: the metas are scanned instead, with the same result.
result<session_page> list_interviews_page(rocksdb::DB* db, const rocksdb::ReadOptions& read,
                                          rocksdb::ColumnFamilyHandle* meta_cf,
                                          rocksdb::ColumnFamilyHandle* index_cf, std::int64_t now,
                                          const interview_list_options& options);

}  // namespace rooms::eventlog::detail
