/// The admin routes (/api/admin/..., PROTOCOL.md "Admin API"). The dispatcher has checked the
/// admin token before any of these runs.

#include "actors/errors.hpp"
#include "base/log.hpp"
#include "eventlog/backup.hpp"
#include "gateway/detail/http_util.hpp"

namespace rooms::gateway::detail {

using eventlog::session_id;

response admin_list_sessions(context& ctx, const request& req, const target_parts& t) {
  std::string state = t.query.count("state") ? t.query.at("state") : "all";
  query::list_filter filter = query::list_filter::all;
  if (state == "live")
    filter = query::list_filter::live;
  else if (state == "stored")
    filter = query::list_filter::stored;
  else if (state != "all")
    return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                      "\"state\" is live, stored or all");
  std::size_t limit = 100;
  if (t.query.count("limit")) {
    auto v = parse_uint(t.query.at("limit"));
    if (!v || *v == 0 || *v > query::max_list_page)
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "\"limit\" must be 1.." + std::to_string(query::max_list_page));
    limit = *v;
  }
  std::string cursor = t.query.count("cursor") ? t.query.at("cursor") : "";
  auto page = ctx.query.list(filter, limit, cursor, live_rooms(ctx, true));
  if (!page.ok()) return log_error(req, page.error());
  return json_response(req, http::status::ok, page->dump());
}

response admin_inspect_session(context& ctx, const request& req, const session_id& id) {
  auto meta = ctx.query.meta(id);
  if (!meta.ok()) return log_error(req, meta.error());
  auto body = ctx.query.inspect(*meta, live_rooms(ctx, true));
  if (!body.ok()) return log_error(req, body.error());
  return json_response(req, http::status::ok, body->dump());
}

response admin_delete_session(context& ctx, const request& req, const session_id& id) {
  // Through the registry: a live room closes its sockets with 4410 before the log forgets it.
  if (auto err = ask_done(ctx, actors::expire_atom::value, id.str(), std::string("admin"))) {
    if (actors::code_of(err) == domain::error_code::not_found)
      return json_error(req, http::status::not_found, domain::error_code::not_found,
                        "unknown or expired session");
    auto why = actors::message_of(err);
    return json_error(req, http::status::service_unavailable, domain::error_code::unavailable,
                      why.empty() ? "the registry did not answer" : why);
  }
  ROOMS_LOG(info, "session " << id.str() << " expired by an admin");
  response res{http::status::no_content, req.version()};
  res.keep_alive(req.keep_alive());
  return res;
}

/// POST /api/admin/import: a session in the export format (actors/import.hpp, the one validated
/// import roomctl uses too). Refuses an id that exists (409); all or nothing.
response admin_import(context& ctx, const request& req) {
  auto imported = ctx.query.import(req.body());
  if (!imported.ok()) return log_error(req, imported.error());
  ROOMS_LOG(info, "session " << (*imported)["sessionId"].get<std::string>() << " imported ("
                             << (*imported)["events"] << " events)");
  return json_response(req, http::status::created, imported->dump());
}

response admin_stats(context& ctx, const request& req) {
  auto& m = *ctx.svc->stats;
  json body = ctx.query.store_stats();
  body["roomsLive"] = m.rooms_live.load();
  body["participantsConnected"] = m.participants_connected.load();
  body["eventsAppended"] = m.events_appended.load();
  body["uptimeMs"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - ctx.started)
                         .count();
  return json_response(req, http::status::ok, body.dump());
}

response admin_compact(context& ctx, const request& req) {
  auto answer = ctx.query.compact();
  if (!answer.ok()) return log_error(req, answer.error());
  return json_response(req, http::status::ok, answer->dump());
}

/// POST /api/admin/backup {"dir"}: a consistent copy of this node's whole database (sessions
/// and the question library) written by roomd itself into `dir` on this host, which must be an
/// absolute path that does not exist yet. A checkpoint hard-links the SST files, so it costs
/// little time or space; copying it off the host is the operator's next step
/// (docs/operations.md). Runs on the blocking pool: the flush waits there, not on an actor.
response admin_backup(context& ctx, const request& req) {
  auto body = json::parse(req.body(), nullptr, false);
  if (!body.is_object() || !body.contains("dir") || !body["dir"].is_string())
    return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                      "the body must be {\"dir\": \"/absolute/path\"}");
  auto dir = body["dir"].get<std::string>();
  if (dir.empty() || dir.front() != '/' || dir.find('\0') != std::string::npos)
    return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                      "\"dir\" must be an absolute path on the server's host");
  auto made = eventlog::create_backup(*ctx.svc->store, dir);
  if (!made.ok()) {
    const auto& err = made.error();
    ROOMS_LOG(warn, "backup to " << dir << " failed: " << err.to_string());
    if (err.code() == eventlog::errc::already_exists)
      return json_error(req, http::status::conflict, domain::error_code::already_exists,
                        err.message());
    if (err.code() == eventlog::errc::invalid_argument)
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        err.message());
    return json_error(req, http::status::internal_server_error, domain::error_code::internal,
                      "backup failed: " + err.to_string());
  }
  ctx.backups.fetch_add(1);
  ctx.last_backup_unix_ms.store(made->created_at);
  ROOMS_LOG(info, "backup written to " << made->dir << " (" << made->files << " files, "
                                       << made->bytes << " bytes, " << made->duration_ms << " ms)");
  json answer = {{"dir", made->dir},
                 {"format", made->format},
                 {"createdAt", made->created_at},
                 {"durationMs", made->duration_ms},
                 {"files", made->files},
                 {"bytes", made->bytes}};
  return json_response(req, http::status::created, answer.dump());
}

}  // namespace rooms::gateway::detail
