// The local backend's interactive runs: a program or a REPL on a pseudo-terminal.

#include "base/utf8.hpp"
#include "runner/detail/local_runner_impl.hpp"
#include "runner/terminal_text.hpp"

namespace rooms::runner::detail {

run_result local_runner::run_interactive(const language& lang, const run_request& request,
                                         const std::string& host_work,
                                         const std::string& java_class, int slot,
                                         const pg_database* database) {
  run_result result;
  if (request.repl && !has_repl(lang)) return failed(lang.name + " has no REPL here");
  if (!request.repl && !lang.compile.empty()) {
    auto c = sandboxed(lang, stage::compile, lang.compile, host_work, "", java_class, slot, false);
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
                     request.run_timeout, request.terminal.get(), database);
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

}  // namespace rooms::runner::detail
