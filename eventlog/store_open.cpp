#include "eventlog/detail/store_impl.hpp"

#include <rocksdb/slice_transform.h>

#include <algorithm>

namespace rooms::eventlog {

namespace fs = std::filesystem;

namespace {

/// RocksDB reports a held LOCK file as a plain IOError; its text is the only way to tell.
bool is_lock_error(const rocksdb::Status& s) {
  if (!s.IsIOError()) return false;
  std::string text = s.ToString();
  return text.find("/LOCK") != std::string::npos || text.find("lock hold") != std::string::npos;
}

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

}  // namespace

store::impl::~impl() {
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
      db_->Flush(flush, handles_).PermitUncheckedError();  // a failed flush only costs replay time
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

status store::impl::open() {
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
    auto got = db_->Get(rocksdb::ReadOptions(), interviews_cf_,
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

}  // namespace rooms::eventlog
