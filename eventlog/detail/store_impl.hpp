#pragma once
/// The store's implementation, shared by the files that define it (store.cpp: the public
/// calls; store_open.cpp: opening and closing; store_writer.cpp: the writer thread, batches
/// and group commits; store_list.cpp: the listings). Not a public header: it includes RocksDB.

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <sys/statvfs.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "eventlog/detail/interview_index.hpp"
#include "eventlog/detail/keys.hpp"
#include "eventlog/store.hpp"

namespace rooms::eventlog {
namespace detail {

struct id_hash {
  std::size_t operator()(const session_id& id) const {
    std::uint64_t h;
    std::memcpy(&h, id.bytes.data(), sizeof h);  // ids are random: any 8 bytes hash well
    return static_cast<std::size_t>(h);
  }
};

inline bool is_live(const session_meta& meta, std::int64_t now) {
  return meta.expires_at > now;
}

inline status expired_status(const session_id& id) {
  return {errc::not_found, "session " + id.str() + " not found or expired"};
}

/// A consistent view for one read over several column families. The primary pins a RocksDB
/// snapshot; a secondary cannot take snapshots ("not supported in secondary mode"), but its view
/// only moves in refresh(), which `catch_up` excludes while the read runs.
class read_view {
 public:
  read_view(rocksdb::DB* db, bool secondary, std::shared_mutex& catch_up) : db_(db) {
    if (secondary) {
      lock_ = std::shared_lock(catch_up);
    } else {
      snap_ = db->GetSnapshot();
    }
    options_.snapshot = snap_;
  }
  ~read_view() {
    if (snap_ != nullptr) db_->ReleaseSnapshot(snap_);
  }
  read_view(const read_view&) = delete;
  read_view& operator=(const read_view&) = delete;
  rocksdb::ReadOptions& options() { return options_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snap_ = nullptr;
  std::shared_lock<std::shared_mutex> lock_;
  rocksdb::ReadOptions options_;
};

/// One thread running tasks in order: the store's reads that must not block their caller.
class task_thread {
 public:
  task_thread() : thread_([this] { loop(); }) {}
  /// Runs every task posted before, then joins.
  ~task_thread() {
    {
      std::lock_guard lk(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  task_thread(const task_thread&) = delete;
  task_thread& operator=(const task_thread&) = delete;
  void post(std::function<void()> task) {
    {
      std::lock_guard lk(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

 private:
  void loop() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is constructed
};

/// Bound on cached sessions; the cache only saves meta reads, so dropping it all is safe.
constexpr std::size_t max_cached_sessions = 1u << 17;

}  // namespace detail

using namespace detail;

class store::impl {
 public:
  // -- pending writes (all writes go through the writer thread, so they are serialised) --

  /// `read`: no write; when the writer reaches it (every write before it done) its `done`
  /// runs on the reader thread with an ok status and performs the read.
  enum class op_kind { create, append, snapshot, expire, read };

  struct pending_op {
    op_kind kind = op_kind::append;
    session_id id;
    std::vector<std::string> values;  ///< encoded events (create/append) or the snapshot
    std::uint64_t first_seq = 0;      ///< append: seq of values[0]; snapshot: its seq
    std::int64_t newest_ts = std::numeric_limits<std::int64_t>::min();
    session_meta meta;                       ///< create
    std::optional<session_summary> summary;  ///< append: replaces the meta's when set
    /// expire from a sweep: only if still due at this time, so a racing append keeps it alive.
    std::optional<std::int64_t> only_if_due_at;
    status precheck;  ///< an error found on the caller's thread
    std::size_t bytes = 0;
    append_callback done;
  };

  static pending_op snapshot_op(const session_id& id, std::uint64_t seq, std::string bytes) {
    pending_op op;
    op.kind = op_kind::snapshot;
    op.id = id;
    op.first_seq = seq;
    op.bytes = bytes.size();
    op.values.push_back(std::move(bytes));
    return op;
  }

  store_options options_;
  rocksdb::DB* db_ = nullptr;
  rocksdb::ColumnFamilyHandle* meta_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* events_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* snapshots_cf_ = nullptr;
  rocksdb::ColumnFamilyHandle* questions_cf_ = nullptr;  ///< the question library's (store.hpp)
  rocksdb::ColumnFamilyHandle* accounts_cf_ = nullptr;   ///< the accounts' (store.hpp)
  /// detail/interview_index.hpp; nullptr on a secondary of a data dir from before it.
  rocksdb::ColumnFamilyHandle* interviews_cf_ = nullptr;
  std::uint8_t interviews_index_ = 0;                  ///< its index in handles_, for batch entries
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;  ///< every opened CF, for cleanup
  std::string secondary_path_;                         ///< read_only: our private dir

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<pending_op> queue_;
  bool stopping_ = false;
  std::thread writer_;
  std::unique_ptr<task_thread> reader_;  ///< after the writer: stopped once it is drained

  /// Session metas as last written; only the writer thread mutates it.
  mutable std::shared_mutex cache_mu_;
  std::unordered_map<session_id, session_meta, id_hash> cache_;

  /// read_only: refresh() holds it exclusively, multi-CF reads shared (see read_view).
  mutable std::shared_mutex catch_up_mu_;

  std::atomic<bool> healthy_{true};
  /// The last write was refused by the free-space guard (RocksDB itself saw no error).
  std::atomic<bool> space_refused_{false};

  /// Bytes available to this process on the data dir's filesystem; max() when unknown.
  std::uint64_t free_bytes() const {
    struct statvfs st {};
    if (::statvfs(options_.path.c_str(), &st) != 0)
      return std::numeric_limits<std::uint64_t>::max();
    return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
  }
  std::atomic<std::uint64_t> batches_{0}, events_{0}, bytes_{0}, failures_{0};

  ~impl();

  std::int64_t now() const { return options_.clock(); }

  // -- opening --

  /// Opens (or creates) the data dir: column families, options, the writer and reader.
  status open();

  // -- submitting --

  /// Queues an op; its callback runs on the writer thread (or here, if there is none).
  void submit(pending_op op);

  /// submit() and wait for the outcome.
  status submit_and_wait(pending_op op);

  // -- the writer thread --

  void writer_loop();

  /// sweep_expired's work, on the reader thread.
  void sweep(sweep_callback done);

  /// Queues `read` behind the writes submitted so far; it runs on the reader thread, or gets
  /// the error when the store is closing.
  void submit_read(std::function<void(status)> read) {
    pending_op op;
    op.kind = op_kind::read;
    op.done = std::move(read);
    submit(std::move(op));
  }

  /// Session state while a batch is built: nullopt = no such session (or deleted in this batch).
  struct staged_session {
    std::optional<session_meta> meta;
    bool dirty = false;  ///< its meta must be rewritten by this batch
    /// What the interviews index holds for it now (empty keys: nothing), to write only changes.
    index_entries indexed;
  };
  using staged_map = std::unordered_map<session_id, staged_session, id_hash>;

  /// One mutation of the batch being built. Values point into the ops, which outlive the write.
  struct entry {
    enum kind_t : std::uint8_t { put, remove, remove_range } kind = put;
    std::uint8_t cf = 0;  ///< index into handles_
    std::string key;
    std::string end_key;                 ///< remove_range only
    const std::string* value = nullptr;  ///< put only
  };

  result<staged_session*> lookup(staged_map& staged, const session_id& id);

  static constexpr std::uint8_t meta_index = 1, events_index = 2, snapshots_index = 3;

  /// Adds one op's mutations if it is valid against the state so far; its error otherwise.
  /// Meta rewrites are not added here: flush() writes each touched session's meta once.
  status stage(pending_op& op, std::vector<entry>& entries, staged_map& staged,
               std::vector<session_id>& dropped, std::int64_t now);

  void flush(std::vector<pending_op>& ops);

  // -- reads --

  /// The session's meta as of `read`'s snapshot; not_found when missing or expired.
  result<session_meta> live_meta(const rocksdb::ReadOptions& read, const session_id& id) const {
    std::string value;
    auto s = db_->Get(read, meta_cf_, id.raw(), &value);
    if (s.IsNotFound()) return expired_status(id);
    if (!s.ok()) return from_rocks(s, "reading meta of session " + id.str());
    auto meta = decode_meta(id, value);
    if (!meta) return meta.error();
    if (!is_live(*meta, now())) return expired_status(id);
    return meta;
  }

  /// Visits events with seq >= from in order; `visit(event&)` may move from its argument.
  template <class Visit>
  status scan(const session_id& id, std::uint64_t from, Visit&& visit) const {
    read_view view(db_, options_.read_only, catch_up_mu_);
    rocksdb::ReadOptions& read = view.options();
    // Meta and events from one snapshot: a concurrent expire is either wholly seen or not at all.
    if (auto meta = live_meta(read, id); !meta) return meta.error();
    std::string lower = seq_key(id, from), upper = range_end(id);
    rocksdb::Slice upper_slice(upper);
    read.iterate_upper_bound = &upper_slice;
    read.readahead_size = 2u << 20;  // session reads are long sequential scans
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, events_cf_));
    for (it->Seek(lower); it->Valid(); it->Next()) {
      auto key = it->key();
      if (key.size() != seq_key_size) {
        return {errc::corruption, "session " + id.str() + ": malformed event key"};
      }
      auto e = decode(std::string_view(it->value().data(), it->value().size()));
      std::uint64_t seq = seq_of_key({key.data(), key.size()});
      if (!e) {
        return {errc::corruption,
                "session " + id.str() + " seq " + std::to_string(seq) + ": " + e.error().message()};
      }
      e->seq = seq;
      if (!visit(*e)) break;
    }
    if (!it->status().ok()) return from_rocks(it->status(), "reading session " + id.str());
    return {};
  }
};

// -- store --

}  // namespace rooms::eventlog
