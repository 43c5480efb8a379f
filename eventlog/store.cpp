#include "eventlog/store.hpp"

#include "base/hex.hpp"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <sys/statvfs.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <unordered_map>

#include "eventlog/detail/interview_index.hpp"
#include "eventlog/detail/keys.hpp"

namespace rooms::eventlog {

namespace detail {
status from_rocks(const rocksdb::Status& s, const std::string& context) {
  std::string msg = context + ": " + s.ToString();
  if (s.IsNoSpace()) return {errc::no_space, std::move(msg)};
  if (s.IsCorruption()) return {errc::corruption, std::move(msg)};
  if (s.IsShutdownInProgress()) return {errc::shutting_down, std::move(msg)};
  return {errc::io_error, std::move(msg)};
}
}  // namespace detail

namespace {

namespace fs = std::filesystem;
using namespace detail;

struct id_hash {
  std::size_t operator()(const session_id& id) const {
    std::uint64_t h;
    std::memcpy(&h, id.bytes.data(), sizeof h);  // ids are random: any 8 bytes hash well
    return static_cast<std::size_t>(h);
  }
};

/// RocksDB reports a held LOCK file as a plain IOError; its text is the only way to tell.
bool is_lock_error(const rocksdb::Status& s) {
  if (!s.IsIOError()) return false;
  std::string text = s.ToString();
  return text.find("/LOCK") != std::string::npos || text.find("lock hold") != std::string::npos;
}

bool is_live(const session_meta& meta, std::int64_t now) {
  return meta.expires_at > now;
}

status expired_status(const session_id& id) {
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

/// Hint prefix for memtable inserts: the session id of a 24-byte `id | seq` key. Keys of any
/// other length are outside the domain on purpose: range tombstones start at the bare 16-byte
/// id (see expire), because RocksDB 7.8 keeps one hint table per memtable for both its point
/// and its range-deletion skiplists, and a hint from one skiplist corrupts inserts into the
/// other (it trips an assertion in InlineSkipList::Insert).
class session_prefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "rooms.session_prefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return {key.data(), id_size};
  }
  bool InDomain(const rocksdb::Slice& key) const override { return key.size() == seq_key_size; }
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

}  // namespace

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

  ~impl() {
    {
      std::lock_guard lk(queue_mu_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    reader_.reset();  // runs the reads the writer handed over
    if (db_ != nullptr) {
      // Flush the memtables so the next open has no write-ahead log to replay: start-up then
      // costs the same whatever was written before a clean stop (a crash still replays).
      if (!options_.read_only) {
        rocksdb::FlushOptions flush;
        flush.wait = true;
        db_->Flush(flush, handles_)
            .PermitUncheckedError();  // a failed flush only costs replay time
      }
      for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
      db_->Close().PermitUncheckedError();  // nothing left to do with a close error
      delete db_;
    }
    if (!secondary_path_.empty()) {
      std::error_code ignored;  // best effort: a leftover temp dir harms nobody
      fs::remove_all(secondary_path_, ignored);
    }
  }

  std::int64_t now() const { return options_.clock(); }

  // -- opening --

  status open() {
    if (!options_.clock) options_.clock = now_ms;
    std::error_code ec;
    if (!options_.read_only) {
      fs::create_directories(options_.path, ec);
      if (ec)
        return {errc::io_error, "cannot create data dir " + options_.path + ": " + ec.message()};
    } else if (!fs::is_directory(options_.path, ec)) {
      return {errc::io_error, "no store at " + options_.path};
    }

    rocksdb::DBOptions db_options;
    db_options.create_if_missing = !options_.read_only;
    db_options.create_missing_column_families = !options_.read_only;
    db_options.max_background_jobs = 2;
    db_options.keep_log_file_num = 5;
    // One writer thread: concurrent memtable writes buy nothing, and in-place updates need
    // them off.
    db_options.allow_concurrent_memtable_write = false;
    rocksdb::ColumnFamilyOptions cf_options;
    // Every append rewrites its session's meta. In place, the meta memtable stays one node per
    // session instead of one per append, which halves the skiplist work of a write. (Readers
    // may see a meta newer than their snapshot; they use it only to check the session is
    // live, and a deletion is never in place, so expiry stays atomic.)
    // Each session's events arrive in seq order: a per-session insert hint turns the memtable
    // insert into a short step from the session's previous key instead of a full skiplist
    // search among every other session's keys.
    cf_options.memtable_insert_with_hint_prefix_extractor = std::make_shared<session_prefix>();
    rocksdb::ColumnFamilyOptions meta_options = cf_options;
    meta_options.inplace_update_support = true;

    // Open every CF the DB has (a newer build may have added some) plus ours.
    std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName,
                                      cf_meta,
                                      cf_events,
                                      cf_snapshots,
                                      cf_questions,
                                      cf_accounts,
                                      cf_interviews};
    std::vector<std::string> existing;
    auto listed = rocksdb::DB::ListColumnFamilies(db_options, options_.path, &existing);
    if (listed.ok()) {
      for (auto& name : existing) {
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      }
    } else if (options_.read_only) {
      if (is_lock_error(listed)) return {errc::locked, options_.path + " is locked"};
      return {errc::io_error, "no store at " + options_.path + ": " + listed.ToString()};
    }
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (auto& name : names) {
      bool missing = std::find(existing.begin(), existing.end(), name) == existing.end();
      // A data dir from before the question library: a primary creates the CF, a secondary
      // goes without it.
      if (options_.read_only && missing &&
          (name == cf_questions || name == cf_accounts || name == cf_interviews))
        continue;
      if (options_.read_only && missing) {
        return {errc::corruption, "store at " + options_.path + " has no column family " + name};
      }
      // The questions and accounts CFs have their own key layouts: RocksDB's defaults, not
      // the session hint.
      bool own_layout = name == cf_questions || name == cf_accounts || name == cf_interviews;
      descriptors.emplace_back(name, name == cf_meta ? meta_options
                                     : own_layout    ? rocksdb::ColumnFamilyOptions()
                                                     : cf_options);
    }

    rocksdb::Status s;
    if (options_.read_only) {
      auto pattern = (fs::temp_directory_path(ec) / "rooms-eventlog-secondary-XXXXXX").string();
      if (ec || ::mkdtemp(pattern.data()) == nullptr) {
        return {errc::io_error, "cannot create a secondary dir under " + pattern};
      }
      secondary_path_ = pattern;
      db_options.max_open_files = -1;  // required by secondaries to follow the primary's files
      s = rocksdb::DB::OpenAsSecondary(db_options, options_.path, secondary_path_, descriptors,
                                       &handles_, &db_);
    } else {
      s = rocksdb::DB::Open(db_options, options_.path, descriptors, &handles_, &db_);
    }
    if (!s.ok()) {
      db_ = nullptr;
      if (is_lock_error(s)) {
        return {errc::locked,
                "data dir " + options_.path + " is in use by another store (" + s.ToString() + ")"};
      }
      return from_rocks(s, "cannot open store at " + options_.path);
    }
    meta_cf_ = handles_[1];
    events_cf_ = handles_[2];
    snapshots_cf_ = handles_[3];
    reader_ = std::make_unique<task_thread>();
    for (std::size_t i = 0; i < handles_.size(); ++i) {
      auto* h = handles_[i];
      if (h->GetName() == cf_questions) {
        questions_cf_ = h;
      } else if (h->GetName() == cf_accounts) {
        accounts_cf_ = h;
      } else if (h->GetName() == cf_interviews) {
        interviews_cf_ = h;
        interviews_index_ = static_cast<std::uint8_t>(i);
      }
    }
    // A data dir from before the index (or a crash during its build) has no marker: build it
    // now, before any write, so every later batch finds it complete. A secondary cannot write;
    // its listings scan the metas until the primary has built it.
    if (!options_.read_only) {
      std::string marker;
      auto got =
          db_->Get(rocksdb::ReadOptions(), interviews_cf_,
                   rocksdb::Slice(index_marker_key.data(), index_marker_key.size()), &marker);
      if (got.IsNotFound()) {
        if (auto built = rebuild_index(db_, meta_cf_, interviews_cf_); !built.ok()) return built;
      } else if (!got.ok()) {
        return from_rocks(got, "reading the interviews index");
      }
    }
    if (!options_.read_only) writer_ = std::thread([this] { writer_loop(); });
    return {};
  }

  // -- submitting --

  /// Queues an op; its callback runs on the writer thread (or here, if there is none).
  void submit(pending_op op) {
    if (options_.read_only && op.kind == op_kind::read) {
      reader_->post([done = std::move(op.done)] { done({}); });  // no writes to wait for
      return;
    }
    if (options_.read_only) {
      if (op.done) op.done({errc::read_only, "store at " + options_.path + " is read-only"});
      return;
    }
    {
      std::unique_lock lk(queue_mu_);
      if (!stopping_) {
        queue_.push_back(std::move(op));
        lk.unlock();
        queue_cv_.notify_one();
        return;
      }
    }
    if (op.done) op.done({errc::shutting_down, "store is closing"});
  }

  /// submit() and wait for the outcome.
  status submit_and_wait(pending_op op) {
    if (std::this_thread::get_id() == writer_.get_id()) {
      return {errc::invalid_argument, "blocking store call from a store callback would deadlock"};
    }
    std::promise<status> promise;
    auto future = promise.get_future();
    op.done = [&promise](status s) { promise.set_value(std::move(s)); };
    submit(std::move(op));
    return future.get();
  }

  // -- the writer thread --

  void writer_loop() {
    std::vector<pending_op> ops;
    std::vector<pending_op> reads;
    for (;;) {
      {
        std::unique_lock lk(queue_mu_);
        queue_cv_.wait(lk, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything is drained
        // Either the reads at the front (every write before them is done) or a batch of writes
        // up to the next read: a read never overtakes a write submitted before it.
        while (!queue_.empty() && queue_.front().kind == op_kind::read) {
          reads.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        std::size_t bytes = 0;
        while (reads.empty() && !queue_.empty() && queue_.front().kind != op_kind::read &&
               (ops.empty() || bytes + queue_.front().bytes <= options_.max_batch_bytes)) {
          bytes += queue_.front().bytes;
          ops.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      for (auto& r : reads) reader_->post([done = std::move(r.done)] { done({}); });
      reads.clear();
      if (!ops.empty()) flush(ops);
      ops.clear();
    }
  }

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

  result<staged_session*> lookup(staged_map& staged, const session_id& id) {
    if (auto it = staged.find(id); it != staged.end()) return &it->second;
    {
      std::shared_lock lk(cache_mu_);
      if (auto it = cache_.find(id); it != cache_.end())
        return &(staged[id] = {it->second, false, index_of(it->second)});
    }
    std::string value;
    auto s = db_->Get(rocksdb::ReadOptions(), meta_cf_, id.raw(), &value);
    if (s.IsNotFound()) return &(staged[id] = {});
    if (!s.ok()) return from_rocks(s, "reading meta of session " + id.str());
    auto meta = decode_meta(id, value);
    if (!meta) return meta.error();
    auto indexed = index_of(*meta);
    return &(staged[id] = {std::move(*meta), false, std::move(indexed)});
  }

  static constexpr std::uint8_t meta_index = 1, events_index = 2, snapshots_index = 3;

  /// Adds one op's mutations if it is valid against the state so far; its error otherwise.
  /// Meta rewrites are not added here: flush() writes each touched session's meta once.
  status stage(pending_op& op, std::vector<entry>& entries, staged_map& staged,
               std::vector<session_id>& dropped, std::int64_t now) {
    if (!op.precheck.ok()) return op.precheck;
    auto found = lookup(staged, op.id);
    if (!found) return found.error();
    staged_session& slot = **found;

    switch (op.kind) {
      case op_kind::create: {
        if (slot.meta) return {errc::already_exists, "session " + op.id.str() + " already exists"};
        session_meta meta = op.meta;
        meta.id = op.id;
        meta.events = 1;
        meta.bytes = op.values[0].size();
        meta.last_activity_at = std::max({meta.created_at, meta.last_activity_at, op.newest_ts});
        // A caller may ask for a later expiry (an import of an old session lives a retention
        // period from its import), never an earlier one.
        meta.expires_at =
            std::max(meta.expires_at, meta.last_activity_at + options_.retention.count());
        entries.push_back({entry::put, events_index, seq_key(op.id, 1), {}, &op.values[0]});
        slot = {std::move(meta), true, {}};
        return {};
      }
      case op_kind::append: {
        if (!slot.meta || !is_live(*slot.meta, now)) return expired_status(op.id);
        session_meta& meta = *slot.meta;
        if (op.first_seq != meta.events + 1) {
          return {errc::wrong_seq, "session " + op.id.str() + ": expected seq " +
                                       std::to_string(meta.events + 1) + ", got " +
                                       std::to_string(op.first_seq)};
        }
        for (std::size_t k = 0; k < op.values.size(); ++k) {
          entries.push_back(
              {entry::put, events_index, seq_key(op.id, op.first_seq + k), {}, &op.values[k]});
          meta.bytes += op.values[k].size();
        }
        meta.events += op.values.size();
        if (op.summary) meta.summary = *op.summary;
        meta.last_activity_at = std::max(meta.last_activity_at, op.newest_ts);
        meta.expires_at =
            std::max(meta.expires_at, meta.last_activity_at + options_.retention.count());
        slot.dirty = true;
        return {};
      }
      case op_kind::snapshot: {
        if (!slot.meta || !is_live(*slot.meta, now)) return expired_status(op.id);
        if (op.first_seq == 0 || op.first_seq > slot.meta->events) {
          return {errc::invalid_argument, "snapshot seq " + std::to_string(op.first_seq) +
                                              " is not in 1.." + std::to_string(slot.meta->events)};
        }
        entries.push_back(
            {entry::put, snapshots_index, seq_key(op.id, op.first_seq), {}, &op.values[0]});
        return {};
      }
      case op_kind::read:
        return {errc::invalid_argument, "a read is not part of a batch"};
      case op_kind::expire: {
        if (!slot.meta) return {errc::not_found, "session " + op.id.str() + " not found"};
        if (op.only_if_due_at && slot.meta->expires_at > *op.only_if_due_at) {
          return {errc::not_found, "session " + op.id.str() + " is no longer due to expire"};
        }
        // Meta, events and snapshots go in one batch: no reader sees the session half gone.
        entries.push_back({entry::remove, meta_index, std::string(op.id.raw()), {}, nullptr});
        for (std::uint8_t cf : {events_index, snapshots_index}) {
          // From the bare id, not seq_key(id, 0): see session_prefix.
          entries.push_back(
              {entry::remove_range, cf, std::string(op.id.raw()), range_end(op.id), nullptr});
        }
        for (const auto& key : slot.indexed.keys)
          entries.push_back({entry::remove, interviews_index_, key, {}, nullptr});
        slot = {std::nullopt, false, {}};
        dropped.push_back(op.id);
        return {};
      }
    }
    return {errc::invalid_argument, "unknown op"};
  }

  void flush(std::vector<pending_op>& ops) {
    std::vector<status> results(ops.size());
    std::vector<bool> in_batch(ops.size(), false);
    std::vector<entry> entries;
    entries.reserve(ops.size() * 2);
    staged_map staged;
    std::vector<session_id> dropped;
    std::int64_t t = now();
    bool any = false;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      std::size_t mark = entries.size();
      results[i] = stage(ops[i], entries, staged, dropped, t);
      in_batch[i] = results[i].ok();
      if (!in_batch[i]) entries.resize(mark);  // an op is all in the batch or not at all
      any = any || in_batch[i];
    }

    status error;
    if (any) {
      // One meta rewrite per touched session, however many of its appends the batch holds.
      std::deque<std::string> metas;  // stable addresses: entries point into it
      for (auto& [id, slot] : staged) {
        if (!slot.dirty || !slot.meta) continue;
        metas.push_back(encode_meta(*slot.meta));
        entries.push_back({entry::put, meta_index, std::string(id.raw()), {}, &metas.back()});
        // The index in the same batch, and only what changed: most appends change no name.
        auto now_indexed = index_of(*slot.meta);
        if (now_indexed == slot.indexed) continue;
        for (const auto& key : slot.indexed.keys) {
          if (!std::binary_search(now_indexed.keys.begin(), now_indexed.keys.end(), key))
            entries.push_back({entry::remove, interviews_index_, key, {}, nullptr});
        }
        metas.push_back(std::move(now_indexed.record));
        for (auto& key : now_indexed.keys)
          entries.push_back({entry::put, interviews_index_, std::move(key), {}, &metas.back()});
      }
      // Without deletes the batch is order-free; key order makes the memtable inserts walk
      // the skiplist forward instead of jumping around 1,000 sessions (~2x faster writes).
      // Deletes keep op order (metas come last, after any delete of the same session).
      if (dropped.empty()) {
        std::sort(entries.begin(), entries.end(), [](const entry& a, const entry& b) {
          return a.cf != b.cf ? a.cf < b.cf : a.key < b.key;
        });
      }
      rocksdb::WriteBatch batch;
      rocksdb::Status s;
      for (auto& e : entries) {
        if (!s.ok()) break;
        auto* cf = handles_[e.cf];
        if (e.kind == entry::put) {
          s = batch.Put(cf, e.key, *e.value);
        } else if (e.kind == entry::remove) {
          s = batch.Delete(cf, e.key);
        } else {
          s = batch.DeleteRange(cf, e.key, e.end_key);
        }
      }
      if (s.ok()) {
        if (!dropped.empty()) {
          // Forget expiring sessions before the write, so no reader serves them from the
          // cache after the write made them disappear from the DB.
          std::unique_lock lk(cache_mu_);
          for (auto& id : dropped) cache_.erase(id);
        }
        // A failed write leaves RocksDB in a background-error state; clear it first so the
        // store recovers by itself once the cause (a full disk) is gone.
        if (!healthy_.load()) {
          if (db_->Resume().ok()) healthy_ = true;
        }
        // Free-space guard: RocksDB must never see ENOSPC on a WAL write. Debian's librocksdb
        // (7.8, assertions on) aborts the process on the write after a failed one
        // (WritableFileWriter::AssertFalseAndGetStatusForPrevError), so refuse the batch here
        // while it still fits, and let the next batch try again once space returns.
        const std::uint64_t needed = batch.GetDataSize() + options_.min_free_bytes;
        if (options_.min_free_bytes > 0 && free_bytes() < needed) {
          space_refused_ = true;
          s = rocksdb::Status::NoSpace("less than " + std::to_string(needed) + " bytes free in " +
                                       options_.path);
        } else {
          rocksdb::WriteOptions write_options;
          write_options.sync = options_.sync;
          s = db_->Write(write_options, &batch);
        }
      }
      if (s.ok()) {
        healthy_ = true;
        space_refused_ = false;
        batches_.fetch_add(1, std::memory_order_relaxed);
        std::unique_lock lk(cache_mu_);
        if (cache_.size() > max_cached_sessions) cache_.clear();
        for (auto& [id, slot] : staged) {
          if (slot.meta) {
            cache_[id] = std::move(*slot.meta);
          } else {
            cache_.erase(id);
          }
        }
      } else {
        healthy_ = false;
        error = from_rocks(s, "writing a batch of " + std::to_string(ops.size()) + " ops");
        for (std::size_t i = 0; i < ops.size(); ++i) {
          if (in_batch[i]) results[i] = error;
        }
        // The cache still holds what was last written, so the next batch sees the true last_seq.
      }
    }

    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (ops[i].kind == op_kind::append || ops[i].kind == op_kind::create) {
        if (results[i].ok()) {
          events_.fetch_add(ops[i].values.size(), std::memory_order_relaxed);
          bytes_.fetch_add(ops[i].bytes, std::memory_order_relaxed);
        } else {
          failures_.fetch_add(1, std::memory_order_relaxed);
        }
      }
      if (ops[i].done) ops[i].done(std::move(results[i]));
    }
  }

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

store::store(std::unique_ptr<impl> impl) : impl_(std::move(impl)) {}
store::~store() = default;

result<std::unique_ptr<store>> store::open(store_options options) {
  auto state = std::make_unique<impl>();
  state->options_ = std::move(options);
  if (auto s = state->open(); !s.ok()) return s;
  return std::unique_ptr<store>(new store(std::move(state)));
}

status store::create_session(const session_meta& meta, const event& first) {
  impl::pending_op op;
  op.kind = impl::op_kind::create;
  op.id = meta.id;
  op.meta = meta;
  if (op.meta.created_at == 0) op.meta.created_at = first.ts != 0 ? first.ts : impl_->now();
  op.newest_ts = first.ts;
  op.values.push_back(encode(first));
  op.bytes = op.values[0].size();
  if (first.seq != 1) {
    op.precheck = {errc::wrong_seq,
                   "the first event of a session has seq 1, got " + std::to_string(first.seq)};
  } else if (to_string(first.type) == "unknown") {
    op.precheck = {errc::invalid_argument, "unknown event type"};
  }
  return impl_->submit_and_wait(std::move(op));
}

result<session_meta> store::meta(const session_id& id) const {
  return impl_->live_meta(rocksdb::ReadOptions(), id);
}

result<session_page> store::list(const list_options& options) const {
  if (options.limit == 0) return status{errc::invalid_argument, "list limit must be positive"};
  // Order: last activity descending, then id ascending; the cursor is the last item returned.
  struct position {
    std::int64_t activity;
    session_id id;
  };
  auto before = [](const position& a, const position& b) {
    return a.activity != b.activity ? a.activity > b.activity : a.id < b.id;
  };
  std::optional<position> after;
  if (!options.cursor.empty()) {
    // 16 hex digits of the last activity (big-endian), then the id.
    auto activity_bytes = options.cursor.size() == 16 + 36
                              ? base::from_hex(std::string_view(options.cursor).substr(0, 16))
                              : std::nullopt;
    std::uint64_t activity = 0;
    for (unsigned char b : activity_bytes.value_or("")) activity = activity << 8 | b;
    auto id = activity_bytes ? session_id::parse(std::string_view(options.cursor).substr(16))
                             : std::nullopt;
    if (!id) return status{errc::invalid_argument, "malformed list cursor"};
    after = position{static_cast<std::int64_t>(activity), *id};
  }

  // A full scan of "meta" keeping the best `limit` in a heap: O(sessions) per page, but a meta
  // is decoded whole (and filtered) only when its position can still make the page; the rest
  // cost a key and three integers. An activity index would cost every append a delete + put in
  // another column family; this order is the admin listing's, so the scan is the cheaper trade
  // (the interviews listing orders by creation, which list_interviews reads from an index).
  read_view view(impl_->db_, impl_->options_.read_only, impl_->catch_up_mu_);
  rocksdb::ReadOptions& read = view.options();
  std::int64_t now = impl_->now();
  auto by_order = [&](const session_meta& a, const session_meta& b) {
    return before({a.last_activity_at, a.id}, {b.last_activity_at, b.id});
  };
  std::vector<session_meta> best;  // a max-heap by by_order: the worst kept row on top
  best.reserve(options.limit);
  bool more = false;  // a row that passes exists beyond the page
  std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(read, impl_->meta_cf_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != id_size) return status{errc::corruption, "malformed meta key"};
    auto id = id_of_key({it->key().data(), it->key().size()});
    std::string_view value{it->value().data(), it->value().size()};
    meta_times times;
    if (!decode_meta_times(value, times)) {
      auto whole = decode_meta(id, value);  // says what is wrong with it
      return whole ? status{errc::corruption, "session " + id.str() + " meta: bad times"}
                   : whole.error();
    }
    if (times.expires_at <= now) continue;
    position here{times.last_activity_at, id};
    if (after && !before(*after, here)) continue;
    bool fits = best.size() < options.limit ||
                before(here, {best.front().last_activity_at, best.front().id});
    if (!fits && more) continue;  // cannot make the page, and a next page is known to exist
    auto meta = decode_meta(id, value);
    if (!meta) return meta.error();
    if (options.filter && !options.filter(*meta)) continue;
    if (!fits) {
      more = true;
      continue;
    }
    best.push_back(std::move(*meta));
    std::push_heap(best.begin(), best.end(), by_order);
    if (best.size() > options.limit) {
      std::pop_heap(best.begin(), best.end(), by_order);
      best.pop_back();
      more = true;
    }
  }
  if (!it->status().ok()) return from_rocks(it->status(), "listing sessions");

  std::sort_heap(best.begin(), best.end(), by_order);
  session_page page;
  if (more) {
    auto activity = static_cast<std::uint64_t>(best.back().last_activity_at);
    std::string activity_bytes;
    for (int shift = 56; shift >= 0; shift -= 8)
      activity_bytes.push_back(static_cast<char>(activity >> shift));
    page.next = base::to_hex(activity_bytes);
    page.next += best.back().id.str();
  }
  page.sessions = std::move(best);
  return page;
}

result<session_page> store::list_interviews(const interview_list_options& options) const {
  read_view view(impl_->db_, impl_->options_.read_only, impl_->catch_up_mu_);
  return list_interviews_page(impl_->db_, view.options(), impl_->meta_cf_, impl_->interviews_cf_,
                              impl_->now(), options);
}

void store::append_async(const session_id& id, std::vector<event> events, append_callback done) {
  append_async(id, std::move(events), std::nullopt, std::move(done));
}

void store::append_async(const session_id& id, std::vector<event> events,
                         std::optional<session_summary> summary, append_callback done) {
  impl::pending_op op;
  op.kind = impl::op_kind::append;
  op.id = id;
  op.summary = std::move(summary);
  op.done = std::move(done);
  if (events.empty()) {
    op.precheck = {errc::invalid_argument, "append of no events"};
  } else {
    op.first_seq = events.front().seq;
    op.values.reserve(events.size());
    for (std::size_t k = 0; k < events.size(); ++k) {
      const event& e = events[k];
      if (e.seq != op.first_seq + k) {
        op.precheck = {errc::wrong_seq, "session " + id.str() +
                                            ": seqs of one append must be "
                                            "consecutive, got " +
                                            std::to_string(e.seq) + " after " +
                                            std::to_string(op.first_seq + k - 1)};
        break;
      }
      if (to_string(e.type) == "unknown") {
        op.precheck = {errc::invalid_argument, "unknown event type"};
        break;
      }
      // Encoding here spreads the work over the callers instead of the single writer thread.
      op.values.push_back(encode(e));
      op.bytes += op.values.back().size();
      op.newest_ts = std::max(op.newest_ts, e.ts);
    }
  }
  impl_->submit(std::move(op));
}

status store::append(const session_id& id, std::vector<event> events,
                     std::optional<session_summary> summary) {
  if (std::this_thread::get_id() == impl_->writer_.get_id()) {
    return {errc::invalid_argument, "blocking store call from a store callback would deadlock"};
  }
  std::promise<status> promise;
  auto future = promise.get_future();
  append_async(id, std::move(events), std::move(summary),
               [&promise](status s) { promise.set_value(std::move(s)); });
  return future.get();
}

result<std::vector<event>> store::read(const session_id& id, std::uint64_t from,
                                       std::size_t limit) const {
  std::vector<event> out;
  if (limit == 0) return out;
  auto s = impl_->scan(id, from, [&](event& e) {
    out.push_back(std::move(e));
    return out.size() < limit;
  });
  if (!s.ok()) return s;
  return out;
}

status store::scan(const session_id& id, std::uint64_t from,
                   const std::function<bool(const event&)>& visit) const {
  return impl_->scan(id, from, [&](event& e) { return visit(e); });
}

void store::scan_async(const session_id& id, std::uint64_t from, scan_visitor visit,
                       append_callback done) {
  impl_->submit_read(
      [im = impl_.get(), id, from, visit = std::move(visit), done = std::move(done)](status s) {
        if (!s.ok()) return done(std::move(s));
        done(im->scan(id, from, [&](event& e) { return visit(e); }));
      });
}

void store::read_async(std::function<void(status)> read) {
  impl_->submit_read(std::move(read));
}

result<std::uint64_t> store::last_seq(const session_id& id) const {
  {
    std::shared_lock lk(impl_->cache_mu_);
    if (auto it = impl_->cache_.find(id); it != impl_->cache_.end()) {
      if (!is_live(it->second, impl_->now())) return expired_status(id);
      return it->second.events;
    }
  }
  auto meta = impl_->live_meta(rocksdb::ReadOptions(), id);
  if (!meta) return meta.error();
  return meta->events;
}

status store::put_snapshot(const session_id& id, std::uint64_t seq, std::string bytes) {
  return impl_->submit_and_wait(impl::snapshot_op(id, seq, std::move(bytes)));
}

void store::put_snapshot_async(const session_id& id, std::uint64_t seq, std::string bytes,
                               append_callback done) {
  auto op = impl::snapshot_op(id, seq, std::move(bytes));
  op.done = std::move(done);
  impl_->submit(std::move(op));
}

result<std::optional<store::snapshot>> store::snapshot_at_or_below(const session_id& id,
                                                                   std::uint64_t seq) const {
  read_view view(impl_->db_, impl_->options_.read_only, impl_->catch_up_mu_);
  rocksdb::ReadOptions& read = view.options();
  if (auto meta = impl_->live_meta(read, id); !meta) return meta.error();
  std::string lower = seq_key(id, 0), upper = range_end(id);
  rocksdb::Slice lower_slice(lower), upper_slice(upper);
  read.iterate_lower_bound = &lower_slice;
  read.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db_->NewIterator(read, impl_->snapshots_cf_));
  it->SeekForPrev(seq_key(id, seq));
  if (!it->status().ok()) return from_rocks(it->status(), "reading snapshots of " + id.str());
  if (!it->Valid()) return std::optional<snapshot>{};
  snapshot found;
  found.seq = seq_of_key({it->key().data(), it->key().size()});
  found.bytes = it->value().ToString();
  return std::optional<snapshot>{std::move(found)};
}

status store::expire(const session_id& id) {
  impl::pending_op op;
  op.kind = impl::op_kind::expire;
  op.id = id;
  return impl_->submit_and_wait(std::move(op));
}

void store::expire_async(const session_id& id, append_callback done) {
  impl::pending_op op;
  op.kind = impl::op_kind::expire;
  op.id = id;
  op.done = std::move(done);
  impl_->submit(std::move(op));
}

result<std::size_t> store::sweep_expired() {
  std::promise<result<std::size_t>> promise;
  auto future = promise.get_future();
  sweep_expired_async([&promise](result<std::size_t> r) { promise.set_value(std::move(r)); });
  return future.get();
}

void store::sweep_expired_async(sweep_callback done) {
  if (impl_->options_.read_only) return done(status{errc::read_only, "store is read-only"});
  impl_->submit_read([im = impl_.get(), done = std::move(done)](status s) mutable {
    if (!s.ok()) return done(std::move(s));
    im->sweep(std::move(done));
  });
}

void store::impl::sweep(sweep_callback done) {
  std::int64_t now = this->now();
  std::vector<session_id> due;
  {
    // A scan of every session's meta: kept out of the block cache, so memory does not grow
    // with the number of stored sessions.
    rocksdb::ReadOptions scan;
    scan.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(scan, meta_cf_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() != id_size) continue;  // not ours; verify reports it, sweep goes on
      auto id = id_of_key({it->key().data(), it->key().size()});
      auto meta = decode_meta(id, {it->value().data(), it->value().size()});
      // A corrupt meta is deliberately skipped: one bad row must not stop every other expiry.
      if (meta && meta->expires_at <= now) due.push_back(id);
    }
    if (!it->status().ok()) return done(from_rocks(it->status(), "scanning sessions to expire"));
  }
  if (due.empty()) return done(std::size_t{0});
  // Queued all at once so they share group commits; the last outcome answers.
  struct tally {
    std::mutex mu;  // outcomes come from the writer, or from here when the store is closing
    std::size_t left = 0, expired = 0;
    status failure;
    sweep_callback done;
  };
  auto t = std::make_shared<tally>();
  t->left = due.size();
  t->done = std::move(done);
  for (auto& id : due) {
    pending_op op;
    op.kind = op_kind::expire;
    op.id = id;
    op.only_if_due_at = now;
    op.done = [t](status s) {
      std::unique_lock lk(t->mu);
      if (s.ok()) {
        ++t->expired;
      } else if (s.code() != errc::not_found && t->failure.ok()) {
        t->failure = std::move(s);  // not_found = an append kept it alive meanwhile: not an error
      }
      if (--t->left > 0) return;
      lk.unlock();  // the last outcome: nobody else touches the tally now
      if (!t->failure.ok()) return t->done(std::move(t->failure));
      t->done(t->expired);
    };
    submit(std::move(op));
  }
}

status store::compact() {
  if (impl_->options_.read_only) return {errc::read_only, "store is read-only"};
  rocksdb::CompactRangeOptions options;
  // Force the bottommost level too, or deleted sessions' bytes may stay there indefinitely.
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (auto* cf : impl_->handles_) {
    auto s = impl_->db_->CompactRange(options, cf, nullptr, nullptr);
    if (!s.ok()) return from_rocks(s, "compacting " + cf->GetName());
  }
  return {};
}

std::uint64_t store::live_sst_bytes() const {
  std::uint64_t total = 0;
  for (auto* cf : impl_->handles_) {
    std::uint64_t bytes = 0;
    if (impl_->db_->GetIntProperty(cf, "rocksdb.live-sst-files-size", &bytes)) total += bytes;
  }
  return total;
}

std::uint64_t store::memtable_bytes() const {
  std::uint64_t total = 0;
  for (auto* cf : impl_->handles_) {
    std::uint64_t bytes = 0;
    if (impl_->db_->GetIntProperty(cf, "rocksdb.cur-size-all-mem-tables", &bytes)) total += bytes;
  }
  return total;
}

status store::checkpoint(const std::string& dir) const {
  if (impl_->options_.read_only) return {errc::read_only, "a read-only store cannot checkpoint"};
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) return {errc::already_exists, dir + " already exists"};
  rocksdb::Checkpoint* raw = nullptr;
  auto s = rocksdb::Checkpoint::Create(impl_->db_, &raw);
  if (!s.ok()) return from_rocks(s, "starting a checkpoint");
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: always flush first, so the copy needs no WAL replay to be complete.
  s = checkpoint->CreateCheckpoint(dir, 0);
  if (!s.ok()) return from_rocks(s, "writing a checkpoint to " + dir);
  return {};
}

bool store::healthy() const {
  if (impl_->healthy_.load()) return true;
  // Refused by the free-space guard only: healthy again as soon as there is room (with a
  // margin), without waiting for a write to find out.
  return impl_->space_refused_.load() && impl_->options_.min_free_bytes > 0 &&
         impl_->free_bytes() >= 2 * impl_->options_.min_free_bytes;
}

store_stats store::stats() const {
  return {impl_->batches_.load(), impl_->events_.load(), impl_->bytes_.load(),
          impl_->failures_.load()};
}

const store_options& store::options() const {
  return impl_->options_;
}

status store::refresh() {
  if (!impl_->options_.read_only) return {};
  std::unique_lock lk(impl_->catch_up_mu_);
  auto s = impl_->db_->TryCatchUpWithPrimary();
  if (!s.ok()) return from_rocks(s, "catching up with the primary at " + impl_->options_.path);
  return {};
}

rocksdb::DB* store::raw_db() const {
  return impl_->db_;
}
rocksdb::ColumnFamilyHandle* store::questions_cf() const {
  return impl_->questions_cf_;
}
rocksdb::ColumnFamilyHandle* store::accounts_cf() const {
  return impl_->accounts_cf_;
}

}  // namespace rooms::eventlog
