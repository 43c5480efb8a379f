#include "actors/run_queue.hpp"

namespace rooms::actors {

run_queue::run_queue(std::unique_ptr<runner::runner> backend, std::size_t workers,
                     std::size_t max_queued)
    : backend_(std::move(backend)), max_queued_(max_queued) {
  if (backend_) runtimes_ = backend_->runtimes();
  for (std::size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
}

run_queue::~run_queue() {
  std::deque<std::pair<runner::run_request, done_fn>> abandoned;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    abandoned.swap(jobs_);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  for (auto& [request, done] : abandoned) {
    runner::run_result r;
    r.error = "the server is shutting down";
    r.exit_code = -1;
    done(std::move(r));
  }
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

std::string run_queue::backend_name() const {
  return backend_ ? backend_->name() : "none";
}

bool run_queue::submit(runner::run_request request, done_fn done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= max_queued_) return false;
    jobs_.emplace_back(std::move(request), std::move(done));
  }
  wake_.notify_one();
  return true;
}

void run_queue::work() {
  for (;;) {
    std::pair<runner::run_request, done_fn> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    runner::run_result result;
    if (backend_) {
      result = backend_->run(job.first);
    } else {
      result.error = "no code runner is configured";
      result.exit_code = -1;
    }
    job.second(std::move(result));
  }
}

}  // namespace rooms::actors
