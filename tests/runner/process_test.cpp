// detail::run_process without a sandbox: limits, timeouts, floods, stdin.

#include <gtest/gtest.h>

#include <chrono>

#include "runner/process.hpp"

namespace {

using rooms::runner::detail::process_spec;
using rooms::runner::detail::run_process;
using namespace std::chrono_literals;

process_spec shell(const std::string& script) {
  process_spec s;
  s.argv = {"/bin/sh", "-c", script};
  s.env = {"PATH=/usr/bin:/bin"};
  s.wall_timeout = 3s;
  return s;
}

TEST(process, exit_code_and_stdin) {
  auto s = shell("tr a-z A-Z; exit 3");
  s.stdin_data = "hello";
  auto r = run_process(s);
  EXPECT_TRUE(r.error.empty()) << r.error;
  EXPECT_EQ(r.stdout_data, "HELLO");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
}

TEST(process, large_stdin_to_a_program_that_stops_reading_does_not_kill_us) {
  auto s = shell("head -c 10");
  s.stdin_data.assign(4u << 20, 'x');  // far more than a pipe buffer: we get EPIPE/SIGPIPE
  auto r = run_process(s);
  EXPECT_EQ(r.stdout_data, "xxxxxxxxxx");
  EXPECT_EQ(r.exit_code, 0);
}

TEST(process, timeout_kills_the_whole_group) {
  auto s = shell("sleep 30 & sleep 30; echo never");
  s.wall_timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = run_process(s);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.term_signal, 9);
  EXPECT_LT(took, 2s);  // the background sleep holding stdout was killed too
}

TEST(process, flood_is_capped_and_drained) {
  auto s = shell("yes flood | head -c 10000000; echo done >&2");
  s.output_cap = 1000;
  auto r = run_process(s);
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.stdout_data.size(), 1000u);
  EXPECT_EQ(r.stderr_data, "done\n");
}

TEST(process, closing_stdout_and_running_on_still_times_out) {
  auto s = shell("exec >&- 2>&-; sleep 30");
  s.wall_timeout = 300ms;
  auto r = run_process(s);
  EXPECT_TRUE(r.timed_out);
}

TEST(process, rlimits_apply) {
  auto s = shell("ulimit -n; ulimit -v");
  s.limits.open_files = 33;
  s.limits.address_space = 512u << 20;
  auto r = run_process(s);
  EXPECT_EQ(r.stdout_data, "33\n524288\n");
}

TEST(process, missing_binary_is_an_error) {
  process_spec s;
  s.argv = {"/nonexistent/binary"};
  auto r = run_process(s);
  EXPECT_NE(r.error.find("exec"), std::string::npos) << r.error;
}

TEST(process, extra_pipe_and_environment) {
  auto s = shell("echo status >&3; echo \"$FOO\"");
  s.env.push_back("FOO=bar");
  s.extra_pipes = 1;
  auto r = run_process(s);
  ASSERT_EQ(r.extra_output.size(), 1u);
  EXPECT_EQ(r.extra_output[0], "status\n");
  EXPECT_EQ(r.stdout_data, "bar\n");
}

}  // namespace
