#pragma once
/// The durable per-session event log on RocksDB.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventlog/event.hpp"
#include "eventlog/status.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace rooms::eventlog {

/// Options of a store. Plain values; every field has a default.
struct store_options {
  /// Data directory (created when missing). Default: "./data".
  std::string path = "./data";
  /// fsync the WAL on every group commit: survives power loss, not only a process crash.
  /// Default: false (the WAL is written before an append is acknowledged).
  bool sync = false;
  /// A session expires this long after its last activity. Default: 24 h.
  std::chrono::milliseconds retention = std::chrono::hours(24);
  /// Open for reads only, as a RocksDB secondary instance: works while a roomd holds the lock.
  /// Default: false.
  bool read_only = false;
  /// Unix-ms clock; injectable so tests never sleep. Default: the system clock (now_ms).
  std::function<std::int64_t()> clock;
  /// Largest group-commit batch in bytes before the writer starts another. Default: 4 MiB.
  std::size_t max_batch_bytes = 4u << 20;
  /// A batch is refused with no_space (without reaching RocksDB) when fewer than its size plus
  /// this many bytes are free on the data dir's filesystem; 0 disables the check. RocksDB must
  /// not hit ENOSPC on a WAL write: Debian's librocksdb aborts on the next write after one.
  /// Default: 1 MiB.
  std::uint64_t min_free_bytes = 1u << 20;
};

/// What a listing of interviews shows of a session, kept in its meta so a list needs no fold.
/// Written by whoever appends (the room, creation, import) from the folded state
/// (domain::summarize); empty (phase "") for metas written before it existed.
struct session_summary {
  std::string phase;           ///< "lobby" | "live" | "ended"; "" when unknown (an old meta)
  std::string language;        ///< current language
  std::string question_title;  ///< title of the question loaded last; "" for none
  std::vector<std::string> candidates;    ///< names of every candidate who joined, first first
  std::vector<std::string> interviewers;  ///< names of every interviewer who joined
  /// Account ids of the interviewers who joined signed in. Empty until accounts exist: the
  /// seam an account-scoped listing filters on.
  std::vector<std::string> interviewer_accounts;
  std::int64_t started_at = 0;  ///< unix ms the room went live; 0 while in the lobby
  std::int64_t ended_at = 0;    ///< unix ms it last ended; 0 unless the phase is "ended"
  bool operator==(const session_summary&) const = default;
};

/// What the store keeps about one session (column family "meta").
struct session_meta {
  session_id id;
  std::int64_t created_at = 0;        ///< unix ms
  std::int64_t last_activity_at = 0;  ///< ts of the newest event
  std::int64_t expires_at =
      0;  ///< last_activity_at + retention (or later, e.g. an import: see create_session)
  std::uint64_t events = 0;  ///< == last seq
  std::uint64_t bytes = 0;   ///< encoded event bytes
  std::string language;      ///< language at creation
  std::string title;
  std::string key_hash;  ///< sha256_hex of the interviewer key
  session_summary summary;
};

/// Options of a listing, newest activity first.
struct list_options {
  std::size_t limit = 100;
  /// Opaque cursor from a previous page's `next`; empty for the first page.
  std::string cursor;
  /// Only metas it accepts are listed (run on the caller's thread during the scan); none: all.
  std::function<bool(const session_meta&)> filter;
};
/// Options of an interviews listing, newest creation first (store::list_interviews).
struct interview_list_options {
  std::size_t limit = 50;
  /// Opaque cursor from a previous page's `next`; empty for the first page.
  std::string cursor;
  /// Only sessions whose summary lists this interviewer account; nullopt: every session.
  std::optional<std::string> account;
  /// A cheap first test on a session's search record: its title, then each candidate name,
  /// each followed by '\0'. false skips the session without reading its meta; none: all pass.
  std::function<bool(std::string_view record)> record_filter;
  /// The exact test on the decoded meta of a session the record filter let through.
  std::function<bool(const session_meta&)> filter;
};
struct session_page {
  std::vector<session_meta> sessions;
  std::string next;  ///< empty at the end
};

/// Counters for /metrics and benchmarks.
struct store_stats {
  std::uint64_t batches = 0;   ///< group-commit writes
  std::uint64_t events = 0;    ///< events appended
  std::uint64_t bytes = 0;     ///< encoded bytes appended
  std::uint64_t failures = 0;  ///< appends answered with an error
};

/// A RocksDB-backed event log of many sessions.
///
/// Thread safety: every member may be called from any thread at once. Appends of many callers
/// are coalesced by one writer thread into one WriteBatch per flush (group commit); callbacks
/// run on that writer thread, in submission order, and must not block. The *_async reads run
/// on one reader thread, each after the writes submitted before it; blocking calls are for
/// threads that may wait (tools, tests, start-up), never an actor's.
/// An expired session is gone from every read at once (its meta, events and snapshots are
/// deleted in one WriteBatch); compaction reclaims its bytes.
class store {
 public:
  using append_callback = std::function<void(status)>;

  /// Opens (creating if missing) the store. Errors: locked, io_error, corruption.
  static result<std::unique_ptr<store>> open(store_options options);
  /// Drains pending appends (their callbacks run) and closes the DB.
  ~store();
  store(const store&) = delete;
  store& operator=(const store&) = delete;

  // -- sessions --

  /// Creates a session: writes its meta and `first` (seq 1, usually session_created) in one
  /// batch. already_exists if the id is taken. Expiry is last activity + retention, or
  /// `meta.expires_at` when that is later (an import keeps a full retention period).
  status create_session(const session_meta& meta, const event& first);
  /// Meta of a live (not expired) session; not_found otherwise.
  result<session_meta> meta(const session_id& id) const;
  /// Sessions ordered by last activity, newest first: a scan of every meta (admin listings).
  result<session_page> list(const list_options& options) const;
  /// Sessions ordered by creation, newest first (then by id), from the "interviews" index: a
  /// page reads the index from its cursor and the metas of the rows that pass record_filter.
  result<session_page> list_interviews(const interview_list_options& options) const;

  // -- events --

  /// Queues `events` (seqs must continue last_seq + 1, + 2, ...) for the next group commit;
  /// `done` runs once they are durable per the sync option, or with the error (wrong_seq,
  /// not_found, no_space, io_error), in which case nothing of them was written.
  void append_async(const session_id& id, std::vector<event> events, append_callback done);
  /// append_async that also replaces the session's summary, in the same WriteBatch as the
  /// events (so the listing never disagrees with the log); nullopt keeps the summary.
  void append_async(const session_id& id, std::vector<event> events,
                    std::optional<session_summary> summary, append_callback done);
  /// Blocking append_async.
  status append(const session_id& id, std::vector<event> events,
                std::optional<session_summary> summary = std::nullopt);
  /// Events with seq >= from, at most `limit`, in seq order (checks the iterator status).
  result<std::vector<event>> read(const session_id& id, std::uint64_t from,
                                  std::size_t limit) const;
  /// Calls `visit` for every event with seq >= from in order until it returns false.
  status scan(const session_id& id, std::uint64_t from,
              const std::function<bool(const event&)>& visit) const;
  using scan_visitor = std::function<bool(const event&)>;
  /// scan() without waiting: runs on the store's reader thread once every write submitted
  /// before it (appends, snapshots, expiries) is done, so it sees those that succeeded. `visit`
  /// and then `done` (with scan()'s status) run on the reader thread and must not block.
  void scan_async(const session_id& id, std::uint64_t from, scan_visitor visit,
                  append_callback done);
  /// Runs `read` on the reader thread once every write submitted before it is done, with an
  /// ok status (or with the error, on any thread, when the store is closing). It may call the
  /// blocking reads (read, scan, snapshot_at_or_below, meta, last_seq), never a write, and must
  /// not wait for anything else.
  void read_async(std::function<void(status)> read);
  /// Newest seq of a session (0 for none); not_found for an unknown session.
  result<std::uint64_t> last_seq(const session_id& id) const;

  // -- snapshots (opaque bytes written by the rooms) --

  status put_snapshot(const session_id& id, std::uint64_t seq, std::string bytes);
  /// put_snapshot without waiting: the snapshot joins the next group commit (with the appends
  /// queued around it, in order); `done` runs on the writer thread and must not block.
  void put_snapshot_async(const session_id& id, std::uint64_t seq, std::string bytes,
                          append_callback done);
  struct snapshot {
    std::uint64_t seq = 0;
    std::string bytes;
  };
  /// Newest snapshot with seq <= `seq`; nullopt when none.
  result<std::optional<snapshot>> snapshot_at_or_below(const session_id& id,
                                                       std::uint64_t seq) const;

  // -- expiry --

  /// Deletes the session now (meta, events, snapshots in one batch). not_found if unknown.
  status expire(const session_id& id);
  /// expire() without waiting: joins the write queue in order with the appends around it;
  /// `done` runs on the writer thread and must not block.
  void expire_async(const session_id& id, append_callback done);
  /// Expires every session whose expires_at <= clock(); returns how many.
  result<std::size_t> sweep_expired();
  using sweep_callback = std::function<void(result<std::size_t>)>;
  /// sweep_expired() without waiting: the scan of the metas runs on the reader thread, the
  /// deletions on the writer thread; `done` runs on one of them and must not block.
  void sweep_expired_async(sweep_callback done);
  /// Compacts every column family (reclaims deleted bytes).
  status compact();
  /// Live SST bytes of all column families (to show reclaimed space).
  std::uint64_t live_sst_bytes() const;
  /// Bytes held by the memtables of all column families (memory benchmarks subtract them).
  std::uint64_t memtable_bytes() const;
  /// Writes a consistent copy of every column family to `dir` (a RocksDB checkpoint: the
  /// memtables are flushed, SST files hard-linked where `dir` is on the same filesystem, else
  /// copied). Every append acknowledged before the call is in it. `dir` must not exist; its
  /// parent must. Blocking (a flush: milliseconds to seconds); appends go on meanwhile. Never
  /// from a callback or an actor thread. Errors: read_only, already_exists, io_error.
  status checkpoint(const std::string& dir) const;

  // -- health --

  /// False after a write failed with a background/IO error that has not been cleared.
  bool healthy() const;
  store_stats stats() const;
  const store_options& options() const;
  /// For read_only stores: catch up with the primary's writes.
  status refresh();

  // -- the question library's column family --

  /// The database and its "questions" column family, for a questions::question_store the
  /// caller builds (eventlog knows nothing of questions). Both stay owned by this store.
  /// questions_cf() is nullptr on a read-only store of a data dir made before it existed.
  rocksdb::DB* raw_db() const;
  rocksdb::ColumnFamilyHandle* questions_cf() const;
  /// The "accounts" column family (accounts::account_store), like questions_cf(): nullptr on
  /// a read-only store of a data dir made before it existed.
  rocksdb::ColumnFamilyHandle* accounts_cf() const;

  class impl;

 private:
  explicit store(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

}  // namespace rooms::eventlog
