/// The offline backend: reads (and, for write commands, writes) a data dir through the event log
/// library, answering in the admin API's JSON shapes: the query service writes them for both.

#include <filesystem>

#include "cli/backend.hpp"
#include "cli/error.hpp"
#include "eventlog/backup.hpp"
#include "eventlog/store.hpp"
#include "query/service.hpp"

namespace rooms::cli {

namespace {

using eventlog::errc;
using eventlog::session_id;

class offline_backend final : public backend {
 public:
  offline_backend(std::string dir, std::unique_ptr<eventlog::store> store)
      : dir_(std::move(dir)), store_(std::move(store)), query_(*store_) {}

  std::string describe() const override { return "data dir " + dir_; }
  bool knows_live() const override { return false; }

  json list(const std::string& state, std::size_t limit, const std::string& cursor) override {
    // Only a running roomd knows which rooms are live; offline every session is "stored".
    if (state == "live") return {{"sessions", json::array()}, {"next", nullptr}};
    return value(query_.list(query::list_filter::all, limit, cursor, offline_), {});
  }

  json interviews(const std::string& q, std::size_t limit, const std::string& cursor) override {
    return value(query_.interviews({q, std::nullopt, limit, cursor}), {});
  }

  json inspect(const std::string& id) override {
    return value(query_.inspect(meta(id), offline_), id);
  }

  json events(const std::string& id, std::uint64_t from, std::size_t limit) override {
    return value(query_.events(meta(id), from, limit), id);
  }

  json state(const std::string& id, std::optional<std::uint64_t> seq,
             std::optional<std::int64_t> at_ms) override {
    auto m = meta(id);
    auto target = value(query_.resolve_seq(m, seq, at_ms), id);
    return value(query_.state(m.id, target), id);
  }

  void expire(const std::string& id) override {
    auto s = store_->expire(parse(id));
    if (!s.ok()) fail(s, id);
  }

  json import(const std::string& jsonl) override {
    auto imported = query_.import(jsonl);
    if (!imported.ok()) {
      const auto& err = imported.error();
      if (err.code() == errc::already_exists)
        throw cli_error(exit_code::failure, "import: " + err.message() + " in " + dir_);
      if (err.code() == errc::invalid_argument)
        throw cli_error(exit_code::failure, "import: " + err.message());
      fail(err, {});
    }
    return *imported;
  }

  json stats() override { return query_.store_stats(); }

  void refresh() override {
    if (!store_->options().read_only) return;
    auto s = store_->refresh();
    if (!s.ok()) fail(s, {});
  }

  json compact() override { return value(query_.compact(), {}); }

  json backup(const std::string& dir) override {
    auto made = eventlog::create_backup(*store_, dir);
    if (!made.ok()) throw cli_error(exit_code::failure, "backup: " + made.error().message());
    return {{"dir", made->dir},
            {"format", made->format},
            {"createdAt", made->created_at},
            {"durationMs", made->duration_ms},
            {"files", made->files},
            {"bytes", made->bytes}};
  }

 private:
  static session_id parse(const std::string& id) {
    auto sid = session_id::parse(id);
    if (!sid) throw cli_error(exit_code::usage, "\"" + id + "\" is not a session id (a UUID)");
    return *sid;
  }

  eventlog::session_meta meta(const std::string& id) const {
    return value(query_.meta(parse(id)), id);
  }

  /// The answer, or the failure as roomctl says it.
  template <class T>
  T value(eventlog::result<T> r, const std::string& session) const {
    if (!r.ok()) fail(r.error(), session);
    return std::move(*r);
  }

  [[noreturn]] void fail(const eventlog::status& s, const std::string& session) const {
    if (s.code() == errc::not_found && !session.empty())
      throw cli_error(exit_code::not_found,
                      "no session " + session + " in " + dir_ + " (unknown or expired)");
    if (s.code() == errc::invalid_argument) throw cli_error(exit_code::failure, s.message());
    throw cli_error(exit_code::failure, "the event log in " + dir_ + " failed: " + s.to_string());
  }

  std::string dir_;
  std::unique_ptr<eventlog::store> store_;
  query::service query_;
  const query::live_sessions offline_;  ///< nothing is live without a running roomd
};

}  // namespace

std::unique_ptr<eventlog::store> open_data_dir(const std::string& dir, bool writable) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // A read-only open must not create anything, and a write must not start an empty log in a typo.
  if (!fs::exists(fs::path(dir) / "CURRENT", ec))
    throw cli_error(exit_code::failure,
                    "no event log in " + dir + " (expected a roomd --data-dir)");
  eventlog::store_options options;
  options.path = dir;
  options.read_only = !writable;
  auto opened = eventlog::store::open(options);
  if (!opened.ok()) {
    if (opened.error().code() == errc::locked)
      throw cli_error(exit_code::failure,
                      "the data dir " + dir + " is in use by a running roomd; use --server");
    throw cli_error(exit_code::failure,
                    "cannot open the event log in " + dir + ": " + opened.error().to_string());
  }
  return std::move(*opened);
}

std::unique_ptr<backend> make_offline_backend(const std::string& dir, bool writable) {
  return std::make_unique<offline_backend>(dir, open_data_dir(dir, writable));
}

}  // namespace rooms::cli
