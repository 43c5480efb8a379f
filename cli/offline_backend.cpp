/// The offline backend: reads (and, for write commands, writes) a data dir through the event log
/// library, answering in the admin API's JSON shapes.

#include <filesystem>
#include <map>
#include <sstream>

#include "actors/import.hpp"
#include "actors/replay.hpp"
#include "cli/backend.hpp"
#include "cli/error.hpp"
#include "eventlog/store.hpp"

namespace rooms::cli {

namespace {

using eventlog::errc;
using eventlog::session_id;

constexpr std::size_t max_event_page = 10'000;

class offline_backend final : public backend {
 public:
  offline_backend(std::string dir, std::unique_ptr<eventlog::store> store) : dir_(std::move(dir)), store_(std::move(store)) {}

  std::string describe() const override { return "data dir " + dir_; }
  bool knows_live() const override { return false; }

  json list(const std::string& state, std::size_t limit, const std::string& cursor) override {
    // Only a running roomd knows which rooms are live; offline every session is "stored".
    if (state == "live") return {{"sessions", json::array()}, {"next", nullptr}};
    auto page = store_->list({limit, cursor});
    if (!page.ok()) fail(page.error(), {});
    json rows = json::array();
    for (const auto& m : page->sessions) rows.push_back(row(m));
    return {{"sessions", std::move(rows)}, {"next", page->next.empty() ? json(nullptr) : json(page->next)}};
  }

  json inspect(const std::string& id) override {
    auto sid = parse(id);
    auto meta = store_->meta(sid);
    if (!meta.ok()) fail(meta.error(), id);
    std::map<std::string, std::uint64_t> counts;
    auto scanned = store_->scan(sid, 1, [&](const eventlog::event& e) {
      ++counts[std::string(eventlog::to_string(e.type))];
      return true;
    });
    if (!scanned.ok()) fail(scanned, id);
    auto state = actors::state_at(*store_, sid, meta->events);
    if (!state.ok()) fail(state.error(), id);
    json body = row(*meta);
    body["eventsByType"] = counts;
    body["state"] = actors::to_json(*state);
    body["state"]["title"] = state->title;
    body["keyHash"] = meta->key_hash;
    return body;
  }

  json events(const std::string& id, std::uint64_t from, std::size_t limit) override {
    auto sid = parse(id);
    auto meta = store_->meta(sid);
    if (!meta.ok()) fail(meta.error(), id);
    auto events = store_->read(sid, from, std::min(limit, max_event_page));
    if (!events.ok()) fail(events.error(), id);
    json list = json::array();
    for (const auto& e : *events) list.push_back(eventlog::to_json(e));
    json next = nullptr;
    if (!events->empty() && events->back().seq < meta->events) next = events->back().seq + 1;
    return {{"events", std::move(list)}, {"next", next}};
  }

  json state(const std::string& id, std::optional<std::uint64_t> seq, std::optional<std::int64_t> at_ms) override {
    auto sid = parse(id);
    auto meta = store_->meta(sid);
    if (!meta.ok()) fail(meta.error(), id);
    std::uint64_t target = meta->events;
    if (seq) {
      if (*seq < 1 || *seq > meta->events)
        throw cli_error(exit_code::failure, "seq must be 1.." + std::to_string(meta->events));
      target = *seq;
    } else if (at_ms) {
      auto found = actors::seq_at_time(*store_, sid, *at_ms);
      if (!found.ok()) fail(found.error(), id);
      if (!found->has_value()) throw cli_error(exit_code::failure, "the session began after that time");
      target = **found;
    }
    auto state = actors::state_at(*store_, sid, target);
    if (!state.ok()) fail(state.error(), id);
    json body = actors::to_json(*state);
    body["title"] = state->title;
    body["ts"] = state->last_ts;
    return body;
  }

  void expire(const std::string& id) override {
    auto s = store_->expire(parse(id));
    if (!s.ok()) fail(s, id);
  }

  json import(const std::string& jsonl) override {
    auto imported = actors::import_session(*store_, jsonl);
    if (!imported.ok()) {
      const auto& err = imported.error();
      if (err.code() == errc::already_exists) throw cli_error(exit_code::failure, "import: " + err.message() + " in " + dir_);
      if (err.code() == errc::invalid_argument) throw cli_error(exit_code::failure, "import: " + err.message());
      fail(err, {});
    }
    return {{"sessionId", imported->meta.id.str()}, {"events", imported->events.size()}};
  }

  json stats() override {
    auto s = store_->stats();
    return {{"liveSstBytes", store_->live_sst_bytes()}, {"storeEvents", s.events}, {"storeBytes", s.bytes}};
  }

  void refresh() override {
    if (!store_->options().read_only) return;
    auto s = store_->refresh();
    if (!s.ok()) fail(s, {});
  }

  json compact() override {
    auto swept = store_->sweep_expired();
    if (!swept.ok()) fail(swept.error(), {});
    auto s = store_->compact();
    if (!s.ok()) fail(s, {});
    return {{"expired", *swept}, {"liveSstBytes", store_->live_sst_bytes()}};
  }

 private:
  static session_id parse(const std::string& id) {
    auto sid = session_id::parse(id);
    if (!sid) throw cli_error(exit_code::usage, "\"" + id + "\" is not a session id (a UUID)");
    return *sid;
  }

  /// The admin list row; offline nobody is known to be connected.
  static json row(const eventlog::session_meta& m) {
    return {{"sessionId", m.id.str()},   {"createdAt", m.created_at}, {"lastActivityAt", m.last_activity_at},
            {"expiresAt", m.expires_at}, {"language", m.language},    {"title", m.title},
            {"events", m.events},        {"bytes", m.bytes},          {"live", false},
            {"participants", json::array()}};
  }

  [[noreturn]] void fail(const eventlog::status& s, const std::string& session) const {
    if (s.code() == errc::not_found && !session.empty())
      throw cli_error(exit_code::not_found, "no session " + session + " in " + dir_ + " (unknown or expired)");
    throw cli_error(exit_code::failure, "the event log in " + dir_ + " failed: " + s.to_string());
  }

  std::string dir_;
  std::unique_ptr<eventlog::store> store_;
};

}  // namespace

std::unique_ptr<backend> make_offline_backend(const std::string& dir, bool writable) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // A read-only open must not create anything, and a write must not start an empty log in a typo.
  if (!fs::exists(fs::path(dir) / "CURRENT", ec))
    throw cli_error(exit_code::failure, "no event log in " + dir + " (expected a roomd --data-dir)");
  eventlog::store_options options;
  options.path = dir;
  options.read_only = !writable;
  auto opened = eventlog::store::open(options);
  if (!opened.ok()) {
    if (opened.error().code() == errc::locked)
      throw cli_error(exit_code::failure, "the data dir " + dir + " is in use by a running roomd; use --server");
    throw cli_error(exit_code::failure, "cannot open the event log in " + dir + ": " + opened.error().to_string());
  }
  return std::make_unique<offline_backend>(dir, std::move(*opened));
}

}  // namespace rooms::cli
