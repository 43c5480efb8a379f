/// backup and restore (docs/operations.md "Backup and restore"). Online, roomd writes the
/// backup itself (it holds the database's lock; a RocksDB checkpoint needs the primary
/// instance); with --db, roomctl opens a stopped server's data dir and writes it.

#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/error.hpp"
#include "cli/format.hpp"
#include "cli/questions.hpp"
#include "eventlog/backup.hpp"

namespace rooms::cli {

int run_backup(context& ctx, const backup_args& args) {
  // Online the path is the server's: made absolute here, it names the same place when roomctl
  // runs on the server's host, which is how it is meant to be used.
  auto dir = std::filesystem::absolute(args.dir).lexically_normal().string();
  auto answer = ctx.writer().backup(dir);
  if (ctx.options().json) {
    std::cout << answer.dump() << '\n';
    return 0;
  }
  std::cout << "backup written to " << answer.value("dir", dir) << ": "
            << answer.value("files", std::uint64_t{0}) << " files, "
            << human_bytes(answer.value("bytes", std::uint64_t{0})) << ", "
            << answer.value("durationMs", std::int64_t{0}) << " ms\n"
            << "(the admin token is not in it; copy the directory off this host)\n";
  return 0;
}

int run_restore(context& ctx, const restore_args& args) {
  if (ctx.offline())
    throw cli_error(exit_code::usage, "restore: give the target as DATA_DIR, not --db");
  auto restored = eventlog::restore_backup(args.backup, args.data_dir, args.force);
  if (!restored.ok()) {
    auto code =
        restored.code() == eventlog::errc::invalid_argument && !std::filesystem::exists(args.backup)
            ? exit_code::not_found
            : exit_code::failure;
    throw cli_error(code, "restore: " + restored.message());
  }
  if (!ctx.options().json)
    std::cout << "restored " << args.backup << " into " << args.data_dir << "; verifying\n";
  // The restored dir must open, and every session in it must read and fold to the end.
  global_options check = ctx.options();
  check.db = args.data_dir;
  int verified;
  {
    context restored_ctx(check);
    verified = run_verify(restored_ctx, verify_args{"", true});
  }
  auto questions = make_offline_questions(args.data_dir, false)->list();
  if (!ctx.options().json)
    std::cout << questions.size() << " question(s) in the library\n"
              << (verified == 0 ? "restore ok" : "restore FAILED verification")
              << "; start roomd with --data-dir " << args.data_dir
              << (std::filesystem::exists(std::filesystem::path(args.data_dir) / "admin.token")
                      ? " (its admin.token kept)"
                      : " (it makes a new admin.token unless ROOMD_ADMIN_TOKEN is set)")
              << '\n';
  return verified;
}

}  // namespace rooms::cli
