// The local backend: every stage (compile, run, version) is one bubblewrap invocation started
// through run_process with rlimits, a wall-clock limit and capped output; a batch run is a
// compile stage (compiled languages) and a run stage.

#include <unistd.h>

#include <algorithm>

#include "base/utf8.hpp"
#include "runner/detail/local_runner_impl.hpp"
#include "runner/seccomp.hpp"

namespace rooms::runner::detail {

local_runner::stage_outcome local_runner::sandboxed(
    const language& lang, stage s, const std::vector<std::string>& command,
    const std::string& host_work, const std::string& stdin_data, const std::string& java_class,
    int slot, bool probing, std::function<void(int, std::string_view)> on_output,
    std::optional<std::chrono::milliseconds> run_timeout, terminal_channel* terminal,
    const pg_database* database) {
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
  for (const auto& e : lang.host_binds) spec.argv.insert(spec.argv.end(), {"--ro-bind-try", e, e});
  if (database != nullptr) {
    // The server's socket directory, read-only: connect() on a socket needs no write access
    // to the mount (only to the socket file, which the server makes 0777), and the run's role
    // still has to give its password.
    spec.argv.insert(spec.argv.end(), {"--ro-bind", postgres_->options().socket_dir, "/pg"});
  }
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
    filter.fd = seccomp_fd(seccomp_program_);
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
  std::string src = "/work/" + expand(lang.source_file, "", java_class, 0);
  for (const auto& word : command) {
    spec.argv.push_back(expand(word, src, java_class, options_.memory_bytes));
  }
  spec.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8",
              "LC_ALL=C.UTF-8"};
  for (const auto& e : lang.env) {
    spec.env.push_back(expand(e, src, java_class, options_.memory_bytes));
  }
  if (database != nullptr) {
    // libpq's own variables: psql needs no per-run words on its command line.
    spec.env.insert(spec.env.end(),
                    {"PGHOST=/pg", "PGPORT=" + std::to_string(postgres_->options().port),
                     "PGUSER=" + database->name, "PGDATABASE=" + database->name,
                     "PGPASSWORD=" + database->password, "PGCONNECT_TIMEOUT=5"});
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

  std::unique_ptr<cgroup_run> group;
  if (cgroups_) {
    // The cgroup counts what the processes really use, all of them together, plus the
    // /tmp tmpfs pages they write (charged to the group); RLIMIT_AS stays as the per-process
    // bound. The run stage gets memory_bytes whatever the runtime (the managed runtimes'
    // raised RLIMIT_AS is address space, not use).
    cgroup_limits limits;
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
  out.p = run_process(spec);
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

void local_runner::fill_status(const process_result& p, run_result& r) {
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
    r.signal = signal_name(p.term_signal);
  } else if (p.exit_code > 128 && p.exit_code < 128 + 65) {
    r.exit_code = -1;
    r.signal = signal_name(p.exit_code - 128);
  } else {
    r.exit_code = p.exit_code;
  }
}

std::string local_runner::memory_note(const std::string& before, std::uint64_t limit) {
  std::string note = before.empty() || before.back() == '\n' ? "" : "\n";
  return note + "memory limit exceeded: the run's processes together may use " +
         std::to_string(limit >> 20) + " MiB\n";
}

run_result local_runner::run_language(const language& lang, const run_request& request,
                                      bool probing) {
  struct slot_guard {
    local_runner* self;
    int slot;
    ~slot_guard() { self->release_slot(slot); }
  } guard{this, acquire_slot()};

  std::string java_class = lang.name == "java" ? java_class_name(request.code) : "";
  work_dir work(options_.work_root);
  if (work.path().empty()) return failed("cannot create a work directory");
  std::string file = work.path() + "/" + expand(lang.source_file, "", java_class, 0);
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

  // The run's own database, dropped when this returns (after the sandbox ended, however).
  std::optional<pg_session> db;
  if (lang.postgres) {
    if (!postgres_) return failed("no PostgreSQL server configured");
    std::string error;
    auto created = postgres_->create(error);
    if (!created) return failed(error);
    db.emplace(*postgres_, std::move(*created));
  }
  const pg_database* database = db ? &db->database() : nullptr;

  run_result result;
  if (request.terminal)
    return run_interactive(lang, request, work.path(), java_class, guard.slot, database);
  if (!lang.compile.empty()) {
    auto c = sandboxed(lang, stage::compile, lang.compile, work.path(), "", java_class, guard.slot,
                       probing);
    if (!c.p.error.empty()) return failed(c.p.error);
    if (!c.started && !c.p.timed_out) return failed("sandbox failed to start: " + c.p.stderr_data);
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
                     guard.slot, probing, stream, request.run_timeout, nullptr, database);
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

}  // namespace rooms::runner::detail
