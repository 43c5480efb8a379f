/// The two places `roomctl questions` reads and writes: roomd's /api/questions (online) and the
/// data dir's "questions" column family (offline, --db), the latter through the same
/// questions::question_store roomd serves.

#include <filesystem>

#include "base/log.hpp"
#include "cli/backend.hpp"
#include "cli/error.hpp"
#include "cli/http_client.hpp"
#include "cli/questions.hpp"
#include "eventlog/store.hpp"
#include "questions/question_store.hpp"
#include "runner/runner.hpp"

namespace rooms::cli {

namespace {

namespace q = rooms::questions;

/// A question as the API or the store answered it; a failure when it does not decode.
q::question decode(const json& j, const std::string& where) {
  auto decoded = q::from_json(j);
  if (!decoded.ok())
    throw cli_error(exit_code::failure, where + " answered a question that does not decode: " +
                                            q::to_string(decoded.errors()));
  return std::move(decoded).value();
}

class online_questions final : public question_source {
 public:
  online_questions(std::string server, std::string token)
      : http_(std::move(server), std::move(token)) {}

  std::vector<json> list() override {
    json body = call_json("GET", "/api/questions", {}, {});
    if (!body.contains("questions") || !body["questions"].is_array())
      throw cli_error(exit_code::failure,
                      "roomd answered GET /api/questions without a \"questions\" list");
    return body["questions"].get<std::vector<json>>();
  }

  std::optional<q::question> find(const std::string& id) override {
    auto res = http_.call("GET", "/api/questions/" + http_.escape(id) + "?solutions=1");
    if (res.status == 404) return std::nullopt;
    return decode(parse(check(res, "GET", "/api/questions/" + id, id), "GET"), http_.base_url());
  }

  q::question create(const q::question& question) override {
    return decode(
        call_json("POST", "/api/questions", q::to_json(question, q::with_solutions::yes).dump(),
                  question.question_id),
        http_.base_url());
  }

  q::question update(const q::question& question) override {
    return decode(
        call_json("PUT", "/api/questions/" + http_.escape(question.question_id),
                  q::to_json(question, q::with_solutions::yes).dump(), question.question_id),
        http_.base_url());
  }

  void remove(const std::string& id) override {
    auto target = "/api/questions/" + http_.escape(id);
    (void)check(http_.call("DELETE", target), "DELETE", target, id);
  }

 private:
  /// The answer when 2xx, else the cli_error it means. `id`: the question a 404 is about.
  http_response check(http_response res, const std::string& method, const std::string& target,
                      const std::string& id) {
    if (res.status == 0)
      throw cli_error(exit_code::failure,
                      "cannot reach roomd at " + http_.base_url() + " (" + res.error +
                          "); pass --server URL, or open a data dir directly with --db DIR");
    if (res.status >= 200 && res.status < 300) return res;
    auto parsed = json::parse(res.body, nullptr, false);
    std::string message =
        parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()
            ? parsed["message"].get<std::string>()
            : res.body.substr(0, 200);
    switch (res.status) {
      case 400:
        throw cli_error(exit_code::failure, "roomd refused question \"" + id + "\": " + message);
      case 401:
        throw cli_error(
            exit_code::failure,
            "roomd at " + http_.base_url() +
                " wants the admin token: pass --token T, set ROOMD_ADMIN_TOKEN, or point "
                "--data-dir at the server's data dir (its admin.token)");
      case 403:
        throw cli_error(exit_code::failure,
                        "roomd at " + http_.base_url() + " refused the admin token: " + message);
      case 404:
        if (!id.empty()) throw cli_error(exit_code::not_found, "no question " + id);
        throw cli_error(exit_code::failure, "roomd at " + http_.base_url() + " has no " + target +
                                                "; is it an older roomd?");
      case 409:
        throw cli_error(exit_code::failure, message);
      default:
        throw cli_error(exit_code::failure, "roomd answered " + std::to_string(res.status) +
                                                " to " + method + " " + target + ": " + message);
    }
  }

  json parse(const http_response& res, const std::string& method) {
    auto parsed = json::parse(res.body, nullptr, false);
    if (parsed.is_discarded())
      throw cli_error(exit_code::failure,
                      "roomd answered " + method + " with something that is not JSON");
    return parsed;
  }

  json call_json(const std::string& method, const std::string& target, const std::string& body,
                 const std::string& id) {
    return parse(check(http_.call(method, target, body), method, target, id), method);
  }

  http_client http_;
};

class offline_questions final : public question_source {
 public:
  offline_questions(std::string dir, std::unique_ptr<eventlog::store> log,
                    std::set<std::string> languages)
      : dir_(std::move(dir)), log_(std::move(log)) {
    if (log_->questions_cf() != nullptr)
      store_ = std::make_unique<q::question_store>(log_->raw_db(), log_->questions_cf(),
                                                   std::move(languages));
  }

  std::vector<json> list() override {
    if (!store_)
      return {};  // a data dir from before the library, opened read-only: no questions yet
    std::vector<json> rows;
    for (const auto& question : value(store_->list(), {})) rows.push_back(q::list_row(question));
    return rows;
  }

  std::optional<q::question> find(const std::string& id) override {
    if (!store_) return std::nullopt;
    auto got = store_->get(id);
    if (!got.ok() && got.status().code == q::store_errc::not_found) return std::nullopt;
    return value(std::move(got), id);
  }

  q::question create(const q::question& question) override {
    if (find(question.question_id))
      throw cli_error(exit_code::failure, "question \"" + question.question_id +
                                              "\" exists: use `roomctl questions edit`");
    return value(writable().put(question), question.question_id);
  }

  q::question update(const q::question& question) override {
    if (!find(question.question_id))
      throw cli_error(exit_code::not_found, "no question " + question.question_id);
    return value(writable().put(question), question.question_id);
  }

  void remove(const std::string& id) override {
    auto s = writable().remove(id);
    if (!s.ok()) fail(s, id);
  }

 private:
  q::question_store& writable() {
    if (!store_)
      throw cli_error(exit_code::failure,
                      "the data dir " + dir_ + " has no question library (opened read-only)");
    return *store_;
  }

  [[noreturn]] void fail(const q::store_status& s, const std::string& id) {
    switch (s.code) {
      case q::store_errc::not_found:
        throw cli_error(exit_code::not_found, "no question " + id);
      case q::store_errc::invalid:
        throw cli_error(exit_code::failure,
                        "question \"" + id + "\" refused: " + q::to_string(s.fields));
      default:
        throw cli_error(exit_code::failure,
                        "the question library in " + dir_ + " failed: " + s.message);
    }
  }

  template <class T>
  T value(q::store_result<T> r, const std::string& id) {
    if (!r.ok()) fail(r.status(), id);
    return std::move(r.value());
  }

  std::string dir_;
  std::unique_ptr<eventlog::store> log_;
  std::unique_ptr<q::question_store> store_;
};

/// The languages a question may use offline: what the local runner finds installed here
/// (its start-up probe is not run: seconds, and nothing runs) plus plaintext.
std::set<std::string> offline_languages() {
  runner::local_options options;
  options.probe = false;
  options.use_cgroups = false;
  // The runner logs its sandbox layers at info: roomd's start-up line, noise on roomctl's stderr.
  if (log::enabled(log::level::info)) log::set_level(log::level::warn);
  std::set<std::string> out = {"plaintext"};
  for (const auto& rt : runner::make_local_runner(options)->runtimes()) out.insert(rt.language);
  return out;
}

}  // namespace

std::unique_ptr<question_source> make_online_questions(std::string server, std::string token) {
  return std::make_unique<online_questions>(std::move(server), std::move(token));
}

std::unique_ptr<question_source> make_offline_questions(const std::string& dir, bool writable) {
  return std::make_unique<offline_questions>(dir, open_data_dir(dir, writable),
                                             offline_languages());
}

}  // namespace rooms::cli
