/// `roomctl questions list|show|add|edit|rm|import|export`: the question library, one question
/// per Markdown file (questions/markdown_format.hpp). The same commands online (admin API) and
/// offline (--db); cli/question_sources.cpp holds the two.

#include "cli/questions.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/error.hpp"
#include "cli/format.hpp"
#include "questions/markdown_format.hpp"

namespace rooms::cli {

namespace {

namespace fs = std::filesystem;
namespace q = rooms::questions;

std::unique_ptr<question_source> open_source(context& ctx, bool writable) {
  if (ctx.offline()) return make_offline_questions(ctx.options().db, writable);
  return make_online_questions(ctx.options().server, ctx.resolve_token());
}

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw cli_error(exit_code::failure, "cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_whole(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw cli_error(exit_code::failure, "cannot write " + path.string());
}

/// A question file, parsed (not validated: the server or the store does that, naming fields).
q::question parse_file(const std::string& path) {
  auto parsed = q::parse_markdown(read_whole(path));
  if (!parsed.ok())
    throw cli_error(exit_code::failure, path + ": " + q::to_string(parsed.errors()));
  return std::move(parsed).value();
}

/// Equal content: the store's own fields (version, updatedAt) aside.
bool same_content(q::question a, q::question b) {
  a.version = b.version = 0;
  a.updated_at = b.updated_at = 0;
  return a == b;
}

std::string joined(const json& list) {
  std::string out;
  for (const auto& item : list)
    out += (out.empty() ? "" : ",") + printable(item.get<std::string>());
  return out;
}

int run_list(context& ctx) {
  auto rows = open_source(ctx, false)->list();
  if (ctx.options().json) {
    std::cout << json{{"questions", rows}}.dump(2) << '\n';
    return 0;
  }
  if (rows.empty()) {
    std::cout << "no questions\n";
    return 0;
  }
  table t({"ID", "TITLE", "DIFFICULTY", "TAGS", "LANGUAGES", "TESTS"},
          {false, false, false, false, false, true});
  for (const auto& row : rows)
    t.add_row(
        {printable(row.value("questionId", "")), truncate(printable(row.value("title", "")), 40),
         row.value("difficulty", ""), joined(row.value("tags", json::array())),
         joined(row.value("languages", json::array())), std::to_string(row.value("tests", 0))});
  t.print(std::cout);
  return 0;
}

int run_show(context& ctx, const questions_args& args) {
  auto found = open_source(ctx, false)->find(args.id);
  if (!found) throw cli_error(exit_code::not_found, "no question " + args.id);
  const auto& question = *found;
  if (ctx.options().json) {
    std::cout << q::to_json(question,
                            args.solutions ? q::with_solutions::yes : q::with_solutions::no)
                     .dump(2)
              << '\n';
    return 0;
  }
  std::size_t hidden = std::count_if(question.tests.begin(), question.tests.end(),
                                     [](const auto& t) { return t.hidden; });
  std::cout << printable(question.question_id) << ": " << printable(question.title) << "\n"
            << "version " << question.version << ", " << question.difficulty << ", updated "
            << iso_time(question.updated_at) << "\n"
            << "tags: " << joined(json(question.tags)) << "\n";
  std::string languages;
  for (const auto& [name, entry] : question.languages)
    languages += (languages.empty() ? "" : ",") + name;
  std::cout << "languages: " << languages << "\n"
            << "tests: " << question.tests.size() << " (" << question.tests.size() - hidden
            << " visible, " << hidden << " hidden)\n";
  for (const auto& t : question.tests)
    std::cout << "  " << printable(t.name) << (t.hidden ? " (hidden)" : "") << "\n";
  std::cout << "\n"
            << question.statement
            << (question.statement.empty() || question.statement.back() == '\n' ? "" : "\n");
  if (args.solutions)
    for (const auto& [name, code] : question.solutions)
      std::cout << "\n-- solution: " << name << " --\n" << code;
  return 0;
}

int run_add(context& ctx, const questions_args& args) {
  auto question = parse_file(args.file);
  auto stored = open_source(ctx, true)->create(question);
  std::cout << "added " << stored.question_id << " (version " << stored.version << ")\n";
  return 0;
}

int run_edit(context& ctx, const questions_args& args) {
  auto question = parse_file(args.file);
  if (question.question_id != args.id)
    throw cli_error(exit_code::failure, args.file + " is question \"" + question.question_id +
                                            "\", not \"" + args.id + "\"");
  auto stored = open_source(ctx, true)->update(question);
  std::cout << "updated " << stored.question_id << " (version " << stored.version << ")\n";
  return 0;
}

int run_rm(context& ctx, const questions_args& args) {
  open_source(ctx, true)->remove(args.id);
  std::cout << "deleted " << args.id
            << " (earlier versions stay readable for interviews that used them)\n";
  return 0;
}

/// The files to import: each file as given, each directory's *.md in name order.
std::vector<std::string> import_files(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(p, ec))
        if (entry.is_regular_file() && entry.path().extension() == ".md")
          found.push_back(entry.path().string());
      if (ec) throw cli_error(exit_code::failure, "cannot list " + p + ": " + ec.message());
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      out.push_back(p);
    } else {
      throw cli_error(exit_code::failure, "no such file or directory: " + p);
    }
  }
  return out;
}

int run_import(context& ctx, const questions_args& args) {
  auto files = import_files(args.paths);
  if (files.empty()) throw cli_error(exit_code::failure, "no .md files to import");
  // Every file parses before anything is written: a typo in one file changes nothing.
  std::vector<q::question> parsed;
  for (const auto& f : files) parsed.push_back(parse_file(f));
  auto source = open_source(ctx, true);
  std::size_t added = 0, updated = 0, unchanged = 0;
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    auto existing = source->find(parsed[i].question_id);
    if (!existing) {
      source->create(parsed[i]);
      ++added;
      std::cout << "added " << parsed[i].question_id << " (" << files[i] << ")\n";
    } else if (same_content(*existing, parsed[i])) {
      ++unchanged;
      std::cout << "unchanged " << parsed[i].question_id << "\n";
    } else {
      auto stored = source->update(parsed[i]);
      ++updated;
      std::cout << "updated " << parsed[i].question_id << " (version " << stored.version << ")\n";
    }
  }
  std::cout << added << " added, " << updated << " updated, " << unchanged << " unchanged\n";
  return 0;
}

int run_export(context& ctx, const questions_args& args) {
  auto source = open_source(ctx, false);
  if (!args.all) {
    auto found = source->find(args.id);
    if (!found) throw cli_error(exit_code::not_found, "no question " + args.id);
    auto text = q::serialize_markdown(*found);
    if (args.output.empty() || args.output == "-")
      std::cout << text;
    else
      write_whole(args.output, text);
    return 0;
  }
  // --all DIR: one <questionId>.md per question, the canonical form `import` reads back.
  fs::path dir = args.id;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw cli_error(exit_code::failure, "cannot create " + dir.string() + ": " + ec.message());
  std::size_t written = 0;
  for (const auto& row : source->list()) {
    std::string id = row.value("questionId", "");
    auto found = source->find(id);
    if (!found) continue;  // deleted since the listing
    write_whole(dir / (id + ".md"), q::serialize_markdown(*found));
    ++written;
  }
  std::cerr << written << " questions written to " << dir.string() << "\n";
  return 0;
}

}  // namespace

std::unique_ptr<questions_command> add_questions_command(CLI::App& app) {
  auto cmd = std::make_unique<questions_command>();
  auto& a = cmd->args;
  cmd->root =
      app.add_subcommand("questions", "the question library: one question per Markdown file");
  cmd->root->require_subcommand(1);
  cmd->root->fallthrough();  // global options (--db, --json) may follow
  cmd->list = cmd->root->add_subcommand("list", "list questions (latest versions), by id");
  cmd->show = cmd->root->add_subcommand("show", "show one question (the latest version)");
  cmd->show->add_option("id", a.id, "question id")->required();
  cmd->show->add_flag("--solutions", a.solutions, "include the reference solutions");
  cmd->add = cmd->root->add_subcommand(
      "add", "add a new question from a Markdown file (refuses an existing id)");
  cmd->add->add_option("file", a.file, "the question's .md file")->required();
  cmd->edit = cmd->root->add_subcommand(
      "edit", "store FILE as the next version of question <id> (the file replaces it)");
  cmd->edit->add_option("id", a.id, "question id")->required();
  cmd->edit->add_option("file", a.file, "the question's .md file")->required();
  cmd->rm = cmd->root->add_subcommand("rm", "delete a question (earlier versions stay readable)");
  cmd->rm->add_option("id", a.id, "question id")->required();
  cmd->import = cmd->root->add_subcommand(
      "import",
      "add or update questions from .md files and directories (unchanged ones are skipped)");
  cmd->import->add_option("paths", a.paths, "files, or directories of .md files")->required();
  cmd->exp = cmd->root->add_subcommand(
      "export", "write a question as Markdown, or every question into a directory (--all DIR)");
  cmd->exp->add_option("id", a.id, "question id; with --all: the directory")->required();
  cmd->exp->add_flag("--all", a.all,
                     "export every question into the directory, as <questionId>.md");
  cmd->exp->add_option("-o,--output", a.output, "write to this file instead of stdout");
  return cmd;
}

int run_questions(context& ctx, const questions_command& cmd) {
  if (*cmd.list) return run_list(ctx);
  if (*cmd.show) return run_show(ctx, cmd.args);
  if (*cmd.add) return run_add(ctx, cmd.args);
  if (*cmd.edit) return run_edit(ctx, cmd.args);
  if (*cmd.rm) return run_rm(ctx, cmd.args);
  if (*cmd.import) return run_import(ctx, cmd.args);
  if (*cmd.exp) return run_export(ctx, cmd.args);
  return static_cast<int>(exit_code::usage);
}

}  // namespace rooms::cli
