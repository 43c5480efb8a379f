/// roomctl: the admin CLI of Interview Rooms (PROTOCOL.md "roomctl"). Parses the command line
/// and hands over to cli/commands.hpp; this file owns the exit-code policy.

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "cli/error.hpp"
#include "cli/questions.hpp"
#include "cli/users.hpp"

namespace {

using namespace rooms::cli;

const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "roomctl: administer Interview Rooms through a running roomd, or read its data dir directly "
      "(--db)"};
  app.set_version_flag("--version", std::string("roomctl ") + ROOMS_VERSION);
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the command name

  global_options g;
  g.server = env_or("ROOMCTL_SERVER", g.server.c_str());
  app.add_option("--server", g.server, "roomd base URL (ROOMCTL_SERVER)")->capture_default_str();
  app.add_option("--token", g.token,
                 "admin token (default: ROOMD_ADMIN_TOKEN, else <data-dir>/admin.token)");
  app.add_option("--data-dir", g.data_dir, "where to find admin.token when no token is given")
      ->capture_default_str();
  app.add_option("--db", g.db,
                 "offline: read this roomd data dir directly (works while roomd runs, read-only)");
  app.add_flag("--json", g.json, "machine-readable JSON output");

  list_args list;
  auto* list_cmd = app.add_subcommand("list", "list sessions, most recently active first");
  list_cmd->add_option("--state", list.state, "live, stored or all")
      ->check(CLI::IsMember({"live", "stored", "all"}))
      ->capture_default_str();
  list_cmd->add_option("--limit", list.limit, "at most this many rows")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  list_cmd
      ->add_option("--sort", list.sort, "activity, created, events or size (largest/newest first)")
      ->check(CLI::IsMember({"activity", "created", "events", "size"}))
      ->capture_default_str();

  interviews_args interviews;
  auto* interviews_cmd =
      app.add_subcommand("interviews",
                         "list the team's interviews: title, candidate, phase, date, duration, "
                         "language, question");
  interviews_cmd->add_option("-s,--search", interviews.search,
                             "only interviews whose title or a candidate's name contains this "
                             "text (case-insensitive for ASCII letters)");
  interviews_cmd->add_option("--limit", interviews.limit, "at most this many rows")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  interviews_cmd->footer(
      "Rows come newest activity first, from the summary each session keeps in the store (no "
      "log is replayed), so listing is fast however many sessions are stored.\n"
      "Online (default) it calls GET /api/interviews on --server with the admin token and lists "
      "everyone's interviews; with --db DIR it reads a data dir directly (read-only, works "
      "while roomd runs).\n"
      "Columns: ID, TITLE, CANDIDATE (everyone who joined as one), PHASE (lobby, live or "
      "ended; - for sessions stored before summaries existed), CREATED (UTC), DURATION (from "
      "going live to the end, or to the last activity while live), LANGUAGE (current), "
      "QUESTION (the one loaded last). --json prints {\"interviews\":[row...]} with the "
      "fields of GET /api/interviews, replayUrl included.\n"
      "Examples:\n"
      "  roomctl interviews --search hopper\n"
      "  roomctl --db /var/lib/roomd interviews --limit 500 --json\n"
      "Exit codes: 0 ok (also when nothing matches), 1 failure, 2 usage.");

  inspect_args inspect;
  auto* inspect_cmd =
      app.add_subcommand("inspect", "show one session: participants, events by type, document");
  inspect_cmd->add_option("id", inspect.id, "session id")->required();
  inspect_cmd->add_option("--lines", inspect.lines, "document lines to show")
      ->capture_default_str();

  events_args events;
  auto* events_cmd = app.add_subcommand("events", "print a session's events as JSON lines");
  events_cmd->add_option("id", events.id, "session id")->required();
  events_cmd->add_option("--from", events.from, "first seq")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  events_cmd->add_option("--limit", events.limit, "at most this many events (0: all)")
      ->capture_default_str();
  events_cmd->add_flag("-f,--follow", events.follow,
                       "keep polling and print new events until interrupted");
  events_cmd->add_option("--interval", events.interval_ms, "--follow poll interval in ms")
      ->check(CLI::Range(10, 3'600'000))
      ->capture_default_str();

  replay_args replay;
  auto* replay_cmd = app.add_subcommand(
      "replay", "print the document as of a point, or play the session in the terminal");
  replay_cmd->add_option("id", replay.id, "session id")->required();
  replay_cmd->add_option("--at", replay.at,
                         "a seq, unix ms or ISO 8601 time: print the document as of that point (a "
                         "newline is added when it does not end with one; --json has it exactly)");
  replay_cmd->add_option("--speed", replay.speed, "playback speed factor")->capture_default_str();
  replay_cmd
      ->add_option("--max-gap", replay.max_gap, "longest pause between two steps when playing")
      ->capture_default_str();

  verify_args verify;
  auto* verify_cmd = app.add_subcommand(
      "verify", "check a session's log: gap-free seqs, every event decodes, the fold succeeds");
  auto* verify_id = verify_cmd->add_option("id", verify.id, "session id");
  verify_cmd->add_flag("--all", verify.all, "verify every session")->excludes(verify_id);

  expire_args expire;
  auto* expire_cmd = app.add_subcommand(
      "expire", "expire a session now (live participants are disconnected with 4410)");
  auto* expire_id = expire_cmd->add_option("id", expire.id, "session id");
  expire_cmd
      ->add_option("--idle-for", expire.idle_for,
                   "expire every session idle at least this long (90s, 30m, 24h, 7d)")
      ->excludes(expire_id);
  expire_cmd->add_flag("-y,--yes", expire.yes, "do not ask for confirmation");
  expire_cmd->add_flag("--dry-run", expire.dry_run, "only list what would be expired");

  export_args exp;
  auto* export_cmd =
      app.add_subcommand("export", "write a session as JSON lines (the import format)");
  export_cmd->add_option("id", exp.id, "session id")->required();
  export_cmd->add_option("-o,--output", exp.output, "write to this file instead of stdout");

  import_args imp;
  auto* import_cmd = app.add_subcommand(
      "import", "import a session exported by `roomctl export` (refuses an existing id)");
  import_cmd->add_option("file", imp.file, "the export file, or - for stdin")->required();

  auto* stats_cmd =
      app.add_subcommand("stats", "rooms live and stored, events, bytes, append rate");
  auto* compact_cmd = app.add_subcommand("compact", "drop overdue sessions and compact the log");
  backup_args backup;
  auto* backup_cmd = app.add_subcommand(
      "backup",
      "write a consistent copy of the whole database (sessions, questions) into DIR: online "
      "roomd writes it on its host; with --db, from a stopped server's data dir");
  backup_cmd->add_option("dir", backup.dir, "the backup directory (must not exist)")->required();

  restore_args restore;
  auto* restore_cmd = app.add_subcommand(
      "restore", "copy a backup into a new data dir, then verify every session in it");
  restore_cmd->add_option("backup", restore.backup, "a directory written by `backup`")->required();
  restore_cmd->add_option("data_dir", restore.data_dir, "the data dir to create (missing or empty)")
      ->required();
  restore_cmd->add_flag("--force", restore.force,
                        "replace a non-empty data dir (a stopped one; its admin.token is kept)");

  auto questions_cmd = add_questions_command(app);
  auto users_cmd = add_users_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    (void)app.exit(e);  // prints the message and the hint to --help
    return static_cast<int>(exit_code::usage);
  }

  try {
    context ctx(g);
    if (*list_cmd) return run_list(ctx, list);
    if (*interviews_cmd) return run_interviews(ctx, interviews);
    if (*inspect_cmd) return run_inspect(ctx, inspect);
    if (*events_cmd) return run_events(ctx, events);
    if (*replay_cmd) return run_replay(ctx, replay);
    if (*verify_cmd) return run_verify(ctx, verify);
    if (*expire_cmd) return run_expire(ctx, expire);
    if (*export_cmd) return run_export(ctx, exp);
    if (*import_cmd) return run_import(ctx, imp);
    if (*stats_cmd) return run_stats(ctx);
    if (*compact_cmd) return run_compact(ctx);
    if (*backup_cmd) return run_backup(ctx, backup);
    if (*restore_cmd) return run_restore(ctx, restore);
    if (*questions_cmd->root) return run_questions(ctx, *questions_cmd);
    if (*users_cmd->root) return run_users(ctx, *users_cmd);
    return static_cast<int>(exit_code::usage);
  } catch (const cli_error& e) {
    std::cerr << "roomctl: " << e.what() << '\n';
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    // nlohmann type errors on an unexpected server answer, bad_alloc, ...: still one line.
    std::cerr << "roomctl: unexpected error: " << e.what() << '\n';
    return static_cast<int>(exit_code::failure);
  }
}
