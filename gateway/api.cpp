/// The REST API's one dispatcher (PROTOCOL.md "HTTP"): which route answers a request. Runs on
/// the gateway's blocking pool. The routes are in routes_sessions.cpp, routes_admin.cpp,
/// routes_piston.cpp, routes_calls.cpp, routes_interviews.cpp and metrics.cpp; their answers come
/// from the query service.

#include "base/log.hpp"
#include "gateway/detail/http_util.hpp"

namespace rooms::gateway::detail {

using eventlog::session_id;

bool is_api_request(const request& req) {
  auto target = req.target();
  return target.rfind("/api/", 0) == 0 || target == "/health" || target.rfind("/health?", 0) == 0 ||
         target == "/metrics" || target.rfind("/metrics?", 0) == 0;
}

namespace {

response not_found(const request& req) {
  return json_error(req, http::status::not_found, domain::error_code::not_found,
                    "no such endpoint");
}
response unknown_session(const request& req) {
  return json_error(req, http::status::not_found, domain::error_code::not_found,
                    "unknown or expired session");
}

/// Only `verb` may ask for this path.
template <class Handler>
response only(const request& req, http::verb verb, Handler&& handler) {
  return req.method() == verb ? handler() : method_not_allowed(req);
}

response admin_routes(context& ctx, const request& req, const std::vector<std::string>& parts,
                      const target_parts& t) {
  if (auto denied = check_admin(ctx, req)) return *denied;
  if (parts.size() >= 3 && parts[2] == "users") return admin_user_routes(ctx, req, parts);
  if (parts.size() == 3 && parts[2] == "stats")
    return only(req, http::verb::get, [&] { return admin_stats(ctx, req); });
  if (parts.size() == 3 && parts[2] == "import")
    return only(req, http::verb::post, [&] { return admin_import(ctx, req); });
  if (parts.size() == 3 && parts[2] == "compact")
    return only(req, http::verb::post, [&] { return admin_compact(ctx, req); });
  if (parts.size() == 3 && parts[2] == "backup")
    return only(req, http::verb::post, [&] { return admin_backup(ctx, req); });
  if (parts.size() >= 3 && parts[2] == "sessions") {
    if (parts.size() == 3)
      return only(req, http::verb::get, [&] { return admin_list_sessions(ctx, req, t); });
    auto id = session_id::parse(parts[3]);
    if (!id) return unknown_session(req);
    if (parts.size() == 4) {
      if (req.method() == http::verb::get) return admin_inspect_session(ctx, req, *id);
      if (req.method() == http::verb::delete_) return admin_delete_session(ctx, req, *id);
      return method_not_allowed(req);
    }
  }
  return not_found(req);
}

response session_routes(context& ctx, const request& req, const std::vector<std::string>& parts,
                        const target_parts& t, const std::string& client) {
  if (parts.size() == 2)
    return only(req, http::verb::post, [&] { return post_session(ctx, req, client); });
  auto id = session_id::parse(parts[2]);
  if (!id) return unknown_session(req);
  if (parts.size() == 3)
    return only(req, http::verb::get, [&] { return get_session(ctx, req, *id); });
  if (parts.size() == 4 && parts[3] == "events")
    return only(req, http::verb::get, [&] { return get_events(ctx, req, *id, t); });
  if (parts.size() == 4 && parts[3] == "state")
    return only(req, http::verb::get, [&] { return get_state(ctx, req, *id, t); });
  if (parts.size() == 4 && parts[3] == "fork")
    return only(req, http::verb::post, [&] { return post_fork(ctx, req, *id); });
  if (parts.size() == 4 && parts[3] == "scorecards")
    return only(req, http::verb::get, [&] { return get_scorecards(ctx, req, *id); });
  return not_found(req);
}

response route(context& ctx, const request& req, const std::string& client) {
  auto t = split_target(req.target());
  auto parts = segments(t.path);
  if (t.path == "/health") return only(req, http::verb::get, [&] { return get_health(ctx, req); });
  if (t.path == "/metrics")
    return only(req, http::verb::get, [&] { return get_metrics(ctx, req); });
  if (parts.size() < 2 || parts[0] != "api") return not_found(req);
  // Accounts are per node: the cookie and --require-sign-in are checked here, before a
  // request is forwarded to another node with the cluster's admin token.
  if (auto refused = check_csrf(ctx, req, t.path)) return std::move(*refused);
  if (auto refused = check_sign_in_required(ctx, req, parts)) return std::move(*refused);
  if (parts[1] == "auth") return auth_routes(ctx, req, parts, client);
  if (auto elsewhere = route_in_cluster(ctx, req, client)) return std::move(*elsewhere);
  if (parts[1] == "v2" && parts.size() == 3 && serves_piston(ctx, client)) {
    if (parts[2] == "runtimes")
      return only(req, http::verb::get, [&] { return piston_runtimes(ctx, req); });
    if (parts[2] == "execute")
      return only(req, http::verb::post, [&] { return piston_execute(ctx, req); });
  }
  if (parts[1] == "runtimes" && parts.size() == 2)
    return only(req, http::verb::get, [&] { return get_runtimes(ctx, req); });
  if (parts[1] == "sessions") return session_routes(ctx, req, parts, t, client);
  if (parts[1] == "admin") return admin_routes(ctx, req, parts, t);
  if (parts[1] == "questions") return question_routes(ctx, req, parts, t);
  if (parts[1] == "interviews" && parts.size() == 2)
    return only(req, http::verb::get, [&] { return get_interviews(ctx, req, t); });
  if (parts[1] == "ice-servers" && parts.size() == 2)
    return only(req, http::verb::get, [&] { return get_ice_servers(ctx, req, t); });
  return not_found(req);
}

}  // namespace

response handle_api(context& ctx, const request& req, const std::string& client) {
  try {
    return route(ctx, req, client);
  } catch (const std::exception& e) {
    // A bug must cost one request, never the server.
    ROOMS_LOG(error,
              "request " << req.method_string() << " " << req.target() << " failed: " << e.what());
    return json_error(req, http::status::internal_server_error, domain::error_code::internal,
                      "internal error");
  }
}

}  // namespace rooms::gateway::detail
