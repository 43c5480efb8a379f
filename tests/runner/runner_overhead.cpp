// By hand, not a test: time per run of the local runner with the seccomp filter and the
// cgroups on and off, interleaved so the machine's noise spreads over every variant.
//   build/bin/runner_overhead [runs per variant, default 20]

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "runner/runner.hpp"

int main(int argc, char** argv) {
  using namespace rooms::runner;
  int runs = argc > 1 ? std::atoi(argv[1]) : 20;
  struct variant {
    const char* name;
    bool seccomp, cgroups;
    std::unique_ptr<runner> r;
    std::vector<double> ms[2];
  };
  std::vector<variant> variants;
  for (auto [name, seccomp, cgroups] : {std::tuple{"seccomp + cgroups", true, true},
                                        {"seccomp only", true, false},
                                        {"cgroups only", false, true},
                                        {"neither", false, false}}) {
    local_options o;
    o.probe = false;
    o.use_seccomp = seccomp;
    o.use_cgroups = cgroups;
    variants.push_back({name, seccomp, cgroups, make_local_runner(o), {}});
    std::cout << name << ": " << variants.back().r->describe() << "\n";
  }
  const run_request requests[2] = {{"bash", "echo hi", ""}, {"python", "print('hi')", ""}};
  for (int i = 0; i < runs; ++i) {
    for (auto& v : variants) {
      for (int k = 0; k < 2; ++k) {
        auto t0 = std::chrono::steady_clock::now();
        auto result = v.r->run(requests[k]);
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                        .count();
        if (result.stdout_data != "hi\n") {
          std::cerr << v.name << ": unexpected result: " << result.error << result.stderr_data
                    << "\n";
          return 1;
        }
        v.ms[k].push_back(ms);
      }
    }
  }
  auto median = [](std::vector<double> x) {
    std::sort(x.begin(), x.end());
    return x[x.size() / 2];
  };
  std::cout << "median ms per run over " << runs << " runs (bash echo, python print):\n";
  for (auto& v : variants) {
    std::cout << "  " << v.name << ": " << median(v.ms[0]) << ", " << median(v.ms[1]) << "\n";
  }
  return 0;
}
