/// The question library's routes (PROTOCOL.md "v2 additions" -> Questions): /api/questions and
/// /api/questions/<id>. The store (questions/question_store.hpp) blocks on RocksDB: these run on
/// the gateway's blocking pool like every REST handler, never on an actor or I/O thread.
///
/// Who may do what:
/// - read (list, one question): the admin token, or an interviewer key of a stored session named
///   by `X-Session-Id: <sessionId>` (or `?session=<sessionId>`): the key alone does not say
///   which session it opens, and the hash it is checked against is per session.
/// - reference solutions: the admin only, with `?solutions=1`.
/// - write (POST, PUT, DELETE): the admin, or a signed-in account (routes_auth.cpp).
/// A signed-in account reads too; one with the admin role also sees solutions.

#include "actors/domain/validate.hpp"
#include "actors/question_view.hpp"
#include "base/log.hpp"
#include "gateway/detail/http_util.hpp"
#include "questions/question_store.hpp"

namespace rooms::gateway::detail {

namespace {

namespace q = rooms::questions;

enum class caller { admin, account, interviewer };

/// The caller's role, or the 401/403 that refuses it.
std::variant<caller, response> identify(context& ctx, const request& req, const target_parts& t) {
  if (has_admin_token(ctx, req)) return caller::admin;
  if (auto who = signed_in(ctx, req))
    return who->account.role == accounts::role::admin ? caller::admin : caller::account;
  if (bearer(req).empty())
    return json_error(
        req, http::status::unauthorized, domain::error_code::unauthorized,
        "send the admin token, or an interviewer key with X-Session-Id, as a Bearer token");
  std::string sid(req["X-Session-Id"]);
  if (sid.empty() && t.query.count("session")) sid = t.query.at("session");
  if (sid.empty())
    return json_error(req, http::status::forbidden, domain::error_code::forbidden,
                      "wrong admin token (an interviewer key needs X-Session-Id: <sessionId>)");
  auto id = eventlog::session_id::parse(sid);
  if (!id)
    return json_error(req, http::status::forbidden, domain::error_code::forbidden,
                      "unknown session in X-Session-Id");
  auto meta = ctx.query.meta(*id);
  if (!meta.ok()) {
    if (meta.error().code() == eventlog::errc::not_found)
      return json_error(req, http::status::forbidden, domain::error_code::forbidden,
                        "unknown or expired session in X-Session-Id");
    return log_error(req, meta.error());
  }
  if (auto denied = check_session_access(ctx, req, *meta)) return std::move(*denied);
  return caller::interviewer;
}

/// The HTTP answer for a store status that is not ok.
response store_error(const request& req, const q::store_status& s) {
  switch (s.code) {
    case q::store_errc::not_found:
      return json_error(req, http::status::not_found, domain::error_code::not_found,
                        "unknown question");
    case q::store_errc::invalid: {
      json body = {{"error", domain::to_string(domain::error_code::invalid_question)},
                   {"message", q::to_string(s.fields)},
                   {"fields", json::array()}};
      for (const auto& f : s.fields)
        body["fields"].push_back({{"field", f.field}, {"message", f.message}});
      if (!s.fields.empty()) body["field"] = s.fields.front().field;
      return json_response(req, http::status::bad_request, body.dump());
    }
    case q::store_errc::corruption:
    case q::store_errc::storage:
    case q::store_errc::ok:
      break;
  }
  return json_error(req, http::status::service_unavailable, domain::error_code::unavailable,
                    "the question library failed: " + s.message);
}

response invalid(const request& req, const std::vector<q::field_error>& errors) {
  return store_error(req, {q::store_errc::invalid, q::to_string(errors), errors});
}

/// The JSON body of a write as a question (shape checked; put() checks the limits).
std::variant<q::question, response> read_body(const request& req) {
  json body = json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return json_error(req, http::status::bad_request, domain::error_code::bad_json,
                      "the body must be a JSON object (a question)");
  auto decoded = q::from_json(body);
  if (!decoded.ok()) return invalid(req, decoded.errors());
  return std::move(decoded).value();
}

response created_or_ok(const request& req, http::status status, const q::question& stored) {
  return json_response(req, status, q::to_json(stored, q::with_solutions::yes).dump());
}

response list_questions(context& ctx, const request& req) {
  auto all = ctx.questions->list();
  if (!all.ok()) return store_error(req, all.status());
  json rows = json::array();
  for (const auto& question : all.value()) rows.push_back(q::list_row(question));
  return json_response(req, http::status::ok, json{{"questions", std::move(rows)}}.dump());
}

response get_question(context& ctx, const request& req, const std::string& id,
                      const target_parts& t, caller who) {
  bool solutions = t.query.count("solutions") && t.query.at("solutions") == "1";
  if (solutions && who != caller::admin)
    return json_error(req, http::status::forbidden, domain::error_code::forbidden,
                      "only the admin sees reference solutions");
  std::optional<q::store_result<q::question>> found;
  if (t.query.count("version")) {
    auto v = parse_uint(t.query.at("version"));
    if (!v || *v == 0)
      return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                        "\"version\" must be 1, 2, ...");
    found.emplace(ctx.questions->get(id, static_cast<std::int64_t>(*v)));
  } else {
    found.emplace(ctx.questions->get(id));
  }
  if (!found->ok()) return store_error(req, found->status());
  auto with = solutions ? q::with_solutions::yes : q::with_solutions::no;
  return json_response(req, http::status::ok, q::to_json(found->value(), with).dump());
}

response post_question(context& ctx, const request& req) {
  auto parsed = read_body(req);
  if (auto* refused = std::get_if<response>(&parsed)) return std::move(*refused);
  auto& question = std::get<q::question>(parsed);
  // Two admins racing on one new id may both pass this check; the later put is then version 2.
  if (!question.question_id.empty() && ctx.questions->get(question.question_id).ok())
    return json_error(
        req, http::status::conflict, domain::error_code::already_exists,
        "question \"" + question.question_id + "\" exists: PUT /api/questions/<id> to change it");
  auto stored = ctx.questions->put(std::move(question));
  if (!stored.ok()) return store_error(req, stored.status());
  ROOMS_LOG(info, "question " << stored->question_id << " created");
  return created_or_ok(req, http::status::created, stored.value());
}

response put_question(context& ctx, const request& req, const std::string& id) {
  auto parsed = read_body(req);
  if (auto* refused = std::get_if<response>(&parsed)) return std::move(*refused);
  auto& question = std::get<q::question>(parsed);
  if (question.question_id.empty()) question.question_id = id;
  if (question.question_id != id)
    return invalid(req, {{"questionId", "\"" + question.question_id +
                                            "\" differs from the URL's \"" + id + "\""}});
  auto existing = ctx.questions->get(id);
  if (!existing.ok()) return store_error(req, existing.status());
  auto stored = ctx.questions->put(std::move(question));
  if (!stored.ok()) return store_error(req, stored.status());
  ROOMS_LOG(info, "question " << id << " version " << stored->version << " stored");
  return created_or_ok(req, http::status::ok, stored.value());
}

response delete_question(context& ctx, const request& req, const std::string& id) {
  auto removed = ctx.questions->remove(id);
  if (!removed.ok()) return store_error(req, removed);
  ROOMS_LOG(info, "question " << id << " deleted");
  response res{http::status::no_content, req.version()};
  res.keep_alive(req.keep_alive());
  return res;
}

}  // namespace

std::optional<response> start_from_question(context& ctx, const request& req,
                                            const json& question_id, bool language_given,
                                            query::new_session& spec) {
  if (!question_id.is_string() || !domain::valid_id(question_id.get_ref<const std::string&>()))
    return json_error(req, http::status::bad_request, domain::error_code::bad_request,
                      "\"questionId\" must be a question id (1..64 letters, digits, '_' or '-')");
  if (!ctx.questions)
    return json_error(req, http::status::service_unavailable, domain::error_code::unavailable,
                      "this data dir has no question library");
  auto found = ctx.questions->get(question_id.get<std::string>());
  if (!found.ok()) return store_error(req, found.status());
  const q::question& question = found.value();
  std::string language = spec.language;
  if (!language_given)
    language = actors::default_language(question, [&](const std::string& name) {
      return ctx.svc->runs && ctx.svc->runs->supports(name);
    });
  auto starter = question.languages.find(language);
  if (starter == question.languages.end()) {
    std::string offered;
    for (const auto& [name, entry] : question.languages)
      offered += (offered.empty() ? "" : ", ") + name;
    return json_error(req, http::status::bad_request, domain::error_code::unsupported_language,
                      "question \"" + question.question_id + "\" has no starter for " + language +
                          " (it has: " + offered + ")");
  }
  spec.language = language;
  spec.doc = starter->second.starter;
  spec.question = domain::events::to_json(actors::question_event(question, language));
  if (spec.title.empty()) spec.title = question.title;
  return std::nullopt;
}

std::unique_ptr<questions::question_store> open_question_store(const actors::services& svc) {
  if (svc.store == nullptr || svc.store->questions_cf() == nullptr) return nullptr;
  std::set<std::string> languages = {"plaintext"};
  if (svc.runs)
    for (const auto& rt : svc.runs->runtimes()) languages.insert(rt.language);
  return std::make_unique<questions::question_store>(svc.store->raw_db(), svc.store->questions_cf(),
                                                     std::move(languages));
}

response question_routes(context& ctx, const request& req, const std::vector<std::string>& parts,
                         const target_parts& t) {
  if (parts.size() > 3)
    return json_error(req, http::status::not_found, domain::error_code::not_found,
                      "no such endpoint");
  auto role = identify(ctx, req, t);
  if (auto* refused = std::get_if<response>(&role)) return std::move(*refused);
  caller who = std::get<caller>(role);
  if (!ctx.questions)
    return json_error(req, http::status::service_unavailable, domain::error_code::unavailable,
                      "this data dir has no question library");
  bool write = req.method() != http::verb::get;
  if (write && who == caller::interviewer)
    return json_error(req, http::status::forbidden, domain::error_code::forbidden,
                      "only the admin or a signed-in account changes the question library");
  if (parts.size() == 2) {
    if (req.method() == http::verb::get) return list_questions(ctx, req);
    if (req.method() == http::verb::post) return post_question(ctx, req);
    return method_not_allowed(req);
  }
  const std::string& id = parts[2];
  if (req.method() == http::verb::get) return get_question(ctx, req, id, t, who);
  if (req.method() == http::verb::put) return put_question(ctx, req, id);
  if (req.method() == http::verb::delete_) return delete_question(ctx, req, id);
  return method_not_allowed(req);
}

}  // namespace rooms::gateway::detail
