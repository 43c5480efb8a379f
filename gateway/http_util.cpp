/// The REST routes' shared helpers (detail/http_util.hpp) and the response builders.

#include "gateway/detail/http_util.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <sstream>

#include "base/secrets.hpp"

namespace rooms::gateway::detail {

using eventlog::errc;

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
    if (eq != std::string_view::npos)
      out.query[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
    else
      out.query[std::string(pair)] = "";
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

namespace {

template <class T>
std::optional<T> parse_number(const std::string& text) {
  T v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<std::uint64_t> parse_uint(const std::string& text) {
  return parse_number<std::uint64_t>(text);
}
std::optional<std::int64_t> parse_int(const std::string& text) {
  return parse_number<std::int64_t>(text);
}

std::string bearer(const request& req) {
  auto auth = std::string(req[http::field::authorization]);
  static const std::string prefix = "Bearer ";
  if (auth.size() > prefix.size() && auth.compare(0, prefix.size(), prefix) == 0)
    return auth.substr(prefix.size());
  return {};
}

bool has_admin_token(const context& ctx, const request& req) {
  auto token = bearer(req);
  return !token.empty() && !ctx.options.admin_token.empty() &&
         base::same_secret(token, ctx.options.admin_token);
}

std::optional<response> check_admin(const context& ctx, const request& req) {
  if (bearer(req).empty())
    return json_error(req, http::status::unauthorized, domain::error_code::unauthorized,
                      "send the admin token as a Bearer token");
  if (!has_admin_token(ctx, req))
    return json_error(req, http::status::forbidden, domain::error_code::forbidden,
                      "wrong admin token");
  return std::nullopt;
}

std::optional<response> check_session_access(const context& ctx, const request& req,
                                             const eventlog::session_meta& meta) {
  if (has_admin_token(ctx, req)) return std::nullopt;
  auto token = bearer(req);
  if (token.empty())
    return json_error(req, http::status::unauthorized, domain::error_code::unauthorized,
                      "send the interviewer key as a Bearer token");
  // The stored hash against the token's: equal lengths, compared in constant time.
  if (!base::constant_time_equal(base::sha256_hex(token), meta.key_hash))
    return json_error(req, http::status::forbidden, domain::error_code::forbidden,
                      "wrong interviewer key");
  return std::nullopt;
}

response log_error(const request& req, const eventlog::status& s) {
  switch (s.code()) {
    case errc::not_found:
      return json_error(req, http::status::not_found, domain::error_code::not_found,
                        "unknown or expired session");
    case errc::invalid_argument:
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        s.message());
    case errc::already_exists:
      return json_error(req, http::status::conflict, domain::error_code::already_exists,
                        s.message());
    case errc::no_space:
      return json_error(req, http::status::service_unavailable, domain::error_code::unavailable,
                        "the event log is full: " + s.message());
    default:
      return json_error(req, http::status::service_unavailable, domain::error_code::unavailable,
                        "the event log failed: " + s.to_string());
  }
}

response method_not_allowed(const request& req) {
  return json_error(req, http::status::method_not_allowed, domain::error_code::method_not_allowed,
                    "method not allowed here");
}

query::live_sessions live_rooms(context& ctx, bool with_list) {
  query::live_sessions live;
  live.participants = [&ctx](const eventlog::session_id& id) {
    auto answer = ask<json>(ctx, actors::live_atom::value, id.str());
    return answer && answer->is_array() ? std::move(*answer) : json::array();
  };
  if (with_list) {
    auto answer = ask<actors::live_rooms>(ctx, actors::list_atom::value);
    auto rooms = std::make_shared<const actors::live_rooms>(answer ? std::move(*answer)
                                                                   : actors::live_rooms{});
    live.is_live = [rooms](const std::string& id) { return rooms->count(id) > 0; };
  }
  return live;
}

// -- responses --

std::string request_id_of(const request& req) {
  auto given = req["X-Request-Id"];
  bool sane =
      !given.empty() && given.size() <= 64 && std::all_of(given.begin(), given.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ':' ||
               c == '-';
      });
  return sane ? std::string(given) : base::random_hex(8);
}

std::string_view path_of_target(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::string session_of_target(std::string_view target) {
  auto path = path_of_target(target);
  for (std::string_view prefix : {"/api/sessions/", "/api/admin/sessions/", "/ws/"}) {
    if (path.substr(0, prefix.size()) != prefix) continue;
    auto id = path.substr(prefix.size());
    return std::string(id.substr(0, id.find('/')));
  }
  return {};
}

response redirect_to_https(const request& req, std::uint16_t https_port) {
  std::string_view host = req[http::field::host];
  // Host is host[:port] or [v6]:port; keep the name, drop the port.
  if (!host.empty() && host.front() == '[') {
    auto end = host.find(']');
    host = end == std::string_view::npos ? std::string_view() : host.substr(0, end + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  bool sane =
      !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '[' ||
               c == ']' || c == ':';
      });
  if (!sane)
    return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                      "a Host header is required");
  std::string location = "https://" + std::string(host);
  if (https_port != 443) location += ":" + std::to_string(https_port);
  auto target = req.target();
  location += !target.empty() && target.front() == '/' ? std::string(target) : "/";
  response res{http::status::moved_permanently, req.version()};
  res.set(http::field::location, location);
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body() = "this server speaks HTTPS: " + location + "\n";
  res.keep_alive(false);
  return res;
}

void add_security_headers(response& res) {
  res.set(http::field::server, "roomd/" ROOMS_VERSION);
  res.set("Content-Security-Policy",
          "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src "
          "'self'; img-src 'self' data:; "
          "frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'");
  res.set("Referrer-Policy", "no-referrer");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Cross-Origin-Opener-Policy", "same-origin");
  // The room's call uses the camera and microphone of its own page (after a click there);
  // no other origin, and never geolocation.
  res.set("Permissions-Policy", "camera=(self), microphone=(self), geolocation=()");
}

response json_response(const request& req, http::status status, const std::string& body) {
  response res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = body;
  return res;
}

response json_error(const request& req, http::status status, domain::error_code code,
                    const std::string& message) {
  return json_response(req, status,
                       json{{"error", domain::to_string(code)}, {"message", message}}.dump());
}

}  // namespace rooms::gateway::detail
