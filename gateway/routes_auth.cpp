/// Signing in (docs/protocol.md "Accounts"): /api/auth/login, /logout, /me, the session cookie,
/// the CSRF rule and --require-sign-in. The accounts are in accounts::account_store; the
/// sign-in sessions in memory (context::sign_ins), so a restart signs everyone out.
///
/// Never logged: passwords, cookies, CSRF tokens. A login name is logged only when it is a
/// valid one (a password typed into the login field usually is not).

#include <algorithm>

#include "accounts/password.hpp"
#include "base/log.hpp"
#include "base/secrets.hpp"
#include "gateway/detail/http_util.hpp"
#include "gateway/oidc_client.hpp"

namespace rooms::gateway::detail {

namespace {

namespace a = rooms::accounts;

constexpr std::string_view cookie_name = "rooms_session";

/// The Set-Cookie value: HttpOnly (no script reads it), SameSite=Lax (no cross-site POST
/// carries it), Secure under TLS; `max_age` 0 deletes it.
std::string cookie_header(const context& ctx, const std::string& value, std::int64_t max_age) {
  std::string out = std::string(cookie_name) + "=" + value +
                    "; Path=/; Max-Age=" + std::to_string(max_age) + "; HttpOnly; SameSite=Lax";
  if (ctx.tls_enabled()) out += "; Secure";
  return out;
}

std::int64_t ttl_seconds(const context& ctx) {
  return std::max<std::int64_t>(1, ctx.options.sign_in_ttl.count() / 1000);
}

/// The login for the log: itself when valid, else a placeholder (it may be a password).
std::string loggable(const std::string& login) {
  return a::check_login(login).empty() ? login : std::string("(an invalid login name)");
}

bool state_changing(http::verb v) {
  return v == http::verb::post || v == http::verb::put || v == http::verb::patch ||
         v == http::verb::delete_;
}

json me_json(const context& ctx, const a::account& account, const std::string& csrf) {
  return {{"user", a::to_public_json(account)},
          {"csrfToken", csrf},
          {"requireSignIn", ctx.options.require_sign_in}};
}

response login(context& ctx, const request& req, const std::string& client) {
  if (!ctx.accounts)
    return json_error(req, http::status::service_unavailable, domain::error_code::unavailable,
                      "this data dir has no accounts");
  if (!ctx.login_limiter.take(client)) {
    ROOMS_LOG(warn, "sign-in refused: too many attempts from " << client);
    return json_error(req, http::status::too_many_requests, domain::error_code::rate_limited,
                      "too many sign-in attempts from this address; retry in a minute");
  }
  json body = json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("login") ||
      !body["login"].is_string() || !body.contains("password") || !body["password"].is_string())
    return json_error(req, http::status::bad_request, domain::error_code::bad_json,
                      "the body must be {\"login\":\"...\",\"password\":\"...\"}");
  std::string name = body["login"];
  std::string password = body["password"];
  if (!a::check_login(name).empty()) {
    // No account has such a name: refused like an unknown login, but kept out of the lock-out
    // table (a megabyte-long name per entry would make it a memory sink).
    a::dummy_verify(password);
    ++ctx.login_failures;
    ROOMS_LOG(warn, "sign-in failed for " << loggable(name) << " from " << client);
    return json_error(req, http::status::unauthorized, domain::error_code::unauthorized,
                      "unknown login or wrong password");
  }
  if (ctx.login_guard.locked(name)) {
    a::dummy_verify(password);  // a locked login answers in the time a check takes
    ROOMS_LOG(warn,
              "sign-in refused: login " << loggable(name) << " is locked (from " << client << ")");
    return json_error(req, http::status::too_many_requests, domain::error_code::rate_limited,
                      "too many failed sign-ins for this login; retry in 15 minutes");
  }
  auto verified = ctx.accounts->verify(name, password);
  if (!verified.ok()) {
    if (verified.error().code() != a::errc::wrong_password)
      return json_error(req, http::status::service_unavailable, domain::error_code::unavailable,
                        "the account store failed: " + verified.error().message());
    ++ctx.login_failures;
    ROOMS_LOG(warn, "sign-in failed for login " << loggable(name) << " from " << client);
    if (ctx.login_guard.fail(name)) {
      ++ctx.login_lockouts;
      ROOMS_LOG(warn, "login " << loggable(name)
                               << " locked for 15 minutes after 5 failed sign-ins (last from "
                               << client << ")");
    }
    return json_error(req, http::status::unauthorized, domain::error_code::unauthorized,
                      "unknown login or wrong password");
  }
  ctx.login_guard.succeed(name);
  ++ctx.logins;
  // A fresh id on every sign-in (rotation); the browser's previous session, if any, ends.
  auto opened = ctx.sign_ins.open(verified->id, session_cookie(req));
  ROOMS_LOG(info, "signed in: " << verified->login << " from " << client);
  auto res =
      json_response(req, http::status::ok, me_json(ctx, *verified, opened.csrf_token).dump());
  res.set(http::field::set_cookie, cookie_header(ctx, opened.cookie, ttl_seconds(ctx)));
  return res;
}

response logout(context& ctx, const request& req) {
  auto cookie = session_cookie(req);
  if (!cookie.empty()) (void)ctx.sign_ins.close(cookie);
  response res{http::status::no_content, req.version()};
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::set_cookie, cookie_header(ctx, "", 0));
  res.keep_alive(req.keep_alive());
  return res;
}

response me(context& ctx, const request& req) {
  auto who = signed_in(ctx, req);
  if (!who) {
    json body = {{"error", domain::to_string(domain::error_code::unauthorized)},
                 {"message", "not signed in"},
                 {"requireSignIn", ctx.options.require_sign_in}};
    return json_response(req, http::status::unauthorized, body.dump());
  }
  auto res =
      json_response(req, http::status::ok, me_json(ctx, who->account, who->csrf_token).dump());
  // The browser's copy lives as long as the server's idle clock: renewed on each visit.
  res.set(http::field::set_cookie, cookie_header(ctx, session_cookie(req), ttl_seconds(ctx)));
  return res;
}

}  // namespace

std::string request_cookie(const request& req, std::string_view name) {
  for (auto it = req.find(http::field::cookie);
       it != req.end() && it->name() == http::field::cookie; ++it) {
    std::string_view rest = it->value();
    while (!rest.empty()) {
      auto semi = rest.find(';');
      auto pair = rest.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
          pair[name.size()] == '=')
        return std::string(pair.substr(name.size() + 1));
      if (semi == std::string_view::npos) break;
      rest = rest.substr(semi + 1);
    }
  }
  return {};
}

std::string session_cookie(const request& req) {
  return request_cookie(req, cookie_name);
}

std::string session_set_cookie(const context& ctx, const std::string& value, bool remove) {
  return remove ? cookie_header(ctx, "", 0) : cookie_header(ctx, value, ttl_seconds(ctx));
}

std::unique_ptr<accounts::account_store> open_account_store(const actors::services& svc) {
  if (svc.store == nullptr || svc.store->accounts_cf() == nullptr) return nullptr;
  return std::make_unique<accounts::account_store>(svc.store->raw_db(), svc.store->accounts_cf());
}

std::optional<signed_in_user> signed_in(context& ctx, const request& req) {
  if (!ctx.accounts || !bearer(req).empty()) return std::nullopt;
  auto cookie = session_cookie(req);
  if (cookie.empty()) return std::nullopt;
  auto session = ctx.sign_ins.touch(cookie);
  if (!session) return std::nullopt;
  // Read each time: a removed account is signed out at once.
  auto account = ctx.accounts->find_id(session->account_id);
  if (!account.ok()) return std::nullopt;
  return signed_in_user{std::move(account.value()), session->csrf_token};
}

std::string signed_in_account_id(context& ctx, const request& req) {
  if (!ctx.accounts || !bearer(req).empty()) return {};
  auto cookie = session_cookie(req);
  if (cookie.empty()) return {};
  auto live = ctx.sign_ins.touch(cookie);
  return live ? live->account_id : std::string();
}

std::optional<response> check_session_read(context& ctx, const request& req,
                                           const eventlog::session_meta& meta) {
  if (!bearer(req).empty()) return check_session_access(ctx, req, meta);
  auto who = signed_in(ctx, req);
  if (!who) return check_session_access(ctx, req, meta);  // 401, as before accounts
  // The same rule as the listing (routes_interviews.cpp): what is listed for it opens to it.
  const auto& listed = meta.summary.interviewer_accounts;
  if (who->account.role == accounts::role::admin ||
      std::find(listed.begin(), listed.end(), who->account.id) != listed.end())
    return std::nullopt;
  return json_error(req, http::status::forbidden, domain::error_code::forbidden,
                    "this interview is not listed for your account: send its interviewer key");
}

std::optional<response> check_csrf(context& ctx, const request& req, const std::string& path) {
  if (!state_changing(req.method()) || path == "/api/auth/login") return std::nullopt;
  auto who = signed_in(ctx, req);
  if (!who) return std::nullopt;
  std::string_view given = req["X-CSRF-Token"];
  if (!given.empty() && base::same_secret(given, who->csrf_token)) return std::nullopt;
  return json_error(req, http::status::forbidden, domain::error_code::forbidden,
                    "a signed-in request that changes something must carry X-CSRF-Token");
}

std::optional<response> check_sign_in_required(context& ctx, const request& req,
                                               const std::vector<std::string>& parts) {
  if (!ctx.options.require_sign_in) return std::nullopt;
  bool creates = parts.size() == 2 && parts[1] == "sessions" && req.method() == http::verb::post;
  if (!creates || has_admin_token(ctx, req) || from_cluster_peer(ctx, req) || signed_in(ctx, req))
    return std::nullopt;
  return json_error(req, http::status::unauthorized, domain::error_code::unauthorized,
                    "this server requires sign-in to create interviews: POST /api/auth/login");
}

/// GET /api/auth/providers: the ways this server signs interviewers in, for the /signin page.
response providers(context& ctx, const request& req) {
  json oidc = nullptr;
  if (ctx.options.oidc)
    oidc = {{"name", ctx.options.oidc->config.name}, {"startUrl", "/api/auth/oidc/start"}};
  json body = {{"password", ctx.accounts != nullptr}, {"oidc", std::move(oidc)}};
  return json_response(req, http::status::ok, body.dump());
}

response auth_routes(context& ctx, const request& req, const std::vector<std::string>& parts,
                     const std::string& client) {
  if (parts.size() == 3 && parts[2] == "login")
    return req.method() == http::verb::post ? login(ctx, req, client) : method_not_allowed(req);
  if (parts.size() == 3 && parts[2] == "logout")
    return req.method() == http::verb::post ? logout(ctx, req) : method_not_allowed(req);
  if (parts.size() == 4 && parts[2] == "oidc")
    return req.method() == http::verb::get ? oidc_routes(ctx, req, parts[3], client)
                                           : method_not_allowed(req);
  if (parts.size() == 3 && parts[2] == "me")
    return req.method() == http::verb::get ? me(ctx, req) : method_not_allowed(req);
  if (parts.size() == 3 && parts[2] == "providers")
    return req.method() == http::verb::get ? providers(ctx, req) : method_not_allowed(req);
  return json_error(req, http::status::not_found, domain::error_code::not_found,
                    "no such endpoint");
}

}  // namespace rooms::gateway::detail
