/// REST in a cluster: which node answers a request (see cluster/cluster.hpp).
///
/// A request about one session goes to the session's owner, forwarded over HTTP as it came
/// (headers that carry authority are kept, so keys and the admin token are checked by the node
/// that holds the secret's hash). Session creation picks a node at random, so sessions spread
/// evenly whichever node clients use; that node draws ids until it owns one. The admin listing
/// merges every node's. A node that does not answer makes its sessions 503 `unavailable`.

#include <random>

#include "base/hex.hpp"
#include "base/log.hpp"
#include "base/secrets.hpp"
#include "gateway/detail/context.hpp"

namespace rooms::gateway::detail {
namespace {

using json = nlohmann::json;

std::vector<std::string> path_segments(std::string_view target) {
  auto q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    auto j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool has_query_param(std::string_view target, std::string_view param) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return false;
  std::string_view query = target.substr(q + 1);
  std::size_t i = 0;
  while (i <= query.size()) {
    auto j = query.find('&', i);
    if (j == std::string_view::npos) j = query.size();
    if (query.substr(i, j - i) == param) return true;
    i = j + 1;
  }
  return false;
}

/// The session a request is about (/api/sessions/<id>..., /api/admin/sessions/<id>...).
std::optional<std::string> session_of(const std::vector<std::string>& parts) {
  if (parts.size() >= 3 && parts[0] == "api" && parts[1] == "sessions") return parts[2];
  if (parts.size() >= 4 && parts[0] == "api" && parts[1] == "admin" && parts[2] == "sessions")
    return parts[3];
  return std::nullopt;
}

/// Headers worth carrying to another node.
std::vector<std::pair<std::string, std::string>> forwarded_headers(const context& ctx,
                                                                   const request& req,
                                                                   const std::string& client) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto field : {http::field::authorization, http::field::content_type, http::field::accept,
                     http::field::if_none_match}) {
    auto it = req.find(field);
    if (it != req.end()) out.emplace_back(std::string(it->name_string()), std::string(it->value()));
  }
  // The mark that stops a second hop also proves the sender is a node (it knows the token).
  out.emplace_back(cluster::forwarded_header, ctx.options.admin_token);
  out.emplace_back("X-Rooms-Client", client);
  return out;
}

response forward(context& ctx, const request& req, const cluster::node& to,
                 const std::string& client) {
  auto r = cluster::forward_http(to, std::string(req.method_string()), std::string(req.target()),
                                 forwarded_headers(ctx, req, client), req.body(),
                                 ctx.cluster.forward_timeout);
  if (r.status == 0) {
    std::string path(req.target().substr(0, req.target().find('?')));
    ROOMS_LOG(warn, "cluster: node " << to.id << " did not answer " << req.method_string() << " "
                                     << path << ": " << r.error);
    return json_error(req, http::status::service_unavailable, domain::error_code::unavailable,
                      "the node holding this session (" + to.id + ") is unavailable; retry later");
  }
  response res{static_cast<http::status>(r.status), req.version()};
  res.set(http::field::content_type, r.content_type.empty() ? "application/json" : r.content_type);
  res.set("X-Rooms-Node", to.id);
  add_security_headers(res);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(r.body);
  res.prepare_payload();
  return res;
}

/// Every node's page of the admin listing, merged newest first. Each node pages on its own:
/// `next` carries every node's cursor, so a page holds up to `limit` rows per node.
response merged_listing(context& ctx, const request& req, const std::string& client) {
  std::string target(req.target());
  auto q = target.find('?');
  std::string path = target.substr(0, q);
  std::string query = q == std::string::npos ? "" : target.substr(q + 1);
  // The composite cursor: {"<node>": "<its cursor>", ...}, hex-encoded JSON.
  json cursors = json::object();
  bool continuing = false;
  std::string rest;
  for (std::size_t i = 0; i <= query.size();) {
    auto j = query.find('&', i);
    if (j == std::string::npos) j = query.size();
    std::string kv = query.substr(i, j - i);
    if (kv.rfind("cursor=", 0) == 0) {
      auto parsed = json::parse(base::from_hex(kv.substr(7)).value_or(""), nullptr, false);
      if (!parsed.is_object())
        return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                          "bad \"cursor\"");
      cursors = parsed;
      continuing = true;
    } else if (!kv.empty()) {
      rest += (rest.empty() ? "" : "&") + kv;
    }
    i = j + 1;
  }
  json rows = json::array(), nodes = json::array(), next = json::object();
  auto members = ctx.cluster.nodes->current();
  for (const auto& n : *members) {
    if (continuing && !cursors.contains(n.id)) continue;  // that node has no more
    std::string local = path + "?scope=local" + (rest.empty() ? "" : "&" + rest);
    if (continuing) local += "&cursor=" + cursors[n.id].get<std::string>();
    response res;
    if (n.id == ctx.cluster.self_id) {
      request here = req;
      here.target(local);
      res = handle_api(ctx, here, client);
    } else {
      request there = req;
      there.target(local);
      res = forward(ctx, there, n, client);
    }
    json body = json::parse(res.body(), nullptr, false);
    bool ok = res.result() == http::status::ok && body.is_object() && body["sessions"].is_array();
    json status = {{"id", n.id}, {"ok", ok}};
    if (!ok) {
      status["status"] = res.result_int();
      if (res.result() != http::status::service_unavailable)
        return res;  // a bad query is bad on every node
    } else {
      for (auto& row : body["sessions"]) {
        row["node"] = n.id;
        rows.push_back(std::move(row));
      }
      if (body["next"].is_string()) next[n.id] = body["next"];
    }
    nodes.push_back(std::move(status));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const json& a, const json& b) {
    return a.value("lastActivityAt", std::int64_t{0}) > b.value("lastActivityAt", std::int64_t{0});
  });
  json out = {{"sessions", std::move(rows)},
              {"nodes", std::move(nodes)},
              {"next", next.empty() ? json() : json(base::to_hex(next.dump()))}};
  return json_response(req, http::status::ok, out.dump());
}

}  // namespace

bool from_cluster_peer(const context& ctx, const request& req) {
  if (!ctx.cluster.nodes || ctx.options.admin_token.empty()) return false;
  auto it = req.find(cluster::forwarded_header);
  return it != req.end() && base::same_secret(it->value(), ctx.options.admin_token);
}

eventlog::session_id new_session_id(const context& ctx) {
  for (;;) {
    auto id = eventlog::session_id::random();
    if (!ctx.cluster.nodes ||
        cluster::owner_of(*ctx.cluster.nodes->current(), id.str()).id == ctx.cluster.self_id)
      return id;
  }
}

std::optional<response> route_in_cluster(context& ctx, const request& req,
                                         const std::string& client) {
  if (!ctx.cluster.nodes) return std::nullopt;
  auto members = ctx.cluster.nodes->current();
  auto parts = path_segments(req.target());
  bool peer = from_cluster_peer(ctx, req);
  if (auto sid = session_of(parts)) {
    const cluster::node& owner = cluster::owner_of(*members, *sid);
    if (owner.id == ctx.cluster.self_id) {
      // High availability: another node may have written it last; read what this node's copy
      // misses first (a no-op when it is up to date, one request to NATS).
      if (auto id = eventlog::session_id::parse(*sid); id && ctx.svc->replica) {
        if (auto s = ctx.svc->replica->catch_up(*id);
            !s.ok() && s.code() != eventlog::errc::not_found) {
          // This node's copy may be behind (or missing): no answer rather than a wrong one.
          ROOMS_LOG(warn, "ha: catching up session " << *sid << ": " << s.to_string());
          return json_error(req, http::status::service_unavailable, domain::error_code::unavailable,
                            "the replicated log did not answer; retry");
        }
      }
      return std::nullopt;
    }
    if (peer) {
      return json_error(
          req, http::status::bad_gateway, domain::error_code::cluster_mismatch,
          "forwarded here, but this node's cluster file gives the session to " + owner.id);
    }
    return forward(ctx, req, owner, client);
  }
  if (peer) return std::nullopt;
  if (parts.size() == 2 && parts[0] == "api" && parts[1] == "sessions" &&
      req.method() == http::verb::post) {
    // The creation limit counts here, where the client is; the chosen node trusts its peer.
    thread_local std::mt19937_64 rng{std::random_device{}()};
    const auto& nodes = *members;
    std::size_t first = rng() % nodes.size();
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      const auto& n = nodes[(first + k) % nodes.size()];
      if (n.id == ctx.cluster.self_id) return std::nullopt;
      if (k == 0 && !has_admin_token(ctx, req) && !ctx.create_limiter.take(client))
        return json_error(req, http::status::too_many_requests, domain::error_code::rate_limited,
                          "too many sessions created from this address; retry in a minute");
      auto res = forward(ctx, req, n, client);
      if (res.result() != http::status::service_unavailable) return res;
      // That node is down: the next one (eventually this one) creates it.
    }
    return std::nullopt;
  }
  if (parts.size() == 3 && parts[0] == "api" && parts[1] == "admin" && parts[2] == "sessions" &&
      req.method() == http::verb::get && !has_query_param(req.target(), "scope=local")) {
    if (!has_admin_token(ctx, req)) return std::nullopt;  // the local handler answers 401/403
    return merged_listing(ctx, req, client);
  }
  return std::nullopt;
}

}  // namespace rooms::gateway::detail
