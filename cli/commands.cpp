/// list, inspect, events: the commands that read; and the shared helpers (maintenance.cpp has
/// the ones that change or copy the data).

#include "cli/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/error.hpp"
#include "cli/format.hpp"
#include "eventlog/event.hpp"

namespace rooms::cli {

namespace {

constexpr std::size_t event_page = 10'000;  // the server's largest /events page
constexpr std::size_t list_page = 1000;     // the server's largest listing page

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) {
  g_interrupted.store(true);
}

std::int64_t now() {
  return eventlog::now_ms();
}

std::string read_token_file(const std::string& path) {
  std::ifstream in(path);
  std::string token;
  if (in) std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  return token;
}

std::string yes_no(bool v) {
  return v ? "yes" : "no";
}

std::string participants_cell(const json& row) {
  if (!row.value("live", false)) return "-";
  return std::to_string(row.value("participants", json::array()).size());
}

}  // namespace

std::string row_title(const json& row) {
  return printable(row.value("title", ""));
}

// -- context --

context::context(global_options options) : options_(std::move(options)) {}

std::string context::resolve_token() const {
  if (!options_.token.empty()) return options_.token;
  if (const char* env = std::getenv("ROOMD_ADMIN_TOKEN"); env && *env) return env;
  return read_token_file((std::filesystem::path(options_.data_dir) / "admin.token").string());
}

backend& context::reader() {
  if (!backend_)
    backend_ = offline() ? make_offline_backend(options_.db, false)
                         : make_online_backend(options_.server, resolve_token());
  return *backend_;
}

backend& context::writer() {
  if (!backend_)
    backend_ = offline() ? make_offline_backend(options_.db, true)
                         : make_online_backend(options_.server, resolve_token());
  return *backend_;
}

// -- helpers --

bool interrupted() {
  return g_interrupted.load();
}

void install_interrupt_handler() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

void sleep_interruptible(std::int64_t ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!interrupted() && std::chrono::steady_clock::now() < until) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(50)));
  }
}

void check_session_id(const std::string& id) {
  if (!eventlog::session_id::parse(id))
    throw cli_error(exit_code::usage, "\"" + id + "\" is not a session id (a UUID)");
}

std::vector<json> all_sessions(backend& b, const std::string& state) {
  std::vector<json> rows;
  std::string cursor;
  for (;;) {
    auto page = b.list(state, list_page, cursor);
    for (auto& row : page["sessions"]) rows.push_back(std::move(row));
    if (!page["next"].is_string()) break;
    cursor = page["next"].get<std::string>();
  }
  return rows;
}

std::vector<json> fetch_events(backend& b, const std::string& id, std::uint64_t from,
                               std::uint64_t max) {
  std::vector<json> out;
  progress bar("events");
  for (;;) {
    std::size_t want = event_page;
    if (max != 0) want = static_cast<std::size_t>(std::min<std::uint64_t>(want, max - out.size()));
    auto page = b.events(id, from, want);
    for (auto& e : page["events"]) out.push_back(std::move(e));
    if (!page["next"].is_number_unsigned() || (max != 0 && out.size() >= max)) break;
    bar.update(out.size());  // only sessions longer than one page are worth a progress line
    from = page["next"].get<std::uint64_t>();
  }
  return out;
}

// -- list --

int run_list(context& ctx, const list_args& args) {
  auto& b = ctx.reader();
  std::vector<json> rows;
  if (args.sort == "activity") {
    // The server already orders by activity: read only as many pages as the limit needs.
    std::string cursor;
    while (rows.size() < args.limit) {
      auto page = b.list(args.state, std::min(list_page, args.limit - rows.size()), cursor);
      for (auto& row : page["sessions"]) rows.push_back(std::move(row));
      if (!page["next"].is_string()) break;
      cursor = page["next"].get<std::string>();
    }
  } else {
    rows = all_sessions(b, args.state);
    const char* key = args.sort == "created"  ? "createdAt"
                      : args.sort == "events" ? "events"
                                              : "bytes";
    std::stable_sort(rows.begin(), rows.end(), [&](const json& a, const json& z) {
      return a.value(key, std::int64_t{0}) > z.value(key, std::int64_t{0});
    });
  }
  if (rows.size() > args.limit) rows.resize(args.limit);
  if (ctx.options().json) {
    std::cout << json{{"sessions", rows}}.dump() << '\n';
    return 0;
  }
  if (rows.empty()) {
    std::cout << "no sessions\n";
    return 0;
  }
  if (!b.knows_live())
    std::cerr << "note: reading " << b.describe() << " directly: who is connected is unknown\n";
  table t({"ID", "LANGUAGE", "TITLE", "EVENTS", "SIZE", "PARTICIPANTS", "LIVE", "LAST ACTIVITY",
           "EXPIRES"},
          {false, false, false, true, true, true, false, false, false});
  const auto at = now();
  for (const auto& row : rows) {
    auto expires = row.value("expiresAt", std::int64_t{0});
    t.add_row({row.value("sessionId", ""), row.value("language", ""), truncate(row_title(row), 30),
               std::to_string(row.value("events", std::uint64_t{0})),
               human_bytes(row.value("bytes", std::uint64_t{0})), participants_cell(row),
               b.knows_live() ? yes_no(row.value("live", false)) : "?",
               relative_time(row.value("lastActivityAt", std::int64_t{0}), at),
               expires > at ? relative_time(expires, at) : "due"});
  }
  t.print(std::cout);
  return 0;
}

// -- inspect --

int run_inspect(context& ctx, const inspect_args& args) {
  check_session_id(args.id);
  auto& b = ctx.reader();
  auto body = b.inspect(args.id);
  if (ctx.options().json) {
    std::cout << body.dump() << '\n';
    return 0;
  }
  const auto at = now();
  const json& state = body["state"];
  auto when = [&](const char* key) {
    auto ms = body.value(key, std::int64_t{0});
    return iso_time(ms) + " (" + relative_time(ms, at) + ")";
  };
  std::ostream& out = std::cout;
  out << "session        " << body.value("sessionId", "") << '\n'
      << "title          " << printable(state.value("title", body.value("title", ""))) << '\n'
      << "language       " << state.value("language", "") << " (created as "
      << body.value("language", "") << ")\n"
      << "created        " << when("createdAt") << '\n'
      << "last activity  " << when("lastActivityAt") << '\n'
      << "expires        " << when("expiresAt") << '\n'
      << "events         " << body.value("events", std::uint64_t{0}) << " ("
      << human_bytes(body.value("bytes", std::uint64_t{0})) << ")\n";
  const json by_type = body.value("eventsByType", json::object());
  for (const auto& [type, count] : by_type.items())
    out << "  " << type << std::string(type.size() < 20 ? 20 - type.size() : 1, ' ') << count.dump()
        << '\n';
  if (b.knows_live()) {
    const auto& live = body.value("participants", json::array());
    out << "live           "
        << (body.value("live", false) ? "yes, " + std::to_string(live.size()) + " connected" : "no")
        << '\n';
    for (const auto& p : live)
      out << "  " << p.value("participantId", "") << "  " << printable(p.value("name", "")) << "  "
          << p.value("role", "") << '\n';
  } else {
    out << "live           unknown (reading " << b.describe() << " directly)\n";
  }
  const auto& logged = state.value("participants", json::array());
  out << "participants   " << logged.size() << " joined and not left, as logged\n";
  for (const auto& p : logged)
    out << "  " << p.value("participantId", "") << "  " << printable(p.value("name", "")) << "  "
        << p.value("role", "") << '\n';
  if (state.contains("lastRun") && state["lastRun"].is_object()) {
    const auto& run = state["lastRun"];
    out << "last run       exit " << run.value("exitCode", json(nullptr)).dump()
        << (run.value("timedOut", false) ? ", timed out" : "") << '\n';
  }
  if (state.contains("terminal") && state["terminal"].is_object()) {
    const auto& t = state["terminal"];
    out << "terminal       " << (t.value("repl", false) ? "REPL " : "run ")
        << printable(t.value("language", "")) << ", "
        << (t.value("active", false) ? "running" : "ended") << ", "
        << human_bytes(t.value("data", "").size()) << " of output\n";
  }
  const std::string doc = state.value("doc", "");
  std::size_t lines =
      doc.empty() ? 0 : static_cast<std::size_t>(std::count(doc.begin(), doc.end(), '\n')) + 1;
  out << "document       version " << state.value("version", std::uint64_t{0}) << ", " << lines
      << " lines, " << human_bytes(doc.size()) << '\n';
  std::istringstream text(doc);
  std::string line;
  for (std::size_t n = 1; n <= args.lines && std::getline(text, line); ++n) {
    std::string num = std::to_string(n);
    out << std::string(num.size() < 4 ? 4 - num.size() : 0, ' ') << num << " | " << printable(line)
        << '\n';
  }
  if (lines > args.lines) out << "     ... " << lines - args.lines << " more lines\n";
  return 0;
}

// -- events --

int run_events(context& ctx, const events_args& args) {
  check_session_id(args.id);
  auto& b = ctx.reader();
  if (args.follow) install_interrupt_handler();
  std::uint64_t from = args.from;
  std::uint64_t printed = 0;
  for (;;) {
    std::size_t want = event_page;
    if (args.limit != 0)
      want = static_cast<std::size_t>(std::min<std::uint64_t>(want, args.limit - printed));
    json page;
    try {
      page = b.events(args.id, from, want);
    } catch (const cli_error& e) {
      // The session may be expired while we follow it: that is an end, said once.
      if (args.follow && e.code() == exit_code::not_found && printed > 0) {
        std::cerr << "roomctl: session " << args.id << " is gone (expired)\n";
        return static_cast<int>(exit_code::not_found);
      }
      throw;
    }
    for (const auto& e : page["events"]) {
      std::cout << e.dump() << '\n';
      from = e.value("seq", from) + 1;
      ++printed;
    }
    std::cout.flush();
    if (args.limit != 0 && printed >= args.limit) return 0;
    if (page["next"].is_number_unsigned()) continue;
    if (!args.follow) return 0;
    sleep_interruptible(static_cast<std::int64_t>(args.interval_ms));
    if (interrupted()) return 0;
    b.refresh();
  }
}

}  // namespace rooms::cli
