#include "questions/question_store.hpp"

#include <rocksdb/db.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "questions/markdown_format.hpp"

namespace rooms::questions {

namespace {

using nlohmann::json;

constexpr int format_version = 1;

std::string key_prefix(const std::string& id) {
  return id + "|";
}

std::string make_key(const std::string& id, std::int64_t version) {
  std::string key = key_prefix(id);
  auto v = static_cast<std::uint64_t>(version);
  for (int shift = 56; shift >= 0; shift -= 8)
    key.push_back(static_cast<char>((v >> shift) & 0xFF));
  return key;
}

std::int64_t version_of(const rocksdb::Slice& key) {
  std::uint64_t v = 0;
  for (std::size_t i = key.size() - 8; i < key.size(); ++i)
    v = (v << 8) | static_cast<unsigned char>(key[i]);
  return static_cast<std::int64_t>(v);
}

store_status storage_error(const rocksdb::Status& s) {
  return {store_errc::storage, "question store: " + s.ToString(), {}};
}
store_status not_found(const std::string& what) {
  return {store_errc::not_found, what, {}};
}

/// One stored version: a question or a tombstone.
struct entry {
  std::int64_t version = 0;
  std::int64_t updated_at = 0;
  bool deleted = false;
  question q;
};

store_result<entry> decode(const rocksdb::Slice& key, const rocksdb::Slice& value) {
  store_status corrupt{
      store_errc::corruption,
      "question store: undecodable value at version " + std::to_string(version_of(key)),
      {}};
  json j = json::parse(value.data(), value.data() + value.size(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", 0) != format_version) return corrupt;
  entry e;
  e.version = version_of(key);
  if (j.value("deleted", false)) {
    e.deleted = true;
    if (auto it = j.find("updatedAt"); it != j.end() && it->is_number_integer())
      e.updated_at = it->get<std::int64_t>();
    return e;
  }
  auto it = j.find("question");
  if (it == j.end()) return corrupt;
  auto q = from_json(*it);
  if (!q) return corrupt;
  e.q = std::move(q).value();
  e.updated_at = e.q.updated_at;
  return e;
}

/// The newest stored entry of `id` (tombstones included); not_found when none.
store_result<entry> latest_entry(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                 const std::string& id) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  it->SeekForPrev(make_key(id, -1));  // -1 is all 0xFF bytes: the greatest version
  if (!it->status().ok()) return storage_error(it->status());
  if (!it->Valid() || !it->key().starts_with(key_prefix(id)) || it->key().size() != id.size() + 9) {
    return not_found("no question " + id);
  }
  return decode(it->key(), it->value());
}

std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

question_store::question_store(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                               std::set<std::string> languages, limits lim,
                               std::function<std::int64_t()> clock)
    : db_(db),
      cf_(cf),
      languages_(std::move(languages)),
      limits_(lim),
      clock_(clock ? std::move(clock) : system_now) {}

store_result<question> question_store::put(question q) {
  auto errors = validate(q, languages_, limits_);
  if (!errors.empty()) return store_status{store_errc::invalid, to_string(errors), errors};
  std::lock_guard lock(write_mutex_);
  auto latest = latest_entry(db_, cf_, q.question_id);
  if (!latest && latest.status().code != store_errc::not_found) return latest.status();
  q.version = latest ? latest->version + 1 : 1;
  q.updated_at = clock_();
  json value = {{"format", format_version}, {"question", to_json(q, with_solutions::yes)}};
  auto s = db_->Put(rocksdb::WriteOptions(), cf_, make_key(q.question_id, q.version), value.dump());
  if (!s.ok()) return storage_error(s);
  return q;
}

store_result<question> question_store::get(const std::string& question_id) const {
  auto e = latest_entry(db_, cf_, question_id);
  if (!e) return e.status();
  if (e->deleted) return not_found("question " + question_id + " was deleted");
  return e->q;
}

store_result<question> question_store::get(const std::string& question_id,
                                           std::int64_t version) const {
  std::string value;
  auto key = make_key(question_id, version);
  auto s = db_->Get(rocksdb::ReadOptions(), cf_, key, &value);
  if (s.IsNotFound())
    return not_found("no version " + std::to_string(version) + " of question " + question_id);
  if (!s.ok()) return storage_error(s);
  auto e = decode(key, value);
  if (!e) return e.status();
  if (e->deleted)
    return not_found("version " + std::to_string(version) + " of question " + question_id +
                     " is its deletion");
  return e->q;
}

store_result<std::vector<question>> question_store::list() const {
  std::vector<question> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_));
  // Keys of one id are contiguous and version-ordered: the last before the id changes is the
  // latest.
  std::string current;
  std::string last_key, last_value;
  auto flush = [&]() -> store_status {
    if (last_key.empty()) return {};
    auto e = decode(last_key, last_value);
    if (!e) return e.status();
    if (!e->deleted) out.push_back(e->q);
    return {};
  };
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = it->key();
    if (key.size() < 9) continue;  // not ours: every key ends with '|' + 8 bytes
    std::string id(key.data(), key.size() - 9);
    if (id != current && !last_key.empty()) {
      if (auto s = flush(); !s.ok()) return s;
    }
    current = id;
    last_key = key.ToString();
    last_value = it->value().ToString();
  }
  if (!it->status().ok()) return storage_error(it->status());
  if (auto s = flush(); !s.ok()) return s;
  std::sort(out.begin(), out.end(),
            [](const question& a, const question& b) { return a.question_id < b.question_id; });
  return out;
}

store_result<std::vector<version_info>> question_store::history(
    const std::string& question_id) const {
  std::vector<version_info> out;
  std::string prefix = key_prefix(question_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != prefix.size() + 8) continue;
    auto e = decode(it->key(), it->value());
    if (!e) return e.status();
    out.push_back({e->version, e->updated_at, e->deleted});
  }
  if (!it->status().ok()) return storage_error(it->status());
  if (out.empty()) return not_found("no question " + question_id);
  return out;
}

store_status question_store::remove(const std::string& question_id) {
  std::lock_guard lock(write_mutex_);
  auto latest = latest_entry(db_, cf_, question_id);
  if (!latest) return latest.status();
  if (latest->deleted) return not_found("question " + question_id + " is already deleted");
  std::int64_t version = latest->version + 1;
  json tombstone = {{"format", format_version},
                    {"deleted", true},
                    {"questionId", question_id},
                    {"version", version},
                    {"updatedAt", clock_()}};
  auto s = db_->Put(rocksdb::WriteOptions(), cf_, make_key(question_id, version), tombstone.dump());
  if (!s.ok()) return storage_error(s);
  return {};
}

store_result<import_outcome> question_store::import_markdown(const std::string& text) {
  auto parsed = parse_markdown(text);
  if (!parsed)
    return store_status{store_errc::invalid, to_string(parsed.errors()), parsed.errors()};
  question q = std::move(parsed).value();
  if (auto current = get(q.question_id)) {
    question same = q;
    same.version = current->version;
    same.updated_at = current->updated_at;
    if (same == current.value()) return import_outcome{current.value(), false};
  } else if (current.status().code != store_errc::not_found) {
    return current.status();
  }
  auto stored = put(std::move(q));
  if (!stored) return stored.status();
  return import_outcome{stored.value(), true};
}

store_result<std::string> question_store::export_markdown(const std::string& question_id) const {
  auto q = get(question_id);
  if (!q) return q.status();
  return serialize_markdown(q.value());
}

}  // namespace rooms::questions
