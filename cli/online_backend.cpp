/// The online backend: roomd's admin REST API over HTTP (PROTOCOL.md "HTTP").

#include <optional>

#include "cli/backend.hpp"
#include "cli/error.hpp"
#include "cli/http_client.hpp"

namespace rooms::cli {

namespace {

class online_backend final : public backend {
 public:
  online_backend(std::string server, std::string token)
      : http_(std::move(server), std::move(token)) {}

  std::string describe() const override { return http_.base_url(); }
  bool knows_live() const override { return true; }

  json list(const std::string& state, std::size_t limit, const std::string& cursor) override {
    std::string target =
        "/api/admin/sessions?state=" + http_.escape(state) + "&limit=" + std::to_string(limit);
    if (!cursor.empty()) target += "&cursor=" + http_.escape(cursor);
    return call_json("GET", target, {}, {});
  }

  json interviews(const std::string& q, std::size_t limit, const std::string& cursor) override {
    std::string target = "/api/interviews?limit=" + std::to_string(limit);
    if (!q.empty()) target += "&q=" + http_.escape(q);
    if (!cursor.empty()) target += "&cursor=" + http_.escape(cursor);
    return call_json("GET", target, {}, {});
  }

  json inspect(const std::string& id) override {
    return call_json("GET", "/api/admin/sessions/" + id, {}, id);
  }

  json events(const std::string& id, std::uint64_t from, std::size_t limit) override {
    return call_json("GET",
                     "/api/sessions/" + id + "/events?from=" + std::to_string(from) +
                         "&limit=" + std::to_string(limit),
                     {}, id);
  }

  json state(const std::string& id, std::optional<std::uint64_t> seq,
             std::optional<std::int64_t> at_ms) override {
    std::string target = "/api/sessions/" + id + "/state";
    if (seq)
      target += "?seq=" + std::to_string(*seq);
    else if (at_ms)
      target += "?at=" + std::to_string(*at_ms);
    return call_json("GET", target, {}, id);
  }

  void expire(const std::string& id) override {
    (void)call("DELETE", "/api/admin/sessions/" + id, {}, id);
  }

  json import(const std::string& jsonl) override {
    return call_json("POST", "/api/admin/import", jsonl, {});
  }

  json stats() override { return call_json("GET", "/api/admin/stats", {}, {}); }

  json compact() override { return call_json("POST", "/api/admin/compact", "{}", {}); }

  json backup(const std::string& dir) override {
    return call_json("POST", "/api/admin/backup", json{{"dir", dir}}.dump(), {});
  }

 private:
  /// Sends a request and turns every non-2xx answer into a cli_error. `session` names the
  /// session a 404 is about (empty: a 404 means the endpoint is missing).
  http_response call(const std::string& method, const std::string& target, const std::string& body,
                     const std::string& session) {
    auto res = http_.call(method, target, body);
    if (res.status == 0)
      throw cli_error(exit_code::failure,
                      "cannot reach roomd at " + http_.base_url() + " (" + res.error +
                          "); pass --server URL, or read a data dir directly with --db DIR");
    if (res.status >= 200 && res.status < 300) return res;
    std::string message;
    auto parsed = json::parse(res.body, nullptr, false);
    if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string())
      message = parsed["message"];
    else
      message = res.body.substr(0, 200);
    switch (res.status) {
      case 401:
        throw cli_error(
            exit_code::failure,
            "roomd at " + http_.base_url() +
                " wants the admin token: pass --token T, set ROOMD_ADMIN_TOKEN, or point "
                "--data-dir at the server's data dir (its admin.token)");
      case 403:
        throw cli_error(
            exit_code::failure,
            "roomd at " + http_.base_url() +
                " refused the admin token (wrong token): pass the one from ROOMD_ADMIN_TOKEN or "
                "<data-dir>/admin.token with --token T");
      case 404:
        if (!session.empty())
          throw cli_error(exit_code::not_found, "no session " + session + " (unknown or expired)");
        throw cli_error(exit_code::failure, "roomd at " + http_.base_url() + " has no " + target +
                                                " (" + message + "); is it an older roomd?");
      default:
        throw cli_error(exit_code::failure,
                        "roomd answered " + std::to_string(res.status) + " to " + method + " " +
                            target.substr(0, target.find('?')) + ": " + message);
    }
  }

  json call_json(const std::string& method, const std::string& target, const std::string& body,
                 const std::string& session) {
    auto res = call(method, target, body, session);
    auto parsed = json::parse(res.body, nullptr, false);
    if (parsed.is_discarded())
      throw cli_error(exit_code::failure, "roomd answered " + method + " " + target +
                                              " with something that is not JSON");
    return parsed;
  }

  http_client http_;
};

}  // namespace

std::unique_ptr<backend> make_online_backend(std::string server, std::string token) {
  return std::make_unique<online_backend>(std::move(server), std::move(token));
}

}  // namespace rooms::cli
