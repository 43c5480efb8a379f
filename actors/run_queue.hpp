#pragma once
/// Runs code off the actor threads: a bounded pool of worker threads in front of a runner.
///
/// Runs block for seconds (compilers, sandboxes), so they must never occupy a CAF scheduler
/// thread. Rooms submit a job and get the result back as a message (see room.cpp).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "runner/runner.hpp"

namespace rooms::actors {

class run_queue {
 public:
  using done_fn = std::function<void(runner::run_result)>;
  /// A batch's runs end one by one: index into the batch's requests, and its result.
  using each_fn = std::function<void(std::size_t, const runner::run_result&)>;
  using batch_done_fn = std::function<void(std::vector<runner::run_result>)>;

  /// `backend` may be null: every job then finishes with an error. Thread safety: all members.
  run_queue(std::unique_ptr<runner::runner> backend, std::size_t workers, std::size_t max_queued);
  /// Finishes running jobs; queued ones are answered with an error.
  ~run_queue();

  /// Queues a run; false (and `done` is not called) when the queue is full.
  bool submit(runner::run_request request, done_fn done);
  /// Queues several runs as ONE job (one queue slot, one worker, so a room's test run cannot
  /// starve other rooms): inside it, up to `parallel` run at once. A run starts only while
  /// `budget` (from the job's start) lasts, its wall clock cut to what is left; the others end
  /// with `error` "not run: ..." and timed_out. `each` (may be empty) gets every result as it
  /// ends, `done` them all in request order; both on a worker thread. False when full.
  bool submit_batch(std::vector<runner::run_request> requests, std::size_t parallel,
                    std::chrono::milliseconds budget, each_fn each, batch_done_fn done);
  /// Languages the backend can run (empty without a backend).
  const std::vector<runner::runtime>& runtimes() const { return runtimes_; }
  /// True when `language` is a runtime's name or alias; `canonical` gets the runtime name.
  bool supports(const std::string& language, std::string* canonical = nullptr) const;
  std::string backend_name() const;
  /// True when runs can be interactive (on a pseudo-terminal): the local runner only.
  bool interactive() const { return backend_ && backend_->name() == "local"; }
  /// True when `language` (a name or alias) has an interpreter for start_repl.
  bool has_repl(const std::string& language) const;

 private:
  /// A queued job: `run` on a worker, or `abandon` (answers with an error) at shutdown.
  struct job {
    std::function<void()> run;
    std::function<void()> abandon;
  };
  bool enqueue(job j);
  runner::run_result run_one(const runner::run_request& request);
  void work();

  std::unique_ptr<runner::runner> backend_;
  std::vector<runner::runtime> runtimes_;
  std::size_t max_queued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace rooms::actors
