#pragma once
/// The answers about stored sessions, written once: the REST API (gateway/) and `roomctl --db`
/// (cli/) both give these shapes, so a field is added or renamed here and nowhere else.
///
/// Reads fold the log (state at a seq: the nearest snapshot plus the events after it); writes
/// are the two ways a session begins outside a room: creation (meta + session_created, and the
/// inserted document of a fork) and the validated import (actors/import.hpp). What only running
/// rooms know (who is connected) comes in through `live_sessions`; offline nobody is.
///
/// Thread safety: as the store's, every member may be called from any thread at once. Calls
/// block on RocksDB: never call them from an actor or an I/O thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "eventlog/replica.hpp"
#include "eventlog/store.hpp"

namespace rooms::query {

using json = nlohmann::json;

/// The largest page of events one call answers (`GET /events?limit=`).
inline constexpr std::size_t max_event_page = 10'000;
/// The page of events when none is asked for.
inline constexpr std::size_t default_event_page = 1000;
/// The largest page of the admin listing.
inline constexpr std::size_t max_list_page = 1000;

/// What the running rooms know. The defaults say "nothing is live" (roomctl --db).
struct live_sessions {
  /// True when the session's room runs (the registry's list).
  std::function<bool(const std::string& session_id)> is_live = [](const std::string&) {
    return false;
  };
  /// Participants connected to a live session: [participant...]. Default: none.
  std::function<json(const eventlog::session_id&)> participants = [](const eventlog::session_id&) {
    return json::array();
  };
};

/// Which sessions a listing shows.
enum class list_filter { all, live, stored };

/// The team's interviews listing (`GET /api/interviews`, `roomctl interviews`).
inline constexpr std::size_t default_interview_page = 50;
inline constexpr std::size_t max_interview_page = 200;

/// Which interviews a listing shows, newest created first (the store's interviews index order).
struct interview_query {
  /// Case-insensitive (ASCII letters) substring of the title or a candidate's name; "" for all.
  std::string q;
  /// Only sessions whose summary lists this interviewer account; nullopt for everyone's (an
  /// admin). The gateway decides which (gateway/routes_interviews.cpp). Default: everyone's.
  std::optional<std::string> account;
  /// Rows per page, 1..max_interview_page. Default: default_interview_page.
  std::size_t limit = default_interview_page;
  /// `next` of the previous page; "" for the first.
  std::string cursor;
};

/// What a new session starts with.
struct new_session {
  /// The id: the caller picks it (in a cluster only ids this node owns).
  eventlog::session_id id;
  std::string language = "plaintext";
  std::string title;
  /// Initial document (a fork's); empty for none. Logged as a code_changed by "server".
  std::string doc;
  /// Starts in the lobby (PROTOCOL.md "Lifecycle"): candidates wait until an interviewer starts.
  /// Default: false (live at once).
  bool lobby = false;
  /// More fields of the session_created payload (a fork's "forkedFrom").
  json extra = json::object();
  /// A question_loaded payload (actors/question_view.hpp) logged right after session_created,
  /// before the document; null for none.
  json question;
};

/// A created session and its interviewer key: shown once, stored only as its hash.
struct created_session {
  eventlog::session_meta meta;
  std::string key;
  /// A fork's {"sessionId","seq"} of its source; null otherwise.
  json forked_from;
};

class service {
 public:
  /// Answers from `store`, which must outlive the service. Writes (creation, import) go
  /// through `replica` (cluster high availability: eventlog/replica.hpp), or through the store
  /// itself when it is null; reads stay on `store`, the local copy.
  explicit service(eventlog::store& store, eventlog::replica* replica = nullptr)
      : store_(store), local_(store), log_(replica ? *replica : local_) {}

  eventlog::store& store() const { return store_; }

  // -- reads --

  /// Meta of a live session; not_found otherwise.
  eventlog::result<eventlog::session_meta> meta(const eventlog::session_id& id) const;

  /// The seq `?seq=` or `?at=` names (the latest when both are empty). invalid_argument when
  /// seq is outside 1..events or the session began after at_ms.
  eventlog::result<std::uint64_t> resolve_seq(const eventlog::session_meta& meta,
                                              std::optional<std::uint64_t> seq,
                                              std::optional<std::int64_t> at_ms) const;

  /// `GET /state`: the folded state after event `seq` plus "title" and "ts".
  eventlog::result<json> state(const eventlog::session_id& id, std::uint64_t seq) const;

  /// `GET /scorecards`: {"criteria":[...], "scorecards":[...]}, every interviewer's (the
  /// caller holds the key or the admin token), as of the latest event.
  eventlog::result<json> scorecards(const eventlog::session_meta& meta) const;

  /// `GET /events`: {"events":[...], "next": seq|null}; `limit` is capped at max_event_page.
  eventlog::result<json> events(const eventlog::session_meta& meta, std::uint64_t from,
                                std::size_t limit) const;

  /// `GET /api/sessions/<id>`: what anyone with the link may see (no secret).
  eventlog::result<json> session_info(const eventlog::session_meta& meta,
                                      const live_sessions& live) const;

  /// One row of the admin listing.
  static json admin_row(const eventlog::session_meta& meta, const live_sessions& live);

  /// `GET /api/admin/sessions`: {"sessions":[row...], "next": cursor|null}, newest activity
  /// first. Filtering may skip rows: the log is paged until `limit` rows are found.
  eventlog::result<json> list(list_filter filter, std::size_t limit, const std::string& cursor,
                              const live_sessions& live) const;

  /// `GET /api/interviews`: {"interviews":[interview_row...], "next": cursor|null}, from the
  /// metas' summaries alone (no fold). invalid_argument for a bad limit or cursor.
  eventlog::result<json> interviews(const interview_query& query) const;

  /// One row of the interviews listing: no secret, note or scorecard (none is in a summary).
  static json interview_row(const eventlog::session_meta& meta);

  /// `GET /api/admin/sessions/<id>`: the row plus "eventsByType", "state" and "keyHash".
  eventlog::result<json> inspect(const eventlog::session_meta& meta,
                                 const live_sessions& live) const;

  /// The log's part of `GET /api/admin/stats`: storeBatches, storeEvents, storeBytes, liveSstBytes.
  json store_stats() const;

  // -- writes --

  /// Creates a session: its meta and session_created, then the document's code_changed.
  /// already_exists when the id is taken, or the store's error.
  eventlog::result<created_session> create(const new_session& spec);

  /// Creates `new_id` from the state of `source` after event `seq` (which must be 1..events):
  /// same language, title and document; session_created carries "forkedFrom".
  eventlog::result<created_session> fork(const eventlog::session_meta& source, std::uint64_t seq,
                                         const eventlog::session_id& new_id);

  /// `POST /api/admin/import`: the validated import; {"sessionId","events"}. invalid_argument
  /// (the file), already_exists (the id is taken), or the store's error; nothing written then.
  eventlog::result<json> import(std::string_view export_text);

  /// Expires overdue sessions and compacts: {"expired","liveSstBytes"}.
  eventlog::result<json> compact();

  /// The answer to a creation: {"sessionId","language","title","createdAt","joinUrl",
  /// "interviewerKey","interviewerUrl","replayUrl"} and a fork's "forkedFrom".
  static json created_json(const created_session& created);

 private:
  eventlog::store& store_;
  eventlog::local_replica local_;
  eventlog::replica& log_;  ///< the replica given, or local_
};

}  // namespace rooms::query
