/// The sandbox seen from outside: a real roomd with the local runner, a room joined over
/// WebSocket, hostile documents run with run_code. Each must be contained, end as run_finished
/// in the room, and leave roomd healthy (GET /health 200 and a normal run right after).
///
/// Few roomd starts on purpose (each probes every toolchain): one for the attacks, one for the
/// languages and output handling, one with a tiny run queue.

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "tests/gateway/helpers.hpp"

namespace rooms::runner::test {
namespace {

using namespace rooms::gateway::test;

/// ChangeSet JSON replacing a whole document of `length` UTF-16 units by `text` (lines split
/// the way CodeMirror's ChangeSet.toJSON does).
json replace_doc(std::size_t length, const std::string& text) {
  json replace = json::array({length});
  std::size_t start = 0;
  for (;;) {
    auto nl = text.find('\n', start);
    replace.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return json::array({replace});
}

/// Switches the room to `language` (if needed) and makes `code` the document.
void set_code(participant& p, const std::string& language, const std::string& code) {
  if (p.state.value("language", "") != language) {
    p.ws->send({{"type", "language_change"}, {"language", language}});
    auto changed = read_until(p, [](const json& m) {
      return m.value("type", "") == "language_changed" || m.value("type", "") == "error";
    });
    ASSERT_TRUE(changed && changed->value("type", "") == "language_changed")
        << language << ": " << changed.value_or(json());
    p.state["language"] = language;
  }
  ASSERT_TRUE(push(p, replace_doc(p.doc.size(), code)))
      << "the document update was not acknowledged";
  ASSERT_EQ(p.text(), code);
}

/// Sends run_code and waits for run_finished (the run_started before it is checked); an error
/// answer is returned instead, and a missing answer fails the test (null).
json run(participant& p, const std::string& stdin_data = "",
         std::chrono::milliseconds timeout = 60s) {
  p.ws->send({{"type", "run_code"}, {"stdin", stdin_data}});
  auto started = read_until(
      p,
      [](const json& m) {
        return m.value("type", "") == "run_started" || m.value("type", "") == "error";
      },
      timeout);
  if (!started) {
    ADD_FAILURE() << "no run_started";
    return json();
  }
  if (started->value("type", "") == "error") return *started;
  auto finished = read_until(
      p, [](const json& m) { return m.value("type", "") == "run_finished"; }, timeout);
  if (!finished) {
    ADD_FAILURE() << "no run_finished";
    return json();
  }
  EXPECT_EQ(finished->value("runId", ""), started->value("runId", "?"));
  return *finished;
}

/// roomd answers /health with 200 and runs a plain program.
void expect_healthy(const roomd_process& server, participant& p) {
  EXPECT_EQ(http_call(server.port(), "GET", "/health").status, 200);
  set_code(p, "python", "print('still fine')\n");
  auto r = run(p);
  EXPECT_EQ(r.value("stdout", ""), "still fine\n") << r;
  EXPECT_EQ(r.value("exitCode", -2), 0) << r;
}

/// A line of /proc/<pid>/status in kB ("VmRSS", "VmHWM").
long status_kb(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}

class sandbox_roomd : public ::testing::Test {
 protected:
  temp_dir dir_;
};

TEST_F(sandbox_roomd, hostile_programs_are_contained_and_roomd_stays_healthy) {
  roomd_process server((dir_.path() / "data").string(),
                       {"--runner", "local", "--run-timeout", "2s"});
  // The start-up log names the isolation layers in force.
  auto log = server.log();
  EXPECT_NE(log.find("sandbox: bubblewrap"), std::string::npos) << log;
  EXPECT_NE(log.find("seccomp ("), std::string::npos) << log;
  std::cout << "[ figures ] "
            << log.substr(log.find("sandbox: "),
                          log.find('\n', log.find("sandbox: ")) - log.find("sandbox: "))
            << "\n";
  const bool cgroups = log.find("cgroup v") != std::string::npos;
  const std::string data = std::filesystem::absolute(server.data_dir()).string();
  const std::string token = server.admin_token();
  ASSERT_FALSE(token.empty());
  auto s = create_session(server, {{"language", "python"}});
  auto p = join(server, s.id, "mallory");

  {
    SCOPED_TRACE("a TCP connection to roomd's own port");
    set_code(p, "python",
             "import socket\n"
             "for host in ('127.0.0.1', '::1'):\n"
             "    try:\n"
             "        socket.create_connection((host, " +
                 std::to_string(server.port()) +
                 "), timeout=2)\n"
                 "        print('connected', host)\n"
                 "    except OSError as e:\n"
                 "        print('blocked', host, e.errno)\n");
    auto r = run(p);
    EXPECT_EQ(r.value("stdout", "").find("connected"), std::string::npos) << r;
    EXPECT_EQ(r.value("stdout", "").rfind("blocked 127.0.0.1", 0), 0u) << r;
    expect_healthy(server, p);
  }
  {
    SCOPED_TRACE("reading roomd's data dir and admin token");
    set_code(p, "python",
             "import os\n"
             "for path in ['" +
                 data + "', '" + data + "/admin.token', '/proc/1/root" + data +
                 "/admin.token']:\n"
                 "    try:\n"
                 "        print('read', path, os.listdir(path) if os.path.isdir(path) else "
                 "open(path).read())\n"
                 "    except OSError as e:\n"
                 "        print('denied', type(e).__name__)\n");
    auto r = run(p);
    EXPECT_EQ(r.value("stdout", ""),
              "denied FileNotFoundError\ndenied FileNotFoundError\ndenied FileNotFoundError\n")
        << r;
    EXPECT_EQ(r.dump().find(token), std::string::npos) << "the admin token leaked";
  }
  {
    SCOPED_TRACE("writing outside the sandbox's /tmp");
    set_code(p, "bash",
             "for f in /usr/x /etc/x /work/x /x " + data +
                 "/x; do (echo hi > $f) 2>/dev/null && echo \"wrote $f\" || echo denied; done\n");
    auto r = run(p);
    EXPECT_EQ(r.value("stdout", ""), "denied\ndenied\ndenied\ndenied\ndenied\n") << r;
    EXPECT_FALSE(std::filesystem::exists(data + "/x"));
    expect_healthy(server, p);
  }
  {
    SCOPED_TRACE("a fork bomb");
    set_code(p, "bash", ":(){ :|:& };:\nwait\n");
    auto r = run(p);
    EXPECT_EQ(r.value("type", ""), "run_finished") << r;
    EXPECT_FALSE(r.contains("error")) << r;
    expect_healthy(server, p);
  }
  {
    SCOPED_TRACE("allocating 2 GiB in one process");
    set_code(p, "python", "b = bytearray(2 << 30)\nprint('allocated')\n");
    auto r = run(p);
    EXPECT_NE(r.value("stderr", "").find("MemoryError"), std::string::npos) << r;
    EXPECT_EQ(r.value("stdout", ""), "") << r;
    EXPECT_NE(r.value("exitCode", 0), 0) << r;
  }
  if (cgroups) {
    SCOPED_TRACE("4 x 200 MiB in four processes: only the memory cgroup sees the sum");
    set_code(p, "python",
             "import os, time\n"
             "for i in range(4):\n"
             "    if os.fork() == 0:\n"
             "        b = b'x' * (200 << 20)\n"
             "        time.sleep(1)\n"
             "        os._exit(0)\n"
             "killed = sum(os.WIFSIGNALED(os.wait()[1]) for _ in range(4))\n"
             "print('killed', killed)\n");
    auto r = run(p);
    EXPECT_NE(r.value("stderr", "").find("memory limit exceeded"), std::string::npos) << r;
    expect_healthy(server, p);
  } else {
    std::cout << "[ note ] no cgroups in this roomd: the combined-memory case is not run\n";
  }
  {
    SCOPED_TRACE("an infinite loop");
    set_code(p, "python", "while True:\n    pass\n");
    auto r = run(p);
    EXPECT_TRUE(r.value("timedOut", false)) << r;
    EXPECT_EQ(r.value("signal", json()), "SIGKILL") << r;
    expect_healthy(server, p);
  }
  {
    SCOPED_TRACE("printing 100 MB");
    long rss_before = status_kb(server.pid(), "VmRSS");
    long hwm_before = status_kb(server.pid(), "VmHWM");
    set_code(
        p, "python",
        "import sys\nchunk = 'x' * 65536\nfor _ in range(1600):\n    sys.stdout.write(chunk)\n");
    auto r = run(p);
    EXPECT_TRUE(r.value("truncated", false)) << r.dump().substr(0, 300);
    EXPECT_EQ(r.value("stdout", "").size(), 64u << 10);
    long rss_after = status_kb(server.pid(), "VmRSS");
    long hwm_after = status_kb(server.pid(), "VmHWM");
    std::cout << "[ figures ] roomd RSS around the 100 MB print: " << rss_before / 1024 << " -> "
              << rss_after / 1024 << " MiB, peak " << hwm_before / 1024 << " -> "
              << hwm_after / 1024 << " MiB\n";
    // 100 MB went through roomd's pipes: had it been buffered, the peak would have grown by
    // at least that much.
    EXPECT_LT(hwm_after - hwm_before, 50 * 1024)
        << "roomd's peak RSS grew by " << (hwm_after - hwm_before) / 1024 << " MiB";
    expect_healthy(server, p);
  }
  {
    SCOPED_TRACE("sleeping past the wall clock");
    set_code(p, "python", "import time\nprint('sleeping', flush=True)\ntime.sleep(60)\n");
    auto r = run(p);
    EXPECT_TRUE(r.value("timedOut", false)) << r;
    EXPECT_EQ(r.value("stdout", ""), "sleeping\n") << r;
    expect_healthy(server, p);
  }
  // Everything ran in the room's log too, every run finished.
  auto events = all_events(server, s);
  EXPECT_EQ(events_of(events, "run_started").size(), events_of(events, "run_finished").size());
}

TEST_F(sandbox_roomd, every_language_compile_errors_stdin_and_raw_bytes) {
  roomd_process server((dir_.path() / "data").string(),
                       {"--runner", "local", "--run-timeout", "5s"});
  auto runtimes = body_of(http_call(server.port(), "GET", "/api/runtimes"));
  std::set<std::string> offered;
  for (const auto& rt : runtimes) offered.insert(rt.value("language", ""));
  // The toolchains tools/bootstrap installs: all eight must pass the start-up probe with the
  // seccomp filter and cgroups in place.
  for (const char* language : {"python", "javascript", "c", "cpp", "java", "go", "rust", "bash"}) {
    EXPECT_TRUE(offered.count(language)) << language << " is not offered: " << runtimes << "\n"
                                         << server.log();
  }
  auto s = create_session(server, {{"language", "python"}});
  auto p = join(server, s.id, "ada");
  const std::pair<const char*, const char*> hello[] = {
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
  for (const auto& [language, code] : hello) {
    if (!offered.count(language)) continue;
    SCOPED_TRACE(language);
    set_code(p, language, code);
    auto r = run(p);
    EXPECT_EQ(r.value("stdout", ""), std::string("hello from ") + language + "\n") << r;
    EXPECT_EQ(r.value("exitCode", -2), 0) << r;
  }
  {
    SCOPED_TRACE("a compile error");
    set_code(p, "c", "int main(void) { return undefined_name; }\n");
    auto r = run(p);
    EXPECT_NE(r.value("compileOutput", "").find("undefined_name"), std::string::npos) << r;
    EXPECT_NE(r.value("exitCode", 0), 0) << r;
    EXPECT_EQ(r.value("stdout", "?"), "") << r;
  }
  {
    SCOPED_TRACE("stdin");
    set_code(p, "python", "import sys\nprint(sys.stdin.read()[::-1])\n");
    auto r = run(p, "olleh");
    EXPECT_EQ(r.value("stdout", ""), "hello\n") << r;
  }
  {
    SCOPED_TRACE("bytes that are not UTF-8");
    set_code(p, "bash", "printf 'a\\xff\\xfeb'\nprintf '\\xc3' >&2\n");
    auto r = run(p);
    // Valid JSON (ws_client would hand a non-JSON frame over as a string), with U+FFFD.
    EXPECT_EQ(r.value("stdout", ""),
              "a\xEF\xBF\xBD\xEF\xBF\xBD"
              "b")
        << r;
    EXPECT_EQ(r.value("stderr", ""), "\xEF\xBF\xBD") << r;
    // And the log serves it back through the strict JSON encoder of the REST API.
    auto finished = events_of(all_events(server, s), "run_finished");
    ASSERT_FALSE(finished.empty());
    EXPECT_EQ(finished.back().value("stdout", ""),
              "a\xEF\xBF\xBD\xEF\xBF\xBD"
              "b")
        << finished.back();
  }
  EXPECT_EQ(http_call(server.port(), "GET", "/health").status, 200);
}

TEST_F(sandbox_roomd, a_full_run_queue_is_refused_with_a_clear_error) {
  // One worker and one waiting place: of three rooms running at once, one is refused.
  roomd_process server((dir_.path() / "data").string(), {"--runner", "local", "--run-timeout", "3s",
                                                         "--run-workers", "1", "--run-queue", "1"});
  // Sleeps when its stdin says so, else answers at once.
  const std::string code =
      "import sys, time\nif sys.stdin.read() == 'wait':\n    time.sleep(60)\nprint('done')\n";
  std::vector<session> sessions;
  std::vector<participant> people;
  for (int i = 0; i < 3; ++i) {
    sessions.push_back(create_session(server, {{"language", "python"}}));
    people.push_back(join(server, sessions.back().id, "p" + std::to_string(i)));
    set_code(people.back(), "python", code);
  }
  for (auto& p : people) p.ws->send({{"type", "run_code"}, {"stdin", "wait"}});
  int refused = 0, finished = 0;
  participant* refused_one = nullptr;
  for (auto& p : people) {
    auto first = read_until(
        p,
        [](const json& m) {
          return m.value("type", "") == "run_started" || m.value("type", "") == "error";
        },
        30s);
    ASSERT_TRUE(first);
    if (first->value("type", "") == "error") {
      EXPECT_EQ(first->value("code", ""), "busy") << *first;
      EXPECT_NE(first->value("message", "").find("queued"), std::string::npos) << *first;
      ++refused;
      refused_one = &p;
      continue;
    }
    auto done = read_until(
        p, [](const json& m) { return m.value("type", "") == "run_finished"; }, 60s);
    ASSERT_TRUE(done);
    EXPECT_TRUE(done->value("timedOut", false)) << *done;
    ++finished;
  }
  EXPECT_GE(refused, 1);
  EXPECT_EQ(refused + finished, 3);
  // Once the queue drains, the refused room runs.
  ASSERT_NE(refused_one, nullptr);
  auto r = run(*refused_one, "");
  EXPECT_EQ(r.value("stdout", ""), "done\n") << r;
  EXPECT_EQ(http_call(server.port(), "GET", "/health").status, 200);
}

}  // namespace
}  // namespace rooms::runner::test
