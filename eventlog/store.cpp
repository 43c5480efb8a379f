#include "eventlog/detail/store_impl.hpp"

#include <rocksdb/utilities/checkpoint.h>

#include <algorithm>
#include <future>

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
