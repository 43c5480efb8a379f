/// Fuzz target (f): an HTTP request as bytes, parsed by Beast with the server's limits, then
/// routed the way gateway/server.cpp routes it: `is_api_request` -> `handle_api` (REST, /health,
/// /metrics), else `handle_static` (the web build). The gateway runs for real: a RocksDB store in
/// a temp dir, a CAF actor system with the registry, created once per process
/// (LLVMFuzzerInitialize; the g++ corpus replayer calls it too).
///
/// Fixed secrets so that inputs can reach authorised handlers (they are in http.dict and the
/// seeds): admin token `fuzz-admin-token-0123456789abcdef`, and two imported sessions whose
/// interviewer key is `fuzz-interviewer-key-0123456789ab`: 3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b
/// (a small interview: joins, edits, cursor, language, run, note, leave) and
/// 7e6d5c4b-3a29-4817-8a6b-5c4d3e2f1a0b (a victim that an input may expire: it is imported
/// again after such an input). The web dir holds index.html and assets/app.js; a file next to
/// it holds a marker that must never be served.
///
/// Invariants: handle_api/handle_static never throw; the status is a known HTTP status and never
/// 500 (handle_api's catch-all, i.e. a bug); the response has the request's HTTP version and
/// keep-alive; a JSON response parses, and a JSON error (>= 400) is {"error":string,
/// "message":string}; 204 and 304 have no body; no body contains the admin token or the
/// fixture's interviewer key unless the request carries it in its target or body; no body
/// contains the marker of the file outside the web dir.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/metrics.hpp"
#include "actors/room.hpp"
#include "actors/run_queue.hpp"
#include "base/log.hpp"
#include "eventlog/event.hpp"
#include "eventlog/store.hpp"
#include "gateway/detail/context.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

namespace fs = std::filesystem;
namespace gd = rooms::gateway::detail;
namespace http = boost::beast::http;
using json = nlohmann::json;

constexpr const char* admin_token = "fuzz-admin-token-0123456789abcdef";
constexpr const char* interviewer_key = "fuzz-interviewer-key-0123456789ab";
constexpr const char* fixture_id = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b";
constexpr const char* victim_id = "7e6d5c4b-3a29-4817-8a6b-5c4d3e2f1a0b";
constexpr const char* secret_marker = "FUZZ-SECRET-OUTSIDE-WEB-DIR-7f3e";

/// The gateway's world, alive for the whole process (never destroyed: libFuzzer exits with
/// threads running; the temp dir is removed by an atexit handler).
struct world {
  fs::path dir;
  std::unique_ptr<rooms::eventlog::store> store;
  rooms::actors::metrics stats;
  std::unique_ptr<rooms::actors::run_queue> runs;
  std::shared_ptr<rooms::actors::services> svc;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  rooms::actors::registry_actor registry;
  std::unique_ptr<gd::context> ctx;
  std::uint64_t inputs = 0;
};

world* w = nullptr;
std::string dir_to_remove;

void remove_dir() {
  std::error_code ec;
  if (!dir_to_remove.empty()) fs::remove_all(dir_to_remove, ec);
}

/// The export format (cli/export_format.hpp) of a session with the fixed interviewer key.
std::string import_body(const char* id, bool rich) {
  std::string out = json{{"type", "session"},
                         {"sessionId", id},
                         {"createdAt", rooms::eventlog::now_ms() - 3'600'000},
                         {"language", "python"},
                         {"title", "fuzz"},
                         {"keyHash", rooms::eventlog::sha256_hex(interviewer_key)}}
                        .dump() +
                    "\n";
  const char* lines[] = {
      R"({"seq":1,"ts":1700000000000,"type":"session_created","language":"python","title":"fuzz"})",
      R"({"seq":2,"ts":1700000001000,"type":"participant_joined","participantId":"p_1","participant":{"participantId":"p_1","name":"Ada","role":"interviewer","color":"#e5484d"},"resumeHash":"8d969eef6ecad3c29a3a629280e686cf0c3f5d5a86aff3ca12020c923adc6c92"})",
      R"({"seq":3,"ts":1700000002000,"type":"participant_joined","participantId":"p_2","participant":{"participantId":"p_2","name":"Bob","role":"candidate","color":"#3e63dd"}})",
      R"({"seq":4,"ts":1700000003000,"type":"code_changed","participantId":"p_2","version":1,"clientID":"c2","changes":[[0,"def f():","  return 1"]]})",
      R"({"seq":5,"ts":1700000004000,"type":"cursor_moved","participantId":"p_2","version":1,"anchor":3,"head":5})",
      R"({"seq":6,"ts":1700000005000,"type":"code_changed","participantId":"p_2","version":2,"clientID":"c2","changes":[19,[0,"0"]]})",
      R"({"seq":7,"ts":1700000006000,"type":"language_changed","participantId":"p_1","language":"javascript"})",
      R"({"seq":8,"ts":1700000007000,"type":"run_started","participantId":"p_2","runId":"r1","language":"javascript","version":2})",
      R"({"seq":9,"ts":1700000008000,"type":"run_finished","participantId":"p_2","runId":"r1","stdout":"","stderr":"","exitCode":0,"signal":null,"timedOut":false,"truncated":false,"durationMs":12})",
      R"({"seq":10,"ts":1700000009000,"type":"note_added","participantId":"p_1","noteId":"n1","text":"good"})",
      R"({"seq":11,"ts":1700000010000,"type":"focus_changed","participantId":"p_2","focused":false})",
      R"({"seq":12,"ts":1700000011000,"type":"participant_left","participantId":"p_2","reason":"left"})",
  };
  // Timestamps an hour ago (the store expires a session 24 h after its last activity).
  const std::int64_t base = rooms::eventlog::now_ms() - 3'600'000;
  std::size_t n = rich ? std::size(lines) : 4;
  for (std::size_t i = 0; i < n; ++i) {
    std::string line = lines[i];
    auto at = line.find("\"ts\":1700000");
    line.replace(at + 5, 13, std::to_string(base + static_cast<std::int64_t>(i) * 1000));
    out += line + "\n";
  }
  return out;
}

gd::request make_request(http::verb method, std::string target, std::string body) {
  gd::request req{method, target, 11};
  req.set(http::field::authorization, std::string("Bearer ") + admin_token);
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

/// Imports a fixture session (with the admin token); true when it exists afterwards.
bool ensure_session(const char* id, bool rich) {
  auto sid = rooms::eventlog::session_id::parse(id);
  FUZZ_CHECK(sid.has_value());
  if (w->store->meta(*sid).ok()) return true;
  auto res = gd::handle_api(
      *w->ctx, make_request(http::verb::post, "/api/admin/import", import_body(id, rich)),
      "127.0.0.1");
  if (res.result() != http::status::created) {
    std::fprintf(stderr, "fuzz_http: importing fixture %s answered %d: %s\n", id, res.result_int(),
                 res.body().c_str());
    return false;
  }
  return true;
}

/// Keeps the store small: sessions the inputs created (POST /api/sessions, fork, import) are
/// expired and swept now and then, so a long run neither fills the disk nor makes listing slow.
void prune_sessions() {
  std::vector<rooms::eventlog::session_id> doomed;
  rooms::eventlog::list_options opts;
  opts.limit = 1000;
  for (;;) {
    auto page = w->store->list(opts);
    if (!page.ok()) return;
    for (const auto& m : page->sessions) {
      auto id = m.id.str();
      if (id != fixture_id && id != victim_id) doomed.push_back(m.id);
    }
    if (page->next.empty()) break;
    opts.cursor = page->next;
  }
  for (const auto& id : doomed) (void)w->store->expire(id);
}

void setup() {
  if (w) return;
  rooms::log::set_level(rooms::log::level::off);
  char tmpl[] = "/tmp/fuzz_http.XXXXXX";
  FUZZ_CHECK(::mkdtemp(tmpl) != nullptr);
  w = new world;
  w->dir = tmpl;
  dir_to_remove = tmpl;
  std::atexit(remove_dir);
  // Web dir with the app, and a secret next to it that a path traversal would reveal.
  fs::create_directories(w->dir / "web" / "assets");
  std::ofstream(w->dir / "web" / "index.html") << "<!doctype html><title>fuzz</title>";
  std::ofstream(w->dir / "web" / "assets" / "app.js") << "console.log('fuzz');";
  std::ofstream(w->dir / "secret.txt") << secret_marker;
  std::ofstream(w->dir / "web" / "secret.txt.map") << "{}";
  std::error_code ec;
  fs::create_symlink(w->dir / "secret.txt", w->dir / "web" / "assets" / "link.js", ec);

  rooms::eventlog::store_options so;
  so.path = (w->dir / "data").string();
  so.min_free_bytes = 0;
  auto opened = rooms::eventlog::store::open(so);
  FUZZ_CHECK(opened.ok());
  w->store = std::move(*opened);
  w->runs = std::make_unique<rooms::actors::run_queue>(nullptr, 1, 4);
  w->svc = std::make_shared<rooms::actors::services>();
  w->svc->store = w->store.get();
  w->svc->runs = w->runs.get();
  w->svc->stats = &w->stats;
  w->cfg.set("scheduler.policy", caf::atom("sharing"));
  w->cfg.set("scheduler.max-threads", 2);
  w->system = std::make_unique<caf::actor_system>(w->cfg);
  w->registry = rooms::actors::spawn_registry(*w->system, w->svc);
  rooms::gateway::gateway_options go;
  go.admin_token = admin_token;
  go.web_dir = (w->dir / "web").string();
  w->ctx = std::make_unique<gd::context>(go, *w->system, w->registry, w->svc);
  FUZZ_CHECK(ensure_session(fixture_id, true));
  FUZZ_CHECK(ensure_session(victim_id, false));
}

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

void check_response(const gd::request& req, const gd::response& res, bool api) {
  const unsigned code = res.result_int();
  FUZZ_CHECK(code >= 100 && code <= 599);
  FUZZ_CHECK(http::int_to_status(code) != http::status::unknown);
  FUZZ_CHECK(res.result() != http::status::internal_server_error);
  FUZZ_CHECK(res.version() == req.version());
  FUZZ_CHECK(res.keep_alive() == req.keep_alive());
  if (code == 204 || code == 304) FUZZ_CHECK(res.body().empty());
  const std::string_view body = res.body();
  const std::string_view asked_target = req.target();
  const std::string_view asked_body = req.body();
  for (std::string_view secret : {std::string_view(admin_token), std::string_view(interviewer_key)})
    if (!contains(asked_target, secret) && !contains(asked_body, secret))
      FUZZ_CHECK(!contains(body, secret));
  FUZZ_CHECK(!contains(body, secret_marker));
  const std::string_view type = res[http::field::content_type];
  if (api) FUZZ_CHECK(!type.empty() || body.empty());
  if (type.rfind("application/json", 0) == 0) {
    auto parsed = json::parse(body, nullptr, false);
    FUZZ_CHECK(!parsed.is_discarded());
    if (code >= 400) {
      FUZZ_CHECK(parsed.is_object());
      FUZZ_CHECK(parsed.contains("error") && parsed["error"].is_string());
      FUZZ_CHECK(parsed.contains("message") && parsed["message"].is_string());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setup();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  setup();
  // As gateway/server.cpp reads a request: header limit 16 KiB, body limit max_body_bytes.
  http::request_parser<http::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(w->ctx->options.max_body_bytes);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (used < size && !parser.is_done()) {
    auto n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec) return 0;
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done() && parser.need_eof()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;
  gd::request req = parser.release();

  const bool api = gd::is_api_request(req);
  gd::response res;
  try {
    res = api ? gd::handle_api(*w->ctx, req, "127.0.0.1") : gd::handle_static(*w->ctx, req);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz_http: %s threw: %s\n", api ? "handle_api" : "handle_static",
                 e.what());
    FUZZ_CHECK(!"the handler threw");
  }
  static const bool verbose = std::getenv("FUZZ_HTTP_VERBOSE") != nullptr;
  if (verbose)
    std::fprintf(stderr, "fuzz_http: %s %s -> %u %.160s\n",
                 std::string(req.method_string()).c_str(), std::string(req.target()).c_str(),
                 res.result_int(), res.body().c_str());
  check_response(req, res, api);

  // An input may have expired the victim (DELETE) or created sessions: restore the fixtures.
  FUZZ_CHECK(ensure_session(fixture_id, true));
  FUZZ_CHECK(ensure_session(victim_id, false));
  if (++w->inputs % 5000 == 0) prune_sessions();
  return 0;
}
