/// expire, export, import, stats, compact: the commands that change or copy the data.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "actors/import.hpp"
#include "base/duration.hpp"
#include "cli/commands.hpp"
#include "cli/error.hpp"
#include "cli/format.hpp"
#include "eventlog/event.hpp"

namespace rooms::cli {

namespace {

std::int64_t now() {
  return eventlog::now_ms();
}

/// Asks on stderr, reads a line from stdin; only "y"/"yes" agree. EOF is a no.
bool confirm(const std::string& question) {
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    std::cerr << '\n';
    return false;
  }
  std::transform(answer.begin(), answer.end(), answer.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return answer == "y" || answer == "yes";
}

}  // namespace

// -- expire --

int run_expire(context& ctx, const expire_args& args) {
  if (args.id.empty() == args.idle_for.empty())
    throw cli_error(exit_code::usage,
                    "expire: give a session id or --idle-for DURATION (one of them)");
  std::vector<json> doomed;
  auto& b = (args.dry_run ? ctx.reader() : ctx.writer());
  if (!args.id.empty()) {
    check_session_id(args.id);
    doomed.push_back(b.inspect(args.id));
  } else {
    auto idle = base::parse_duration(args.idle_for);
    if (!idle)
      throw cli_error(exit_code::usage, "--idle-for: \"" + args.idle_for +
                                            "\" is not a duration like 90s, 30m, 24h, 7d");
    const auto cutoff = now() - idle->count();
    for (auto& row : all_sessions(b, "all"))
      if (row.value("lastActivityAt", std::int64_t{0}) <= cutoff) doomed.push_back(std::move(row));
  }
  const auto at = now();
  auto describe = [&](const json& row) {
    std::string text = row.value("sessionId", "") + "  " + truncate(row_title(row), 30) + "  " +
                       std::to_string(row.value("events", std::uint64_t{0})) +
                       " events, last activity " +
                       relative_time(row.value("lastActivityAt", std::int64_t{0}), at);
    if (row.value("live", false))
      text += ", LIVE with " + std::to_string(row.value("participants", json::array()).size()) +
              " connected";
    return text;
  };
  if (args.dry_run) {
    if (ctx.options().json) {
      json ids = json::array();
      for (const auto& row : doomed) ids.push_back(row.value("sessionId", ""));
      std::cout << json{{"wouldExpire", ids}}.dump() << '\n';
      return 0;
    }
    std::cout << "would expire " << doomed.size() << " session" << (doomed.size() == 1 ? "" : "s")
              << '\n';
    for (const auto& row : doomed) std::cout << "  " << describe(row) << '\n';
    return 0;
  }
  if (doomed.empty()) {
    std::cout << "nothing to expire\n";
    return 0;
  }
  if (!args.yes) {
    for (const auto& row : doomed) std::cerr << "  " << describe(row) << '\n';
    if (!confirm("expire these " + std::to_string(doomed.size()) +
                 " session(s) now? Their events are deleted")) {
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
              << " does not disclose the interviewer key hash; the imported copy keeps every event "
                 "but its old "
                 "interviewer key will not work (export with --db DIR for a complete copy)\n";
  auto events = fetch_events(b, args.id, 1, 0);
  std::ostringstream text;
  text << actors::export_header(
              body.value("sessionId", args.id), body.value("createdAt", std::int64_t{0}),
              body.value("language", "plaintext"), body.value("title", ""), key_hash)
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
  if (ec)
    throw cli_error(exit_code::failure,
                    "cannot rename " + tmp + " to " + args.output + ": " + ec.message());
  std::cerr << "exported " << events.size() << " events of " << args.id << " to " << args.output
            << '\n';
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
  std::cout << "imported session " << answer.value("sessionId", "") << " ("
            << answer.value("events", std::uint64_t{0}) << " events)\n";
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
  if (!out.contains("appendRate") && out.contains("eventsAppended") &&
      out.value("uptimeMs", std::int64_t{0}) > 0)
    out["appendRatePerSecAvg"] =
        out["eventsAppended"].get<double>() * 1000.0 / out["uptimeMs"].get<double>();
  if (ctx.options().json) {
    std::cout << out.dump() << '\n';
    return 0;
  }
  std::ostream& o = std::cout;
  o << "source            " << b.describe() << '\n';
  o << "sessions stored   " << rows.size() << '\n';
  o << "sessions live     "
    << (b.knows_live() ? std::to_string(live) : std::string("unknown (offline)")) << '\n';
  if (out.contains("roomsLive")) o << "rooms in memory   " << out["roomsLive"].dump() << '\n';
  if (out.contains("participantsConnected"))
    o << "connected         " << out["participantsConnected"].dump() << '\n';
  o << "events            " << events << '\n';
  o << "event bytes       " << human_bytes(bytes) << '\n';
  if (out.contains("liveSstBytes"))
    o << "on disk (SST)     " << human_bytes(out["liveSstBytes"].get<std::uint64_t>()) << '\n';
  if (out.contains("appendRate"))
    o << "append rate       " << out["appendRate"].dump() << " events/s\n";
  if (out.contains("appendRatePerSecAvg")) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", out["appendRatePerSecAvg"].get<double>());
    o << "appended          " << out["eventsAppended"].dump() << " since start (" << buf
      << " events/s on average over " << short_duration(out["uptimeMs"].get<std::int64_t>())
      << ")\n";
  }
  return 0;
}

int run_compact(context& ctx) {
  auto answer = ctx.writer().compact();
  if (ctx.options().json) {
    std::cout << answer.dump() << '\n';
    return 0;
  }
  std::cout << "expired " << answer.value("expired", std::uint64_t{0})
            << " overdue session(s); live SST bytes now "
            << human_bytes(answer.value("liveSstBytes", std::uint64_t{0})) << '\n';
  return 0;
}

}  // namespace rooms::cli
