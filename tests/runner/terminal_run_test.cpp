// Interactive runs on a pseudo-terminal in the real sandbox: input typed while the program
// runs, Ctrl-C, resize, stop, floods, a program that waits forever, escape sequences that
// must not reach a viewer, and a REPL. Each test drives the run from this thread while run()
// blocks on another, as a room does.

#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "runner/runner.hpp"

namespace {

using namespace rooms::runner;
using namespace std::chrono_literals;

local_options options() {
  local_options o;
  o.probe = false;
  o.run_timeout = 2s;
  o.terminal_timeout = 20s;
  o.sandbox_uid = 210000 + static_cast<int>(::getpid() % 10000) * 16;
  return o;
}

runner& local() {
  static auto r = make_local_runner(options());
  return *r;
}

bool has(const std::string& language, bool repl = false) {
  for (const auto& rt : local().runtimes())
    if (rt.language == language) return !repl || rt.repl;
  return false;
}

/// One interactive run on its own thread, with what it printed so far.
class terminal_run {
 public:
  terminal_run(std::string language, std::string code, bool repl = false,
               std::optional<std::chrono::milliseconds> timeout = std::nullopt)
      : channel_(std::make_shared<terminal_channel>(100, 30)) {
    run_request req;
    req.language = std::move(language);
    req.code = std::move(code);
    req.terminal = channel_;
    req.repl = repl;
    req.run_timeout = timeout;
    req.on_output = [this](std::string_view stream, std::string_view chunk) {
      std::lock_guard lock(mutex_);
      EXPECT_EQ(stream, "terminal");
      seen_.append(chunk);
      changed_.notify_all();
    };
    thread_ = std::thread([this, req = std::move(req)] {
      auto r = local().run(req);
      std::lock_guard lock(mutex_);
      result_ = std::move(r);
      changed_.notify_all();
    });
  }
  ~terminal_run() {
    channel_->stop();
    thread_.join();
  }

  terminal_channel& channel() { return *channel_; }
  /// Waits until the output contains `text` (after what earlier waits consumed).
  bool wait_for(const std::string& text, std::chrono::seconds limit = 15s) {
    std::unique_lock lock(mutex_);
    bool found = changed_.wait_for(lock, limit, [&] {
      return seen_.find(text, consumed_) != std::string::npos || result_.has_value();
    });
    auto at = seen_.find(text, consumed_);
    if (at == std::string::npos) return false;
    consumed_ = at + text.size();
    return found;
  }
  run_result result() {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 30s, [&] { return result_.has_value(); });
    return result_.value_or(run_result{});
  }
  std::string seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  std::shared_ptr<terminal_channel> channel_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string seen_;
  std::size_t consumed_ = 0;
  std::optional<run_result> result_;
  std::thread thread_;
};

TEST(terminal_run, input_typed_while_the_program_runs_answers_input) {
  if (!has("python")) GTEST_SKIP() << "python is not installed";
  terminal_run run("python", "name = input('name? ')\nprint('hello', name)\n");
  ASSERT_TRUE(run.wait_for("name? ")) << run.seen();
  ASSERT_TRUE(run.channel().write("Ada\r"));
  auto r = run.result();
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.exit_code, 0) << r.stdout_data;
  // The terminal echoes what was typed; the transcript is what a viewer's terminal shows.
  EXPECT_NE(r.stdout_data.find("name? Ada\r\nhello Ada\r\n"), std::string::npos) << r.stdout_data;
  EXPECT_EQ(r.stdout_data, run.seen());
  EXPECT_FALSE(run.channel().write("late")) << "input after the end is refused";
}

TEST(terminal_run, ctrl_c_interrupts_the_program_not_the_sandbox) {
  if (!has("python")) GTEST_SKIP() << "python is not installed";
  terminal_run run("python",
                   "import time\ntry:\n    print('ready', flush=True)\n    time.sleep(60)\n"
                   "except KeyboardInterrupt:\n    print('caught')\n");
  ASSERT_TRUE(run.wait_for("ready")) << run.seen();
  ASSERT_TRUE(run.channel().write("\x03"));
  auto r = run.result();
  EXPECT_EQ(r.exit_code, 0) << r.stdout_data;
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.stdout_data.find("caught"), std::string::npos) << r.stdout_data;
}

TEST(terminal_run, resize_is_what_the_program_sees) {
  if (!has("python")) GTEST_SKIP() << "python is not installed";
  terminal_run run("python",
                   "import os\nprint(tuple(os.get_terminal_size()))\ninput()\n"
                   "print(tuple(os.get_terminal_size()))\n");
  ASSERT_TRUE(run.wait_for("(100, 30)")) << run.seen();
  run.channel().resize(120, 40);
  ASSERT_TRUE(run.channel().write("\r"));
  ASSERT_TRUE(run.wait_for("(120, 40)")) << run.seen();
  EXPECT_EQ(run.result().exit_code, 0);
}

TEST(terminal_run, stop_kills_a_program_waiting_for_input) {
  if (!has("python")) GTEST_SKIP() << "python is not installed";
  terminal_run run("python", "print('waiting', flush=True)\ninput()\n");
  ASSERT_TRUE(run.wait_for("waiting")) << run.seen();
  auto t0 = std::chrono::steady_clock::now();
  run.channel().stop();
  auto r = run.result();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(r.signal, "SIGKILL");
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(run.channel().closed());
}

TEST(terminal_run, a_program_that_reads_forever_ends_at_its_wall_clock) {
  if (!has("python")) GTEST_SKIP() << "python is not installed";
  terminal_run run("python", "while True:\n    input()\n", false, 1500ms);
  auto r = run.result();
  EXPECT_TRUE(r.timed_out) << r.stdout_data;
  EXPECT_GE(r.duration_ms, 1400);
}

TEST(terminal_run, a_flood_stops_at_the_output_cap_as_truncated) {
  if (!has("python")) GTEST_SKIP() << "python is not installed";
  terminal_run run("python", "while True:\n    print('x' * 1000)\n");
  auto r = run.result();
  EXPECT_TRUE(r.truncated);
  EXPECT_FALSE(r.timed_out) << "the cap ends it, not the clock";
  EXPECT_LE(r.stdout_data.size(), options().output_bytes);
  EXPECT_GT(r.stdout_data.size(), options().output_bytes / 2);
}

TEST(terminal_run, title_and_clipboard_sequences_never_reach_a_viewer) {
  if (!has("python")) GTEST_SKIP() << "python is not installed";
  terminal_run run("python",
                   "import sys\nsys.stdout.write('\\x1b]52;c;aGVsbG8=\\x07before\\x1b]0;pwned\\x07"
                   "\\x1b[31mred\\x1b[0m\\x1b[6nafter\\n')\n");
  auto r = run.result();
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.stdout_data.find("before"), std::string::npos) << r.stdout_data;
  EXPECT_NE(r.stdout_data.find("\x1b[31mred\x1b[0m"), std::string::npos) << "colours pass";
  EXPECT_NE(r.stdout_data.find("after"), std::string::npos);
  EXPECT_EQ(r.stdout_data.find("]52"), std::string::npos) << r.stdout_data;
  EXPECT_EQ(r.stdout_data.find("pwned"), std::string::npos) << r.stdout_data;
  EXPECT_EQ(r.stdout_data.find("\x1b[6n"), std::string::npos) << "no cursor report request";
}

TEST(terminal_run, python_repl_evaluates_what_is_typed) {
  if (!has("python", true)) GTEST_SKIP() << "python has no REPL here";
  terminal_run run("python", "ignored = 1\n", true);
  ASSERT_TRUE(run.wait_for(">>> ")) << run.seen();
  ASSERT_TRUE(run.channel().write("6*7\r"));
  ASSERT_TRUE(run.wait_for("42")) << run.seen();
  ASSERT_TRUE(run.channel().write("exit()\r"));
  EXPECT_EQ(run.result().exit_code, 0) << run.seen();
}

TEST(terminal_run, a_compiled_program_reads_its_terminal) {
  if (!has("c")) GTEST_SKIP() << "c is not installed";
  terminal_run run("c",
                   "#include <stdio.h>\nint main(void){ int n; printf(\"n? \"); fflush(stdout);"
                   " if (scanf(\"%d\", &n) != 1) return 1; printf(\"twice %d\\n\", 2*n); }\n");
  ASSERT_TRUE(run.wait_for("n? ", 30s)) << run.seen();
  ASSERT_TRUE(run.channel().write("21\r"));
  auto r = run.result();
  EXPECT_EQ(r.exit_code, 0) << r.stdout_data << r.compile_output;
  EXPECT_NE(r.stdout_data.find("twice 42"), std::string::npos) << r.stdout_data;
}

TEST(terminal_run, a_compile_error_is_reported_without_running) {
  if (!has("c")) GTEST_SKIP() << "c is not installed";
  terminal_run run("c", "int main(void) { return nope; }\n");
  auto r = run.result();
  EXPECT_TRUE(r.compile_failed);
  EXPECT_NE(r.compile_output.find("nope"), std::string::npos) << r.compile_output;
}

}  // namespace
