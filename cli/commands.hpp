#pragma once
/// roomctl's commands. main.cpp parses the command line into these structs and calls run_*.
/// Each run_* returns the process exit code or throws cli_error.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/backend.hpp"

namespace rooms::cli {

/// Options before (or, with fallthrough, after) the command name.
struct global_options {
  /// roomd's base URL. Default: $ROOMCTL_SERVER, else http://127.0.0.1:8080.
  std::string server = "http://127.0.0.1:8080";
  /// Admin token. Default: $ROOMD_ADMIN_TOKEN, else <data_dir>/admin.token.
  std::string token;
  /// Where to look for admin.token when no token is given. Default: ./data.
  std::string data_dir = "./data";
  /// Offline mode: read this data dir directly instead of calling a server. Default: none.
  std::string db;
  /// Machine-readable output on listings. Default: false.
  bool json = false;
};

/// The global options plus the backend, opened on first use (a command that fails to parse its
/// arguments never touches the server or the data dir).
class context {
 public:
  explicit context(global_options options);
  const global_options& options() const { return options_; }
  bool offline() const { return !options_.db.empty(); }
  /// For reading commands: the server, or the data dir opened read-only.
  backend& reader();
  /// For writing commands: the server, or the data dir opened read-write (refused while a
  /// roomd holds its lock).
  backend& writer();
  /// The admin token: --token, else $ROOMD_ADMIN_TOKEN, else <data_dir>/admin.token.
  std::string resolve_token() const;

 private:
  global_options options_;
  std::unique_ptr<backend> backend_;
};

struct list_args {
  std::string state = "all";
  std::size_t limit = 100;
  std::string sort = "activity";
};
struct interviews_args {
  std::string search;
  std::size_t limit = 50;
};
struct inspect_args {
  std::string id;
  std::size_t lines = 10;
};
struct events_args {
  std::string id;
  std::uint64_t from = 1;
  std::uint64_t limit = 0;  ///< 0: all
  bool follow = false;
  std::uint64_t interval_ms = 1000;
};
struct replay_args {
  std::string id;
  std::string at;  ///< empty: play
  double speed = 1.0;
  std::string max_gap = "2s";
};
struct verify_args {
  std::string id;
  bool all = false;
};
struct expire_args {
  std::string id;
  std::string idle_for;
  bool yes = false;
  bool dry_run = false;
};
struct export_args {
  std::string id;
  std::string output;  ///< empty or "-": stdout
};
struct import_args {
  std::string file;  ///< "-": stdin
};
struct backup_args {
  std::string dir;  ///< must not exist; online, a path on the server's host
};
struct restore_args {
  std::string backup;    ///< a directory written by `backup`
  std::string data_dir;  ///< the new data dir: missing or empty, unless force
  bool force = false;    ///< replace a non-empty data_dir (its admin.token is kept)
};

int run_list(context& ctx, const list_args& args);
/// `roomctl interviews` (cli/interviews.cpp).
int run_interviews(context& ctx, const interviews_args& args);
int run_inspect(context& ctx, const inspect_args& args);
int run_events(context& ctx, const events_args& args);
int run_replay(context& ctx, const replay_args& args);
int run_verify(context& ctx, const verify_args& args);
int run_expire(context& ctx, const expire_args& args);
int run_export(context& ctx, const export_args& args);
int run_import(context& ctx, const import_args& args);
int run_stats(context& ctx);
int run_compact(context& ctx);
int run_backup(context& ctx, const backup_args& args);
int run_restore(context& ctx, const restore_args& args);

// -- helpers shared by the command files --

/// Every session row of the listing (all pages), in the server's order.
std::vector<json> all_sessions(backend& b, const std::string& state);
/// Events of a session from `from`, at most `max` (0: all), paging 10000 at a time; shows
/// progress on a terminal for long sessions.
std::vector<json> fetch_events(backend& b, const std::string& id, std::uint64_t from,
                               std::uint64_t max);
/// A row's title, safe to print on a terminal.
std::string row_title(const json& row);
/// Throws usage when `id` is not a UUID (the server would say 404; a typo deserves better).
void check_session_id(const std::string& id);
/// Set by SIGINT/SIGTERM once install_interrupt_handler ran.
bool interrupted();
void install_interrupt_handler();
/// Sleeps up to `ms`, waking early on an interrupt.
void sleep_interruptible(std::int64_t ms);

}  // namespace rooms::cli
