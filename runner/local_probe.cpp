// The local backend's start-up probe: each installed language's hello world and version, in
// the real sandbox, before the language is offered.

#include <algorithm>
#include <atomic>
#include <cctype>
#include <thread>

#include "base/log.hpp"
#include "runner/detail/local_runner_impl.hpp"

namespace rooms::runner::detail {

std::string parse_version(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(text[i - 1])) && text[i - 1] != 'v' &&
                  text[i - 1] != 'o')) {
      continue;  // inside a word such as "x86_64"; "v20.1" and "go1.19" are fine
    }
    std::size_t j = i;
    int dots = 0;
    while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) ||
                               (text[j] == '.' && j + 1 < text.size() &&
                                std::isdigit(static_cast<unsigned char>(text[j + 1]))))) {
      if (text[j] == '.') ++dots;
      ++j;
    }
    if (dots > 0) return text.substr(i, j - i);
    i = j;
  }
  return {};
}

void local_runner::probe() {
  struct outcome {
    bool ok = false;
    std::string version;
    std::string failure;
  };
  std::vector<outcome> outcomes(installed_.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < installed_.size();) {
      const language& lang = *installed_[i];
      auto r = run_language(lang, {lang.name, lang.hello, ""}, /*probing=*/true);
      if (r.error.empty() && r.exit_code == 0 && r.stdout_data == "hello, world\n") {
        outcomes[i].ok = true;
      } else {
        outcomes[i].failure =
            "start-up probe failed: " +
            (!r.error.empty() ? r.error
             : r.timed_out    ? std::string("timed out")
                              : "exit " + std::to_string(r.exit_code) + " " + r.signal + " " +
                                 r.compile_output + r.stderr_data.substr(0, 2000));
        continue;
      }
      int slot = acquire_slot();
      auto v = sandboxed(lang, stage::version, lang.version, "", "", "", slot, /*probing=*/true);
      release_slot(slot);
      outcomes[i].version = parse_version(v.p.stdout_data + "\n" + v.p.stderr_data);
    }
  };
  int parallel = options_.probe_parallelism > 0
                     ? options_.probe_parallelism
                     : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  parallel = std::min<int>(parallel, static_cast<int>(installed_.size()));
  std::vector<std::thread> threads;
  for (int t = 0; t < parallel; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < installed_.size(); ++i) {
    const language& lang = *installed_[i];
    if (outcomes[i].ok) {
      usable_.push_back(&lang);
      runtimes_.push_back({lang.name, outcomes[i].version, lang.aliases, has_repl(lang)});
    } else {
      // A toolchain that is installed but fails its hello world is a host problem to see.
      ROOMS_LOG(warn, "runner: " << lang.name << " not offered: " << outcomes[i].failure);
      failures_[lang.name] = outcomes[i].failure;
    }
  }
}

}  // namespace rooms::runner::detail
