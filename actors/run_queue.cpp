#include "actors/run_queue.hpp"

#include <algorithm>
#include <atomic>

namespace rooms::actors {

namespace {

runner::run_result failed(std::string why) {
  runner::run_result r;
  r.error = std::move(why);
  r.exit_code = -1;
  return r;
}

}  // namespace

run_queue::run_queue(std::unique_ptr<runner::runner> backend, std::size_t workers,
                     std::size_t max_queued)
    : backend_(std::move(backend)), max_queued_(max_queued) {
  if (backend_) runtimes_ = backend_->runtimes();
  for (std::size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

run_queue::~run_queue() {
  std::deque<job> abandoned;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    abandoned.swap(jobs_);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  for (auto& j : abandoned) j.abandon();
}

bool run_queue::supports(const std::string& language, std::string* canonical) const {
  for (const auto& rt : runtimes_) {
    bool match = rt.language == language;
    for (const auto& alias : rt.aliases) match = match || alias == language;
    if (match) {
      if (canonical) *canonical = rt.language;
      return true;
    }
  }
  return false;
}

bool run_queue::has_repl(const std::string& language) const {
  std::string canonical;
  if (!supports(language, &canonical)) return false;
  for (const auto& rt : runtimes_)
    if (rt.language == canonical) return rt.repl;
  return false;
}

std::string run_queue::backend_name() const {
  return backend_ ? backend_->name() : "none";
}

bool run_queue::enqueue(job j) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= max_queued_) return false;
    jobs_.push_back(std::move(j));
  }
  wake_.notify_one();
  return true;
}

bool run_queue::submit(runner::run_request request, done_fn done) {
  auto shared = std::make_shared<std::pair<runner::run_request, done_fn>>(std::move(request),
                                                                          std::move(done));
  return enqueue({[this, shared] { shared->second(run_one(shared->first)); },
                  [shared] { shared->second(failed("the server is shutting down")); }});
}

bool run_queue::submit_batch(std::vector<runner::run_request> requests, std::size_t parallel,
                             std::chrono::milliseconds budget, each_fn each, batch_done_fn done) {
  struct batch {
    std::vector<runner::run_request> requests;
    each_fn each;
    batch_done_fn done;
  };
  auto b = std::make_shared<batch>(batch{std::move(requests), std::move(each), std::move(done)});
  parallel = std::clamp<std::size_t>(parallel, 1, std::max<std::size_t>(1, b->requests.size()));
  auto run = [this, b, parallel, budget] {
    const auto deadline = std::chrono::steady_clock::now() + budget;
    std::vector<runner::run_result> results(b->requests.size());
    std::atomic<std::size_t> next{0};
    // Each lane takes the next request until none is left: at most `parallel` at once.
    auto lane = [&] {
      for (std::size_t i; (i = next.fetch_add(1)) < b->requests.size();) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
          results[i] = failed("not run: the test run's total budget of " +
                              std::to_string(budget.count()) + " ms was spent");
          results[i].timed_out = true;
        } else {
          auto& request = b->requests[i];
          request.run_timeout = std::min(request.run_timeout.value_or(left), left);
          results[i] = run_one(request);
        }
        if (b->each) b->each(i, results[i]);
      }
    };
    std::vector<std::thread> helpers;
    for (std::size_t k = 1; k < parallel; ++k) helpers.emplace_back(lane);
    lane();
    for (auto& t : helpers) t.join();
    b->done(std::move(results));
  };
  auto abandon = [b] {
    std::vector<runner::run_result> results(b->requests.size(),
                                            failed("the server is shutting down"));
    b->done(std::move(results));
  };
  return enqueue({std::move(run), std::move(abandon)});
}

runner::run_result run_queue::run_one(const runner::run_request& request) {
  if (!backend_) return failed("no code runner is configured");
  return backend_->run(request);
}

void run_queue::work() {
  for (;;) {
    job j;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping
      j = std::move(jobs_.front());
      jobs_.pop_front();
    }
    j.run();
  }
}

}  // namespace rooms::actors
