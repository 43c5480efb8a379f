#pragma once
/// `roomctl user add|list|rm|passwd`: interviewer accounts (accounts/README.md). Offline (--db)
/// on the data dir's "accounts" column family through the same accounts::account_store roomd
/// uses (add, rm and passwd need roomd stopped: they write); online through roomd's
/// /api/admin/users with the admin token. Passwords are never taken from the command line.

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cli/commands.hpp"

namespace rooms::cli {

struct users_args {
  std::string login;
  std::string display_name;
  bool admin = false;
  bool password_stdin = false;
};

struct users_command {
  CLI::App* root = nullptr;
  CLI::App *add = nullptr, *list = nullptr, *rm = nullptr, *passwd = nullptr;
  users_args args;
};

/// Adds `user add|list|rm|passwd` to `app`; the object must outlive parsing.
std::unique_ptr<users_command> add_users_command(CLI::App& app);
/// Runs the parsed subcommand; the exit code (or throws cli_error).
int run_users(context& ctx, const users_command& cmd);

}  // namespace rooms::cli
