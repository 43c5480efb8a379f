// The proof that the starter set is right: every question's reference solution in python,
// javascript, java and cpp passes every one of its tests in the real local sandbox
// (rooms::runner's bubblewrap backend), and every starter compiles and runs, so a candidate
// never starts from broken code. One test per question and language; the runs of one test
// go to the runner concurrently.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "questions/markdown_format.hpp"
#include "questions/output_match.hpp"
#include "runner/runner.hpp"
#include "tests/questions/helpers.hpp"

namespace {

using namespace rooms::questions;
using rooms::questions::testing::read_file;
using rooms::questions::testing::starter_files;

/// Runs of one test at once: the machine has 2 cores, compiles are CPU-bound.
constexpr int parallel_runs = 3;

rooms::runner::runner& sandbox() {
  static auto r = [] {
    rooms::runner::local_options o;
    o.probe = false;  // the toolchain files are checked instead; the runs themselves prove them
    // Each test process its own sandbox uids, so parallel ctest processes never share one (and
    // with it an RLIMIT_NPROC budget); clear of runner_test's 200000.. range.
    o.sandbox_uid = 400000 + static_cast<int>(::getpid() % 10000) * 16;
    o.max_parallel_runs = parallel_runs;
    // What is proved here is the references and starters, not compile speed: three g++ at once
    // on two cores shared with the other ctest process took over the default 10 s in CI.
    o.compile_timeout = std::chrono::seconds(30);
    return rooms::runner::make_local_runner(o);
  }();
  return *r;
}

bool has(const std::string& language) {
  for (const auto& rt : sandbox().runtimes()) {
    if (rt.language == language) return true;
  }
  return false;
}

std::string describe(const rooms::runner::run_result& r) {
  return "error=" + r.error + " exit=" + std::to_string(r.exit_code) + " signal=" + r.signal +
         " timed_out=" + std::to_string(r.timed_out) + " truncated=" + std::to_string(r.truncated) +
         " duration_ms=" + std::to_string(r.duration_ms) +
         "\nstdout=" + r.stdout_data.substr(0, 300) + "\nstderr=" + r.stderr_data.substr(0, 1500) +
         "\ncompile=" + r.compile_output.substr(0, 1500);
}

struct job {
  std::string label;
  std::string code;
  std::string stdin_data;
  rooms::runner::run_result result;
};

/// Runs every job, `parallel_runs` at a time.
void run_all(const std::string& language, std::vector<job>& jobs) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < parallel_runs; ++w) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < jobs.size(); i = next++) {
        jobs[i].result = sandbox().run({language, jobs[i].code, jobs[i].stdin_data});
      }
    });
  }
  for (auto& w : workers) w.join();
}

struct param {
  std::filesystem::path file;
  std::string language;
};

void PrintTo(const param& p, std::ostream* os) {
  *os << p.file.filename().string() << " in " << p.language;
}

std::vector<param> params() {
  std::vector<param> out;
  for (const auto& f : starter_files()) {
    for (const char* lang : {"cpp", "java", "javascript", "python"}) out.push_back({f, lang});
  }
  return out;
}

class starter_in_sandbox : public ::testing::TestWithParam<param> {};

TEST_P(starter_in_sandbox, reference_passes_every_test_and_the_starter_runs) {
  const auto& [file, language] = GetParam();
  // The four languages are the starter set's promise: a missing toolchain fails, never skips.
  ASSERT_TRUE(has(language)) << "no " << language
                             << " toolchain (or no bubblewrap): tools/bootstrap installs them";
  auto parsed = parse_markdown(read_file(file));
  ASSERT_TRUE(parsed.ok()) << to_string(parsed.errors());
  const question& q = parsed.value();
  ASSERT_TRUE(q.solutions.count(language)) << "no reference solution in " << language;
  ASSERT_TRUE(q.languages.count(language)) << "no starter in " << language;

  std::vector<job> jobs;
  for (const auto& t : q.tests)
    jobs.push_back({"test \"" + t.name + "\"", q.solutions.at(language), t.stdin_data, {}});
  // The starter on the first visible test: it must compile and run cleanly, and (being a
  // stub) get the answer wrong, or the test would prove nothing about a candidate's code.
  const test_case* example = nullptr;
  for (const auto& t : q.tests) {
    if (!t.hidden) {
      example = &t;
      break;
    }
  }
  ASSERT_NE(example, nullptr);
  jobs.push_back({"starter", q.languages.at(language).starter, example->stdin_data, {}});
  run_all(language, jobs);

  for (std::size_t i = 0; i < q.tests.size(); ++i) {
    const auto& r = jobs[i].result;
    EXPECT_TRUE(r.error.empty() && !r.compile_failed && !r.timed_out && r.exit_code == 0 &&
                !r.truncated)
        << jobs[i].label << ": " << describe(r);
    EXPECT_TRUE(output_matches(r.stdout_data, q.tests[i].expected))
        << jobs[i].label << " fails: expected\n"
        << q.tests[i].expected.substr(0, 300) << "\n"
        << describe(r);
  }
  const auto& stub = jobs.back().result;
  EXPECT_TRUE(stub.error.empty() && !stub.compile_failed && !stub.timed_out && stub.exit_code == 0)
      << "the starter does not run: " << describe(stub);
  EXPECT_FALSE(output_matches(stub.stdout_data, example->expected))
      << "the stub already passes " << example->name;
}

std::string name_of(const ::testing::TestParamInfo<param>& info) {
  std::string name = info.param.file.stem().string() + "_" + info.param.language;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(starter_set, starter_in_sandbox, ::testing::ValuesIn(params()), name_of);

TEST(starter_in_sandbox_setup, the_starter_set_is_found) {
  EXPECT_GE(starter_files().size(), 10u);
}

}  // namespace
