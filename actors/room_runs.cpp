#include "actors/detail/ids.hpp"
#include "actors/detail/room_impl.hpp"
#include "actors/domain/changeset.hpp"

namespace rooms::actors::detail {

void room::on_command(member& who, const domain::run_code& run, const json& ref) {
  if (run.interactive) return start_terminal(who, st_.state.language, false, run.size, ref);
  auto& runs = *st_.svc->runs;
  std::string language;
  if (!runs.supports(st_.state.language, &language))
    return error_to(who.conn, error_code::unsupported_language,
                    "\"" + st_.state.language + "\" cannot be run here; see GET /api/runtimes",
                    ref);
  if (!st_.state.running.is_null() || !st_.state.tests_running.is_null())
    return error_to(who.conn, error_code::busy, "a run is already in progress", ref);
  const std::string run_id = "r_" + detail::random_hex(8);
  runner::run_request request;
  request.language = st_.state.language;
  request.code = domain::utf16_to_utf8(st_.state.doc);
  request.stdin_data = run.stdin_data;
  caf::actor me = caf::actor_cast<caf::actor>(self_);
  request.on_output = output_streamer(me, run_id);
  bool queued = runs.submit(std::move(request), run_finisher(me, run_id, false));
  if (!queued)
    return error_to(who.conn, error_code::busy, "too many runs are queued; retry shortly", ref);
  events::run_started started;
  started.run_id = run_id;
  started.language = st_.state.language;
  started.version = st_.state.version;
  std::vector<event> txn;
  if (auto err = record(txn, who.pid, started))
    return error_to(who.conn, error_code::busy, *err, ref);
  submit(std::move(txn));
  st_.run_in_flight = run_id;
  st_.svc->stats->runs_started.fetch_add(1, std::memory_order_relaxed);
  emit(connected(), frame({{"type", "run_started"},
                           {"runId", run_id},
                           {"participantId", who.pid},
                           {"language", st_.state.language},
                           {"version", st_.state.version}}));
}

/// The run's result as run_finished, sent to the room from the runner's thread. An
/// interactive run's transcript is already logged as terminal_output: not repeated here.
run_queue::done_fn room::run_finisher(caf::actor me, std::string run_id, bool interactive) {
  return [me = std::move(me), run_id = std::move(run_id), interactive](runner::run_result r) {
    events::run_finished result;
    result.stdout_text = interactive ? std::string() : r.stdout_data;
    result.stderr_text = interactive ? std::string() : r.stderr_data;
    result.exit_code = r.exit_code;
    if (!r.signal.empty()) result.signal = r.signal;
    result.timed_out = r.timed_out;
    result.truncated = r.truncated;
    result.duration_ms = r.duration_ms;
    if (!r.compile_output.empty() || r.compile_failed) result.compile_output = r.compile_output;
    if (!r.error.empty()) result.error = r.error;
    if (interactive) result.interactive = true;
    result.run_id = run_id;
    caf::anon_send(me, run_done_atom::value, std::move(result));
  };
}

/// Live output for `run_output`, batched on the runner's thread: at most one message per
/// stream every 100 ms. The runner's chunks are whole UTF-8 characters, so batches are too.
/// What is still held when the run ends is not sent: `run_finished` carries the whole output,
/// and clients replace what they streamed with it. Not logged: the replay has run_finished.
std::function<void(std::string_view, std::string_view)> room::output_streamer(caf::actor me,
                                                                              std::string run_id) {
  struct batch {
    std::string held[2];  // stdout, stderr
    std::chrono::steady_clock::time_point last{};
  };
  auto b = std::make_shared<batch>();
  return [me = std::move(me), run_id = std::move(run_id), b](std::string_view stream,
                                                             std::string_view chunk) {
    b->held[stream == "stderr" ? 1 : 0].append(chunk);
    auto now = std::chrono::steady_clock::now();
    if (now - b->last < std::chrono::milliseconds(100)) return;
    b->last = now;
    for (int k = 0; k < 2; ++k) {
      if (b->held[k].empty()) continue;
      caf::anon_send(me, run_output_atom::value, run_id, std::string(k ? "stderr" : "stdout"),
                     std::move(b->held[k]));
      b->held[k].clear();
    }
  };
}

void room::on_run_output(const std::string& run_id, const std::string& stream,
                         const std::string& data) {
  if (!st_.state.running.is_object() || st_.state.running.value("runId", "") != run_id) return;
  if (st_.failed || st_.stopping) return;
  emit(connected(),
       frame({{"type", "run_output"}, {"runId", run_id}, {"stream", stream}, {"data", data}}));
}

void room::on_run_done(const events::run_finished& result) {
  if (!st_.state.running.is_object() ||
      st_.state.running.value("runId", "") != result.run_id.value_or(""))
    return;
  if (result.run_id.value_or("") == st_.run_in_flight) st_.run_in_flight.clear();
  if (st_.terminal) {
    flush_terminal();  // everything it printed is logged before its end
    st_.terminal.reset();
    st_.terminal_held.clear();
  }
  if (st_.failed || st_.stopping) return;
  std::string starter = st_.state.running.value("participantId", "");
  std::vector<event> txn;
  if (record(txn, starter, result)) return;  // the fold checks it
  submit(std::move(txn));
  st_.svc->stats->runs_finished.fetch_add(1, std::memory_order_relaxed);
  json out = events::to_json(result);
  out["type"] = "run_finished";
  emit(connected(), frame(out));
}

}  // namespace rooms::actors::detail
