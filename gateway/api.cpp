/// REST API, /health and /metrics (PROTOCOL.md "HTTP"). Runs on the gateway's blocking pool.

#include <charconv>
#include <sstream>

#include <nlohmann/json.hpp>

#include "actors/changeset.hpp"
#include "actors/detail/ids.hpp"
#include "actors/domain/validate.hpp"
#include "actors/import.hpp"
#include "actors/replay.hpp"
#include <future>

#include "base/log.hpp"
#include "gateway/detail/context.hpp"
#include "runner/piston.hpp"

namespace rooms::gateway::detail {

using json = nlohmann::json;
using eventlog::errc;
using eventlog::session_id;

namespace {

constexpr std::size_t max_title_bytes = domain::default_max_title_bytes;
constexpr std::size_t default_event_page = 1000;
constexpr std::size_t max_event_page = 10'000;

/// Splits "/a/b?x=1&y=2" into path and query parameters (no percent-decoding needed here).
struct target_parts {
  std::string path;
  std::map<std::string, std::string> query;
};

target_parts split_target(std::string_view target) {
  target_parts out;
  auto q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return out;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos) out.query[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
    else out.query[std::string(pair)] = "";
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return out;
}

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/'))
    if (!part.empty()) out.push_back(part);
  return out;
}

/// Parses a non-negative integer query value; nullopt for anything else.
std::optional<std::uint64_t> parse_uint(const std::string& text) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_int(const std::string& text) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::string bearer(const request& req) {
  auto auth = std::string(req[http::field::authorization]);
  static const std::string prefix = "Bearer ";
  if (auth.size() > prefix.size() && auth.compare(0, prefix.size(), prefix) == 0) return auth.substr(prefix.size());
  return {};
}

bool is_admin(const context& ctx, const request& req) {
  auto token = bearer(req);
  if (token.empty() || ctx.options.admin_token.empty()) return false;
  // Compare digests of equal length: the time taken says nothing about where (or whether) the
  // token differs, nor about its length.
  return actors::detail::constant_time_equal(eventlog::sha256_hex(token), eventlog::sha256_hex(ctx.options.admin_token));
}

/// Maps a log status to the HTTP answer (the one place that does so).
response log_error(const request& req, const eventlog::status& s) {
  switch (s.code()) {
    case errc::not_found: return json_error(req, http::status::not_found, "not_found", "unknown or expired session");
    case errc::invalid_argument: return json_error(req, http::status::bad_request, "bad_request", s.message());
    case errc::no_space: return json_error(req, http::status::service_unavailable, "unavailable", "the event log is full: " + s.message());
    default: return json_error(req, http::status::service_unavailable, "unavailable", "the event log failed: " + s.to_string());
  }
}

json session_json(const eventlog::session_meta& meta, const std::string& key) {
  const std::string id = meta.id.str();
  json out = {{"sessionId", id},          {"language", meta.language},
              {"title", meta.title},      {"createdAt", meta.created_at},
              {"joinUrl", "/room/" + id}};
  if (!key.empty()) {
    out["interviewerKey"] = key;
    out["interviewerUrl"] = "/room/" + id + "#key=" + key;
    out["replayUrl"] = "/replay/" + id + "#key=" + key;
  }
  return out;
}

/// Creates a session whose first events are session_created and, when `doc` is not empty, a
/// logged code_changed that inserts it (template or fork).
eventlog::result<std::pair<eventlog::session_meta, std::string>> create_session(context& ctx, const std::string& language,
                                                                                 const std::string& title, const std::string& doc,
                                                                                 const json& extra) {
  auto& store = *ctx.svc->store;
  eventlog::session_meta meta;
  meta.id = new_session_id(ctx);
  const auto& clock = store.options().clock;
  meta.created_at = clock ? clock() : eventlog::now_ms();
  meta.last_activity_at = meta.created_at;
  meta.language = language;
  meta.title = title;
  std::string key = actors::detail::random_hex(24);  // 192-bit secret
  meta.key_hash = eventlog::sha256_hex(key);
  eventlog::event created;
  created.seq = 1;
  created.ts = meta.created_at;
  created.type = eventlog::event_type::session_created;
  created.payload = {{"language", language}, {"title", title}};
  for (const auto& [k, v] : extra.items()) created.payload[k] = v;
  auto s = store.create_session(meta, created);
  if (!s.ok()) return s;
  if (!doc.empty()) {
    // CodeMirror's JSON for "insert doc into an empty document": [[0, "line1", "line2", ...]].
    json insert = json::array({0});
    std::string line;
    for (char c : doc) {
      if (c == '\n') {
        insert.push_back(line);
        line.clear();
      } else {
        line.push_back(c);
      }
    }
    insert.push_back(line);
    eventlog::event e;
    e.seq = 2;
    e.ts = meta.created_at;
    e.type = eventlog::event_type::code_changed;
    e.payload = {{"version", 1}, {"clientID", "server"}, {"changes", json::array({insert})}};
    auto appended = store.append(meta.id, {e});
    if (!appended.ok()) return appended;
  }
  return std::make_pair(meta, key);
}

/// Authorises interviewer-or-admin access to one session; an empty optional means allowed.
std::optional<response> check_session_access(const context& ctx, const request& req, const eventlog::session_meta& meta) {
  if (is_admin(ctx, req)) return std::nullopt;
  auto token = bearer(req);
  if (token.empty()) return json_error(req, http::status::unauthorized, "unauthorized", "send the interviewer key as a Bearer token");
  if (!actors::detail::constant_time_equal(eventlog::sha256_hex(token), meta.key_hash))
    return json_error(req, http::status::forbidden, "forbidden", "wrong interviewer key");
  return std::nullopt;
}

std::optional<response> check_admin(const context& ctx, const request& req) {
  if (bearer(req).empty()) return json_error(req, http::status::unauthorized, "unauthorized", "send the admin token as a Bearer token");
  if (!is_admin(ctx, req)) return json_error(req, http::status::forbidden, "forbidden", "wrong admin token");
  return std::nullopt;
}

/// Asks an actor and waits (we are on the blocking pool, never an I/O or CAF thread).
template <class... Ts>
std::optional<std::string> ask(context& ctx, Ts&&... xs) {
  caf::scoped_actor self{ctx.system};
  std::optional<std::string> out;
  self->request(ctx.registry, std::chrono::seconds(5), std::forward<Ts>(xs)...)
      .receive([&](const std::string& answer) { out = answer; }, [&](caf::error&) {});
  return out;
}

json live_participants(context& ctx, const session_id& id) {
  auto answer = ask(ctx, actors::live_atom::value, id.str());
  if (!answer) return json::array();
  auto parsed = json::parse(*answer, nullptr, false);
  return parsed.is_array() ? parsed : json::array();
}

json runtimes_json(const context& ctx) {
  json out = json::array();
  if (!ctx.svc->runs) return out;
  for (const auto& rt : ctx.svc->runs->runtimes())
    out.push_back({{"language", rt.language}, {"version", rt.version}, {"aliases", rt.aliases}});
  return out;
}

// -- handlers --

response get_health(context& ctx, const request& req) {
  auto uptime = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - ctx.started).count();
  json body = {{"status", "ok"},
               {"version", ROOMS_VERSION},
               {"uptimeMs", uptime},
               {"roomsLive", ctx.svc->stats->rooms_live.load()},
               {"connections", ctx.ws_connections.load()},
               {"runner", ctx.svc->runs ? ctx.svc->runs->backend_name() : "none"}};
  if (!ctx.svc->store->healthy()) {
    body["status"] = "unavailable";
    body["reason"] = "the event log cannot be written";
    return json_response(req, http::status::service_unavailable, body.dump());
  }
  return json_response(req, http::status::ok, body.dump());
}

response post_session(context& ctx, const request& req, const std::string& client) {
  if (!is_admin(ctx, req) && !from_cluster_peer(ctx, req) && !ctx.create_limiter.take(client))
    return json_error(req, http::status::too_many_requests, "rate_limited", "too many sessions created from this address; retry in a minute");
  json body = json::object();
  if (!req.body().empty()) {
    body = json::parse(req.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object()) return json_error(req, http::status::bad_request, "bad_json", "the body must be a JSON object");
  }
  std::string language = "plaintext";
  if (body.contains("language")) {
    if (!body["language"].is_string() || !actors::is_known_language(*ctx.svc, body["language"]))
      return json_error(req, http::status::bad_request, "unsupported_language", "unknown language; see GET /api/runtimes");
    language = body["language"];
  }
  std::string title;
  if (body.contains("title")) {
    if (!body["title"].is_string()) return json_error(req, http::status::bad_request, "bad_request", "\"title\" must be a string");
    title = body["title"];
    if (title.size() > max_title_bytes) return json_error(req, http::status::bad_request, "too_large", "the title is too long");
    if (domain::has_control_chars(title)) return json_error(req, http::status::bad_request, "bad_request", "the title has control characters");
  }
  auto created = create_session(ctx, language, title, "", json::object());
  if (!created.ok()) return log_error(req, created.error());
  auto& [meta, key] = *created;
  ROOMS_LOG(info, "session " << meta.id.str() << " created (" << language << ")");
  return json_response(req, http::status::created, session_json(meta, key).dump());
}

response get_session(context& ctx, const request& req, const session_id& id) {
  auto meta = ctx.svc->store->meta(id);
  if (!meta.ok()) return log_error(req, meta.error());
  auto state = actors::state_at(*ctx.svc->store, id, meta->events);
  if (!state.ok()) return log_error(req, state.error());
  json body = {{"sessionId", id.str()},
               {"language", state->language},
               {"title", state->title},
               {"createdAt", meta->created_at},
               {"lastActivityAt", meta->last_activity_at},
               {"expiresAt", meta->expires_at},
               {"version", state->version},
               {"participants", live_participants(ctx, id)}};
  return json_response(req, http::status::ok, body.dump());
}

response get_events(context& ctx, const request& req, const session_id& id, const target_parts& t) {
  auto meta = ctx.svc->store->meta(id);
  if (!meta.ok()) return log_error(req, meta.error());
  if (auto denied = check_session_access(ctx, req, *meta)) return *denied;
  std::uint64_t from = 1;
  std::size_t limit = default_event_page;
  if (t.query.count("from")) {
    auto v = parse_uint(t.query.at("from"));
    if (!v || *v == 0) return json_error(req, http::status::bad_request, "bad_request", "\"from\" must be a positive integer");
    from = *v;
  }
  if (t.query.count("limit")) {
    auto v = parse_uint(t.query.at("limit"));
    if (!v || *v == 0 || *v > max_event_page)
      return json_error(req, http::status::bad_request, "bad_request", "\"limit\" must be 1.." + std::to_string(max_event_page));
    limit = *v;
  }
  auto events = ctx.svc->store->read(id, from, limit);
  if (!events.ok()) return log_error(req, events.error());
  json list = json::array();
  for (const auto& e : *events) list.push_back(eventlog::to_json(e));
  json next = nullptr;
  if (!events->empty() && events->back().seq < meta->events) next = events->back().seq + 1;
  return json_response(req, http::status::ok, json{{"events", std::move(list)}, {"next", next}}.dump());
}

/// Resolves ?seq= / ?at= to a seq, or an error response.
std::variant<std::uint64_t, response> resolve_seq(context& ctx, const request& req, const session_id& id,
                                                 const eventlog::session_meta& meta, const target_parts& t) {
  if (t.query.count("seq")) {
    auto v = parse_uint(t.query.at("seq"));
    if (!v || *v < 1 || *v > meta.events)
      return json_error(req, http::status::bad_request, "bad_request", "\"seq\" must be 1.." + std::to_string(meta.events));
    return *v;
  }
  if (t.query.count("at")) {
    auto at = parse_int(t.query.at("at"));
    if (!at) return json_error(req, http::status::bad_request, "bad_request", "\"at\" must be unix milliseconds");
    auto seq = actors::seq_at_time(*ctx.svc->store, id, *at);
    if (!seq.ok()) return log_error(req, seq.error());
    if (!seq->has_value()) return json_error(req, http::status::bad_request, "bad_request", "the session began after \"at\"");
    return **seq;
  }
  return meta.events;
}

response get_state(context& ctx, const request& req, const session_id& id, const target_parts& t) {
  auto meta = ctx.svc->store->meta(id);
  if (!meta.ok()) return log_error(req, meta.error());
  if (auto denied = check_session_access(ctx, req, *meta)) return *denied;
  auto seq = resolve_seq(ctx, req, id, *meta, t);
  if (auto* err = std::get_if<response>(&seq)) return std::move(*err);
  auto state = actors::state_at(*ctx.svc->store, id, std::get<std::uint64_t>(seq));
  if (!state.ok()) return log_error(req, state.error());
  json body = actors::to_json(*state);
  body["title"] = state->title;
  body["ts"] = state->last_ts;
  return json_response(req, http::status::ok, body.dump());
}

response post_fork(context& ctx, const request& req, const session_id& id) {
  auto meta = ctx.svc->store->meta(id);
  if (!meta.ok()) return log_error(req, meta.error());
  if (auto denied = check_session_access(ctx, req, *meta)) return *denied;
  json body = json::parse(req.body().empty() ? "{}" : req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) return json_error(req, http::status::bad_request, "bad_json", "the body must be a JSON object");
  std::uint64_t seq = meta->events;
  if (body.contains("seq")) {
    if (!body["seq"].is_number_unsigned() || body["seq"].get<std::uint64_t>() < 1 || body["seq"].get<std::uint64_t>() > meta->events)
      return json_error(req, http::status::bad_request, "bad_request", "\"seq\" must be 1.." + std::to_string(meta->events));
    seq = body["seq"];
  }
  auto state = actors::state_at(*ctx.svc->store, id, seq);
  if (!state.ok()) return log_error(req, state.error());
  auto created = create_session(ctx, state->language, state->title, actors::utf16_to_utf8(state->doc),
                                {{"forkedFrom", {{"sessionId", id.str()}, {"seq", seq}}}});
  if (!created.ok()) return log_error(req, created.error());
  auto& [fork_meta, key] = *created;
  json out = session_json(fork_meta, key);
  out["forkedFrom"] = {{"sessionId", id.str()}, {"seq", seq}};
  ROOMS_LOG(info, "session " << fork_meta.id.str() << " forked from " << id.str() << " at seq " << seq);
  return json_response(req, http::status::created, out.dump());
}

json admin_row(context& ctx, const eventlog::session_meta& m, const json& live) {
  auto sid = m.id.str();
  bool is_live = live.contains(sid);
  return {{"sessionId", sid},
          {"createdAt", m.created_at},
          {"lastActivityAt", m.last_activity_at},
          {"expiresAt", m.expires_at},
          {"language", m.language},
          {"title", m.title},
          {"events", m.events},
          {"bytes", m.bytes},
          {"live", is_live},
          {"participants", is_live ? live_participants(ctx, m.id) : json::array()}};
}

response list_admin_sessions(context& ctx, const request& req, const target_parts& t) {
  std::string state = t.query.count("state") ? t.query.at("state") : "all";
  if (state != "live" && state != "stored" && state != "all")
    return json_error(req, http::status::bad_request, "bad_request", "\"state\" is live, stored or all");
  std::size_t limit = 100;
  if (t.query.count("limit")) {
    auto v = parse_uint(t.query.at("limit"));
    if (!v || *v == 0 || *v > 1000) return json_error(req, http::status::bad_request, "bad_request", "\"limit\" must be 1..1000");
    limit = *v;
  }
  auto live_text = ask(ctx, actors::list_atom::value);
  json live = live_text ? json::parse(*live_text, nullptr, false) : json::object();
  if (!live.is_object()) live = json::object();
  json rows = json::array();
  std::string cursor = t.query.count("cursor") ? t.query.at("cursor") : "";
  // Filtering by state may skip rows: keep paging the log until the page is full.
  json next = nullptr;
  for (;;) {
    auto page = ctx.svc->store->list({limit, cursor});
    if (!page.ok()) return log_error(req, page.error());
    for (const auto& m : page->sessions) {
      bool is_live = live.contains(m.id.str());
      if ((state == "live" && !is_live) || (state == "stored" && is_live)) continue;
      rows.push_back(admin_row(ctx, m, live));
    }
    cursor = page->next;
    if (cursor.empty()) break;
    if (rows.size() >= limit) {
      next = cursor;
      break;
    }
  }
  return json_response(req, http::status::ok, json{{"sessions", std::move(rows)}, {"next", next}}.dump());
}

response inspect_session(context& ctx, const request& req, const session_id& id) {
  auto meta = ctx.svc->store->meta(id);
  if (!meta.ok()) return log_error(req, meta.error());
  std::map<std::string, std::uint64_t> counts;
  auto scanned = ctx.svc->store->scan(id, 1, [&](const eventlog::event& e) {
    ++counts[std::string(eventlog::to_string(e.type))];
    return true;
  });
  if (!scanned.ok()) return log_error(req, scanned);
  auto state = actors::state_at(*ctx.svc->store, id, meta->events);
  if (!state.ok()) return log_error(req, state.error());
  auto live_text = ask(ctx, actors::list_atom::value);
  json live = live_text ? json::parse(*live_text, nullptr, false) : json::object();
  json body = admin_row(ctx, *meta, live.is_object() ? live : json::object());
  body["eventsByType"] = counts;
  body["keyHash"] = meta->key_hash;  // admin only: lets an export carry the interviewer key's hash
  body["state"] = actors::to_json(*state);
  body["state"]["title"] = state->title;
  return json_response(req, http::status::ok, body.dump());
}

response delete_session(context& ctx, const request& req, const session_id& id) {
  auto answer = ask(ctx, actors::expire_atom::value, id.str(), std::string("admin"));
  if (!answer) return json_error(req, http::status::service_unavailable, "unavailable", "the registry did not answer");
  if (*answer == "not_found") return json_error(req, http::status::not_found, "not_found", "unknown or expired session");
  if (*answer != "ok") return json_error(req, http::status::service_unavailable, "unavailable", *answer);
  ROOMS_LOG(info, "session " << id.str() << " expired by an admin");
  response res{http::status::no_content, req.version()};
  res.keep_alive(req.keep_alive());
  return res;
}

/// POST /api/admin/import: a session in the export format (actors/import.hpp, the one validated
/// import roomctl uses too). Refuses an id that exists; all or nothing.
response admin_import(context& ctx, const request& req) {
  auto imported = actors::import_session(*ctx.svc->store, req.body());
  if (!imported.ok()) {
    const auto& err = imported.error();
    if (err.code() == errc::already_exists) return json_error(req, http::status::conflict, "already_exists", err.message());
    if (err.code() == errc::invalid_argument) return json_error(req, http::status::bad_request, "bad_request", err.message());
    return log_error(req, err);
  }
  ROOMS_LOG(info, "session " << imported->meta.id.str() << " imported (" << imported->events.size() << " events)");
  return json_response(req, http::status::created,
                       json{{"sessionId", imported->meta.id.str()}, {"events", imported->events.size()}}.dump());
}

response admin_stats(context& ctx, const request& req) {
  auto s = ctx.svc->store->stats();
  auto& m = *ctx.svc->stats;
  json body = {{"roomsLive", m.rooms_live.load()},
               {"participantsConnected", m.participants_connected.load()},
               {"eventsAppended", m.events_appended.load()},
               {"storeBatches", s.batches},
               {"storeEvents", s.events},
               {"storeBytes", s.bytes},
               {"liveSstBytes", ctx.svc->store->live_sst_bytes()},
               {"uptimeMs", std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - ctx.started).count()}};
  return json_response(req, http::status::ok, body.dump());
}

response admin_compact(context& ctx, const request& req) {
  auto swept = ctx.svc->store->sweep_expired();
  auto s = ctx.svc->store->compact();
  if (!s.ok()) return log_error(req, s);
  return json_response(req, http::status::ok,
                       json{{"expired", swept.ok() ? *swept : 0}, {"liveSstBytes", ctx.svc->store->live_sst_bytes()}}.dump());
}

// -- the Piston v2 API, served from our own runner (--serve-piston) --

bool is_loopback(const std::string& address) { return address.rfind("127.", 0) == 0 || address == "::1"; }

response piston_runtimes(context& ctx, const request& req) {
  json out = json::array();
  for (const auto& rt : ctx.svc->runs->runtimes())
    out.push_back({{"language", runner::detail::to_piston_language(rt.language)}, {"version", rt.version}, {"aliases", rt.aliases}});
  return json_response(req, http::status::ok, out.dump());
}

json piston_stage(const std::string& out, const std::string& err, int code, const std::string& signal, const char* status) {
  return {{"stdout", out}, {"stderr", err}, {"output", out + err}, {"code", code < 0 ? json() : json(code)},
          {"signal", signal.empty() ? json() : json(signal)}, {"status", status ? json(status) : json()}};
}

response piston_execute(context& ctx, const request& req) {
  auto body = json::parse(req.body(), nullptr, false);
  auto bad = [&](const std::string& why) { return json_response(req, http::status::bad_request, json{{"message", why}}.dump()); };
  if (!body.is_object() || !body.contains("language") || !body["language"].is_string()) return bad("language is required");
  if (!body.contains("files") || !body["files"].is_array() || body["files"].empty() || !body["files"][0].is_object() ||
      !body["files"][0].contains("content") || !body["files"][0]["content"].is_string())
    return bad("files[0].content is required");
  std::string language;
  if (!ctx.svc->runs->supports(runner::detail::from_piston_language(body["language"]), &language))
    return bad(body["language"].get<std::string>() + " runtime is unknown");
  runner::run_request run;
  run.language = language;
  run.code = body["files"][0]["content"];
  run.stdin_data = body.value("stdin", "");
  auto done = std::make_shared<std::promise<runner::run_result>>();
  auto result = done->get_future();
  if (!ctx.svc->runs->submit(std::move(run), [done](runner::run_result r) { done->set_value(std::move(r)); }))
    return json_response(req, http::status::service_unavailable, json{{"message", "the run queue is full"}}.dump());
  auto r = result.get();  // on the blocking pool: waiting here stalls no socket
  if (!r.error.empty()) return json_response(req, http::status::internal_server_error, json{{"message", r.error}}.dump());
  const char* status = r.timed_out ? "TO" : !r.signal.empty() ? "SG" : r.truncated ? "OL" : nullptr;
  json out = {{"language", runner::detail::to_piston_language(language)}, {"version", ""}};
  for (const auto& rt : ctx.svc->runs->runtimes())
    if (rt.language == language) out["version"] = rt.version;
  if (r.compile_failed || !r.compile_output.empty())
    out["compile"] = piston_stage("", r.compile_output, r.compile_failed ? 1 : 0, "", nullptr);
  if (!r.compile_failed) out["run"] = piston_stage(r.stdout_data, r.stderr_data, r.exit_code, r.signal, status);
  else out["run"] = piston_stage("", "", -1, "", nullptr);
  return json_response(req, http::status::ok, out.dump());
}

void counter(std::ostringstream& out, const char* name, const char* help, const char* type, double value) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n' << name << ' ' << value << '\n';
}

response get_metrics(context& ctx, const request& req) {
  if (ctx.options.metrics_need_token)
    if (auto denied = check_admin(ctx, req)) return *denied;
  auto& m = *ctx.svc->stats;
  auto s = ctx.svc->store->stats();
  std::ostringstream out;
  counter(out, "rooms_live", "Live room actors.", "gauge", m.rooms_live.load());
  counter(out, "rooms_participants_connected", "Participants with an open socket.", "gauge", m.participants_connected.load());
  counter(out, "rooms_ws_connections", "Open WebSocket connections.", "gauge", ctx.ws_connections.load());
  counter(out, "rooms_http_connections", "Open HTTP connections.", "gauge", ctx.http_connections.load());
  counter(out, "rooms_http_requests_total", "HTTP requests.", "counter", ctx.http_requests.load());
  counter(out, "rooms_events_appended_total", "Events made durable by rooms.", "counter", m.events_appended.load());
  counter(out, "rooms_append_failures_total", "Appends the log refused.", "counter", m.append_failures.load());
  counter(out, "rooms_messages_in_total", "WebSocket messages received.", "counter", m.messages_in.load());
  counter(out, "rooms_messages_out_total", "WebSocket messages sent.", "counter", m.messages_out.load());
  counter(out, "rooms_code_updates_rejected_total", "code_update_rejected answers.", "counter", m.updates_rejected.load());
  counter(out, "rooms_errors_sent_total", "error messages sent to clients.", "counter", m.errors_sent.load());
  counter(out, "rooms_runs_started_total", "Code runs started.", "counter", m.runs_started.load());
  counter(out, "rooms_runs_finished_total", "Code runs finished.", "counter", m.runs_finished.load());
  counter(out, "rooms_snapshots_written_total", "Room snapshots written.", "counter", m.snapshots_written.load());
  counter(out, "rooms_activations_total", "Rooms activated from the log.", "counter", m.rooms_activated.load());
  counter(out, "rooms_passivations_total", "Idle rooms passivated.", "counter", m.rooms_passivated.load());
  counter(out, "rooms_ws_origin_rejected_total", "WebSockets refused for their Origin.", "counter", ctx.ws_rejected_origin.load());
  counter(out, "rooms_ws_slow_consumers_closed_total", "Sockets closed as slow consumers.", "counter", ctx.ws_closed_slow.load());
  counter(out, "rooms_ws_rate_limited_total", "Messages refused by the rate limit.", "counter", ctx.ws_rate_limited.load());
  counter(out, "rooms_log_batches_total", "Group-commit writes of the log.", "counter", s.batches);
  counter(out, "rooms_log_bytes_total", "Encoded event bytes written.", "counter", s.bytes);
  counter(out, "rooms_log_healthy", "1 when the event log accepts writes.", "gauge", ctx.svc->store->healthy() ? 1 : 0);
  out << "# HELP rooms_append_latency_seconds Time from submitting an append to it being durable.\n"
         "# TYPE rooms_append_latency_seconds histogram\n";
  std::uint64_t cumulative = 0;
  const auto& h = m.append_latency;
  for (std::size_t i = 0; i < h.bounds_us.size(); ++i) {
    cumulative += h.buckets[i].load();
    out << "rooms_append_latency_seconds_bucket{le=\"" << h.bounds_us[i] / 1e6 << "\"} " << cumulative << '\n';
  }
  cumulative += h.buckets[h.bounds_us.size()].load();
  out << "rooms_append_latency_seconds_bucket{le=\"+Inf\"} " << cumulative << '\n'
      << "rooms_append_latency_seconds_sum " << h.sum_us.load() / 1e6 << '\n'
      << "rooms_append_latency_seconds_count " << h.count.load() << '\n';
  response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.keep_alive(req.keep_alive());
  res.body() = out.str();
  return res;
}

}  // namespace

void add_security_headers(response& res) {
  res.set(http::field::server, "roomd/" ROOMS_VERSION);
  res.set("Content-Security-Policy",
          "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; "
          "frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
  res.set("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
}

response json_response(const request& req, http::status status, const std::string& body) {
  response res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = body;
  return res;
}

response json_error(const request& req, http::status status, const std::string& code, const std::string& message) {
  return json_response(req, status, json{{"error", code}, {"message", message}}.dump());
}

bool is_api_request(const request& req) {
  auto target = req.target();
  return target.rfind("/api/", 0) == 0 || target == "/health" || target.rfind("/health?", 0) == 0 ||
         target == "/metrics" || target.rfind("/metrics?", 0) == 0;
}

response handle_api(context& ctx, const request& req, const std::string& client) {
  try {
    auto t = split_target(req.target());
    auto parts = segments(t.path);
    auto method = req.method();
    auto not_allowed = [&] { return json_error(req, http::status::method_not_allowed, "method_not_allowed", "method not allowed here"); };
    if (t.path == "/health") return method == http::verb::get ? get_health(ctx, req) : not_allowed();
    if (t.path == "/metrics") return method == http::verb::get ? get_metrics(ctx, req) : not_allowed();
    if (parts.size() < 2 || parts[0] != "api") return json_error(req, http::status::not_found, "not_found", "no such endpoint");
    if (auto elsewhere = route_in_cluster(ctx, req, client)) return std::move(*elsewhere);
    if (parts[1] == "v2" && parts.size() == 3 && ctx.options.serve_piston && ctx.svc->runs &&
        (ctx.options.serve_piston_public || is_loopback(client))) {
      if (parts[2] == "runtimes") return method == http::verb::get ? piston_runtimes(ctx, req) : not_allowed();
      if (parts[2] == "execute") return method == http::verb::post ? piston_execute(ctx, req) : not_allowed();
    }
    if (parts[1] == "runtimes" && parts.size() == 2) {
      return method == http::verb::get ? json_response(req, http::status::ok, runtimes_json(ctx).dump()) : not_allowed();
    }
    if (parts[1] == "sessions") {
      if (parts.size() == 2) return method == http::verb::post ? post_session(ctx, req, client) : not_allowed();
      auto id = session_id::parse(parts[2]);
      if (!id) return json_error(req, http::status::not_found, "not_found", "unknown or expired session");
      if (parts.size() == 3) return method == http::verb::get ? get_session(ctx, req, *id) : not_allowed();
      if (parts.size() == 4 && parts[3] == "events") return method == http::verb::get ? get_events(ctx, req, *id, t) : not_allowed();
      if (parts.size() == 4 && parts[3] == "state") return method == http::verb::get ? get_state(ctx, req, *id, t) : not_allowed();
      if (parts.size() == 4 && parts[3] == "fork") return method == http::verb::post ? post_fork(ctx, req, *id) : not_allowed();
    }
    if (parts[1] == "admin") {
      if (auto denied = check_admin(ctx, req)) return *denied;
      if (parts.size() == 3 && parts[2] == "stats") return method == http::verb::get ? admin_stats(ctx, req) : not_allowed();
      if (parts.size() == 3 && parts[2] == "import") return method == http::verb::post ? admin_import(ctx, req) : not_allowed();
      if (parts.size() == 3 && parts[2] == "compact") return method == http::verb::post ? admin_compact(ctx, req) : not_allowed();
      if (parts.size() >= 3 && parts[2] == "sessions") {
        if (parts.size() == 3) return method == http::verb::get ? list_admin_sessions(ctx, req, t) : not_allowed();
        auto id = session_id::parse(parts[3]);
        if (!id) return json_error(req, http::status::not_found, "not_found", "unknown or expired session");
        if (parts.size() == 4) {
          if (method == http::verb::get) return inspect_session(ctx, req, *id);
          if (method == http::verb::delete_) return delete_session(ctx, req, *id);
          return not_allowed();
        }
      }
    }
    return json_error(req, http::status::not_found, "not_found", "no such endpoint");
  } catch (const std::exception& e) {
    // A bug must cost one request, never the server.
    ROOMS_LOG(error, "request " << req.method_string() << " " << req.target() << " failed: " << e.what());
    return json_error(req, http::status::internal_server_error, "internal", "internal error");
  }
}

bool has_admin_token(const context& ctx, const request& req) { return is_admin(ctx, req); }

}  // namespace rooms::gateway::detail
