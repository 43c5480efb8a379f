#include "eventlog/detail/store_impl.hpp"

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <future>

namespace rooms::eventlog {

/// Queues an op; its callback runs on the writer thread (or here, if there is none).
void store::impl::submit(pending_op op) {
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
status store::impl::submit_and_wait(pending_op op) {
  if (std::this_thread::get_id() == writer_.get_id()) {
    return {errc::invalid_argument, "blocking store call from a store callback would deadlock"};
  }
  std::promise<status> promise;
  auto future = promise.get_future();
  op.done = [&promise](status s) { promise.set_value(std::move(s)); };
  submit(std::move(op));
  return future.get();
}

void store::impl::writer_loop() {
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

result<store::impl::staged_session*> store::impl::lookup(staged_map& staged, const session_id& id) {
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

/// Adds one op's mutations if it is valid against the state so far; its error otherwise.
/// Meta rewrites are not added here: flush() writes each touched session's meta once.
status store::impl::stage(pending_op& op, std::vector<entry>& entries, staged_map& staged,
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

void store::impl::flush(std::vector<pending_op>& ops) {
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

}  // namespace rooms::eventlog
