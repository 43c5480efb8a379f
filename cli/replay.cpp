/// replay and verify: both fold the session's events with the rooms' own `domain::apply`.

#include <unistd.h>

#include <cmath>
#include <iostream>

#include "actors/domain/changeset.hpp"
#include "actors/domain/room_state.hpp"
#include "base/duration.hpp"
#include "base/secrets.hpp"
#include "cli/commands.hpp"
#include "cli/error.hpp"
#include "cli/format.hpp"
#include "eventlog/event.hpp"

namespace rooms::cli {

namespace {

/// Below this an --at number is a seq; above it unix milliseconds (10^11 ms is 1973).
constexpr std::uint64_t seq_or_time_threshold = 100'000'000'000ULL;

std::string doc_of(const domain::room_state& state) {
  return domain::utf16_to_utf8(state.doc);
}

/// The state view roomd's /state answers, from a local fold; for comparing the two.
json state_view(const domain::room_state& state) {
  json body = domain::to_json(state);
  body["title"] = state.title;
  return body;
}

/// One frame of the terminal player: a status line, then the document.
void draw(const std::string& id, const domain::room_state& state, std::uint64_t last_seq,
          std::int64_t t0) {
  std::string frame = "\x1b[2J\x1b[H";
  frame += "\x1b[7m session " + id + "  seq " + std::to_string(state.seq) + "/" +
           std::to_string(last_seq) + "  t+" + short_duration(state.last_ts - t0) + "  v" +
           std::to_string(state.version) + "  " + state.language + " \x1b[0m\n";
  frame += doc_of(state);
  std::cout << frame << std::flush;
}

}  // namespace

// -- replay --

int run_replay(context& ctx, const replay_args& args) {
  check_session_id(args.id);
  if (!(args.speed > 0) || !std::isfinite(args.speed))
    throw cli_error(exit_code::usage, "--speed must be a positive number");
  auto max_gap = base::parse_duration(args.max_gap);
  if (!max_gap)
    throw cli_error(exit_code::usage,
                    "--max-gap: \"" + args.max_gap + "\" is not a duration like 500ms or 2s");
  auto& b = ctx.reader();

  if (!args.at.empty()) {
    std::optional<std::uint64_t> seq;
    std::optional<std::int64_t> at_ms;
    if (auto n = parse_uint(args.at)) {
      if (*n < seq_or_time_threshold)
        seq = *n;
      else
        at_ms = static_cast<std::int64_t>(*n);
    } else if (auto t = parse_iso_time(args.at)) {
      at_ms = *t;
    } else {
      throw cli_error(
          exit_code::usage,
          "--at: \"" + args.at +
              "\" is neither a seq, unix milliseconds nor an ISO time like 2024-05-01T12:00:00Z");
    }
    auto state = b.state(args.id, seq, at_ms);
    if (ctx.options().json) {
      std::cout << state.dump() << '\n';
      return 0;
    }
    const bool tty = ::isatty(STDOUT_FILENO) == 1;
    if (tty)
      std::cerr << "# " << args.id << " at seq " << state.value("seq", std::uint64_t{0})
                << ", version " << state.value("version", std::uint64_t{0}) << ", "
                << state.value("language", "") << '\n';
    // The document ends with exactly one added newline when it has none (a text file's last
    // line, and the prompt off it), terminal or not; an empty document prints nothing. The
    // exact bytes are in `--json`'s "doc".
    const std::string doc = state.value("doc", "");
    std::cout << doc << (!doc.empty() && doc.back() != '\n' ? "\n" : "") << std::flush;
    return 0;
  }

  auto events = fetch_events(b, args.id, 1, 0);
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  if (tty) install_interrupt_handler();
  domain::room_state state;
  std::int64_t t0 = events.empty() ? 0 : events.front().value("ts", std::int64_t{0});
  std::int64_t prev_ts = t0;
  const std::uint64_t last_seq = events.empty() ? 0 : events.back().value("seq", std::uint64_t{0});
  bool first = true;
  for (const auto& j : events) {
    auto e = eventlog::event_from_json(j);
    if (!e.ok())
      throw cli_error(exit_code::failure, "event does not decode: " + e.error().message());
    if (auto err = domain::apply(state, *e))
      throw cli_error(exit_code::failure,
                      "event " + std::to_string(e->seq) + " does not apply: " + err->message);
    // A step is whatever changes what the viewer sees: the code or its language.
    bool step = first || e->type == eventlog::event_type::code_changed ||
                e->type == eventlog::event_type::language_changed;
    if (!step) continue;
    if (!tty) {
      auto doc = doc_of(state);
      std::cout << "seq=" << state.seq << " version=" << state.version << " bytes=" << doc.size()
                << " sha256=" << base::sha256_hex(doc) << '\n';
      first = false;
      continue;
    }
    if (!first) {
      // Real pacing scaled by --speed; long idle stretches are cut to --max-gap.
      auto wait = static_cast<std::int64_t>(static_cast<double>(e->ts - prev_ts) / args.speed);
      sleep_interruptible(std::clamp<std::int64_t>(wait, 0, max_gap->count()));
      if (interrupted()) break;
    }
    prev_ts = e->ts;
    first = false;
    draw(args.id, state, last_seq, t0);
  }
  if (tty)
    std::cout << "\n\x1b[7m end of session " << args.id << " (seq " << state.seq << ") \x1b[0m\n";
  std::cout.flush();
  return 0;
}

// -- verify --

namespace {

struct verify_report {
  std::string id;
  std::uint64_t checked = 0;
  std::uint64_t version = 0;
  std::size_t doc_bytes = 0;
  bool compared = false;  ///< the server/store state at the last seq was compared with our fold
  std::vector<std::string> problems;
};

verify_report verify_one(backend& b, const std::string& id, std::optional<json> row) {
  verify_report r;
  r.id = id;
  if (!row) {
    try {
      row = b.inspect(id);
    } catch (const cli_error& e) {
      if (e.code() == exit_code::not_found) throw;
      r.problems.push_back(std::string("inspect failed: ") + e.what());
    }
  }
  std::vector<json> events;
  try {
    events = fetch_events(b, id, 1, 0);
  } catch (const cli_error& e) {
    if (e.code() == exit_code::not_found) throw;
    r.problems.push_back(std::string("reading the events failed: ") + e.what());
  }
  domain::room_state state;
  bool folding = true;
  std::uint64_t expected = 1;
  for (const auto& j : events) {
    ++r.checked;
    auto seq = j.value("seq", std::uint64_t{0});
    if (seq != expected)
      r.problems.push_back(seq > expected ? "gap: seq " + std::to_string(seq) + " follows " +
                                                std::to_string(expected - 1)
                                          : "seq " + std::to_string(seq) + " out of order after " +
                                                std::to_string(expected - 1));
    expected = seq + 1;
    auto e = eventlog::event_from_json(j);
    if (!e.ok()) {
      r.problems.push_back("event " + std::to_string(seq) +
                           " does not decode: " + e.error().message());
      folding = false;
      continue;
    }
    if (!folding) continue;
    if (auto err = domain::apply(state, *e)) {
      r.problems.push_back("event " + std::to_string(seq) + " does not apply (" + err->code +
                           "): " + err->message);
      folding = false;  // every later state would be wrong: one report is enough
    }
  }
  const std::uint64_t last = events.empty() ? 0 : events.back().value("seq", std::uint64_t{0});
  if (row) {
    auto meta_events = row->value("events", std::uint64_t{0});
    // A live room may append while we read: more events than the meta said is fine then.
    if (last < meta_events || (last > meta_events && !row->value("live", false)))
      r.problems.push_back("the session meta counts " + std::to_string(meta_events) +
                           " events, the log ends at seq " + std::to_string(last));
  }
  if (events.empty() && r.problems.empty()) r.problems.push_back("the session has no events");
  r.version = state.version;
  r.doc_bytes = doc_of(state).size();
  if (folding && last != 0 && r.problems.empty()) {
    // The stored path (newest snapshot + fold) must agree with the plain fold from seq 1.
    try {
      auto stored = b.state(id, last, std::nullopt);
      stored.erase("ts");
      auto ours = state_view(state);
      r.compared = true;
      if (stored != ours) {
        std::string fields;
        for (const auto& [key, value] : ours.items())
          if (!stored.contains(key) || stored[key] != value)
            fields += (fields.empty() ? "" : ", ") + key;
        r.problems.push_back("the stored state at seq " + std::to_string(last) +
                             " (snapshot + fold) differs from the fold of all events in: " +
                             (fields.empty() ? std::string("extra fields") : fields));
      }
    } catch (const cli_error& e) {
      if (e.code() == exit_code::not_found) throw;
      r.problems.push_back(std::string("reading the stored state failed: ") + e.what());
    }
  }
  return r;
}

}  // namespace

int run_verify(context& ctx, const verify_args& args) {
  if (args.all == !args.id.empty())
    throw cli_error(exit_code::usage, "verify: give a session id or --all (one of them)");
  auto& b = ctx.reader();
  std::vector<verify_report> reports;
  if (args.all) {
    auto rows = all_sessions(b, "all");
    progress bar("verify");
    std::uint64_t done = 0;
    for (auto& row : rows) {
      bar.update(done++, rows.size());
      auto id = row.value("sessionId", "");
      try {
        reports.push_back(verify_one(b, id, std::move(row)));
      } catch (const cli_error& e) {
        if (e.code() != exit_code::not_found) throw;  // expired while we looked: nothing to verify
      }
    }
  } else {
    check_session_id(args.id);
    reports.push_back(verify_one(b, args.id, std::nullopt));
  }
  bool all_ok = true;
  json out = json::array();
  for (const auto& r : reports) {
    all_ok = all_ok && r.problems.empty();
    if (ctx.options().json) {
      out.push_back({{"sessionId", r.id},
                     {"ok", r.problems.empty()},
                     {"events", r.checked},
                     {"version", r.version},
                     {"problems", r.problems}});
      continue;
    }
    if (r.problems.empty()) {
      std::cout << "ok    " << r.id << "  " << r.checked << " events: seq 1.." << r.checked
                << " gap-free, all decode, fold ok (version " << r.version << ", "
                << human_bytes(r.doc_bytes) << " document)"
                << (r.compared ? ", stored state agrees" : "") << '\n';
    } else {
      std::cout << "FAIL  " << r.id << "  " << r.checked << " events read\n";
      for (const auto& p : r.problems) std::cout << "      - " << p << '\n';
    }
  }
  if (ctx.options().json)
    std::cout << json{{"ok", all_ok}, {"sessions", out}}.dump() << '\n';
  else if (args.all)
    std::cout << reports.size() << " session(s) checked, " << (all_ok ? "all ok" : "PROBLEMS FOUND")
              << '\n';
  return all_ok ? 0 : static_cast<int>(exit_code::failure);
}

}  // namespace rooms::cli
