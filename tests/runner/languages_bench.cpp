// By hand, not a test: wall and CPU time of each installed language's hello world (the probe's
// program of runner/language_table.cpp) through the local runner, the whole run (compile
// included) as a Run button press sees it. Prints a Markdown table for docs/benchmarks.md.
//   build/bin/languages_bench [runs per language, default 5] [language...]
// CPU time is that of every sandboxed process (RUSAGE_CHILDREN: the runner waits for each
// stage's reaper, which waits for everything below it), so it holds on a loaded machine too.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "runner/languages.hpp"
#include "runner/runner.hpp"

namespace {

double children_cpu_ms() {
  rusage u{};
  ::getrusage(RUSAGE_CHILDREN, &u);
  auto ms = [](const timeval& t) { return t.tv_sec * 1000.0 + t.tv_usec / 1000.0; };
  return ms(u.ru_utime) + ms(u.ru_stime);
}

double median(std::vector<double> x) {
  std::sort(x.begin(), x.end());
  return x[x.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace rooms::runner;
  int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  std::vector<std::string> only(argv + std::min(argc, 2), argv + argc);
  local_options o;
  o.probe = false;
  auto r = make_local_runner(o);
  std::vector<std::string> installed;
  for (const auto& rt : r->runtimes()) installed.push_back(rt.language);
  double load[3] = {0, 0, 0};
  ::getloadavg(load, 3);
  std::printf("%d runs per language; load average at start %.2f %.2f %.2f\n\n", runs, load[0],
              load[1], load[2]);
  std::printf(
      "| language | first run, ms | median, ms | min, ms | median CPU, ms | program alone, ms |\n"
      "|---|---|---|---|---|---|\n");
  int failures = 0;
  for (const auto& lang : detail::language_table()) {
    if (std::find(installed.begin(), installed.end(), lang.name) == installed.end()) continue;
    if (!only.empty() && std::find(only.begin(), only.end(), lang.name) == only.end()) continue;
    std::vector<double> wall, cpu, program;
    for (int i = 0; i < runs; ++i) {
      double cpu0 = children_cpu_ms();
      auto t0 = std::chrono::steady_clock::now();
      auto result = r->run({lang.name, lang.hello, ""});
      wall.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      cpu.push_back(children_cpu_ms() - cpu0);
      program.push_back(static_cast<double>(result.duration_ms));
      if (result.stdout_data != "hello, world\n") {
        std::cerr << lang.name << ": unexpected result: " << result.error << result.compile_output
                  << result.stderr_data << "\n";
        ++failures;
        break;
      }
    }
    std::printf("| %s | %.0f | %.0f | %.0f | %.0f | %.0f |\n", lang.name.c_str(), wall.front(),
                median(wall), *std::min_element(wall.begin(), wall.end()), median(cpu),
                median(program));
    std::fflush(stdout);
  }
  ::getloadavg(load, 3);
  std::printf("\nload average at the end %.2f %.2f %.2f\n", load[0], load[1], load[2]);
  return failures == 0 ? 0 : 1;
}
