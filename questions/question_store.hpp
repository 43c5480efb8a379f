#pragma once
/// The question library on RocksDB: every put is a new version, history kept, so an interview
/// can name the exact version it used. Works on a database and column family the caller opened
/// (roomd: the "questions" column family of the event log's database).
///
/// Keys: `<questionId>|<version, 8 bytes big-endian>` ('|' is not a questionId character, so
/// one question's versions are one contiguous, version-ordered range). Values: JSON
/// `{"format":1,"question":{...}}` (solutions included) or a tombstone
/// `{"format":1,"deleted":true,"questionId","version","updatedAt"}`.
///
/// Thread safety: every method may be called from several threads; writes of one store are
/// serialised by a mutex (version = latest + 1). Calls block on RocksDB: keep them off actor
/// threads. Two store objects writing one column family would race on versions: have one.

#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "questions/question.hpp"
#include "questions/validate.hpp"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace rooms::questions {

/// Why a store call failed.
enum class store_errc {
  ok = 0,
  not_found,   ///< no such question, or its latest version is deleted, or no such version
  invalid,     ///< refused input (fields name each reason); nothing stored
  storage,     ///< RocksDB failed
  corruption,  ///< a stored value does not decode
};

/// Outcome of a store call: ok, or a code, a sentence and (for invalid) the field errors.
struct [[nodiscard]] store_status {
  store_errc code = store_errc::ok;
  std::string message;
  std::vector<field_error> fields;
  bool ok() const { return code == store_errc::ok; }
};

/// A value or the status explaining why there is none.
template <class T>
class [[nodiscard]] store_result {
 public:
  store_result(T value) : v_(std::move(value)) {}
  store_result(store_status error) : v_(std::move(error)) {}
  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  /// ok status when ok().
  store_status status() const { return ok() ? store_status{} : std::get<store_status>(v_); }

 private:
  std::variant<T, store_status> v_;
};

/// One entry of a question's history.
struct version_info {
  std::int64_t version = 0;
  std::int64_t updated_at = 0;
  bool deleted = false;  ///< a tombstone (rm); earlier versions stay readable
  bool operator==(const version_info&) const = default;
};

/// What an import did.
struct import_outcome {
  question stored;       ///< the latest version after the import
  bool changed = false;  ///< false: identical to the latest version, no new version written
};

class question_store {
 public:
  /// `db` and `cf` stay owned by the caller and must outlive the store. `languages`: those a
  /// question may use (runner runtimes plus "plaintext"). `clock`: unix ms for updatedAt
  /// (default: the system clock).
  question_store(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::set<std::string> languages,
                 limits lim = {}, std::function<std::int64_t()> clock = {});

  /// Validates `q` and stores it as version latest + 1 (1 for a new id, also after a delete),
  /// updatedAt = now; `q.version`/`q.updated_at` are ignored. Returns what was stored.
  store_result<question> put(question q);
  /// The latest version; not_found when none or deleted.
  store_result<question> get(const std::string& question_id) const;
  /// One version, also of a deleted question (interviews that used it replay it).
  store_result<question> get(const std::string& question_id, std::int64_t version) const;
  /// The latest version of every question not deleted, ordered by questionId.
  store_result<std::vector<question>> list() const;
  /// Every version of a question, oldest first; not_found when it never existed.
  store_result<std::vector<version_info>> history(const std::string& question_id) const;
  /// Writes a tombstone version; not_found when absent or already deleted.
  store_status remove(const std::string& question_id);

  /// Parses a Markdown file (markdown_format.hpp) and puts it, unless it equals the latest
  /// version (so importing a folder twice writes nothing the second time).
  store_result<import_outcome> import_markdown(const std::string& text);
  /// The canonical Markdown file of the latest version (solutions included).
  store_result<std::string> export_markdown(const std::string& question_id) const;

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  std::set<std::string> languages_;
  limits limits_;
  std::function<std::int64_t()> clock_;
  std::mutex write_mutex_;  ///< latest + 1 must not race another put or remove
};

}  // namespace rooms::questions
