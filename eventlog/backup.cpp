#include "eventlog/backup.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "eventlog/store.hpp"

namespace rooms::eventlog {

namespace fs = std::filesystem;

namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

status io_failure(const std::string& what, const std::error_code& ec) {
  return {errc::io_error, what + ": " + ec.message()};
}

/// fsync a file or a directory: a backup or a restore that says it is done must be on disk.
bool sync_path(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

/// True while a process other than this one holds RocksDB's lock on the data dir (a running
/// roomd). RocksDB locks <dir>/LOCK with fcntl, so F_GETLK sees it without taking it.
bool held_by_another_process(const fs::path& dir) {
  int fd = ::open((dir / "LOCK").c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;  // no LOCK file: no RocksDB has it open
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  bool held = ::fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
  ::close(fd);
  return held;
}

/// The files of a backup, the manifest excluded, with their total size.
status list_files(const fs::path& dir, std::vector<fs::path>& files, std::uint64_t& bytes) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec) || entry.path().filename() == backup_manifest) continue;
    files.push_back(entry.path());
    bytes += entry.file_size(ec);
  }
  if (ec) return io_failure("listing " + dir.string(), ec);
  return {};
}

/// Run as root, the restored files take the owner of what they replace (or of the parent):
/// a roomd running as its own user must be able to write its data dir.
void adopt_owner(const fs::path& staging, const fs::path& like) {
  struct stat st {};
  if (::geteuid() != 0 || ::stat(like.c_str(), &st) != 0) return;
  std::error_code ec;
  (void)::chown(staging.c_str(), st.st_uid, st.st_gid);
  for (const auto& entry : fs::directory_iterator(staging, ec))
    (void)::chown(entry.path().c_str(), st.st_uid, st.st_gid);
}

}  // namespace

result<backup_info> create_backup(const store& s, const std::string& dir) {
  fs::path target = fs::absolute(dir);
  std::error_code ec;
  if (!fs::is_directory(target.parent_path(), ec))
    return status{errc::invalid_argument,
                  "the parent of " + target.string() + " is not a directory"};
  backup_info info;
  info.dir = target.string();
  info.created_at = unix_ms();
  auto started = std::chrono::steady_clock::now();
  if (auto st = s.checkpoint(info.dir); !st.ok()) return st;
  std::vector<fs::path> files;
  if (auto st = list_files(target, files, info.bytes); !st.ok()) return st;
  info.files = files.size();
  info.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count();
  // The manifest last, atomically: its presence is what makes the directory a backup.
  nlohmann::json manifest = {{"format", info.format},
                             {"createdAt", info.created_at},
                             {"durationMs", info.duration_ms},
                             {"files", info.files},
                             {"bytes", info.bytes}};
  fs::path tmp = target / (std::string(backup_manifest) + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << manifest.dump(1) << '\n';
    if (!out.flush()) return status{errc::io_error, "cannot write " + tmp.string()};
  }
  if (!sync_path(tmp)) return status{errc::io_error, "cannot fsync " + tmp.string()};
  fs::rename(tmp, target / backup_manifest, ec);
  if (ec) return io_failure("renaming " + tmp.string(), ec);
  sync_path(target);
  return info;
}

result<backup_info> read_backup(const std::string& dir) {
  fs::path p = fs::absolute(dir);
  std::ifstream in(p / backup_manifest, std::ios::binary);
  std::error_code ec;
  if (!in || !fs::exists(p / "CURRENT", ec))
    return status{errc::invalid_argument,
                  p.string() + " is not a complete backup (no " + backup_manifest + " or CURRENT)"};
  std::stringstream text;
  text << in.rdbuf();
  auto j = nlohmann::json::parse(text.str(), nullptr, false);
  if (!j.is_object() || !j.contains("format") || !j["format"].is_number_integer())
    return status{errc::invalid_argument, (p / backup_manifest).string() + " is not a manifest"};
  backup_info info;
  info.dir = p.string();
  info.format = j["format"].get<int>();
  if (info.format != 1)
    return status{errc::invalid_argument, "backup format " + std::to_string(info.format) +
                                              " is newer than this roomctl (it reads 1)"};
  info.created_at = j.value("createdAt", std::int64_t{0});
  info.duration_ms = j.value("durationMs", std::int64_t{0});
  info.files = j.value("files", std::uint64_t{0});
  info.bytes = j.value("bytes", std::uint64_t{0});
  return info;
}

status restore_backup(const std::string& backup_dir, const std::string& data_dir, bool force) {
  auto info = read_backup(backup_dir);
  if (!info.ok()) return info.error();
  fs::path target = fs::absolute(data_dir);
  std::error_code ec;
  bool exists = fs::exists(target, ec);
  if (exists && !fs::is_directory(target, ec))
    return {errc::invalid_argument, target.string() + " is not a directory"};
  if (exists && held_by_another_process(target))
    return {errc::locked, target.string() + " is in use by a running roomd: stop it first"};
  if (exists && !fs::is_empty(target, ec) && !force)
    return {errc::already_exists,
            target.string() + " is not empty (--force replaces its contents)"};
  std::vector<fs::path> files;
  std::uint64_t bytes = 0;
  if (auto st = list_files(info->dir, files, bytes); !st.ok()) return st;

  // Copy beside the target, then rename: a failed restore leaves the target untouched.
  fs::path staging = target.parent_path() /
                     ("." + target.filename().string() + ".restore-" + std::to_string(::getpid()));
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) return io_failure("creating " + staging.string(), ec);
  auto abandon = [&](status st) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    return st;
  };
  for (const auto& f : files) {
    fs::copy_file(f, staging / f.filename(), ec);
    if (ec) return abandon(io_failure("copying " + f.string(), ec));
    if (!sync_path(staging / f.filename()))
      return abandon({errc::io_error, "cannot fsync " + (staging / f.filename()).string()});
  }
  // The token is a credential of the installation, not of the data: the target keeps its own.
  if (exists && fs::exists(target / "admin.token", ec)) {
    fs::copy_file(target / "admin.token", staging / "admin.token", ec);
    if (ec) return abandon(io_failure("keeping admin.token", ec));
    fs::permissions(staging / "admin.token", fs::perms::owner_read | fs::perms::owner_write, ec);
  }
  adopt_owner(staging, exists ? target : target.parent_path());
  sync_path(staging);
  if (exists) {
    fs::remove_all(target, ec);
    if (ec) return abandon(io_failure("removing the old contents of " + target.string(), ec));
  }
  fs::rename(staging, target, ec);
  if (ec) return abandon(io_failure("renaming " + staging.string(), ec));
  sync_path(target.parent_path());
  return {};
}

}  // namespace rooms::eventlog
