// The local backend: every stage (compile, run, version) is one bubblewrap invocation started
// through detail::run_process with rlimits, a wall-clock limit and capped output.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "base/log.hpp"
#include "base/utf8.hpp"
#include "runner/cgroup.hpp"
#include "runner/languages.hpp"
#include "runner/process.hpp"
#include "runner/runner.hpp"
#include "runner/seccomp.hpp"
#include "runner/terminal_text.hpp"

namespace rooms::runner {
namespace {

namespace fs = std::filesystem;
using detail::language;
using detail::memory_model;
using detail::process_result;
using detail::process_spec;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// First "digits(.digits)+" in text, e.g. "3.11.2" of "Python 3.11.2".
std::string parse_version(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) && text[i - 1] != 'v' &&
                  text[i - 1] != 'o')) {
      continue;  // inside a word such as "x86_64"; "v20.1" and "go1.19" are fine
    }
    std::size_t j = i;
    int dots = 0;
    while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) ||
                               (text[j] == '.' && j + 1 < text.size() &&
                                std::isdigit(static_cast<unsigned char>(text[j + 1]))))) {
      if (text[j] == '.') ++dots;
      ++j;
    }
    if (dots > 0) return text.substr(i, j - i);
    i = j;
  }
  return {};
}

/// A per-run host directory bound to /work; removed on destruction.
class work_dir {
 public:
  explicit work_dir(const std::string& root) {
    std::error_code ec;
    fs::path base = root.empty() ? fs::temp_directory_path(ec) : fs::path(root);
    if (ec) base = "/tmp";
    std::string pattern = (base / "rooms-run-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~work_dir() {
    if (!path_.empty()) {
      std::error_code ec;
      fs::remove_all(path_, ec);
    }
  }
  work_dir(const work_dir&) = delete;
  work_dir& operator=(const work_dir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

bool write_file(const std::string& path, const std::string& data) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  return std::fclose(f) == 0 && ok;
}

enum class stage { compile, run, version };

/// The probe's hello worlds get this many times the run and compile clocks: a JVM compiler's
/// first start on a busy machine (others building at start-up) must not drop the language for
/// the server's whole life; user programs keep the configured limits.
constexpr int probe_timeout_factor = 3;

class local_runner final : public runner {
 public:
  explicit local_runner(const local_options& options) : options_(options) {
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
    for (const auto& lang : detail::language_table()) {
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

  std::vector<runtime> runtimes() const override { return runtimes_; }
  std::string name() const override { return "local"; }
  std::string describe() const override { return layers_; }

  run_result run(const run_request& request) override {
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

 private:
  static run_result failed(std::string error) {
    run_result r;
    r.exit_code = -1;
    r.error = std::move(error);
    return r;
  }

  static bool has_repl(const language& lang) {
    return !lang.repl.empty() && ::access(lang.repl.front().c_str(), X_OK) == 0;
  }

  static const language* find(const std::string& name, const std::vector<const language*>& in) {
    std::string key = lower(name);
    for (const auto* lang : in) {
      if (lang->name == key) return lang;
      for (const auto& alias : lang->aliases) {
        if (alias == key) return lang;
      }
    }
    return nullptr;
  }

  /// The part of the bwrap command line shared by every stage.
  void build_base_args() {
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

  /// What the constructor learns about the host: bwrap's options, the seccomp program, the
  /// cgroup hierarchy. Logged once, and describe() tells it.
  void setup_isolation() {
    // bwrap --help lists the options this version has (Debian 12 ships 0.8.0, which has both).
    process_spec help;
    help.argv = {options_.bwrap_path, "--help"};
    help.wall_timeout = std::chrono::seconds(5);
    auto h = detail::run_process(help);
    std::string usage = h.stdout_data + h.stderr_data;
    disable_userns_ = usage.find("--disable-userns") != std::string::npos;
    std::vector<std::string> layers = {"bubblewrap (all namespaces" +
                                       std::string(disable_userns_
                                                       ? ", --disable-userns"
                                                       : ", no --disable-userns in this bwrap") +
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
      seccomp_program_ = detail::build_seccomp_filter(error);
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
      cgroups_ = std::make_unique<detail::cgroup_manager>();
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

  /// How one bubblewrap invocation went.
  struct stage_outcome {
    process_result p;
    bool started = false;            ///< bwrap set the sandbox up
    std::uint64_t oom_kills = 0;     ///< processes the memory cgroup's OOM killer killed
    std::uint64_t memory_limit = 0;  ///< that cgroup's limit, bytes
  };

  /// One bubblewrap invocation. `on_output` (may be empty) gets the output as it arrives.
  /// `probing`: the start-up probe's own program, given probe_timeout_factor times the clocks.
  stage_outcome sandboxed(const language& lang, stage s, const std::vector<std::string>& command,
                          const std::string& host_work, const std::string& stdin_data,
                          const std::string& java_class, int slot, bool probing,
                          std::function<void(int, std::string_view)> on_output = {},
                          std::optional<std::chrono::milliseconds> run_timeout = std::nullopt,
                          terminal_channel* terminal = nullptr) {
    stage_outcome out;
    process_spec spec;
    spec.argv = base_args_;
    if (terminal != nullptr) {
      // The pseudo-terminal must stay the program's controlling terminal (for ^C and its
      // size); typing into it is still refused by the seccomp filter (TIOCSTI), and it is
      // this run's own terminal, read by nobody else.
      spec.argv.erase(std::find(spec.argv.begin(), spec.argv.end(), "--new-session"));
      spec.terminal = terminal;
    }
    if (!host_work.empty()) {
      spec.argv.insert(spec.argv.end(),
                       {s == stage::compile ? "--bind" : "--ro-bind", host_work, "/work"});
    }
    // What this toolchain reads outside /usr (R's /etc/R, fpc.cfg, GHC's package database).
    for (const auto& e : lang.host_binds)
      spec.argv.insert(spec.argv.end(), {"--ro-bind-try", e, e});
    // bwrap's root is a writable tmpfs holding the mount points (/etc among them, as only
    // some of its files are bound): make it read-only, leaving /tmp (and /work when compiling)
    // the only writable places.
    spec.argv.insert(spec.argv.end(), {"--remount-ro", "/"});
    // Compilers write next to the source; programs get the writable /tmp as cwd (their /work
    // is read-only so a program cannot fill the host disk).
    spec.argv.insert(spec.argv.end(), {"--chdir", s == stage::compile ? "/work" : "/tmp"});
    spec.argv.insert(spec.argv.end(), {"--json-status-fd", "3"});
    // The filter, fresh per invocation: bwrap reads its fd to the end, and a shared file
    // offset would race between concurrent runs.
    struct fd_closer {
      int fd = -1;
      ~fd_closer() {
        if (fd >= 0) ::close(fd);
      }
    } filter;
    if (!seccomp_program_.empty()) {
      filter.fd = detail::seccomp_fd(seccomp_program_);
      if (filter.fd < 0) {
        out.p.error = "cannot pass the seccomp filter to the sandbox";
        return out;
      }
      spec.pass_fds.push_back(filter.fd);  // fd 4 in bwrap (3 is the status pipe)
      spec.argv.insert(spec.argv.end(), {"--seccomp", "4"});
    }
    spec.argv.push_back("--");
    std::size_t memory = options_.memory_bytes;
    if (s != stage::run) {
      memory = std::max(options_.compile_memory_bytes, memory);
    } else if (lang.memory == memory_model::managed) {
      memory = std::max<std::size_t>(memory * 4, std::size_t{1} << 30);
    }
    std::string src = "/work/" + detail::expand(lang.source_file, "", java_class, 0);
    for (const auto& word : command) {
      spec.argv.push_back(detail::expand(word, src, java_class, options_.memory_bytes));
    }
    spec.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8",
                "LC_ALL=C.UTF-8"};
    for (const auto& e : lang.env) {
      spec.env.push_back(detail::expand(e, src, java_class, options_.memory_bytes));
    }
    auto run_limit = terminal != nullptr ? options_.terminal_timeout : options_.run_timeout;
    auto timeout = (s == stage::run ? run_timeout.value_or(run_limit) : options_.compile_timeout) *
                   (probing ? probe_timeout_factor : 1);
    spec.wall_timeout = timeout;
    spec.stdin_data = stdin_data;
    spec.output_cap = options_.output_bytes;
    spec.extra_pipes = 1;
    spec.on_output = std::move(on_output);
    auto seconds = static_cast<std::uint64_t>((timeout.count() + 999) / 1000);
    spec.limits.cpu_seconds = seconds + 1;  // backstop; the wall clock is the real limit
    spec.limits.address_space = memory;
    bool tool = s != stage::run;
    // Compilers (go build, javac) run several processes and threads and open more files.
    spec.limits.processes = static_cast<std::uint64_t>(tool ? std::max(options_.max_processes, 128)
                                                            : options_.max_processes);
    spec.limits.open_files =
        static_cast<std::uint64_t>(tool ? std::max(options_.max_open_files, 256)
                                        : std::max(options_.max_open_files, lang.min_open_files));
    spec.limits.file_size = options_.max_file_bytes;
    if (switch_uid_) spec.uid = static_cast<uid_t>(options_.sandbox_uid + slot);

    std::unique_ptr<detail::cgroup_run> group;
    if (cgroups_) {
      // The cgroup counts what the processes really use, all of them together, plus the
      // /tmp tmpfs pages they write (charged to the group); RLIMIT_AS stays as the per-process
      // bound. The run stage gets memory_bytes whatever the runtime (the managed runtimes'
      // raised RLIMIT_AS is address space, not use).
      detail::cgroup_limits limits;
      limits.memory_bytes = (s == stage::run ? options_.memory_bytes : memory) + options_.tmp_bytes;
      limits.pids = spec.limits.processes;
      std::string error;
      group = cgroups_->create(limits, error);
      if (!group) {
        out.p.error = "cannot create the run's cgroup: " + error;
        return out;
      }
      spec.cgroup_procs = group->procs_files();
      out.memory_limit = limits.memory_bytes;
    }
    out.p = detail::run_process(spec);
    if (group) {
      out.oom_kills = group->oom_kills();
      group.reset();  // kills anything left and removes the group
    }
    // bwrap reports {"child-pid": N} on the status fd once the sandbox is set up; without it
    // bwrap itself failed (its message is on stderr).
    out.started = out.p.error.empty() && out.p.extra_output.size() == 1 &&
                  out.p.extra_output[0].find("child-pid") != std::string::npos;
    return out;
  }
  int acquire_slot() {
    std::unique_lock lock(slots_mutex_);
    slots_cv_.wait(lock, [&] { return !free_slots_.empty(); });
    int slot = free_slots_.front();
    free_slots_.pop_front();
    return slot;
  }
  void release_slot(int slot) {
    {
      std::lock_guard lock(slots_mutex_);
      // Back of the queue: the uid used last is reused last, giving the kernel time to finish
      // tearing down a killed pid namespace before its uid counts processes again.
      free_slots_.push_back(slot);
    }
    slots_cv_.notify_one();
  }

  /// bwrap exits with the program's status, or 128 + signal when a signal killed it.
  static void fill_status(const process_result& p, run_result& r) {
    r.stdout_data = p.stdout_data;
    r.stderr_data = p.stderr_data;
    r.truncated = p.truncated;
    r.timed_out = p.timed_out;
    r.duration_ms = p.duration_ms;
    if (p.timed_out) {
      r.exit_code = -1;
      r.signal = "SIGKILL";
    } else if (p.term_signal != 0) {
      r.exit_code = -1;
      r.signal = detail::signal_name(p.term_signal);
    } else if (p.exit_code > 128 && p.exit_code < 128 + 65) {
      r.exit_code = -1;
      r.signal = detail::signal_name(p.exit_code - 128);
    } else {
      r.exit_code = p.exit_code;
    }
  }

  /// The note a run gets when the memory cgroup's OOM killer ended one of its processes.
  static std::string memory_note(const std::string& before, std::uint64_t limit) {
    std::string note = before.empty() || before.back() == '\n' ? "" : "\n";
    return note + "memory limit exceeded: the run's processes together may use " +
           std::to_string(limit >> 20) + " MiB\n";
  }

  run_result run_language(const language& lang, const run_request& request, bool probing = false) {
    struct slot_guard {
      local_runner* self;
      int slot;
      ~slot_guard() { self->release_slot(slot); }
    } guard{this, acquire_slot()};

    std::string java_class = lang.name == "java" ? detail::java_class_name(request.code) : "";
    work_dir work(options_.work_root);
    if (work.path().empty()) return failed("cannot create a work directory");
    std::string file = work.path() + "/" + detail::expand(lang.source_file, "", java_class, 0);
    if (!write_file(file, request.code)) return failed("cannot write the source file");
    std::vector<std::string> files = {file};
    auto extra = lang.extra_files;
    if (!lang.setup_file.empty()) extra.emplace_back(lang.setup_file, request.setup);
    for (const auto& [name, content] : extra) {
      files.push_back(work.path() + "/" + name);
      if (!write_file(files.back(), content)) return failed("cannot write " + name);
    }
    if (switch_uid_) {
      // The compile stage writes here as the sandbox uid.
      auto id = static_cast<uid_t>(options_.sandbox_uid + guard.slot);
      bool owned = ::chown(work.path().c_str(), id, id) == 0;
      for (const auto& f : files) owned = owned && ::chown(f.c_str(), id, id) == 0;
      if (!owned) return failed("cannot hand the work directory to the sandbox uid");
    }

    run_result result;
    if (request.terminal)
      return run_interactive(lang, request, work.path(), java_class, guard.slot);
    if (!lang.compile.empty()) {
      auto c = sandboxed(lang, stage::compile, lang.compile, work.path(), "", java_class,
                         guard.slot, probing);
      if (!c.p.error.empty()) return failed(c.p.error);
      if (!c.started && !c.p.timed_out)
        return failed("sandbox failed to start: " + c.p.stderr_data);
      result.compile_output = base::to_valid_utf8(c.p.stdout_data + c.p.stderr_data);
      if (c.oom_kills > 0)
        result.compile_output += memory_note(result.compile_output, c.memory_limit);
      if (c.p.timed_out || c.p.term_signal != 0 || c.p.exit_code != 0) {
        result.compile_failed = true;
        fill_status(c.p, result);
        result.stdout_data.clear();
        result.stderr_data.clear();
        if (c.p.timed_out) {
          result.compile_output += "\ncompilation timed out after " +
                                   std::to_string(options_.compile_timeout.count()) + " ms\n";
        }
        return result;
      }
    }
    // Streaming: each stream through its own UTF-8 converter, so every chunk is valid UTF-8
    // and the chunks add up to the final text.
    base::utf8_sanitizer out_text, err_text;
    std::function<void(int, std::string_view)> stream;
    if (request.on_output) {
      stream = [&](int fd, std::string_view data) {
        auto chunk = (fd == 1 ? out_text : err_text).feed(data);
        if (!chunk.empty()) request.on_output(fd == 1 ? "stdout" : "stderr", chunk);
      };
    }
    auto p = sandboxed(lang, stage::run, lang.run, work.path(), request.stdin_data, java_class,
                       guard.slot, probing, stream, request.run_timeout);
    if (!p.p.error.empty()) return failed(p.p.error);
    if (!p.started && !p.p.timed_out) return failed("sandbox failed to start: " + p.p.stderr_data);
    fill_status(p.p, result);
    result.stdout_data = base::to_valid_utf8(p.p.stdout_data);
    result.stderr_data = base::to_valid_utf8(p.p.stderr_data);
    std::string note = p.oom_kills > 0 ? memory_note(result.stderr_data, p.memory_limit) : "";
    result.stderr_data += note;
    if (request.on_output) {
      if (auto rest = out_text.finish(); !rest.empty()) request.on_output("stdout", rest);
      if (auto rest = err_text.finish() + note; !rest.empty()) request.on_output("stderr", rest);
    }
    return result;
  }
  /// A run on a pseudo-terminal: the program (compiled first, without a terminal) or the
  /// language's REPL, its signals reset inside the sandbox (env --default-signal: the
  /// supervisor started it with the terminal's signals ignored), its output sanitized for
  /// the viewers' terminal emulators.
  run_result run_interactive(const language& lang, const run_request& request,
                             const std::string& host_work, const std::string& java_class,
                             int slot) {
    run_result result;
    if (request.repl && !has_repl(lang)) return failed(lang.name + " has no REPL here");
    if (!request.repl && !lang.compile.empty()) {
      auto c =
          sandboxed(lang, stage::compile, lang.compile, host_work, "", java_class, slot, false);
      if (!c.p.error.empty()) return failed(c.p.error);
      result.compile_output = base::to_valid_utf8(c.p.stdout_data + c.p.stderr_data);
      if (c.p.timed_out || c.p.term_signal != 0 || c.p.exit_code != 0 || !c.started) {
        result.compile_failed = true;
        fill_status(c.p, result);
        result.stdout_data.clear();
        result.stderr_data.clear();
        return result;
      }
    }
    std::vector<std::string> command = {"/usr/bin/env", "--default-signal", "TERM=xterm-256color"};
    const auto& program = request.repl ? lang.repl : lang.run;
    command.insert(command.end(), program.begin(), program.end());
    terminal_sanitizer text;
    std::string transcript;
    auto stream = [&](int, std::string_view data) {
      auto chunk = text.feed(data);
      transcript += chunk;
      if (!chunk.empty() && request.on_output) request.on_output("terminal", chunk);
    };
    auto p = sandboxed(lang, stage::run, command, host_work, "", java_class, slot, false, stream,
                       request.run_timeout, request.terminal.get());
    request.terminal->close();
    if (!p.p.error.empty()) return failed(p.p.error);
    if (!p.started && !p.p.timed_out) return failed("sandbox failed to start: " + p.p.stderr_data);
    std::string compile_output = std::move(result.compile_output);
    fill_status(p.p, result);
    result.compile_output = std::move(compile_output);
    auto rest = text.finish();
    if (p.oom_kills > 0) rest += memory_note(transcript + rest, p.memory_limit);
    if (!rest.empty() && request.on_output) request.on_output("terminal", rest);
    result.stdout_data = transcript + rest;
    result.stderr_data.clear();
    return result;
  }

  /// Runs every installed language's hello world and version command, a bounded number at a
  /// time; runtimes_ lists exactly those that printed "hello, world".
  void probe() {
    struct outcome {
      bool ok = false;
      std::string version;
      std::string failure;
    };
    std::vector<outcome> outcomes(installed_.size());
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      for (std::size_t i; (i = next++) < installed_.size();) {
        const language& lang = *installed_[i];
        auto r = run_language(lang, {lang.name, lang.hello, ""}, /*probing=*/true);
        if (r.error.empty() && r.exit_code == 0 && r.stdout_data == "hello, world\n") {
          outcomes[i].ok = true;
        } else {
          outcomes[i].failure =
              "start-up probe failed: " +
              (!r.error.empty() ? r.error
               : r.timed_out    ? std::string("timed out")
                                : "exit " + std::to_string(r.exit_code) + " " + r.signal + " " +
                                   r.compile_output + r.stderr_data.substr(0, 2000));
          continue;
        }
        int slot = acquire_slot();
        auto v = sandboxed(lang, stage::version, lang.version, "", "", "", slot, /*probing=*/true);
        release_slot(slot);
        outcomes[i].version = parse_version(v.p.stdout_data + "\n" + v.p.stderr_data);
      }
    };
    int parallel = options_.probe_parallelism > 0
                       ? options_.probe_parallelism
                       : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
    parallel = std::min<int>(parallel, static_cast<int>(installed_.size()));
    std::vector<std::thread> threads;
    for (int t = 0; t < parallel; ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    for (std::size_t i = 0; i < installed_.size(); ++i) {
      const language& lang = *installed_[i];
      if (outcomes[i].ok) {
        usable_.push_back(&lang);
        runtimes_.push_back({lang.name, outcomes[i].version, lang.aliases, has_repl(lang)});
      } else {
        // A toolchain that is installed but fails its hello world is a host problem to see.
        ROOMS_LOG(warn, "runner: " << lang.name << " not offered: " << outcomes[i].failure);
        failures_[lang.name] = outcomes[i].failure;
      }
    }
  }

  local_options options_;
  bool switch_uid_ = false;
  bool disable_userns_ = false;  ///< this bwrap has --disable-userns
  std::string seccomp_program_;  ///< compiled filter; empty with use_seccomp off
  std::unique_ptr<detail::cgroup_manager> cgroups_;  ///< null: no cgroups (rlimits only)
  std::string layers_;                               ///< describe()
  std::string init_error_;
  std::vector<std::string> base_args_;
  std::vector<const language*> installed_;  ///< toolchain present on the host
  std::vector<const language*> usable_;     ///< passed the probe (or installed, without probe)
  std::vector<runtime> runtimes_;
  std::map<std::string, std::string> failures_;  ///< why a language is not usable
  std::mutex slots_mutex_;
  std::condition_variable slots_cv_;
  std::deque<int> free_slots_;
};

}  // namespace

std::unique_ptr<runner> make_local_runner(const local_options& options) {
  return std::make_unique<local_runner>(options);
}

}  // namespace rooms::runner
