/// GET /api/ice-servers: the STUN and TURN servers a call's peer connections use
/// (RTCConfiguration.iceServers), with short-lived TURN credentials in the TURN REST scheme
/// that coturn checks with `use-auth-secret`: username "<expiry unix seconds>:<random>",
/// credential base64(HMAC-SHA1(secret, username)). The secret never leaves roomd, and a
/// credential stops working at its expiry.

#include <chrono>

#include "base/secrets.hpp"
#include "gateway/detail/http_util.hpp"

namespace rooms::gateway::detail {

namespace {

bool needs_credentials(const std::string& url) {
  return url.rfind("turn:", 0) == 0 || url.rfind("turns:", 0) == 0;
}

}  // namespace

response get_ice_servers(context& ctx, const request& req, const target_parts& t) {
  const auto& o = ctx.options;
  json servers = json::array();
  json plain = json::array();
  json turn = json::array();
  for (const auto& url : o.turn_urls)
    (needs_credentials(url) && !o.turn_secret.empty() ? turn : plain).push_back(url);
  if (!plain.empty()) servers.push_back({{"urls", plain}});
  json out = json::object();
  if (!turn.empty()) {
    // Credentials for our relay go only to someone who may join a room: knowing a session's
    // id is that right (PROTOCOL.md), so the caller names one that exists.
    auto sid = t.query.find("sessionId");
    if (sid == t.query.end())
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "TURN credentials need ?sessionId=<the room's session>");
    auto id = eventlog::session_id::parse(sid->second);
    if (!id)
      return json_error(req, http::status::not_found, domain::error_code::not_found,
                        "unknown or expired session");
    auto meta = ctx.query.meta(*id);
    if (!meta.ok()) return log_error(req, meta.error());
    const auto expiry = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch() + o.turn_ttl)
                            .count();
    const std::string username = std::to_string(expiry) + ":" + base::random_hex(8);
    servers.push_back({{"urls", turn},
                       {"username", username},
                       {"credential", base::base64(base::hmac_sha1(o.turn_secret, username))}});
    out["expiresAt"] = expiry * 1000;
  }
  out["iceServers"] = std::move(servers);
  auto res = json_response(req, http::status::ok, out.dump());
  res.set(http::field::cache_control, "no-store");  // credentials: never from a cache
  return res;
}

}  // namespace rooms::gateway::detail
