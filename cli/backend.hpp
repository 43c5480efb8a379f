#pragma once
/// Where roomctl gets its data: a running roomd (admin REST API) or a data dir read directly.
///
/// Both backends answer in the admin API's JSON shapes (gateway/api.cpp), so the commands and
/// their --json output are the same online and offline.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace rooms::eventlog {
class store;
}

namespace rooms::cli {

using json = nlohmann::json;

/// The operations the commands need. Failures throw `cli_error` with a one-line message
/// (not_found for an unknown or expired session).
class backend {
 public:
  virtual ~backend() = default;

  /// "http://127.0.0.1:8080" or "data dir ./data", for messages.
  virtual std::string describe() const = 0;
  /// True when the backend can tell which sessions are live (only a running roomd knows).
  virtual bool knows_live() const = 0;

  /// One page of `GET /api/admin/sessions`: {"sessions":[row...],"next":cursor|null}.
  virtual json list(const std::string& state, std::size_t limit, const std::string& cursor) = 0;
  /// One page of `GET /api/interviews?q=&limit=&cursor=`: {"interviews":[row...],"next":...}
  /// (everyone's: roomctl holds the admin token or the data dir).
  virtual json interviews(const std::string& q, std::size_t limit, const std::string& cursor) = 0;
  /// `GET /api/admin/sessions/<id>`: the row plus "eventsByType" and "state" (and "keyHash"
  /// where the backend has it).
  virtual json inspect(const std::string& id) = 0;
  /// `GET /api/sessions/<id>/events`: {"events":[...],"next":seq|null}; limit 1..10000.
  virtual json events(const std::string& id, std::uint64_t from, std::size_t limit) = 0;
  /// `GET /api/sessions/<id>/state`: the state after event `seq`, after the last event with
  /// ts <= `at_ms`, or the latest when both are empty.
  virtual json state(const std::string& id, std::optional<std::uint64_t> seq,
                     std::optional<std::int64_t> at_ms) = 0;
  /// Expires a session now (online: live participants are closed with 4410).
  virtual void expire(const std::string& id) = 0;
  /// Imports a session in the export format; answers {"sessionId","events"}.
  virtual json import(const std::string& jsonl) = 0;
  /// Server counters (`GET /api/admin/stats`); offline only what the store knows.
  virtual json stats() = 0;
  /// Sweeps expired sessions and compacts: {"expired","liveSstBytes"}.
  virtual json compact() = 0;
  /// Writes a backup of the whole database into `dir` (absolute; must not exist): online roomd
  /// writes it on its host, offline the store does. Answers POST /api/admin/backup's body.
  virtual json backup(const std::string& dir) = 0;
  /// Makes later reads see writes made since opening (a read-only data dir catches up with the
  /// running roomd); nothing to do online.
  virtual void refresh() {}
};

/// Talks to roomd at `server` with the admin `token` (may be empty: the server then says 401).
std::unique_ptr<backend> make_online_backend(std::string server, std::string token);

/// Opens the data dir `dir`: a read-only secondary instance, or read-write when `writable`
/// (refused with a clear message while a roomd holds the lock).
/// Opens a stopped server's data dir (read-only unless `writable`); a cli_error that says why
/// not (no event log there, in use by a running roomd, or the store's error).
std::unique_ptr<eventlog::store> open_data_dir(const std::string& dir, bool writable);
std::unique_ptr<backend> make_offline_backend(const std::string& dir, bool writable);

}  // namespace rooms::cli
