/// The Piston v2 API (/api/v2/runtimes, /api/v2/execute) served from our own runner with
/// --serve-piston, so one sandboxed roomd can be another's runner.

#include <future>
#include <memory>

#include "gateway/detail/http_util.hpp"
#include "runner/piston.hpp"

namespace rooms::gateway::detail {

namespace {

bool is_loopback(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address == "::1";
}

json piston_stage(const std::string& out, const std::string& err, int code,
                  const std::string& signal, const char* status) {
  return {{"stdout", out},
          {"stderr", err},
          {"output", out + err},
          {"code", code < 0 ? json() : json(code)},
          {"signal", signal.empty() ? json() : json(signal)},
          {"status", status ? json(status) : json()}};
}

}  // namespace

bool serves_piston(const context& ctx, const std::string& client) {
  return ctx.options.serve_piston && ctx.svc->runs &&
         (ctx.options.serve_piston_public || is_loopback(client));
}

response piston_runtimes(context& ctx, const request& req) {
  json out = json::array();
  for (const auto& rt : ctx.svc->runs->runtimes())
    out.push_back({{"language", runner::detail::to_piston_language(rt.language)},
                   {"version", rt.version},
                   {"aliases", rt.aliases}});
  return json_response(req, http::status::ok, out.dump());
}

response piston_execute(context& ctx, const request& req) {
  auto body = json::parse(req.body(), nullptr, false);
  auto bad = [&](const std::string& why) {
    return json_response(req, http::status::bad_request, json{{"message", why}}.dump());
  };
  if (!body.is_object() || !body.contains("language") || !body["language"].is_string())
    return bad("language is required");
  if (!body.contains("files") || !body["files"].is_array() || body["files"].empty() ||
      !body["files"][0].is_object() || !body["files"][0].contains("content") ||
      !body["files"][0]["content"].is_string())
    return bad("files[0].content is required");
  std::string language;
  if (!ctx.svc->runs->supports(runner::detail::from_piston_language(body["language"]), &language))
    return bad(body["language"].get<std::string>() + " runtime is unknown");
  runner::run_request run;
  run.language = language;
  run.code = body["files"][0]["content"];
  run.stdin_data = body.value("stdin", "");
  auto done = std::make_shared<std::promise<runner::run_result>>();
  auto result = done->get_future();
  if (!ctx.svc->runs->submit(std::move(run),
                             [done](runner::run_result r) { done->set_value(std::move(r)); }))
    return json_response(req, http::status::service_unavailable,
                         json{{"message", "the run queue is full"}}.dump());
  auto r = result.get();  // on the blocking pool: waiting here stalls no socket
  if (!r.error.empty())
    return json_response(req, http::status::internal_server_error,
                         json{{"message", r.error}}.dump());
  const char* status = r.timed_out ? "TO" : !r.signal.empty() ? "SG" : r.truncated ? "OL" : nullptr;
  json out = {{"language", runner::detail::to_piston_language(language)}, {"version", ""}};
  for (const auto& rt : ctx.svc->runs->runtimes())
    if (rt.language == language) out["version"] = rt.version;
  if (r.compile_failed || !r.compile_output.empty())
    out["compile"] = piston_stage("", r.compile_output, r.compile_failed ? 1 : 0, "", nullptr);
  if (!r.compile_failed)
    out["run"] = piston_stage(r.stdout_data, r.stderr_data, r.exit_code, r.signal, status);
  else
    out["run"] = piston_stage("", "", -1, "", nullptr);
  return json_response(req, http::status::ok, out.dump());
}

}  // namespace rooms::gateway::detail
