/// GET /api/interviews (issue #21): the team's interviews, from the stored summaries.

#include <variant>

#include "base/hex.hpp"
#include "gateway/detail/http_util.hpp"

namespace rooms::gateway::detail {

namespace {

/// A query value as browsers send it (URLSearchParams: '+' for space, %XX bytes);
/// nullopt for a malformed escape. split_target leaves values raw.
std::optional<std::string> form_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] != '%') {
      out.push_back(in[i]);
    } else {
      auto byte = i + 2 < in.size() ? base::from_hex(in.substr(i + 1, 2)) : std::nullopt;
      if (!byte) return std::nullopt;
      out += *byte;
      i += 2;
    }
  }
  return out;
}

/// Whose interviews the caller may list: everyone's (nullopt), one account's, or an error.
///
/// The one authorization decision of the listing: the admin token and an admin account list
/// everyone's; any other signed-in account lists the interviews it created (its id, which
/// query::interview_query::account filters on: session_summary::interviewer_accounts).
/// A candidate, or an interviewer key of one session, never lists anything.
std::variant<std::optional<std::string>, response> interviews_scope(context& ctx,
                                                                    const request& req) {
  if (auto who = signed_in(ctx, req)) {
    if (who->account.role == accounts::role::admin) return std::optional<std::string>{};
    return std::optional<std::string>{who->account.id};
  }
  if (auto refused = check_admin(ctx, req)) return std::move(*refused);
  return std::optional<std::string>{};
}

}  // namespace

response get_interviews(context& ctx, const request& req, const target_parts& t) {
  auto scope = interviews_scope(ctx, req);
  if (auto* refused = std::get_if<response>(&scope)) return std::move(*refused);
  query::interview_query q;
  q.account = std::get<std::optional<std::string>>(scope);
  if (t.query.count("q")) {
    auto text = form_decode(t.query.at("q"));
    if (!text || text->size() > 200)
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "\"q\" is a URL-encoded text of at most 200 bytes");
    q.q = std::move(*text);
  }
  if (t.query.count("limit")) {
    auto v = parse_uint(t.query.at("limit"));
    if (!v || *v == 0 || *v > query::max_interview_page)
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "\"limit\" must be 1.." + std::to_string(query::max_interview_page));
    q.limit = *v;
  }
  if (t.query.count("cursor")) q.cursor = t.query.at("cursor");
  auto page = ctx.query.interviews(q);
  if (!page.ok()) return log_error(req, page.error());
  return json_response(req, http::status::ok,
                       page->dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace rooms::gateway::detail
