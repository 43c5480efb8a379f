// The Piston backend: rooms::fetch for HTTP, nlohmann::json for the wire format.

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "fetch/fetch.hpp"
#include "runner/piston.hpp"
#include "runner/runner.hpp"

namespace rooms::runner {
namespace detail {

using json = nlohmann::json;

namespace {

struct name_pair {
  const char* ours;
  const char* theirs;
};
// Only names that differ; Piston calls node "javascript" too, python "python", and so on.
constexpr name_pair renamed[] = {
    {"cpp", "c++"}, {"csharp", "csharp.net"}, {"fsharp", "fsharp.net"}};

std::string str_or_empty(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// A finished Piston stage.
struct stage_view {
  std::string stdout_data, stderr_data, output, signal, status, message;
  std::optional<long long> code;
  std::optional<long long> wall_time;
};

stage_view read_stage(const json& s) {
  stage_view v;
  v.stdout_data = str_or_empty(s, "stdout");
  v.stderr_data = str_or_empty(s, "stderr");
  v.output = str_or_empty(s, "output");
  v.signal = str_or_empty(s, "signal");
  v.status = str_or_empty(s, "status");
  v.message = str_or_empty(s, "message");
  if (auto it = s.find("code"); it != s.end() && it->is_number_integer())
    v.code = it->get<long long>();
  if (auto it = s.find("wall_time"); it != s.end() && it->is_number())
    v.wall_time = it->get<long long>();
  return v;
}

}  // namespace

std::string to_piston_language(const std::string& ours) {
  for (const auto& p : renamed) {
    if (ours == p.ours) return p.theirs;
  }
  return ours;
}

std::string from_piston_language(const std::string& theirs) {
  for (const auto& p : renamed) {
    if (theirs == p.theirs) return p.ours;
  }
  return theirs;
}

bool parse_piston_runtimes(const std::string& body, std::vector<runtime>& out, std::string& error) {
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    error = "Piston returned a malformed runtimes list";
    return false;
  }
  out.clear();
  for (const auto& r : j) {
    if (!r.is_object()) continue;
    runtime rt;
    rt.language = from_piston_language(str_or_empty(r, "language"));
    rt.version = str_or_empty(r, "version");
    if (rt.language.empty()) continue;
    if (auto it = r.find("aliases"); it != r.end() && it->is_array()) {
      for (const auto& a : *it) {
        if (a.is_string()) rt.aliases.push_back(a.get<std::string>());
      }
    }
    // Piston's own name stays usable as an alias ("c++" for "cpp").
    std::string theirs = str_or_empty(r, "language");
    if (theirs != rt.language) rt.aliases.push_back(theirs);
    out.push_back(std::move(rt));
  }
  return true;
}

std::string piston_execute_body(const std::string& piston_language, const std::string& version,
                                const std::string& file_name, const run_request& request,
                                long run_timeout_ms, long compile_timeout_ms) {
  json body = {{"language", piston_language},
               {"version", version},
               {"files", json::array({{{"name", file_name}, {"content", request.code}}})},
               {"stdin", request.stdin_data},
               {"run_timeout", run_timeout_ms},
               {"compile_timeout", compile_timeout_ms}};
  // Invalid UTF-8 in the document must not make dump() throw.
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

run_result parse_piston_execute(const std::string& body) {
  run_result r;
  auto j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    r.exit_code = -1;
    r.error = "Piston returned a malformed execute response";
    return r;
  }
  if (auto it = j.find("compile"); it != j.end() && it->is_object()) {
    auto c = read_stage(*it);
    r.compile_output = !c.output.empty() ? c.output : c.stdout_data + c.stderr_data;
    bool failed = (c.code && *c.code != 0) || !c.signal.empty() ||
                  (!c.status.empty() && c.status != "OK") || (!c.code && c.signal.empty());
    if (failed) {
      r.compile_failed = true;
      r.exit_code = c.code ? static_cast<int>(*c.code) : -1;
      r.signal = c.signal;
      r.timed_out = c.status == "TO";
      if (c.status == "XX") r.error = "Piston internal error: " + c.message;
      return r;  // the program never ran (Piston may still send an empty run stage)
    }
  }
  auto it = j.find("run");
  if (it == j.end() || !it->is_object()) {
    r.exit_code = -1;
    r.error = "Piston response has no run stage";
    return r;
  }
  auto s = read_stage(*it);
  r.stdout_data = s.stdout_data;
  r.stderr_data = s.stderr_data;
  r.signal = s.signal;
  r.exit_code = s.code && s.signal.empty() ? static_cast<int>(*s.code) : -1;
  // Status codes of Piston's isolate-based engine: TO timed out, SG signal, OL stdout and EL
  // stderr over the output limit, RE runtime error, XX internal error.
  r.timed_out = s.status == "TO";
  r.truncated = s.status == "OL" || s.status == "EL";
  if (s.status == "XX") r.error = "Piston internal error: " + s.message;
  if (s.wall_time) r.duration_ms = *s.wall_time;
  return r;
}

}  // namespace detail

namespace {

using json = nlohmann::json;

using http_response = fetch::response;

class piston_runner final : public runner {
 public:
  explicit piston_runner(const piston_options& options) : options_(options) {
    while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
  }

  std::string name() const override { return "piston"; }

  std::vector<runtime> runtimes() const override {
    std::string error;
    auto list = cached_runtimes(error);
    return list ? *list : std::vector<runtime>{};
  }

  run_result run(const run_request& request) override {
    run_result r;
    r.exit_code = -1;
    std::string error;
    auto list = cached_runtimes(error);
    if (!list) {
      r.error = error;
      return r;
    }
    const runtime* rt = nullptr;
    for (const auto& candidate : *list) {
      if (candidate.language == request.language) rt = &candidate;
      for (const auto& a : candidate.aliases) {
        if (rt == nullptr && a == request.language) rt = &candidate;
      }
      if (rt != nullptr) break;
    }
    if (rt == nullptr) {
      r.error = "unsupported language: " + request.language + " (not offered by Piston at " +
                options_.url + ")";
      return r;
    }
    std::string theirs = detail::to_piston_language(rt->language);
    std::string body = detail::piston_execute_body(
        theirs, rt->version, file_name(rt->language, request.code), request,
        static_cast<long>(request.run_timeout.value_or(options_.run_timeout).count()),
        static_cast<long>(options_.compile_timeout.count()));
    auto start = std::chrono::steady_clock::now();
    auto response = request_json("POST", "/api/v2/execute", body);
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - start)
                       .count();
    if (!response.error.empty()) {
      r.error = response.error;
      return r;
    }
    if (response.status < 200 || response.status > 299) {
      r.error = status_error(response);
      return r;
    }
    r = detail::parse_piston_execute(response.body);
    if (r.duration_ms == 0) r.duration_ms = elapsed;
    return r;
  }

 private:
  /// Piston compiles the first file; Java needs the class name as the file name.
  static std::string file_name(const std::string& language, const std::string&) {
    if (language == "java") return "Main.java";
    return "main";
  }

  std::string status_error(const http_response& response) const {
    std::string message;
    auto j = json::parse(response.body, nullptr, false);
    if (!j.is_discarded() && j.is_object()) {
      if (auto it = j.find("message"); it != j.end() && it->is_string())
        message = it->get<std::string>();
    }
    if (message.empty()) message = response.body.substr(0, 200);
    return "Piston at " + options_.url + " answered HTTP " + std::to_string(response.status) +
           (message.empty() ? "" : ": " + message);
  }

  /// The runtimes list, fetched once and cached; an error is not cached (retried next call).
  std::optional<std::vector<runtime>> cached_runtimes(std::string& error) const {
    {
      std::lock_guard lock(mutex_);
      if (runtimes_) return runtimes_;
    }
    auto response = request_json("GET", "/api/v2/runtimes", "");
    if (!response.error.empty()) {
      error = response.error;
      return std::nullopt;
    }
    if (response.status < 200 || response.status > 299) {
      error = status_error(response);
      return std::nullopt;
    }
    std::vector<runtime> list;
    if (!detail::parse_piston_runtimes(response.body, list, error)) return std::nullopt;
    std::lock_guard lock(mutex_);
    runtimes_ = std::move(list);
    return runtimes_;
  }

  http_response request_json(const char* method, const std::string& path,
                             const std::string& body) const {
    fetch::request r;
    r.method = method;
    r.url = options_.url + path;
    r.headers = {"Accept: application/json"};
    r.connect_timeout = options_.connect_timeout;
    r.timeout = options_.total_timeout;
    // A runaway server must not grow us without bound: 64 MiB is far beyond any sane answer.
    r.max_body = std::size_t{64} << 20;
    if (r.method == "POST") {
      r.headers.emplace_back("Content-Type: application/json");
      r.body = body;
    }
    auto out = fetch::perform(r);
    if (!out.error.empty())
      out.error = "Piston at " + options_.url + " is unreachable: " + out.error;
    return out;
  }

  piston_options options_;
  mutable std::mutex mutex_;
  mutable std::optional<std::vector<runtime>> runtimes_;
};

}  // namespace

std::unique_ptr<runner> make_piston_runner(const piston_options& options) {
  return std::make_unique<piston_runner>(options);
}

}  // namespace rooms::runner
