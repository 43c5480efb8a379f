#pragma once
/// What the REST routes share: request parsing, who may do what, asking the rooms, and the one
/// mapping of log errors to HTTP statuses. Internal to gateway/.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gateway/detail/context.hpp"
#include "query/service.hpp"

namespace rooms::gateway::detail {

using json = nlohmann::json;

/// "/a/b?x=1&y=2" as its path and query parameters (no percent-decoding needed here).
struct target_parts {
  std::string path;
  std::map<std::string, std::string> query;
};
target_parts split_target(std::string_view target);
/// The non-empty segments of a path.
std::vector<std::string> segments(const std::string& path);

/// A non-negative decimal integer; nullopt for anything else.
std::optional<std::uint64_t> parse_uint(const std::string& text);
/// A decimal integer; nullopt for anything else.
std::optional<std::int64_t> parse_int(const std::string& text);

/// The Bearer token of the request; empty when none.
std::string bearer(const request& req);
/// 401 without a token, 403 with a wrong one; nullopt for the admin.
std::optional<response> check_admin(const context& ctx, const request& req);
/// Interviewer-or-admin access to one session; nullopt when allowed.
std::optional<response> check_session_access(const context& ctx, const request& req,
                                             const eventlog::session_meta& meta);

// -- accounts (routes_auth.cpp) --

/// A request's signed-in account: its rooms_session cookie names a live sign-in of an account
/// that still exists. Never for a request with a Bearer token: a request is authenticated by
/// a token or by the cookie, not both (so the CSRF rule below covers every cookie use).
struct signed_in_user {
  accounts::account account;
  std::string csrf_token;
};
std::optional<signed_in_user> signed_in(context& ctx, const request& req);
/// The account id of the request's live sign-in, or empty: the sign-in table only (memory, no
/// account read), so it may be called on an I/O thread (a WebSocket upgrade); a removed
/// account's sign-ins end at once, so a live one names an existing account.
std::string signed_in_account_id(context& ctx, const request& req);
/// Read access to one session's interviewer views (/events, /state, /scorecards, the replay):
/// as check_session_access, and also a signed-in account the interview is listed for (an
/// admin account, or one in the summary's interviewer_accounts: it created the interview or
/// joined it as an interviewer while signed in). Another signed-in account without a key: 403.
std::optional<response> check_session_read(context& ctx, const request& req,
                                           const eventlog::session_meta& meta);
/// 403 for a POST/PUT/PATCH/DELETE authenticated by the cookie without the session's
/// X-CSRF-Token (sign-in itself aside); nullopt when the request may go on.
std::optional<response> check_csrf(context& ctx, const request& req, const std::string& path);
/// 401 when --require-sign-in is on and the request creates an interview without an account
/// or the admin token; nullopt otherwise. Checked before cluster forwarding.
std::optional<response> check_sign_in_required(context& ctx, const request& req,
                                               const std::vector<std::string>& parts);
/// The rooms_session value of the request's Cookie header(s); empty when none.
std::string session_cookie(const request& req);
/// The value of cookie `name` in the request; empty when none.
std::string request_cookie(const request& req, std::string_view name);
/// The rooms_session Set-Cookie value (HttpOnly, SameSite=Lax, Secure under TLS) lasting the
/// sign-in TTL; `value` empty and `max_age` 0 delete it.
std::string session_set_cookie(const context& ctx, const std::string& value, bool remove = false);
/// /api/auth/oidc/start and /callback (routes_oidc.cpp).
response oidc_routes(context& ctx, const request& req, const std::string& what,
                     const std::string& client);
/// /api/auth/login, /logout, /me, /oidc/...
response auth_routes(context& ctx, const request& req, const std::vector<std::string>& parts,
                     const std::string& client);
/// /api/admin/users[...]: the caller checked the admin token.
response admin_user_routes(context& ctx, const request& req, const std::vector<std::string>& parts);

// -- the HTTP connection's helpers (server.cpp) --

/// The request's X-Request-Id when it is sane (1-64 characters of A-Z a-z 0-9 . _ : -), else a
/// fresh random one (16 hex digits): logged with each line about the request, and echoed.
std::string request_id_of(const request& req);
/// The session a target is about (/api/sessions/<id>..., /api/admin/sessions/<id>..., /ws/<id>),
/// for the log; empty when none.
std::string session_of_target(std::string_view target);
/// The target's path without its query (queries never reach the log: they may carry anything).
std::string_view path_of_target(std::string_view target);
/// 301 to https://<the request's host>:<https_port><target> (the redirect port); 400 without a
/// sane Host header.
response redirect_to_https(const request& req, std::uint16_t https_port);

/// Maps a log status to the HTTP answer (the one place that does so).
response log_error(const request& req, const eventlog::status& s);
/// 405 for a known path asked with another method.
response method_not_allowed(const request& req);

/// What this node's running rooms know, for the query service: `with_list` asks the registry
/// once which rooms are live (a listing, an inspect); without it nothing counts as live and
/// only participants are asked for.
query::live_sessions live_rooms(context& ctx, bool with_list);

/// Asks the registry and waits (we are on the blocking pool, never an I/O or CAF thread): its
/// answer of type `T`, or the error (a timeout after 5 s is CAF's request_timeout).
template <class T, class... Ts>
caf::expected<T> ask(context& ctx, Ts&&... xs) {
  caf::scoped_actor self{ctx.system};
  caf::expected<T> out{caf::error{}};
  self->request(ctx.registry, std::chrono::seconds(5), std::forward<Ts>(xs)...)
      .receive([&](T& answer) { out = std::move(answer); }, [&](caf::error& err) { out = err; });
  return out;
}
/// ask() of a request answered by nothing but success or an error.
template <class... Ts>
caf::error ask_done(context& ctx, Ts&&... xs) {
  caf::scoped_actor self{ctx.system};
  caf::error out;
  self->request(ctx.registry, std::chrono::seconds(5), std::forward<Ts>(xs)...)
      .receive([] {}, [&](caf::error& err) { out = err; });
  return out;
}

// -- the routes (routes_sessions.cpp, routes_admin.cpp, routes_piston.cpp, metrics.cpp) --

response get_health(context& ctx, const request& req);
response get_runtimes(context& ctx, const request& req);
response post_session(context& ctx, const request& req, const std::string& client);
response get_session(context& ctx, const request& req, const eventlog::session_id& id);
response get_events(context& ctx, const request& req, const eventlog::session_id& id,
                    const target_parts& t);
response get_state(context& ctx, const request& req, const eventlog::session_id& id,
                   const target_parts& t);
response post_fork(context& ctx, const request& req, const eventlog::session_id& id);
/// GET /api/sessions/<id>/scorecards: every interviewer's scorecard (key or admin token).
response get_scorecards(context& ctx, const request& req, const eventlog::session_id& id);

/// /api/admin/...: the caller checked the admin token.
response admin_list_sessions(context& ctx, const request& req, const target_parts& t);
response admin_inspect_session(context& ctx, const request& req, const eventlog::session_id& id);
response admin_delete_session(context& ctx, const request& req, const eventlog::session_id& id);
response admin_import(context& ctx, const request& req);
response admin_stats(context& ctx, const request& req);
response admin_compact(context& ctx, const request& req);
response admin_backup(context& ctx, const request& req);

/// GET /api/interviews (routes_interviews.cpp): checks the caller itself.
response get_interviews(context& ctx, const request& req, const target_parts& t);

/// /api/questions[/<id>] (routes_questions.cpp): checks the caller itself (admin, or an
/// interviewer key with X-Session-Id for reads).
response question_routes(context& ctx, const request& req, const std::vector<std::string>& parts,
                         const target_parts& t);

/// POST /api/sessions with "questionId" (routes_questions.cpp): fills `spec` with the question
/// (its question_loaded payload, the starter of the language as the document, its title when
/// none is given); the 400/404/503 answer when it cannot. `language_given`: the body named one.
std::optional<response> start_from_question(context& ctx, const request& req,
                                            const json& question_id, bool language_given,
                                            query::new_session& spec);

/// The Piston v2 API from our own runner (--serve-piston): for this client?
bool serves_piston(const context& ctx, const std::string& client);
response piston_runtimes(context& ctx, const request& req);
response piston_execute(context& ctx, const request& req);

/// /api/ice-servers (routes_calls.cpp): the STUN/TURN servers for calls, with TURN REST
/// credentials when a secret is configured.
response get_ice_servers(context& ctx, const request& req, const target_parts& t);

/// Prometheus text of every counter.
response get_metrics(context& ctx, const request& req);

}  // namespace rooms::gateway::detail
