// The local backend's construction (the host's isolation layers, the bwrap command line shared
// by every stage, the installed languages), its run slots and run(); the class is declared in
// runner/detail/local_runner_impl.hpp.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>

#include "base/log.hpp"
#include "runner/detail/local_runner_impl.hpp"
#include "runner/seccomp.hpp"

namespace rooms::runner::detail {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

work_dir::work_dir(const std::string& root) {
  std::error_code ec;
  fs::path base = root.empty() ? fs::temp_directory_path(ec) : fs::path(root);
  if (ec) base = "/tmp";
  std::string pattern = (base / "rooms-run-XXXXXX").string();
  if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

work_dir::~work_dir() {
  if (!path_.empty()) {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
}

bool write_file(const std::string& path, const std::string& data) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  return std::fclose(f) == 0 && ok;
}

local_runner::local_runner(const local_options& options) : options_(options) {
  if (options_.max_parallel_runs < 1) options_.max_parallel_runs = 1;
  switch_uid_ = ::geteuid() == 0 && options_.sandbox_uid >= 0;
  for (int i = 0; i < options_.max_parallel_runs; ++i) free_slots_.push_back(i);
  if (::access(options_.bwrap_path.c_str(), X_OK) != 0) {
    init_error_ = "bubblewrap not found at " + options_.bwrap_path +
                  " (install the Debian package bubblewrap)";
  } else {
    setup_isolation();
  }
  if (!init_error_.empty() && layers_.empty()) layers_ = "none: " + init_error_;
  build_base_args();
  std::string postgres_error = "no PostgreSQL server configured (roomd --postgres-socket)";
  if (options_.postgres && init_error_.empty()) {
    postgres_ = std::make_unique<postgres_admin>(*options_.postgres);
    // Also proves the server reachable before the language is offered.
    postgres_error = postgres_->drop_leftovers();
    if (!postgres_error.empty())
      ROOMS_LOG(warn, "runner: postgresql not offered: " << postgres_error);
  }
  for (const auto& lang : language_table()) {
    if (lang.postgres && !postgres_error.empty()) {
      failures_[lang.name] = postgres_error;
      continue;
    }
    // The main executable must be executable, the rest (jars, scripts) readable.
    auto missing = std::find_if(
        lang.requires_paths.begin(), lang.requires_paths.end(), [&](const std::string& p) {
          return ::access(p.c_str(), p == lang.requires_paths.front() ? X_OK : R_OK) != 0;
        });
    if (missing == lang.requires_paths.end())
      installed_.push_back(&lang);
    else
      failures_[lang.name] = "not installed on this host (" + *missing + ")";
  }
  if (!init_error_.empty()) {
    installed_.clear();
  } else if (options_.probe) {
    probe();
  } else {
    for (const auto* lang : installed_) {
      usable_.push_back(lang);
      runtimes_.push_back({lang->name, "", lang->aliases, has_repl(*lang)});
    }
  }
}

run_result local_runner::run(const run_request& request) {
  if (!init_error_.empty()) return failed(init_error_);
  const language* lang = find(request.language, usable_);
  if (lang == nullptr) {
    std::string why = "unsupported language: " + request.language;
    const language* known = find(request.language, installed_);
    auto f = failures_.find(known != nullptr ? known->name : lower(request.language));
    if (f != failures_.end()) why += " (" + f->second + ")";
    return failed(why);
  }
  return run_language(*lang, request);
}

run_result local_runner::failed(std::string error) {
  run_result r;
  r.exit_code = -1;
  r.error = std::move(error);
  return r;
}

bool local_runner::has_repl(const language& lang) {
  return !lang.repl.empty() && ::access(lang.repl.front().c_str(), X_OK) == 0;
}

const language* local_runner::find(const std::string& name,
                                   const std::vector<const language*>& in) {
  std::string key = lower(name);
  for (const auto* lang : in) {
    if (lang->name == key) return lang;
    for (const auto& alias : lang->aliases) {
      if (alias == key) return lang;
    }
  }
  return nullptr;
}

void local_runner::build_base_args() {
  base_args_ = {options_.bwrap_path,
                // Every namespace (user, pid, net, ipc, uts, cgroup, mount): no network at
                // all, not even the host's loopback, and a private pid 1.
                "--unshare-all", "--unshare-user",
                "--die-with-parent",  // the sandbox dies with the bwrap we kill
                "--new-session",      // no TIOCSTI into a terminal of ours
                "--hostname", "sandbox", "--ro-bind", "/usr", "/usr"};
  // No user namespaces inside the sandbox (the seccomp filter refuses them too, this is
  // the kernel's own switch: max_user_namespaces = 0 in the sandbox's namespace).
  if (disable_userns_) base_args_.push_back("--disable-userns");
  // Merged-/usr hosts have symlinks here; others get read-only binds.
  for (const char* dir : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    struct stat st {};
    if (::lstat(dir, &st) != 0) continue;
    if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      auto target = fs::read_symlink(dir, ec);
      if (!ec) base_args_.insert(base_args_.end(), {"--symlink", target.string(), dir});
    } else if (S_ISDIR(st.st_mode)) {
      base_args_.insert(base_args_.end(), {"--ro-bind", dir, dir});
    }
  }
  // Only the parts of /etc toolchains read: the dynamic linker cache, the alternatives
  // symlinks (/usr/bin/java, /usr/bin/cc point there), the JDK's config, time zone data.
  // No passwd, hosts, resolv.conf, ssl or anything with secrets.
  std::vector<std::string> etc = {"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
                                  "/etc/alternatives", "/etc/localtime"};
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/etc", ec)) {
    auto n = e.path().filename().string();
    if (n.rfind("java-", 0) == 0) etc.push_back(e.path().string());
  }
  for (const auto& e : etc) base_args_.insert(base_args_.end(), {"--ro-bind-try", e, e});
  base_args_.insert(base_args_.end(), {"--proc", "/proc", "--dev", "/dev", "--size",
                                       std::to_string(options_.tmp_bytes), "--tmpfs", "/tmp"});
  if (::geteuid() == 0 && !switch_uid_) {
    // bwrap running privileged keeps capabilities unless told otherwise.
    base_args_.insert(base_args_.end(), {"--cap-drop", "ALL"});
  }
}

void local_runner::setup_isolation() {
  // bwrap --help lists the options this version has (Debian 12 ships 0.8.0, which has both).
  process_spec help;
  help.argv = {options_.bwrap_path, "--help"};
  help.wall_timeout = std::chrono::seconds(5);
  auto h = run_process(help);
  std::string usage = h.stdout_data + h.stderr_data;
  disable_userns_ = usage.find("--disable-userns") != std::string::npos;
  std::vector<std::string> layers = {
      "bubblewrap (all namespaces" +
      std::string(disable_userns_ ? ", --disable-userns" : ", no --disable-userns in this bwrap") +
      ")"};
  if (switch_uid_) {
    layers.push_back("uid " + std::to_string(options_.sandbox_uid) + ".." +
                     std::to_string(options_.sandbox_uid + options_.max_parallel_runs - 1));
  }
  if (options_.use_seccomp) {
    if (usage.find("--seccomp") == std::string::npos) {
      // Refuse to run rather than run without the filter the configuration asks for.
      init_error_ = options_.bwrap_path + " has no --seccomp option";
      layers_ = "none: " + init_error_;
      ROOMS_LOG(error, "sandbox: " << init_error_);
      return;
    }
    std::string error;
    seccomp_program_ = build_seccomp_filter(error);
    if (seccomp_program_.empty()) {
      init_error_ = "cannot build the seccomp filter: " + error;
      layers_ = "none: " + init_error_;
      ROOMS_LOG(error, "sandbox: " << init_error_);
      return;
    }
    layers.push_back("seccomp (" + std::to_string(seccomp_program_.size() / 8) +
                     " BPF instructions)");
  } else {
    layers.push_back("no seccomp (disabled)");
  }
  if (options_.use_cgroups) {
    cgroups_ = std::make_unique<cgroup_manager>();
    layers.push_back(cgroups_->describe());
    if (cgroups_->version() == 0) cgroups_.reset();
  } else {
    layers.push_back("no cgroups (disabled)");
  }
  layers.push_back(cgroups_ ? "rlimits" : "rlimits only");
  layers_.clear();
  for (const auto& l : layers) layers_ += (layers_.empty() ? "" : "; ") + l;
  ROOMS_LOG(info, "sandbox: " << layers_);
}

int local_runner::acquire_slot() {
  std::unique_lock lock(slots_mutex_);
  slots_cv_.wait(lock, [&] { return !free_slots_.empty(); });
  int slot = free_slots_.front();
  free_slots_.pop_front();
  return slot;
}

void local_runner::release_slot(int slot) {
  {
    std::lock_guard lock(slots_mutex_);
    // Back of the queue: the uid used last is reused last, giving the kernel time to finish
    // tearing down a killed pid namespace before its uid counts processes again.
    free_slots_.push_back(slot);
  }
  slots_cv_.notify_one();
}

}  // namespace rooms::runner::detail

namespace rooms::runner {

std::unique_ptr<runner> make_local_runner(const local_options& options) {
  return std::make_unique<detail::local_runner>(options);
}

}  // namespace rooms::runner
