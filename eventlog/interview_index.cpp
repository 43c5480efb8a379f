#include "eventlog/detail/interview_index.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "base/hex.hpp"
#include "eventlog/detail/keys.hpp"

namespace rooms::eventlog::detail {
namespace {

constexpr std::size_t suffix_size = 8 + id_size;

/// Inverted so that a bytewise-ascending key order is newest creation first; the sign bit is
/// flipped first so that (never expected) negative times still order as integers.
std::string suffix(std::int64_t created_at, const session_id& id) {
  std::uint64_t inverted = ~(static_cast<std::uint64_t>(created_at) ^ (1ull << 63));
  std::string out;
  out.reserve(suffix_size);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(inverted >> shift));
  out += id.raw();
  return out;
}

std::int64_t created_of_suffix(std::string_view s) {
  std::uint64_t inverted = 0;
  for (std::size_t i = 0; i < 8; ++i) inverted = inverted << 8 | static_cast<std::uint8_t>(s[i]);
  return static_cast<std::int64_t>(~inverted ^ (1ull << 63));
}

std::string all_prefix() {
  return "c";
}
std::string account_prefix(std::string_view account) {
  std::string out = "a";
  out += account;
  out.push_back('\0');
  return out;
}

/// The smallest key after every key that starts with `prefix` (its last byte is never 0xff).
std::string prefix_end(std::string prefix) {
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

/// The cursor is the last row's 16 hex digits of created_at (big-endian), then its id.
std::string make_cursor(const session_meta& m) {
  auto created = static_cast<std::uint64_t>(m.created_at);
  std::string bytes;
  for (int shift = 56; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(created >> shift));
  return base::to_hex(bytes) + m.id.str();
}

result<std::optional<std::string>> parse_cursor(const std::string& cursor) {
  if (cursor.empty()) return std::optional<std::string>();
  auto bytes = cursor.size() == 16 + 36 ? base::from_hex(std::string_view(cursor).substr(0, 16))
                                        : std::nullopt;
  auto id = bytes ? session_id::parse(std::string_view(cursor).substr(16)) : std::nullopt;
  if (!id) return status{errc::invalid_argument, "malformed list cursor"};
  std::uint64_t created = 0;
  for (unsigned char b : *bytes) created = created << 8 | b;
  return std::optional<std::string>(suffix(static_cast<std::int64_t>(created), *id));
}

/// The index entries of one prefix, in key order: a RocksDB iterator or, without an index, a
/// sorted list made by a scan of the metas. Only what the page loop needs.
class index_source {
 public:
  virtual ~index_source() = default;
  virtual void seek(const std::string& key) = 0;
  virtual bool valid() const = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual void next() = 0;
  virtual status error() const = 0;
  /// The live meta of a row, nullopt when it is gone or expired.
  virtual result<std::optional<session_meta>> meta(const session_id& id) = 0;
};

class rocks_source final : public index_source {
 public:
  rocks_source(rocksdb::DB* db, const rocksdb::ReadOptions& read, rocksdb::ColumnFamilyHandle* meta,
               rocksdb::ColumnFamilyHandle* index, std::string upper, std::int64_t now)
      : db_(db), read_(read), meta_cf_(meta), upper_(std::move(upper)), now_(now) {
    rocksdb::ReadOptions bounded = read_;
    upper_slice_ = rocksdb::Slice(upper_);
    bounded.iterate_upper_bound = &upper_slice_;
    it_.reset(db->NewIterator(bounded, index));
  }
  void seek(const std::string& key) override { it_->Seek(key); }
  bool valid() const override { return it_->Valid(); }
  std::string_view key() const override { return {it_->key().data(), it_->key().size()}; }
  std::string_view value() const override { return {it_->value().data(), it_->value().size()}; }
  void next() override { it_->Next(); }
  status error() const override {
    return it_->status().ok() ? status{} : from_rocks(it_->status(), "listing interviews");
  }
  result<std::optional<session_meta>> meta(const session_id& id) override {
    std::string value;
    auto s = db_->Get(read_, meta_cf_, id.raw(), &value);
    if (s.IsNotFound()) return std::optional<session_meta>();
    if (!s.ok()) return from_rocks(s, "reading meta of session " + id.str());
    auto m = decode_meta(id, value);
    if (!m) return m.error();
    if (m->expires_at <= now_) return std::optional<session_meta>();
    return std::optional<session_meta>(std::move(*m));
  }

 private:
  rocksdb::DB* db_;
  rocksdb::ReadOptions read_;
  rocksdb::ColumnFamilyHandle* meta_cf_;
  std::string upper_;
  rocksdb::Slice upper_slice_;
  std::int64_t now_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

/// Without an index: every live meta of the prefix, decoded once, sorted as the index would be.
class scanned_source final : public index_source {
 public:
  static result<std::unique_ptr<scanned_source>> scan(rocksdb::DB* db,
                                                      const rocksdb::ReadOptions& read,
                                                      rocksdb::ColumnFamilyHandle* meta_cf,
                                                      const std::string& prefix, std::int64_t now) {
    auto out = std::make_unique<scanned_source>();
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(read, meta_cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() != id_size) return status{errc::corruption, "malformed meta key"};
      auto id = id_of_key({it->key().data(), it->key().size()});
      auto m = decode_meta(id, {it->value().data(), it->value().size()});
      if (!m) return m.error();
      if (m->expires_at <= now) continue;
      auto entries = index_of(*m);
      for (auto& key : entries.keys) {
        if (key.compare(0, prefix.size(), prefix) != 0 || key.size() != prefix.size() + suffix_size)
          continue;
        out->rows_.push_back({std::move(key), entries.record, *m});
      }
    }
    if (!it->status().ok()) return from_rocks(it->status(), "listing interviews");
    std::sort(out->rows_.begin(), out->rows_.end(),
              [](const row& a, const row& b) { return a.key < b.key; });
    return out;
  }
  void seek(const std::string& key) override {
    at_ = std::lower_bound(rows_.begin(), rows_.end(), key,
                           [](const row& r, const std::string& k) { return r.key < k; }) -
          rows_.begin();
  }
  bool valid() const override { return at_ < rows_.size(); }
  std::string_view key() const override { return rows_[at_].key; }
  std::string_view value() const override { return rows_[at_].record; }
  void next() override { ++at_; }
  status error() const override { return {}; }
  result<std::optional<session_meta>> meta(const session_id&) override {
    return std::optional<session_meta>(rows_[at_].meta);
  }

 private:
  struct row {
    std::string key;
    std::string record;
    session_meta meta;
  };
  std::vector<row> rows_;
  std::size_t at_ = 0;
};

bool has_marker(rocksdb::DB* db, const rocksdb::ReadOptions& read,
                rocksdb::ColumnFamilyHandle* index_cf) {
  std::string value;
  return db
      ->Get(read, index_cf, rocksdb::Slice(index_marker_key.data(), index_marker_key.size()),
            &value)
      .ok();
}

}  // namespace

index_entries index_of(const session_meta& meta) {
  index_entries out;
  auto tail = suffix(meta.created_at, meta.id);
  out.keys.push_back(all_prefix() + tail);
  for (const auto& account : meta.summary.interviewer_accounts) {
    // An id with a NUL would end its prefix early; ours are generated text (accounts/).
    if (account.find('\0') == std::string::npos) out.keys.push_back(account_prefix(account) + tail);
  }
  std::sort(out.keys.begin(), out.keys.end());
  out.keys.erase(std::unique(out.keys.begin(), out.keys.end()), out.keys.end());
  out.record = meta.title;
  out.record.push_back('\0');
  for (const auto& name : meta.summary.candidates) {
    out.record += name;
    out.record.push_back('\0');
  }
  return out;
}

status rebuild_index(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* meta_cf,
                     rocksdb::ColumnFamilyHandle* index_cf) {
  // Every key of the index sorts below "w": one range deletion clears a partial build.
  rocksdb::WriteBatch batch;
  auto s = batch.DeleteRange(index_cf, "", "w");
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), meta_cf));
  std::size_t in_batch = 0;
  for (it->SeekToFirst(); s.ok() && it->Valid(); it->Next()) {
    if (it->key().size() != id_size) return {errc::corruption, "malformed meta key"};
    auto m = decode_meta(id_of_key({it->key().data(), it->key().size()}),
                         {it->value().data(), it->value().size()});
    if (!m) return m.error();
    auto entries = index_of(*m);
    for (const auto& key : entries.keys) s = batch.Put(index_cf, key, entries.record);
    if (++in_batch == 4096 && s.ok()) {  // bounded batches: a large store needs no huge one
      s = db->Write(rocksdb::WriteOptions(), &batch);
      batch.Clear();
      in_batch = 0;
    }
  }
  if (!it->status().ok()) return from_rocks(it->status(), "reading metas for the index");
  if (s.ok())
    s = batch.Put(index_cf, rocksdb::Slice(index_marker_key.data(), index_marker_key.size()), "1");
  if (s.ok()) s = db->Write(rocksdb::WriteOptions(), &batch);
  return s.ok() ? status{} : from_rocks(s, "building the interviews index");
}

result<session_page> list_interviews_page(rocksdb::DB* db, const rocksdb::ReadOptions& read,
                                          rocksdb::ColumnFamilyHandle* meta_cf,
                                          rocksdb::ColumnFamilyHandle* index_cf, std::int64_t now,
                                          const interview_list_options& options) {
  if (options.limit == 0) return status{errc::invalid_argument, "list limit must be positive"};
  auto after = parse_cursor(options.cursor);
  if (!after) return after.error();
  const std::string prefix = options.account ? account_prefix(*options.account) : all_prefix();
  if (options.account && options.account->find('\0') != std::string::npos)
    return session_page{};  // never indexed (index_of), so never listed

  std::unique_ptr<index_source> source;
  if (index_cf != nullptr && has_marker(db, read, index_cf)) {
    source = std::make_unique<rocks_source>(db, read, meta_cf, index_cf, prefix_end(prefix), now);
  } else {
    auto scanned = scanned_source::scan(db, read, meta_cf, prefix, now);
    if (!scanned) return scanned.error();
    source = std::move(*scanned);
  }

  const std::string start = prefix + after->value_or("");
  session_page page;
  bool more = false;
  for (source->seek(start); source->valid(); source->next()) {
    auto key = source->key();
    if (after && key == start) continue;  // the cursor's row was on the previous page
    if (key.size() != prefix.size() + suffix_size)
      return status{errc::corruption, "malformed interviews index key"};
    if (options.record_filter && !options.record_filter(source->value())) continue;
    auto id = id_of_key(key.substr(prefix.size() + 8));
    auto m = source->meta(id);
    if (!m) return m.error();
    if (!*m || created_of_suffix(key.substr(prefix.size())) != (*m)->created_at) continue;
    if (options.filter && !options.filter(**m)) continue;
    if (page.sessions.size() == options.limit) {
      more = true;
      break;
    }
    page.sessions.push_back(std::move(**m));
  }
  if (auto s = source->error(); !s.ok()) return s;
  if (more) page.next = make_cursor(page.sessions.back());
  return page;
}

}  // namespace rooms::eventlog::detail
