/// OpenID Connect sign-in (docs/protocol.md "Accounts", docs/operations.md "OpenID Connect"):
/// GET /api/auth/oidc/start redirects the browser to the provider with a fresh state, nonce and
/// PKCE challenge (S256), kept here for 10 minutes under a rooms_oidc cookie; GET
/// /api/auth/oidc/callback checks the state, exchanges the code (verifier and client secret),
/// verifies the ID token, finds or creates the account by (iss, sub) and opens a sign-in session
/// as a password sign-in does, then redirects to /.
///
/// Never logged: the code, the tokens, the state, the nonce, the verifier, the client secret.

#include <cctype>
#include <chrono>

#include "accounts/sign_in.hpp"
#include "base/hex.hpp"
#include "base/log.hpp"
#include "base/secrets.hpp"
#include "fetch/fetch.hpp"
#include "gateway/detail/http_util.hpp"
#include "gateway/oidc_client.hpp"

namespace rooms::gateway::detail {

namespace {

constexpr std::string_view flow_cookie = "rooms_oidc";
constexpr std::int64_t flow_ttl_ms = 10 * 60'000;

std::string flow_set_cookie(const context& ctx, const std::string& value, std::int64_t max_age) {
  std::string out = std::string(flow_cookie) + "=" + value +
                    "; Path=/api/auth/oidc; Max-Age=" + std::to_string(max_age) +
                    "; HttpOnly; SameSite=Lax";
  if (ctx.tls_enabled()) out += "; Secure";
  return out;
}

/// Percent-decoding of a query value ('+' is a space).
std::string url_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && base::hex_digit_value(s[i + 1]) >= 0 &&
               base::hex_digit_value(s[i + 2]) >= 0) {
      out +=
          static_cast<char>(base::hex_digit_value(s[i + 1]) * 16 + base::hex_digit_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

/// The callback URL this browser reached us by; empty when the Host header is not a plain
/// host[:port] (the provider checks it against the registered redirect URI anyway).
std::string redirect_uri(const context& ctx, const request& req) {
  std::string host(req[http::field::host]);
  if (host.empty() || host.size() > 255) return {};
  for (char c : host)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' &&
        c != '[' && c != ']')
      return {};
  return std::string(ctx.tls_enabled() ? "https://" : "http://") + host + "/api/auth/oidc/callback";
}

std::int64_t now_unix_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

response redirect(const request& req, const std::string& location) {
  response res{http::status::found, req.version()};
  res.set(http::field::location, location);
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  add_security_headers(res);
  return res;
}

response refuse(context& ctx, const request& req, http::status status, domain::error_code code,
                const std::string& why, const std::string& client) {
  ++ctx.login_failures;
  ROOMS_LOG(warn, "OpenID Connect sign-in refused from " << client << ": " << why);
  auto res = json_error(req, status, code, "OpenID Connect sign-in refused: " + why);
  res.set(http::field::set_cookie, flow_set_cookie(ctx, "", 0));
  return res;
}

response start(context& ctx, const request& req, const std::string& client) {
  auto& idp = *ctx.options.oidc;
  if (!ctx.login_limiter.take(client))
    return json_error(req, http::status::too_many_requests, domain::error_code::rate_limited,
                      "too many sign-in attempts from this address; retry in a minute");
  auto callback = redirect_uri(ctx, req);
  if (callback.empty())
    return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                      "the Host header is not a host name");
  std::string raw(32, '\0');
  base::random_bytes(raw.data(), raw.size());
  context::oidc_pending p;
  p.state = base::random_hex(32);
  p.nonce = base::random_hex(32);
  p.verifier = base::base64url(raw);  // 43 characters of the RFC 7636 alphabet
  p.redirect_uri = callback;
  auto now = accounts::steady_now_ms();
  p.expires_ms = now + flow_ttl_ms;
  auto challenge = base::base64url(base::sha256(p.verifier));
  auto location = idp.authorization_endpoint +
                  (idp.authorization_endpoint.find('?') == std::string::npos ? "?" : "&") +
                  "response_type=code&client_id=" + fetch::escape(idp.config.client_id) +
                  "&redirect_uri=" + fetch::escape(callback) +
                  "&scope=openid%20email%20profile&state=" + p.state + "&nonce=" + p.nonce +
                  "&code_challenge=" + challenge + "&code_challenge_method=S256";
  auto cookie = base::random_hex(32);
  {
    std::lock_guard lock(ctx.oidc_mutex);
    auto& table = ctx.oidc_pending_sign_ins;
    for (auto it = table.begin(); it != table.end();)
      it = it->second.expires_ms <= now ? table.erase(it) : std::next(it);
    if (table.size() >= 10'000)
      return json_error(req, http::status::service_unavailable, domain::error_code::busy,
                        "too many OpenID Connect sign-ins under way; retry in a minute");
    table[base::sha256_hex(cookie)] = std::move(p);
  }
  auto res = redirect(req, location);
  res.set(http::field::set_cookie, flow_set_cookie(ctx, cookie, flow_ttl_ms / 1000));
  return res;
}

/// The claim as a string; empty when absent or not a string.
std::string claim(const json& claims, const char* name) {
  return claims.contains(name) && claims[name].is_string() ? claims[name].get<std::string>()
                                                           : std::string();
}

response callback(context& ctx, const request& req, const std::string& client) {
  auto& idp = *ctx.options.oidc;
  auto t = split_target(req.target());
  auto q = [&](const char* k) {
    auto it = t.query.find(k);
    return it == t.query.end() ? std::string() : url_decode(it->second);
  };
  // The flow is used once, whatever happens next: a second callback with it finds nothing.
  auto cookie = request_cookie(req, flow_cookie);
  std::optional<context::oidc_pending> pending;
  if (!cookie.empty()) {
    std::lock_guard lock(ctx.oidc_mutex);
    auto it = ctx.oidc_pending_sign_ins.find(base::sha256_hex(cookie));
    if (it != ctx.oidc_pending_sign_ins.end()) {
      pending = std::move(it->second);
      ctx.oidc_pending_sign_ins.erase(it);
    }
  }
  if (!pending || pending->expires_ms <= accounts::steady_now_ms())
    return refuse(ctx, req, http::status::bad_request, domain::error_code::bad_request,
                  "no sign-in is under way in this browser (it expires after 10 minutes); "
                  "start again at /api/auth/oidc/start",
                  client);
  auto state = q("state");
  if (state.empty() || !base::same_secret(state, pending->state))
    return refuse(ctx, req, http::status::bad_request, domain::error_code::bad_request,
                  "the state does not match this browser's sign-in", client);
  if (auto error = q("error"); !error.empty()) {
    std::string shown;
    for (char c : error.substr(0, 64))
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') shown += c;
    return refuse(ctx, req, http::status::unauthorized, domain::error_code::unauthorized,
                  "the provider answered " + shown, client);
  }
  auto code = q("code");
  if (code.empty())
    return refuse(ctx, req, http::status::bad_request, domain::error_code::bad_request,
                  "the callback has no code", client);
  std::string id_token;
  if (auto why = idp.exchange(code, pending->verifier, pending->redirect_uri, id_token);
      !why.empty())
    return refuse(ctx, req, http::status::unauthorized, domain::error_code::unauthorized, why,
                  client);
  json claims;
  if (auto why = idp.verify(id_token, pending->nonce, now_unix_s(), claims); !why.empty())
    return refuse(ctx, req, http::status::unauthorized, domain::error_code::unauthorized, why,
                  client);
  auto email = claim(claims, "email");
  const auto& domain = idp.config.allowed_domain;
  if (!domain.empty()) {
    bool verified = !claims.contains("email_verified") || claims["email_verified"] == true;
    bool in_domain =
        email.size() > domain.size() + 1 &&
        email.compare(email.size() - domain.size() - 1, std::string::npos, "@" + domain) == 0;
    if (!verified || !in_domain)
      return refuse(ctx, req, http::status::forbidden, domain::error_code::forbidden,
                    "the account's e-mail address is not a verified one of " + domain, client);
  }
  auto hint = claim(claims, "preferred_username");
  if (hint.empty()) hint = email;
  bool created = false;
  auto account = ctx.accounts->find_or_create_oidc(claim(claims, "iss"), claim(claims, "sub"), hint,
                                                   claim(claims, "name"), &created);
  if (!account.ok())
    return refuse(ctx, req, http::status::service_unavailable, domain::error_code::unavailable,
                  "the account store failed: " + account.error().message(), client);
  ++ctx.logins;
  auto opened = ctx.sign_ins.open(account->id, session_cookie(req));
  ROOMS_LOG(info, "signed in with OpenID Connect: "
                      << account->login << (created ? " (new account)" : "") << " from " << client);
  auto res = redirect(req, "/");
  res.insert(http::field::set_cookie, session_set_cookie(ctx, opened.cookie));
  res.insert(http::field::set_cookie, flow_set_cookie(ctx, "", 0));
  return res;
}

}  // namespace

response oidc_routes(context& ctx, const request& req, const std::string& what,
                     const std::string& client) {
  if (!ctx.options.oidc)
    return json_error(req, http::status::not_found, domain::error_code::not_found,
                      "OpenID Connect sign-in is not configured on this server (--oidc-issuer)");
  if (!ctx.accounts)
    return json_error(req, http::status::service_unavailable, domain::error_code::unavailable,
                      "this data dir has no accounts");
  if (what == "start") return start(ctx, req, client);
  if (what == "callback") return callback(ctx, req, client);
  return json_error(req, http::status::not_found, domain::error_code::not_found,
                    "no such endpoint");
}

}  // namespace rooms::gateway::detail
