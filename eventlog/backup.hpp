#pragma once
/// Backups of a data dir and their restore (docs/operations.md "Backup and restore").
///
/// A backup is a directory: a RocksDB checkpoint of the whole database (every column family:
/// meta, events, snapshots, the question library) plus BACKUP.json, written last, so a backup
/// without it is incomplete. It is itself a data dir `roomctl --db` can read. The admin token
/// is not in it: it is a credential, not data (restore_backup keeps the target's).

#include <cstdint>
#include <string>

#include "eventlog/status.hpp"

namespace rooms::eventlog {

class store;

/// The manifest of a backup (<dir>/BACKUP.json).
struct backup_info {
  std::string dir;
  int format = 1;               ///< of the manifest; the data's own formats are in its values
  std::int64_t created_at = 0;  ///< unix ms when the checkpoint began
  std::int64_t duration_ms = 0;
  std::uint64_t files = 0;  ///< files in the backup, the manifest excluded
  std::uint64_t bytes = 0;  ///< their total size
};

/// File name of the manifest inside a backup.
inline constexpr const char* backup_manifest = "BACKUP.json";

/// Checkpoints `s` into `dir` (which must not exist; its parent must) and writes the manifest.
/// Blocking: call it from a thread that may wait (the gateway's blocking pool, roomctl).
/// Errors: read_only, already_exists, invalid_argument (no parent), io_error.
result<backup_info> create_backup(const store& s, const std::string& dir);

/// The manifest of the backup in `dir`; invalid_argument when `dir` is not a complete backup.
result<backup_info> read_backup(const std::string& dir);

/// Copies the backup in `backup_dir` to `data_dir`. Refuses (already_exists) a `data_dir` that
/// exists and is not empty unless `force`, and (locked) one a running roomd holds. The copy is
/// made beside the target and renamed into place, so a failure leaves the target as it was;
/// with `force` the old contents are removed, except admin.token, which is kept.
status restore_backup(const std::string& backup_dir, const std::string& data_dir, bool force);

}  // namespace rooms::eventlog
