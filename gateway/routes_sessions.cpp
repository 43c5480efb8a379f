/// The session routes of the REST API (PROTOCOL.md "HTTP"): /health, /api/runtimes and
/// /api/sessions/... . Answers come from the query service; this file checks input and access.

#include "actors/domain/validate.hpp"
#include "base/log.hpp"
#include "gateway/detail/http_util.hpp"

namespace rooms::gateway::detail {

using eventlog::session_id;

response get_health(context& ctx, const request& req) {
  auto uptime = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - ctx.started)
                    .count();
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

response get_runtimes(context& ctx, const request& req) {
  json out = json::array();
  if (ctx.svc->runs)
    for (const auto& rt : ctx.svc->runs->runtimes())
      out.push_back({{"language", rt.language},
                     {"version", rt.version},
                     {"aliases", rt.aliases},
                     {"repl", rt.repl}});
  return json_response(req, http::status::ok, out.dump());
}

response post_session(context& ctx, const request& req, const std::string& client) {
  if (!has_admin_token(ctx, req) && !from_cluster_peer(ctx, req) &&
      !ctx.create_limiter.take(client))
    return json_error(req, http::status::too_many_requests, domain::error_code::rate_limited,
                      "too many sessions created from this address; retry in a minute");
  json body = json::object();
  if (!req.body().empty()) {
    body = json::parse(req.body(), nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return json_error(req, http::status::bad_request, domain::error_code::bad_json,
                        "the body must be a JSON object");
  }
  query::new_session spec;
  spec.id = new_session_id(ctx);
  // Who created it, when signed in: an account id in session_created's free-form payload.
  if (auto who = signed_in(ctx, req)) spec.extra["createdBy"] = who->account.id;
  if (body.contains("language")) {
    if (!body["language"].is_string() || !actors::is_known_language(*ctx.svc, body["language"]))
      return json_error(req, http::status::bad_request, domain::error_code::unsupported_language,
                        "unknown language; see GET /api/runtimes");
    spec.language = body["language"];
  }
  if (body.contains("title")) {
    if (!body["title"].is_string())
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "\"title\" must be a string");
    spec.title = body["title"];
    if (spec.title.size() > domain::default_max_title_bytes)
      return json_error(req, http::status::bad_request, domain::error_code::too_large,
                        "the title is too long");
    if (domain::has_control_chars(spec.title))
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "the title has control characters");
  }
  if (body.contains("lobby")) {
    if (!body["lobby"].is_boolean())
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "\"lobby\" must be a boolean");
    spec.lobby = body["lobby"].get<bool>();
  }
  if (body.contains("questionId"))
    if (auto refused =
            start_from_question(ctx, req, body["questionId"], body.contains("language"), spec))
      return std::move(*refused);
  auto created = ctx.query.create(spec);
  if (!created.ok()) return log_error(req, created.error());
  ROOMS_LOG(info, "session " << created->meta.id.str() << " created (" << spec.language << ")");
  return json_response(req, http::status::created, query::service::created_json(*created).dump());
}

response get_session(context& ctx, const request& req, const session_id& id) {
  auto meta = ctx.query.meta(id);
  if (!meta.ok()) return log_error(req, meta.error());
  auto body = ctx.query.session_info(*meta, live_rooms(ctx, false));
  if (!body.ok()) return log_error(req, body.error());
  return json_response(req, http::status::ok, body->dump());
}

response get_events(context& ctx, const request& req, const session_id& id, const target_parts& t) {
  auto meta = ctx.query.meta(id);
  if (!meta.ok()) return log_error(req, meta.error());
  if (auto denied = check_session_read(ctx, req, *meta)) return *denied;
  std::uint64_t from = 1;
  std::size_t limit = query::default_event_page;
  if (t.query.count("from")) {
    auto v = parse_uint(t.query.at("from"));
    if (!v || *v == 0)
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "\"from\" must be a positive integer");
    from = *v;
  }
  if (t.query.count("limit")) {
    auto v = parse_uint(t.query.at("limit"));
    if (!v || *v == 0 || *v > query::max_event_page)
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "\"limit\" must be 1.." + std::to_string(query::max_event_page));
    limit = *v;
  }
  auto page = ctx.query.events(*meta, from, limit);
  if (!page.ok()) return log_error(req, page.error());
  return json_response(req, http::status::ok, page->dump());
}

response get_scorecards(context& ctx, const request& req, const session_id& id) {
  auto meta = ctx.query.meta(id);
  if (!meta.ok()) return log_error(req, meta.error());
  if (auto denied = check_session_read(ctx, req, *meta)) return *denied;
  auto body = ctx.query.scorecards(*meta);
  if (!body.ok()) return log_error(req, body.error());
  return json_response(req, http::status::ok, body->dump());
}

response get_state(context& ctx, const request& req, const session_id& id, const target_parts& t) {
  auto meta = ctx.query.meta(id);
  if (!meta.ok()) return log_error(req, meta.error());
  if (auto denied = check_session_read(ctx, req, *meta)) return *denied;
  std::optional<std::uint64_t> seq;
  std::optional<std::int64_t> at;
  if (t.query.count("seq")) {
    seq = parse_uint(t.query.at("seq"));
    if (!seq)
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "\"seq\" must be 1.." + std::to_string(meta->events));
  } else if (t.query.count("at")) {
    at = parse_int(t.query.at("at"));
    if (!at)
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "\"at\" must be unix milliseconds");
  }
  auto target = ctx.query.resolve_seq(*meta, seq, at);
  if (!target.ok()) return log_error(req, target.error());
  auto body = ctx.query.state(id, *target);
  if (!body.ok()) return log_error(req, body.error());
  return json_response(req, http::status::ok, body->dump());
}

response post_fork(context& ctx, const request& req, const session_id& id) {
  auto meta = ctx.query.meta(id);
  if (!meta.ok()) return log_error(req, meta.error());
  if (auto denied = check_session_access(ctx, req, *meta)) return *denied;
  json body = json::parse(req.body().empty() ? "{}" : req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return json_error(req, http::status::bad_request, domain::error_code::bad_json,
                      "the body must be a JSON object");
  std::uint64_t seq = meta->events;
  if (body.contains("seq")) {
    if (!body["seq"].is_number_unsigned())
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "\"seq\" must be 1.." + std::to_string(meta->events));
    seq = body["seq"];
  }
  auto created = ctx.query.fork(*meta, seq, new_session_id(ctx));
  if (!created.ok()) return log_error(req, created.error());
  ROOMS_LOG(info, "session " << created->meta.id.str() << " forked from " << id.str() << " at seq "
                             << seq);
  return json_response(req, http::status::created, query::service::created_json(*created).dump());
}

}  // namespace rooms::gateway::detail
