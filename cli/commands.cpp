/// list, inspect, events, expire, export, import, stats, compact; and the shared helpers.

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

#include "actors/import.hpp"
#include "base/duration.hpp"
#include "cli/error.hpp"
#include "cli/format.hpp"
#include "eventlog/event.hpp"

namespace rooms::cli {

namespace {

constexpr std::size_t event_page = 10'000;  // the server's largest /events page
constexpr std::size_t list_page = 1000;     // the server's largest listing page

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) { g_interrupted.store(true); }

std::int64_t now() { return eventlog::now_ms(); }

std::string read_token_file(const std::string& path) {
  std::ifstream in(path);
  std::string token;
  if (in) std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  return token;
}

std::string yes_no(bool v) { return v ? "yes" : "no"; }

/// Asks on stderr, reads a line from stdin; only "y"/"yes" agree. EOF is a no.
bool confirm(const std::string& question) {
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    std::cerr << '\n';
    return false;
  }
  std::transform(answer.begin(), answer.end(), answer.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return answer == "y" || answer == "yes";
}

std::string participants_cell(const json& row) {
  if (!row.value("live", false)) return "-";
  return std::to_string(row.value("participants", json::array()).size());
}

std::string row_title(const json& row) { return printable(row.value("title", "")); }

}  // namespace

// -- context --

context::context(global_options options) : options_(std::move(options)) {}

std::string context::resolve_token() const {
  if (!options_.token.empty()) return options_.token;
  if (const char* env = std::getenv("ROOMD_ADMIN_TOKEN"); env && *env) return env;
  return read_token_file((std::filesystem::path(options_.data_dir) / "admin.token").string());
}

backend& context::reader() {
  if (!backend_) backend_ = offline() ? make_offline_backend(options_.db, false) : make_online_backend(options_.server, resolve_token());
  return *backend_;
}

backend& context::writer() {
  if (!backend_) backend_ = offline() ? make_offline_backend(options_.db, true) : make_online_backend(options_.server, resolve_token());
  return *backend_;
}

// -- helpers --

bool interrupted() { return g_interrupted.load(); }

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
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(50)));
  }
}

void check_session_id(const std::string& id) {
  if (!eventlog::session_id::parse(id)) throw cli_error(exit_code::usage, "\"" + id + "\" is not a session id (a UUID)");
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

std::vector<json> fetch_events(backend& b, const std::string& id, std::uint64_t from, std::uint64_t max) {
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
    const char* key = args.sort == "created" ? "createdAt" : args.sort == "events" ? "events" : "bytes";
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
  if (!b.knows_live()) std::cerr << "note: reading " << b.describe() << " directly: who is connected is unknown\n";
  table t({"ID", "LANGUAGE", "TITLE", "EVENTS", "SIZE", "PARTICIPANTS", "LIVE", "LAST ACTIVITY", "EXPIRES"},
          {false, false, false, true, true, true, false, false, false});
  const auto at = now();
  for (const auto& row : rows) {
    auto expires = row.value("expiresAt", std::int64_t{0});
    t.add_row({row.value("sessionId", ""), row.value("language", ""), truncate(row_title(row), 30),
               std::to_string(row.value("events", std::uint64_t{0})), human_bytes(row.value("bytes", std::uint64_t{0})),
               participants_cell(row), b.knows_live() ? yes_no(row.value("live", false)) : "?",
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
      << "language       " << state.value("language", "") << " (created as " << body.value("language", "") << ")\n"
      << "created        " << when("createdAt") << '\n'
      << "last activity  " << when("lastActivityAt") << '\n'
      << "expires        " << when("expiresAt") << '\n'
      << "events         " << body.value("events", std::uint64_t{0}) << " (" << human_bytes(body.value("bytes", std::uint64_t{0}))
      << ")\n";
  const json by_type = body.value("eventsByType", json::object());
  for (const auto& [type, count] : by_type.items())
    out << "  " << type << std::string(type.size() < 20 ? 20 - type.size() : 1, ' ') << count.dump() << '\n';
  if (b.knows_live()) {
    const auto& live = body.value("participants", json::array());
    out << "live           " << (body.value("live", false) ? "yes, " + std::to_string(live.size()) + " connected" : "no") << '\n';
    for (const auto& p : live)
      out << "  " << p.value("participantId", "") << "  " << printable(p.value("name", "")) << "  " << p.value("role", "") << '\n';
  } else {
    out << "live           unknown (reading " << b.describe() << " directly)\n";
  }
  const auto& logged = state.value("participants", json::array());
  out << "participants   " << logged.size() << " joined and not left, as logged\n";
  for (const auto& p : logged)
    out << "  " << p.value("participantId", "") << "  " << printable(p.value("name", "")) << "  " << p.value("role", "") << '\n';
  if (state.contains("lastRun") && state["lastRun"].is_object()) {
    const auto& run = state["lastRun"];
    out << "last run       exit " << run.value("exitCode", json(nullptr)).dump() << (run.value("timedOut", false) ? ", timed out" : "")
        << '\n';
  }
  const std::string doc = state.value("doc", "");
  std::size_t lines = doc.empty() ? 0 : static_cast<std::size_t>(std::count(doc.begin(), doc.end(), '\n')) + 1;
  out << "document       version " << state.value("version", std::uint64_t{0}) << ", " << lines << " lines, "
      << human_bytes(doc.size()) << '\n';
  std::istringstream text(doc);
  std::string line;
  for (std::size_t n = 1; n <= args.lines && std::getline(text, line); ++n) {
    std::string num = std::to_string(n);
    out << std::string(num.size() < 4 ? 4 - num.size() : 0, ' ') << num << " | " << printable(line) << '\n';
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
    if (args.limit != 0) want = static_cast<std::size_t>(std::min<std::uint64_t>(want, args.limit - printed));
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

// -- expire --

int run_expire(context& ctx, const expire_args& args) {
  if (args.id.empty() == args.idle_for.empty())
    throw cli_error(exit_code::usage, "expire: give a session id or --idle-for DURATION (one of them)");
  std::vector<json> doomed;
  auto& b = (args.dry_run ? ctx.reader() : ctx.writer());
  if (!args.id.empty()) {
    check_session_id(args.id);
    doomed.push_back(b.inspect(args.id));
  } else {
    auto idle = base::parse_duration(args.idle_for);
    if (!idle) throw cli_error(exit_code::usage, "--idle-for: \"" + args.idle_for + "\" is not a duration like 90s, 30m, 24h, 7d");
    const auto cutoff = now() - idle->count();
    for (auto& row : all_sessions(b, "all"))
      if (row.value("lastActivityAt", std::int64_t{0}) <= cutoff) doomed.push_back(std::move(row));
  }
  const auto at = now();
  auto describe = [&](const json& row) {
    std::string text = row.value("sessionId", "") + "  " + truncate(row_title(row), 30) + "  " +
                       std::to_string(row.value("events", std::uint64_t{0})) + " events, last activity " +
                       relative_time(row.value("lastActivityAt", std::int64_t{0}), at);
    if (row.value("live", false))
      text += ", LIVE with " + std::to_string(row.value("participants", json::array()).size()) + " connected";
    return text;
  };
  if (args.dry_run) {
    if (ctx.options().json) {
      json ids = json::array();
      for (const auto& row : doomed) ids.push_back(row.value("sessionId", ""));
      std::cout << json{{"wouldExpire", ids}}.dump() << '\n';
      return 0;
    }
    std::cout << "would expire " << doomed.size() << " session" << (doomed.size() == 1 ? "" : "s") << '\n';
    for (const auto& row : doomed) std::cout << "  " << describe(row) << '\n';
    return 0;
  }
  if (doomed.empty()) {
    std::cout << "nothing to expire\n";
    return 0;
  }
  if (!args.yes) {
    for (const auto& row : doomed) std::cerr << "  " << describe(row) << '\n';
    if (!confirm("expire these " + std::to_string(doomed.size()) + " session(s) now? Their events are deleted")) {
      std::cerr << "roomctl: nothing expired (pass --yes to skip this question)\n";
      return static_cast<int>(exit_code::failure);
    }
  }
  json expired = json::array();
  for (const auto& row : doomed) {
    auto id = row.value("sessionId", "");
    try {
      b.expire(id);
      expired.push_back(id);
      if (!ctx.options().json) std::cout << "expired " << id << '\n';
    } catch (const cli_error& e) {
      // Gone in the meantime (another admin, or its own expiry): the goal is reached.
      if (e.code() != exit_code::not_found || args.id.size() != 0) throw;
    }
  }
  if (ctx.options().json) std::cout << json{{"expired", expired}}.dump() << '\n';
  return 0;
}

// -- export / import --

int run_export(context& ctx, const export_args& args) {
  check_session_id(args.id);
  auto& b = ctx.reader();
  auto body = b.inspect(args.id);
  std::string key_hash = body.value("keyHash", "");
  if (key_hash.empty())
    std::cerr << "roomctl: warning: " << b.describe()
              << " does not disclose the interviewer key hash; the imported copy keeps every event but its old "
                 "interviewer key will not work (export with --db DIR for a complete copy)\n";
  auto events = fetch_events(b, args.id, 1, 0);
  std::ostringstream text;
  text << actors::export_header(body.value("sessionId", args.id), body.value("createdAt", std::int64_t{0}), body.value("language", "plaintext"),
                        body.value("title", ""), key_hash)
              .dump()
       << '\n';
  for (const auto& e : events) text << e.dump() << '\n';
  if (args.output.empty() || args.output == "-") {
    std::cout << text.str() << std::flush;
    return 0;
  }
  // Write beside the target and rename, so a failed export never leaves a half file behind.
  const std::string tmp = args.output + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text.str();
    out.close();
    if (!out) throw cli_error(exit_code::failure, "cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, args.output, ec);
  if (ec) throw cli_error(exit_code::failure, "cannot rename " + tmp + " to " + args.output + ": " + ec.message());
  std::cerr << "exported " << events.size() << " events of " << args.id << " to " << args.output << '\n';
  return 0;
}

int run_import(context& ctx, const import_args& args) {
  std::string text;
  if (args.file == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str();
  } else {
    std::ifstream in(args.file, std::ios::binary);
    if (!in) throw cli_error(exit_code::failure, "cannot read " + args.file);
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  // Check locally first (the same validation roomd runs): a broken file is refused with its
  // line number before any upload.
  if (auto checked = actors::parse_import(text); !checked.ok())
    throw cli_error(exit_code::failure, "import: " + checked.error().message());
  auto answer = ctx.writer().import(text);
  if (ctx.options().json) {
    std::cout << answer.dump() << '\n';
    return 0;
  }
  std::cout << "imported session " << answer.value("sessionId", "") << " (" << answer.value("events", std::uint64_t{0}) << " events)\n";
  return 0;
}

// -- stats / compact --

int run_stats(context& ctx) {
  auto& b = ctx.reader();
  json out = b.stats();
  auto rows = all_sessions(b, "all");
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;
  std::uint64_t live = 0;
  for (const auto& row : rows) {
    events += row.value("events", std::uint64_t{0});
    bytes += row.value("bytes", std::uint64_t{0});
    if (row.value("live", false)) ++live;
  }
  out["sessionsStored"] = rows.size();
  out["sessionsLive"] = b.knows_live() ? json(live) : json(nullptr);
  out["events"] = events;
  out["bytes"] = bytes;
  // roomd reports a counter and its uptime, not a rate: the average is what can be said.
  if (!out.contains("appendRate") && out.contains("eventsAppended") && out.value("uptimeMs", std::int64_t{0}) > 0)
    out["appendRatePerSecAvg"] = out["eventsAppended"].get<double>() * 1000.0 / out["uptimeMs"].get<double>();
  if (ctx.options().json) {
    std::cout << out.dump() << '\n';
    return 0;
  }
  std::ostream& o = std::cout;
  o << "source            " << b.describe() << '\n';
  o << "sessions stored   " << rows.size() << '\n';
  o << "sessions live     " << (b.knows_live() ? std::to_string(live) : std::string("unknown (offline)")) << '\n';
  if (out.contains("roomsLive")) o << "rooms in memory   " << out["roomsLive"].dump() << '\n';
  if (out.contains("participantsConnected")) o << "connected         " << out["participantsConnected"].dump() << '\n';
  o << "events            " << events << '\n';
  o << "event bytes       " << human_bytes(bytes) << '\n';
  if (out.contains("liveSstBytes")) o << "on disk (SST)     " << human_bytes(out["liveSstBytes"].get<std::uint64_t>()) << '\n';
  if (out.contains("appendRate")) o << "append rate       " << out["appendRate"].dump() << " events/s\n";
  if (out.contains("appendRatePerSecAvg")) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", out["appendRatePerSecAvg"].get<double>());
    o << "appended          " << out["eventsAppended"].dump() << " since start (" << buf << " events/s on average over "
      << short_duration(out["uptimeMs"].get<std::int64_t>()) << ")\n";
  }
  return 0;
}

int run_compact(context& ctx) {
  auto answer = ctx.writer().compact();
  if (ctx.options().json) {
    std::cout << answer.dump() << '\n';
    return 0;
  }
  std::cout << "expired " << answer.value("expired", std::uint64_t{0}) << " overdue session(s); live SST bytes now "
            << human_bytes(answer.value("liveSstBytes", std::uint64_t{0})) << '\n';
  return 0;
}

}  // namespace rooms::cli
