/// The admin API of accounts (what `roomctl user` calls online): /api/admin/users[/<login>
/// [/password]]. The caller checked the admin token. Removing an account or changing its
/// password signs its browsers out.

#include "base/log.hpp"
#include "gateway/detail/http_util.hpp"

namespace rooms::gateway::detail {

namespace {

namespace a = rooms::accounts;

response store_error(const request& req, const a::status& s) {
  switch (s.code()) {
    case a::errc::not_found:
      return json_error(req, http::status::not_found, domain::error_code::not_found, s.message());
    case a::errc::already_exists:
      return json_error(req, http::status::conflict, domain::error_code::already_exists,
                        s.message());
    case a::errc::invalid_argument:
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        s.message());
    default:
      return json_error(req, http::status::service_unavailable, domain::error_code::unavailable,
                        "the account store failed: " + s.message());
  }
}

response no_content(const request& req) {
  response res{http::status::no_content, req.version()};
  res.keep_alive(req.keep_alive());
  return res;
}

std::optional<json> body_object(const request& req) {
  json body = json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) return std::nullopt;
  return body;
}

response create_user(context& ctx, const request& req) {
  auto body = body_object(req);
  if (!body || !body->contains("login") || !(*body)["login"].is_string() ||
      !body->contains("password") || !(*body)["password"].is_string())
    return json_error(req, http::status::bad_request, domain::error_code::bad_json,
                      "the body must be {\"login\",\"password\",\"displayName\"?,\"role\"?}");
  a::new_account spec;
  spec.login = (*body)["login"].get<std::string>();
  spec.password = (*body)["password"].get<std::string>();
  if (auto it = body->find("displayName"); it != body->end()) {
    if (!it->is_string())
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "\"displayName\" must be a string");
    spec.display_name = it->get<std::string>();
  }
  if (auto it = body->find("role"); it != body->end()) {
    if (*it != "admin" && *it != "interviewer")
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "\"role\" must be \"interviewer\" or \"admin\"");
    spec.role = *it == "admin" ? a::role::admin : a::role::interviewer;
  }
  auto made = ctx.accounts->create(spec);
  if (!made.ok()) return store_error(req, made.error());
  ROOMS_LOG(info, "account " << made->login << " added (" << a::to_string(made->role) << ")");
  return json_response(req, http::status::created,
                       json{{"user", a::to_public_json(made.value())}}.dump());
}

}  // namespace

response admin_user_routes(context& ctx, const request& req,
                           const std::vector<std::string>& parts) {
  if (!ctx.accounts)
    return json_error(req, http::status::service_unavailable, domain::error_code::unavailable,
                      "this data dir has no accounts");
  if (parts.size() == 3) {
    if (req.method() == http::verb::post) return create_user(ctx, req);
    if (req.method() != http::verb::get) return method_not_allowed(req);
    auto all = ctx.accounts->list();
    if (!all.ok()) return store_error(req, all.error());
    json rows = json::array();
    for (const auto& account : all.value()) rows.push_back(a::to_public_json(account));
    return json_response(req, http::status::ok, json{{"users", std::move(rows)}}.dump());
  }
  const std::string& login = parts[3];
  auto found = ctx.accounts->find_login(login);
  if (!found.ok()) return store_error(req, found.error());
  if (parts.size() == 4) {
    if (req.method() == http::verb::get)
      return json_response(req, http::status::ok,
                           json{{"user", a::to_public_json(found.value())}}.dump());
    if (req.method() != http::verb::delete_) return method_not_allowed(req);
    auto s = ctx.accounts->remove(login);
    if (!s.ok()) return store_error(req, s);
    ctx.sign_ins.close_account(found->id);
    ROOMS_LOG(info, "account " << login << " removed");
    return no_content(req);
  }
  if (parts.size() == 5 && parts[4] == "password") {
    if (req.method() != http::verb::put) return method_not_allowed(req);
    auto body = body_object(req);
    if (!body || !body->contains("password") || !(*body)["password"].is_string())
      return json_error(req, http::status::bad_request, domain::error_code::bad_json,
                        "the body must be {\"password\":\"...\"}");
    auto s = ctx.accounts->set_password(login, (*body)["password"].get<std::string>());
    if (!s.ok()) return store_error(req, s);
    ctx.sign_ins.close_account(found->id);
    ROOMS_LOG(info, "password of account " << login << " changed");
    return no_content(req);
  }
  return json_error(req, http::status::not_found, domain::error_code::not_found,
                    "no such endpoint");
}

}  // namespace rooms::gateway::detail
