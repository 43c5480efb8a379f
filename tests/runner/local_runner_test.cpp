// The bubblewrap backend, end to end. Only the probe test builds a probing runner (ctest runs
// each test in its own process); the others use probe=false runners, which cost nothing to make.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "runner/runner.hpp"

namespace {

using namespace rooms::runner;
using namespace std::chrono_literals;

/// Each test process gets its own sandbox uid range, so parallel ctest processes never share
/// a uid (and with it an RLIMIT_NPROC budget).
int uid_base() { return 200000 + static_cast<int>(::getpid() % 10000) * 16; }

local_options fast_options() {
  local_options o;
  o.probe = false;
  o.run_timeout = 2s;
  o.sandbox_uid = uid_base();
  return o;
}

runner& fast() {
  static auto r = make_local_runner(fast_options());
  return *r;
}

bool has(const runner& r, const std::string& language) {
  for (const auto& rt : r.runtimes()) {
    if (rt.language == language) return true;
  }
  return false;
}

std::string describe(const run_result& r) {
  return "error=" + r.error + " exit=" + std::to_string(r.exit_code) + " signal=" + r.signal +
         " timed_out=" + std::to_string(r.timed_out) + "\nstdout=" + r.stdout_data.substr(0, 500) +
         "\nstderr=" + r.stderr_data.substr(0, 1500) + "\ncompile=" + r.compile_output.substr(0, 1500);
}

/// Processes still running under our sandbox uids.
int leftover_processes() {
  int count = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::ifstream status(e.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("Uid:", 0) == 0) {
        int uid = std::stoi(line.substr(4));
        if (uid >= uid_base() && uid < uid_base() + 16) {
          ++count;
          std::ifstream again(e.path() / "status");
          std::string all((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
          std::cout << "leftover " << e.path() << ":\n" << all.substr(0, 400) << "\n";
        }
        break;
      }
    }
  }
  return count;
}

const char* hello_sources[][2] = {
    {"python", "print('hello from python')\n"},
    {"javascript", "console.log('hello from javascript');\n"},
    {"c", "#include <stdio.h>\nint main(void){ puts(\"hello from c\"); }\n"},
    {"cpp", "#include <iostream>\nint main(){ std::cout << \"hello from cpp\\n\"; }\n"},
    {"java", "public class Hello { public static void main(String[] a) { System.out.println(\"hello from java\"); } }\n"},
    {"go", "package main\nimport \"fmt\"\nfunc main() { fmt.Println(\"hello from go\") }\n"},
    {"rust", "fn main() { println!(\"hello from rust\"); }\n"},
    {"bash", "echo hello from bash\n"},
};

TEST(local_runner, probe_then_hello_world_in_every_probed_language) {
  auto options = fast_options();
  options.probe = true;
  options.run_timeout = 5s;
  auto start = std::chrono::steady_clock::now();
  auto r = make_local_runner(options);
  auto probe_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[ figures ] probe of all languages: " << probe_ms << " ms\n";
  auto runtimes = r->runtimes();
  for (const auto& rt : runtimes) std::cout << "[ figures ] runtime " << rt.language << " " << rt.version << "\n";
  // The toolchains this project's bootstrap installs.
  for (const char* needed : {"python", "javascript", "c", "cpp", "bash"}) {
    EXPECT_TRUE(has(*r, needed)) << needed << " did not pass its probe";
  }
  for (const auto& rt : runtimes) EXPECT_FALSE(rt.version.empty()) << rt.language;
  for (const auto& [language, code] : hello_sources) {
    if (!has(*r, language)) continue;
    auto t0 = std::chrono::steady_clock::now();
    auto result = r->run({language, code, ""});
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "[ figures ] hello world " << language << ": " << ms << " ms total, "
              << result.duration_ms << " ms program\n";
    EXPECT_EQ(result.stdout_data, std::string("hello from ") + language + "\n") << describe(result);
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_FALSE(result.compile_failed);
  }
  EXPECT_NE(r->run({"cobol", "DISPLAY 'x'.", ""}).error, "");
}

TEST(local_runner, stdin_is_passed) {
  auto r = fast().run({"python", "import sys\nprint(sys.stdin.read().upper(), end='')\n", "abc\ndef\n"});
  EXPECT_EQ(r.stdout_data, "ABC\nDEF\n") << describe(r);
  EXPECT_EQ(r.exit_code, 0);
}

TEST(local_runner, aliases_resolve) {
  EXPECT_EQ(fast().run({"py", "print(1)", ""}).stdout_data, "1\n");
  EXPECT_EQ(fast().run({"Python3", "print(2)", ""}).stdout_data, "2\n");
}

TEST(local_runner, non_zero_exit_code) {
  auto r = fast().run({"python", "import sys\nprint('bye', file=sys.stderr)\nsys.exit(3)\n", ""});
  EXPECT_EQ(r.exit_code, 3) << describe(r);
  EXPECT_EQ(r.stderr_data, "bye\n");
  EXPECT_TRUE(r.signal.empty());
  auto b = fast().run({"bash", "exit 7", ""});
  EXPECT_EQ(b.exit_code, 7) << describe(b);
}

TEST(local_runner, killed_by_a_signal) {
  auto r = fast().run({"c", "#include <stdlib.h>\nint main(void){ abort(); }\n", ""});
  EXPECT_EQ(r.signal, "SIGABRT") << describe(r);
  EXPECT_EQ(r.exit_code, -1);
}

TEST(local_runner, infinite_loop_times_out) {
  auto start = std::chrono::steady_clock::now();
  auto r = fast().run({"python", "print('started')\nwhile True:\n    pass\n", ""});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r.timed_out) << describe(r);
  EXPECT_EQ(r.signal, "SIGKILL");
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.stdout_data, "started\n");  // output before the kill is kept
  EXPECT_LT(took, 4s);
  EXPECT_GE(r.duration_ms, 1900);
}

TEST(local_runner, fork_bomb_is_contained) {
  // Counting forks: RLIMIT_NPROC stops them well before the host suffers.
  auto counted = fast().run({"python",
                             "import os, time\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
                             "            time.sleep(30)\n            os._exit(0)\n        n += 1\n"
                             "except OSError as e:\n    print('blocked after', n)\n",
                             ""});
  EXPECT_EQ(counted.stdout_data.rfind("blocked after", 0), 0u) << describe(counted);
  EXPECT_FALSE(counted.timed_out);  // the sleeping children die with the sandbox's pid 1
  // The classic one: it hits the limit and the wall clock, and is killed as a whole.
  auto start = std::chrono::steady_clock::now();
  auto bomb = fast().run({"bash", ":(){ :|:& };:\nwait\n", ""});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << describe(bomb);
  EXPECT_TRUE(bomb.error.empty()) << describe(bomb);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(leftover_processes(), 0);
  // And the runner still works.
  EXPECT_EQ(fast().run({"bash", "echo alive", ""}).stdout_data, "alive\n");
}

TEST(local_runner, output_flood_is_truncated_without_hanging) {
  auto start = std::chrono::steady_clock::now();
  auto endless = fast().run({"python", "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n", ""});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_TRUE(endless.truncated) << describe(endless);
  EXPECT_TRUE(endless.timed_out);
  EXPECT_EQ(endless.stdout_data.size(), 64u << 10);
  // 10 MB in 10 KB writes (stderr is unbuffered: byte-sized writes would measure syscalls).
  auto finite = fast().run({"c", "#include <stdio.h>\n#include <string.h>\nint main(void){ static char b[10000];"
                                 " memset(b, 'e', sizeof b); for (int i = 0; i < 1000; ++i) fwrite(b, 1, sizeof b, stderr);"
                                 " return 0; }\n", ""});
  EXPECT_TRUE(finite.truncated) << describe(finite);
  EXPECT_FALSE(finite.timed_out);
  EXPECT_EQ(finite.exit_code, 0);
  EXPECT_EQ(finite.stderr_data.size(), 64u << 10);
}

TEST(local_runner, no_network) {
  // A listener on the host's loopback: the sandbox has its own network namespace, so its
  // 127.0.0.1 is a different, empty one.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  auto r = fast().run({"python",
                       "import socket\ntry:\n    socket.create_connection(('127.0.0.1', " + std::to_string(port) +
                           "), timeout=1)\n    print('connected')\nexcept OSError as e:\n    print('refused', type(e).__name__)\n"
                           "try:\n    socket.getaddrinfo('example.com', 80)\n    print('resolved')\nexcept OSError:\n"
                           "    print('no dns')\n",
                       ""});
  ::close(listener);
  EXPECT_EQ(r.stdout_data, "refused ConnectionRefusedError\nno dns\n") << describe(r);
}

TEST(local_runner, cannot_write_outside_tmp) {
  auto r = fast().run({"bash",
                       "for f in /usr/x /etc/x /work/x /x; do (echo hi > $f) 2>/dev/null && echo \"wrote $f\" || echo \"denied $f\"; done\n"
                       "echo hi > /tmp/x && cat /tmp/x\nls /root 2>/dev/null || echo 'no /root'\n",
                       ""});
  EXPECT_EQ(r.stdout_data, "denied /usr/x\ndenied /etc/x\ndenied /work/x\ndenied /x\nhi\nno /root\n") << describe(r);
}

TEST(local_runner, memory_limit_ends_the_run) {
  auto r = fast().run({"python", "x = bytearray(1 << 30)\nprint('allocated')\n", ""});
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.stderr_data.find("MemoryError"), std::string::npos) << describe(r);
  EXPECT_TRUE(r.stdout_data.empty());
  EXPECT_FALSE(r.timed_out);
  auto c = fast().run({"c", "#include <stdlib.h>\n#include <stdio.h>\n#include <string.h>\n"
                            "int main(void){ char* p = malloc(512u << 20); if (!p) { puts(\"refused\"); return 2; }"
                            " memset(p, 1, 512u << 20); puts(\"allocated\"); }\n", ""});
  EXPECT_EQ(c.stdout_data, "refused\n") << describe(c);
  EXPECT_EQ(c.exit_code, 2);
}

TEST(local_runner, c_compile_error_is_reported) {
  auto r = fast().run({"c", "int main(void) { return undefined_name; }\n", ""});
  EXPECT_TRUE(r.compile_failed) << describe(r);
  EXPECT_NE(r.compile_output.find("undefined_name"), std::string::npos) << describe(r);
  EXPECT_NE(r.compile_output.find("error"), std::string::npos);
  EXPECT_TRUE(r.stdout_data.empty());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.error.empty());
}

TEST(local_runner, unsupported_language_gives_error) {
  auto r = fast().run({"cobol", "DISPLAY 'HI'.", ""});
  EXPECT_NE(r.error.find("unsupported language"), std::string::npos) << r.error;
}

TEST(local_runner, java_with_a_named_public_class_and_managed_heap) {
  if (!has(fast(), "java")) GTEST_SKIP() << "no java here";
  auto r = fast().run({"java",
                       "import java.util.*;\npublic class Solution {\n  public static void main(String[] a) {\n"
                       "    Scanner s = new Scanner(System.in); System.out.println(s.nextInt() * 2);\n"
                       "    List<long[]> hog = new ArrayList<>(); while (true) hog.add(new long[1 << 20]);\n  }\n}\n",
                       "21\n"});
  EXPECT_EQ(r.stdout_data, "42\n") << describe(r);
  EXPECT_NE(r.stderr_data.find("OutOfMemoryError"), std::string::npos) << describe(r);
  EXPECT_NE(r.exit_code, 0);
}

TEST(local_runner, concurrent_runs) {
  std::vector<std::thread> threads;
  std::vector<run_result> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { results[static_cast<std::size_t>(i)] = fast().run({"bash", "echo $((" + std::to_string(i) + " * 10))", ""}); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i) EXPECT_EQ(results[static_cast<std::size_t>(i)].stdout_data, std::to_string(i * 10) + "\n");
}

TEST(local_runner, missing_bubblewrap_is_an_error) {
  auto o = fast_options();
  o.bwrap_path = "/nonexistent/bwrap";
  auto r = make_local_runner(o);
  EXPECT_TRUE(r->runtimes().empty());
  EXPECT_NE(r->run({"python", "print(1)", ""}).error.find("bubblewrap"), std::string::npos);
}

}  // namespace
