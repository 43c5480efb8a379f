// The bubblewrap backend, end to end. Only the probe test builds a probing runner (ctest runs
// each test in its own process); the others use probe=false runners, which cost nothing to make.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "base/utf8.hpp"
#include "runner/cgroup.hpp"
#include "runner/runner.hpp"

namespace {

using namespace rooms::runner;
using namespace std::chrono_literals;

/// Each test process gets its own sandbox uid range, so parallel ctest processes never share
/// a uid (and with it an RLIMIT_NPROC budget).
int uid_base() {
  return 200000 + static_cast<int>(::getpid() % 10000) * 16;
}

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
         "\nstderr=" + r.stderr_data.substr(0, 1500) +
         "\ncompile=" + r.compile_output.substr(0, 1500);
}

/// Processes running under our sandbox uids.
int sandbox_processes() {
  int count = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::ifstream status(e.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("Uid:", 0) == 0) {
        int uid = std::stoi(line.substr(4));
        count += uid >= uid_base() && uid < uid_base() + 16;
        break;
      }
    }
  }
  return count;
}

/// Processes still running under our sandbox uids, printed.
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
          std::string all((std::istreambuf_iterator<char>(again)),
                          std::istreambuf_iterator<char>());
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
    {"java",
     "public class Hello { public static void main(String[] a) { System.out.println(\"hello from "
     "java\"); } }\n"},
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
  auto probe_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  std::cout << "[ figures ] probe of all languages: " << probe_ms << " ms\n";
  auto runtimes = r->runtimes();
  for (const auto& rt : runtimes)
    std::cout << "[ figures ] runtime " << rt.language << " " << rt.version << "\n";
  // The toolchains this project's bootstrap installs.
  for (const char* needed : {"python", "javascript", "c", "cpp", "bash"}) {
    EXPECT_TRUE(has(*r, needed)) << needed << " did not pass its probe";
  }
  for (const auto& rt : runtimes) EXPECT_FALSE(rt.version.empty()) << rt.language;
  for (const auto& [language, code] : hello_sources) {
    if (!has(*r, language)) continue;
    auto t0 = std::chrono::steady_clock::now();
    auto result = r->run({language, code, ""});
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    std::cout << "[ figures ] hello world " << language << ": " << ms << " ms total, "
              << result.duration_ms << " ms program\n";
    EXPECT_EQ(result.stdout_data, std::string("hello from ") + language + "\n") << describe(result);
    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_FALSE(result.compile_failed);
  }
  EXPECT_NE(r->run({"cobol", "DISPLAY 'x'.", ""}).error, "");
}

TEST(local_runner, stdin_is_passed) {
  auto r =
      fast().run({"python", "import sys\nprint(sys.stdin.read().upper(), end='')\n", "abc\ndef\n"});
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
  auto counted =
      fast().run({"python",
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
  auto endless =
      fast().run({"python", "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n", ""});
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_TRUE(endless.truncated) << describe(endless);
  EXPECT_TRUE(endless.timed_out);
  EXPECT_EQ(endless.stdout_data.size(), 64u << 10);
  // 10 MB in 10 KB writes (stderr is unbuffered: byte-sized writes would measure syscalls).
  auto finite = fast().run(
      {"c",
       "#include <stdio.h>\n#include <string.h>\nint main(void){ static char b[10000];"
       " memset(b, 'e', sizeof b); for (int i = 0; i < 1000; ++i) fwrite(b, 1, sizeof b, stderr);"
       " return 0; }\n",
       ""});
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
  std::string code =
      "import errno, socket\ntry:\n    socket.create_connection(('127.0.0.1', " +
      std::to_string(port) +
      "), timeout=1)\n    print('connected')\nexcept OSError as e:\n"
      "    print('refused', type(e).__name__, errno.errorcode.get(e.errno))\n"
      "try:\n    socket.getaddrinfo('example.com', 80)\n    print('resolved')\nexcept OSError:\n"
      "    print('no dns')\n";
  // Two layers, each on its own. The network namespace: without the seccomp filter the socket
  // is made, and the connection finds the sandbox's own, empty loopback.
  auto options = fast_options();
  options.use_seccomp = false;
  auto r = make_local_runner(options)->run({"python", code, ""});
  EXPECT_EQ(r.stdout_data, "refused ConnectionRefusedError ECONNREFUSED\nno dns\n") << describe(r);
  // The seccomp filter: an AF_INET socket is not even created.
  auto f = fast().run({"python", code, ""});
  EXPECT_EQ(f.stdout_data, "refused OSError EAFNOSUPPORT\nno dns\n") << describe(f);
  ::close(listener);
}

TEST(local_runner, cannot_write_outside_tmp) {
  auto r = fast().run({"bash",
                       "for f in /usr/x /etc/x /work/x /x; do (echo hi > $f) 2>/dev/null && echo "
                       "\"wrote $f\" || echo \"denied $f\"; done\n"
                       "echo hi > /tmp/x && cat /tmp/x\nls /root 2>/dev/null || echo 'no /root'\n",
                       ""});
  EXPECT_EQ(r.stdout_data,
            "denied /usr/x\ndenied /etc/x\ndenied /work/x\ndenied /x\nhi\nno /root\n")
      << describe(r);
}

TEST(local_runner, memory_limit_ends_the_run) {
  auto r = fast().run({"python", "x = bytearray(1 << 30)\nprint('allocated')\n", ""});
  EXPECT_NE(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.stderr_data.find("MemoryError"), std::string::npos) << describe(r);
  EXPECT_TRUE(r.stdout_data.empty());
  EXPECT_FALSE(r.timed_out);
  auto c = fast().run(
      {"c",
       "#include <stdlib.h>\n#include <stdio.h>\n#include <string.h>\n"
       "int main(void){ char* p = malloc(512u << 20); if (!p) { puts(\"refused\"); return 2; }"
       " memset(p, 1, 512u << 20); puts(\"allocated\"); }\n",
       ""});
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
  auto r = fast().run(
      {"java",
       "import java.util.*;\npublic class Solution {\n  public static void main(String[] a) {\n"
       "    Scanner s = new Scanner(System.in); System.out.println(s.nextInt() * 2);\n"
       "    List<long[]> hog = new ArrayList<>(); while (true) hog.add(new long[1 << 20]);\n  "
       "}\n}\n",
       "21\n"});
  EXPECT_EQ(r.stdout_data, "42\n") << describe(r);
  EXPECT_NE(r.stderr_data.find("OutOfMemoryError"), std::string::npos) << describe(r);
  EXPECT_NE(r.exit_code, 0);
}

TEST(local_runner, concurrent_runs) {
  std::vector<std::thread> threads;
  std::vector<run_result> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      results[static_cast<std::size_t>(i)] =
          fast().run({"bash", "echo $((" + std::to_string(i) + " * 10))", ""});
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(results[static_cast<std::size_t>(i)].stdout_data, std::to_string(i * 10) + "\n");
}

// -- seccomp, cgroups, streaming, UTF-8 --

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// True when the runner puts runs in cgroups. When it does not although this host evidently
/// offers a writable v1 memory hierarchy or v2 memory+pids, that is a failure, not a skip.
bool cgroups_in_use(const runner& r) {
  if (r.describe().find("cgroup v") != std::string::npos) return true;
  auto where = detail::locate_cgroups(slurp("/proc/self/cgroup"), slurp("/proc/self/mountinfo"));
  bool v1 = !where.memory_dir.empty() &&
            ::access((where.memory_dir + "/cgroup.procs").c_str(), W_OK) == 0;
  EXPECT_FALSE(v1) << "the host has a writable memory cgroup at " << where.memory_dir
                   << " but the runner does not use it: " << r.describe();
  std::cout << "[ note ] no cgroups on this host: " << r.describe() << "\n";
  return false;
}

/// The run groups of this test process's runners: <own cgroup>/rooms-runner-<pid>-<n>/run-*.
std::vector<std::string> run_groups(const std::string& hierarchy_dir) {
  std::vector<std::string> out;
  std::error_code ec;
  const std::string prefix = "rooms-runner-" + std::to_string(::getpid()) + "-";
  for (const auto& parent : std::filesystem::directory_iterator(hierarchy_dir, ec)) {
    if (parent.path().filename().string().rfind(prefix, 0) != 0) continue;
    std::error_code ec2;
    for (const auto& e : std::filesystem::directory_iterator(parent.path(), ec2)) {
      if (e.is_directory() && e.path().filename().string().rfind("run-", 0) == 0)
        out.push_back(e.path().string());
    }
  }
  return out;
}

TEST(local_runner, sandbox_layers_are_described) {
  auto d = fast().describe();
  std::cout << "[ figures ] " << d << "\n";
  EXPECT_NE(d.find("bubblewrap"), std::string::npos) << d;
  EXPECT_NE(d.find("seccomp ("), std::string::npos) << d;
  EXPECT_NE(d.find("rlimits"), std::string::npos) << d;
}

// One C program probing the filter; without the filter (use_seccomp=false) the same calls
// succeed or fail differently, which shows it is the filter that refuses them.
const char* seccomp_probe = R"c(
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
static void report(const char* what, long rc) {
  printf("%s %s\n", what, rc < 0 ? strerrorname_np(errno) : "ok");
  fflush(stdout);
}
static void* thread_main(void* arg) { return arg; }
int main(void) {
  report("unix", socket(AF_UNIX, SOCK_STREAM, 0));
  report("inet", socket(AF_INET, SOCK_DGRAM, 0));
  report("inet6", socket(AF_INET6, SOCK_STREAM, 0));
  report("netlink", socket(AF_NETLINK, SOCK_RAW, 0));
  report("ptrace", ptrace(PTRACE_TRACEME, 0, 0, 0));
  report("unshare", unshare(CLONE_NEWUSER));
  report("clone3", syscall(__NR_clone3, NULL, 0));
  char params[120] = {0};
  report("io_uring", syscall(__NR_io_uring_setup, 1, params));
  report("userfaultfd", syscall(__NR_userfaultfd, 0));
  report("keyctl", syscall(__NR_keyctl, 0, -3, 0));
  pthread_t t;
  report("thread", -(long)pthread_create(&t, NULL, thread_main, NULL));
  pthread_join(t, NULL);
  /* The x32 ABI's getpid: a deny list keyed on native numbers would not see it. */
  syscall(0x40000000 | __NR_getpid);
  puts("other abi allowed");
  return 0;
}
)c";

TEST(local_runner, seccomp_refuses_other_socket_families_ptrace_and_namespaces) {
  auto r = fast().run({"c", seccomp_probe, ""});
  EXPECT_EQ(r.stdout_data,
            "unix ok\ninet EAFNOSUPPORT\ninet6 EAFNOSUPPORT\nnetlink EAFNOSUPPORT\nptrace "
            "EPERM\nunshare EPERM\n"
            "clone3 ENOSYS\nio_uring EPERM\nuserfaultfd EPERM\nkeyctl EPERM\nthread ok\n")
      << describe(r);
  EXPECT_EQ(r.signal, "SIGSYS") << "a syscall of another ABI kills the process: " << describe(r);

  auto options = fast_options();
  options.use_seccomp = false;
  auto open = make_local_runner(options)->run({"c", seccomp_probe, ""});
  std::cout << "[ note ] without the filter:\n" << open.stdout_data;
  EXPECT_NE(open.stdout_data.find("inet6 ok\n"), std::string::npos) << describe(open);
  EXPECT_NE(open.stdout_data.find("ptrace ok\n"), std::string::npos) << describe(open);
  EXPECT_EQ(open.stdout_data.find("unshare ok\n"), std::string::npos)
      << "--disable-userns holds on its own";
  EXPECT_NE(open.stdout_data.find("thread ok\n"), std::string::npos) << describe(open);
}

TEST(local_runner, memory_cgroup_bounds_all_processes_together) {
  if (!cgroups_in_use(fast())) GTEST_SKIP() << "no cgroups on this host: " << fast().describe();
  // Four children of 200 MiB each: every one is under RLIMIT_AS (256 MiB per process), the
  // sum (800 MiB) is over the group's 256 + 64 MiB, so only the cgroup can stop it.
  // A longer wall clock than the other tests: the children must overlap, not time out.
  auto options = fast_options();
  options.run_timeout = 10s;
  auto r = make_local_runner(options)->run({"c", R"c(
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  for (int i = 0; i < 4; ++i) {
    if (fork() == 0) {
      size_t n = 200u << 20;
      char* p = malloc(n);
      if (!p) _exit(2);
      /* volatile: gcc would drop a memset of memory nobody reads */
      for (size_t j = 0; j < n; j += 4096) ((volatile char*)p)[j] = 1;
      sleep(1);
      _exit(0);
    }
  }
  int killed = 0, status;
  while (wait(&status) > 0) killed += WIFSIGNALED(status) && WTERMSIG(status) == 9;
  printf("children killed: %d\n", killed);
  return 0;
}
)c",
                                            ""});
  EXPECT_NE(r.stderr_data.find("memory limit exceeded"), std::string::npos) << describe(r);
  // At least one child, or the parent itself (then SIGKILL is the run's signal).
  bool child_killed =
      r.stdout_data.rfind("children killed: ", 0) == 0 && r.stdout_data != "children killed: 0\n";
  EXPECT_TRUE(child_killed || r.signal == "SIGKILL") << describe(r);
  EXPECT_FALSE(r.timed_out) << describe(r);
  EXPECT_EQ(fast().run({"bash", "echo alive", ""}).stdout_data, "alive\n");
}

TEST(local_runner, pids_cgroup_holds_where_rlimit_nproc_does_not) {
  if (!cgroups_in_use(fast())) GTEST_SKIP() << "no cgroups on this host: " << fast().describe();
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: RLIMIT_NPROC is ignored only for root";
  // Without the uid switch the sandbox runs as host uid 0, for which the kernel ignores
  // RLIMIT_NPROC: the pids cgroup is the only bound on this counting fork bomb.
  auto options = fast_options();
  options.sandbox_uid = -1;
  options.max_processes = 32;
  auto r = make_local_runner(options)->run(
      {"python",
       "import os, time\nn = 0\ntry:\n    while n < 5000:\n        if os.fork() == 0:\n"
       "            time.sleep(30)\n            os._exit(0)\n        n += 1\n"
       "    print('not blocked')\nexcept OSError as e:\n    print('blocked after', n)\n",
       ""});
  ASSERT_EQ(r.stdout_data.rfind("blocked after ", 0), 0u) << describe(r);
  int forks = std::stoi(r.stdout_data.substr(14));
  EXPECT_LT(forks, 32) << describe(r);
  EXPECT_GT(forks, 0) << describe(r);
}

TEST(local_runner, each_stage_gets_its_own_cgroup_removed_afterwards) {
  if (!cgroups_in_use(fast())) GTEST_SKIP() << "no cgroups on this host: " << fast().describe();
  auto where = detail::locate_cgroups(slurp("/proc/self/cgroup"), slurp("/proc/self/mountinfo"));
  ASSERT_FALSE(where.memory_dir.empty() && where.v2_dir.empty());
  const std::string memory_root = !where.memory_dir.empty() ? where.memory_dir : where.v2_dir;
  const bool v1 = fast().describe().find("cgroup v1") != std::string::npos;
  // The program prints and then sleeps until the wall clock kills it; the callback runs on the
  // runner's thread while it sleeps, so the group is inspected with the program in it.
  std::vector<std::string> seen_groups;
  std::string procs, memory_limit, pids_limit;
  run_request request{"bash", "echo ready\nsleep 30\n", ""};
  request.on_output = [&](std::string_view, std::string_view) {
    if (!seen_groups.empty()) return;
    seen_groups = run_groups(memory_root);
    if (seen_groups.size() != 1) return;
    procs = slurp(seen_groups[0] + "/cgroup.procs");
    memory_limit = slurp(seen_groups[0] + (v1 ? "/memory.limit_in_bytes" : "/memory.max"));
    auto pids_groups = v1 ? run_groups(where.pids_dir) : seen_groups;
    if (pids_groups.size() == 1) pids_limit = slurp(pids_groups[0] + "/pids.max");
  };
  auto r = fast().run(request);
  EXPECT_TRUE(r.timed_out) << describe(r);
  ASSERT_EQ(seen_groups.size(), 1u) << "one group while the program runs";
  EXPECT_FALSE(procs.empty()) << "the sandbox's processes are in the group";
  EXPECT_EQ(memory_limit, std::to_string((256u << 20) + (64u << 20)) + "\n");
  EXPECT_EQ(pids_limit, "64\n");
  EXPECT_TRUE(run_groups(memory_root).empty()) << "the group is removed after the run";
  if (v1) {
    EXPECT_TRUE(run_groups(where.pids_dir).empty());
  }
}

TEST(local_runner, cgroups_can_be_turned_off) {
  auto options = fast_options();
  options.use_cgroups = false;
  auto r = make_local_runner(options);
  EXPECT_NE(r->describe().find("no cgroups (disabled)"), std::string::npos) << r->describe();
  EXPECT_NE(r->describe().find("rlimits only"), std::string::npos) << r->describe();
  EXPECT_EQ(r->run({"bash", "echo still runs", ""}).stdout_data, "still runs\n");
}

TEST(local_runner, output_streams_while_the_program_runs) {
  std::string out, err;
  bool running_at_first_chunk = false;
  int calls = 0;
  run_request request{"python",
                      "import sys, time\nsys.stdout.write('first\\n'); sys.stdout.flush()\n"
                      "sys.stderr.write('warn\\n'); sys.stderr.flush()\n"
                      // A euro sign split over two writes, then an invalid byte.
                      "sys.stdout.buffer.write(b'\\xe2\\x82'); sys.stdout.flush()\n"
                      "sys.stdout.buffer.write(b'\\xac \\xff ok\\n'); sys.stdout.flush()\n"
                      "time.sleep(30)\n",
                      ""};
  request.on_output = [&](std::string_view stream, std::string_view chunk) {
    // The program can only end by the wall clock, which this same thread enforces after the
    // callback returns: its processes must still exist now.
    if (calls++ == 0) running_at_first_chunk = sandbox_processes() > 0;
    (stream == "stdout" ? out : err).append(chunk);
    EXPECT_TRUE(stream == "stdout" || stream == "stderr") << stream;
    EXPECT_EQ(rooms::base::to_valid_utf8(chunk), chunk) << "every chunk is valid UTF-8";
  };
  auto r = fast().run(request);
  EXPECT_TRUE(running_at_first_chunk);
  EXPECT_TRUE(r.timed_out) << describe(r);
  EXPECT_EQ(r.stdout_data, "first\n\xE2\x82\xAC \xEF\xBF\xBD ok\n") << describe(r);
  EXPECT_EQ(out, r.stdout_data);
  EXPECT_EQ(err, r.stderr_data);
  EXPECT_EQ(err, "warn\n");
  EXPECT_GE(calls, 2);
}

TEST(local_runner, non_utf8_output_becomes_replacement_characters) {
  auto r = fast().run({"bash", "printf 'a\\xff\\xfeb\\xc3'", ""});
  EXPECT_EQ(r.stdout_data,
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b\xEF\xBF\xBD")
      << describe(r);
}

TEST(utf8, invalid_sequences_become_one_replacement_each_and_streaming_agrees) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(rooms::base::to_valid_utf8("plain ascii"), "plain ascii");
  EXPECT_EQ(rooms::base::to_valid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"),
            "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  EXPECT_EQ(rooms::base::to_valid_utf8("\xC0\xAF"), fffd + fffd);  // overlong: C0 is never valid
  EXPECT_EQ(rooms::base::to_valid_utf8("\xE0\x80\xAF"), fffd + fffd + fffd);  // overlong 3-byte
  EXPECT_EQ(rooms::base::to_valid_utf8("\xED\xA0\x80"), fffd + fffd + fffd);  // a surrogate
  EXPECT_EQ(rooms::base::to_valid_utf8("\xF4\x90\x80\x80"),
            fffd + fffd + fffd + fffd);                                // above U+10FFFF
  EXPECT_EQ(rooms::base::to_valid_utf8("\xE2\x82x"), fffd + "x");      // truncated: one U+FFFD
  EXPECT_EQ(rooms::base::to_valid_utf8("x\xF0\x9F\x98"), "x" + fffd);  // cut at the end
  EXPECT_EQ(rooms::base::to_valid_utf8(std::string("a\0b", 3)), std::string("a\0b", 3));
  // Byte by byte through the streaming converter: the same text.
  const std::string mixed = "a\xE2\x82\xAC\xFF\xF0\x9F\x98\x80\xE2\x82z\xC3";
  rooms::base::utf8_sanitizer s;
  std::string streamed;
  for (char c : mixed) streamed += s.feed(std::string_view(&c, 1));
  streamed += s.finish();
  EXPECT_EQ(streamed, rooms::base::to_valid_utf8(mixed));
}

TEST(cgroup, locations_are_found_for_v1_v2_and_container_mounts) {
  const std::string v1_cgroup =
      "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n";
  const std::string v1_mounts =
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
  auto a = detail::locate_cgroups(v1_cgroup, v1_mounts);
  EXPECT_EQ(a.memory_dir, "/sys/fs/cgroup/memory/process_api/abc");
  EXPECT_EQ(a.pids_dir, "/sys/fs/cgroup/pids");
  EXPECT_EQ(a.v2_dir, "/sys/fs/cgroup/unified");

  auto b = detail::locate_cgroups(
      "0::/system.slice/roomd.service\n",
      "30 22 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
  EXPECT_EQ(b.v2_dir, "/sys/fs/cgroup/system.slice/roomd.service");
  EXPECT_TRUE(b.memory_dir.empty());

  // A container sees its own group as the mount's root; a combined cpu,memory hierarchy.
  auto c = detail::locate_cgroups(
      "5:cpu,memory:/docker/x\n3:pids:/elsewhere\n",
      "40 31 0:33 /docker/x /sys/fs/cgroup/cpu,memory ro - cgroup cgroup rw,cpu,memory\n"
      "41 31 0:34 /docker/x /sys/fs/cgroup/pids ro - cgroup cgroup rw,pids\n");
  EXPECT_EQ(c.memory_dir, "/sys/fs/cgroup/cpu,memory");
  EXPECT_TRUE(c.pids_dir.empty()) << "a group outside the mounted subtree is not reachable";
}

TEST(local_runner, missing_bubblewrap_is_an_error) {
  auto o = fast_options();
  o.bwrap_path = "/nonexistent/bwrap";
  auto r = make_local_runner(o);
  EXPECT_TRUE(r->runtimes().empty());
  EXPECT_NE(r->run({"python", "print(1)", ""}).error.find("bubblewrap"), std::string::npos);
}

}  // namespace
