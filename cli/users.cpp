/// `roomctl user ...` (cli/users.hpp): the commands, the password prompt and the two places
/// accounts live (the data dir's store offline, roomd's admin API online).

#include "cli/users.hpp"

#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "accounts/account_store.hpp"
#include "cli/error.hpp"
#include "cli/format.hpp"
#include "cli/http_client.hpp"
#include "eventlog/store.hpp"

namespace rooms::cli {

namespace {

namespace a = rooms::accounts;

/// Where the accounts are; failures throw cli_error.
class user_source {
 public:
  virtual ~user_source() = default;
  virtual json create(const a::new_account& spec) = 0;  ///< the public form
  virtual std::vector<json> list() = 0;                 ///< public forms, by login
  virtual void remove(const std::string& login) = 0;
  virtual void set_password(const std::string& login, const std::string& password) = 0;
};

[[noreturn]] void fail(a::errc code, const std::string& message) {
  switch (code) {
    case a::errc::not_found:
      throw cli_error(exit_code::not_found, message);
    default:
      throw cli_error(exit_code::failure, message);
  }
}

class offline_users final : public user_source {
 public:
  offline_users(std::string dir, bool writable)
      : dir_(std::move(dir)), log_(open_data_dir(dir_, writable)) {
    if (log_->accounts_cf() != nullptr)
      store_ = std::make_unique<a::account_store>(log_->raw_db(), log_->accounts_cf());
  }
  json create(const a::new_account& spec) override {
    auto made = writable().create(spec);
    if (!made.ok()) fail(made.error().code(), made.error().message());
    return a::to_public_json(made.value());
  }
  std::vector<json> list() override {
    if (!store_) return {};  // a data dir from before accounts, opened read-only
    auto all = store_->list();
    if (!all.ok()) fail(all.error().code(), all.error().message());
    std::vector<json> out;
    for (const auto& account : all.value()) out.push_back(a::to_public_json(account));
    return out;
  }
  void remove(const std::string& login) override {
    auto s = writable().remove(login);
    if (!s.ok()) fail(s.code(), s.message());
  }
  void set_password(const std::string& login, const std::string& password) override {
    auto s = writable().set_password(login, password);
    if (!s.ok()) fail(s.code(), s.message());
  }

 private:
  a::account_store& writable() {
    if (!store_)
      throw cli_error(exit_code::failure, "the data dir " + dir_ + " has no accounts yet");
    return *store_;
  }
  std::string dir_;
  std::unique_ptr<eventlog::store> log_;
  std::unique_ptr<a::account_store> store_;
};

class online_users final : public user_source {
 public:
  online_users(std::string server, std::string token)
      : http_(std::move(server), std::move(token)) {}
  json create(const a::new_account& spec) override {
    json body = {{"login", spec.login},
                 {"displayName", spec.display_name},
                 {"role", a::to_string(spec.role)},
                 {"password", spec.password}};
    return call("POST", "/api/admin/users", body.dump())["user"];
  }
  std::vector<json> list() override {
    auto body = call("GET", "/api/admin/users", {});
    if (!body.contains("users") || !body["users"].is_array())
      throw cli_error(exit_code::failure, "roomd answered without a \"users\" list");
    return body["users"].get<std::vector<json>>();
  }
  void remove(const std::string& login) override {
    (void)call("DELETE", "/api/admin/users/" + http_.escape(login), {});
  }
  void set_password(const std::string& login, const std::string& password) override {
    (void)call("PUT", "/api/admin/users/" + http_.escape(login) + "/password",
               json{{"password", password}}.dump());
  }

 private:
  json call(const std::string& method, const std::string& target, const std::string& body) {
    auto res = http_.call(method, target, body);
    if (res.status == 0)
      throw cli_error(exit_code::failure,
                      "cannot reach roomd at " + http_.base_url() + " (" + res.error +
                          "); pass --server URL, or open a stopped server's data dir with --db");
    auto parsed = json::parse(res.body.empty() ? "{}" : res.body, nullptr, false);
    if (res.status >= 200 && res.status < 300) {
      if (parsed.is_discarded())
        throw cli_error(exit_code::failure, "roomd answered something that is not JSON");
      return parsed;
    }
    std::string message =
        parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()
            ? parsed["message"].get<std::string>()
            : res.body.substr(0, 200);
    if (res.status == 404) throw cli_error(exit_code::not_found, message);
    if (res.status == 401)
      throw cli_error(exit_code::failure,
                      "roomd at " + http_.base_url() +
                          " wants the admin token: pass --token T, set ROOMD_ADMIN_TOKEN, or point "
                          "--data-dir at the server's data dir (its admin.token)");
    throw cli_error(exit_code::failure,
                    "roomd answered " + std::to_string(res.status) + ": " + message);
  }
  http_client http_;
};

std::unique_ptr<user_source> open_source(context& ctx, bool writable) {
  if (ctx.offline()) return std::make_unique<offline_users>(ctx.options().db, writable);
  return std::make_unique<online_users>(ctx.options().server, ctx.resolve_token());
}

/// One line from stdin, its line end dropped.
std::string read_stdin_line() {
  std::string line;
  if (!std::getline(std::cin, line) && line.empty())
    throw cli_error(exit_code::failure, "--password-stdin: nothing on stdin");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

/// Reads a line from the terminal with echo off; the prompt goes to stderr.
std::string prompt_hidden(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios old{};
  bool restore = ::tcgetattr(STDIN_FILENO, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    (void)::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (restore) (void)::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::cerr << '\n';
  return line;
}

/// The new password: stdin with --password-stdin, else asked twice on the terminal.
std::string new_password(const users_args& args) {
  std::string password;
  if (args.password_stdin) {
    password = read_stdin_line();
  } else {
    if (!::isatty(STDIN_FILENO))
      throw cli_error(exit_code::usage,
                      "stdin is not a terminal: pass the password with --password-stdin");
    password = prompt_hidden("New password: ");
    if (prompt_hidden("Again: ") != password)
      throw cli_error(exit_code::failure, "the passwords differ; nothing changed");
  }
  // Checked here too, so an online call never carries a password the policy refuses anyway.
  if (auto why = a::check_password(password); !why.empty())
    throw cli_error(exit_code::failure, why);
  return password;
}

int run_add(context& ctx, const users_args& args) {
  if (auto why = a::check_login(args.login); !why.empty()) throw cli_error(exit_code::usage, why);
  auto password = new_password(args);
  auto user = open_source(ctx, true)->create({args.login, args.display_name,
                                              args.admin ? a::role::admin : a::role::interviewer,
                                              password});
  if (ctx.options().json)
    std::cout << user.dump(2) << '\n';
  else
    std::cout << "added " << args.login << " (" << user.value("role", "") << ", id "
              << user.value("id", "") << ")\n";
  return 0;
}

int run_list(context& ctx) {
  auto rows = open_source(ctx, false)->list();
  if (ctx.options().json) {
    std::cout << json{{"users", rows}}.dump(2) << '\n';
    return 0;
  }
  if (rows.empty()) {
    std::cout << "no users\n";
    return 0;
  }
  table t({"LOGIN", "DISPLAY NAME", "ROLE", "CREATED", "ID"});
  for (const auto& row : rows)
    t.add_row({printable(row.value("login", "")),
               truncate(printable(row.value("displayName", "")), 40), row.value("role", ""),
               iso_time(row.value("createdAt", std::int64_t{0})), row.value("id", "")});
  t.print(std::cout);
  return 0;
}

}  // namespace

std::unique_ptr<users_command> add_users_command(CLI::App& app) {
  auto cmd = std::make_unique<users_command>();
  auto& a = cmd->args;
  cmd->root = app.add_subcommand(
      "user",
      "interviewer accounts: who may sign in to the web app (offline with --db on a stopped "
      "server's data dir, or online through roomd's admin API)");
  cmd->root->require_subcommand(1);
  cmd->root->fallthrough();
  cmd->root->footer(
      "Passwords are never read from the command line: they are asked twice on the terminal "
      "(without echo), or read as one line from stdin with --password-stdin. A password has "
      "10 to 1024 characters; it is stored as an argon2id hash only.\n"
      "Exit codes: 0 ok, 1 failure (login taken, password refused, server or data dir error), "
      "2 usage, 3 no such user.");
  cmd->add = cmd->root->add_subcommand("add", "add an account (an interviewer unless --admin)");
  cmd->add->add_option("login", a.login, "login name: 1..64 of a-z 0-9 . _ - @")->required();
  cmd->add->add_flag("--admin", a.admin, "the admin role (may manage the question library)");
  cmd->add->add_option("--display-name", a.display_name, "the name the web app shows");
  cmd->add->add_flag("--password-stdin", a.password_stdin, "read the password from stdin");
  cmd->list = cmd->root->add_subcommand("list", "list accounts by login (--json: the API's form)");
  cmd->rm = cmd->root->add_subcommand(
      "rm", "remove an account (online: its browsers are signed out at once)");
  cmd->rm->add_option("login", a.login, "login name")->required();
  cmd->passwd = cmd->root->add_subcommand(
      "passwd", "set a new password (online: the account's browsers are signed out)");
  cmd->passwd->add_option("login", a.login, "login name")->required();
  cmd->passwd->add_flag("--password-stdin", a.password_stdin, "read the password from stdin");
  return cmd;
}

int run_users(context& ctx, const users_command& cmd) {
  const auto& args = cmd.args;
  if (*cmd.add) return run_add(ctx, args);
  if (*cmd.list) return run_list(ctx);
  if (*cmd.rm) {
    open_source(ctx, true)->remove(args.login);
    std::cout << "removed " << args.login << '\n';
    return 0;
  }
  if (*cmd.passwd) {
    auto password = new_password(args);
    open_source(ctx, true)->set_password(args.login, password);
    std::cout << "password of " << args.login << " changed\n";
    return 0;
  }
  return static_cast<int>(exit_code::usage);
}

}  // namespace rooms::cli
