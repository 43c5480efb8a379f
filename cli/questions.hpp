#pragma once
/// `roomctl questions ...`: the question library (questions/README.md), one question per
/// Markdown file. Online through roomd's /api/questions (admin token), offline (--db) on the
/// data dir's "questions" column family through the same questions::question_store roomd uses.

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "questions/question.hpp"

namespace rooms::cli {

/// Where the questions are. Failures throw cli_error (not_found for an unknown id, failure with
/// the field-named reasons for a refused question).
class question_source {
 public:
  virtual ~question_source() = default;
  /// `GET /api/questions` rows, ordered by questionId.
  virtual std::vector<json> list() = 0;
  /// The latest version, solutions included; nullopt when there is none (or it was deleted).
  virtual std::optional<questions::question> find(const std::string& id) = 0;
  /// Stores a question whose id is new (or deleted); answers what was stored.
  virtual questions::question create(const questions::question& q) = 0;
  /// Stores a new version of an existing question; answers what was stored.
  virtual questions::question update(const questions::question& q) = 0;
  /// Deletes a question (a tombstone version).
  virtual void remove(const std::string& id) = 0;
};

/// roomd's /api/questions with the admin token.
std::unique_ptr<question_source> make_online_questions(std::string server, std::string token);
/// The data dir's question library: read-only (a secondary instance, fine while roomd runs)
/// or writable (refused while a roomd holds the lock). Languages a question may use offline:
/// those the local runner finds installed on this host (no probe run) plus plaintext.
std::unique_ptr<question_source> make_offline_questions(const std::string& dir, bool writable);

/// What `roomctl questions` was asked.
struct questions_args {
  std::string id;
  std::string file;                ///< add, edit: the Markdown file
  std::vector<std::string> paths;  ///< import: files and directories (their *.md)
  std::string output;              ///< export <id>: a file (empty or "-": stdout); --all: a dir
  bool all = false;
  bool solutions = false;  ///< show: include reference solutions
};

/// The `questions` subcommands, registered on the app.
struct questions_command {
  CLI::App* root = nullptr;
  CLI::App *list = nullptr, *show = nullptr, *add = nullptr, *edit = nullptr, *rm = nullptr,
           *import = nullptr, *exp = nullptr;
  questions_args args;
};

/// Adds `questions list|show|add|edit|rm|import|export` to `app`. The returned object must
/// outlive parsing (CLI11 writes into its args).
std::unique_ptr<questions_command> add_questions_command(CLI::App& app);
/// Runs the parsed subcommand; the exit code (or throws cli_error).
int run_questions(context& ctx, const questions_command& cmd);

}  // namespace rooms::cli
