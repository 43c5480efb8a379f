// The interactive terminal: runs on a pseudo-terminal, their input, output, size and stop.
// Output arrives from the runner's thread in small pieces (an echo is one character). Output
// after a quiet spell is logged and sent at once (a typed echo feels immediate); output that
// follows within terminal_flush_delay is held and sent together when it ends, so a flood is a
// few events a second, not thousands. Always before the run's run_finished, so the log and
// every viewer see it in the order it was printed.

#include "actors/detail/ids.hpp"
#include "actors/detail/room_impl.hpp"
#include "actors/domain/changeset.hpp"

namespace rooms::actors::detail {

namespace {
/// The least time between two terminal_output events of a room.
constexpr auto terminal_flush_delay = std::chrono::milliseconds(20);

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
std::size_t utf8_prefix(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text.size();
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return n;
}
}  // namespace

void room::on_command(member& who, const domain::start_repl& repl, const json& ref) {
  start_terminal(who, repl.language.value_or(st_.state.language), true, repl.size, ref);
}

void room::start_terminal(member& who, const std::string& asked, bool repl,
                          domain::terminal_size size, const json& ref) {
  auto& runs = *st_.svc->runs;
  std::string language;
  if (!runs.supports(asked, &language))
    return error_to(who.conn, error_code::unsupported_language,
                    "\"" + asked + "\" cannot be run here; see GET /api/runtimes", ref);
  if (!runs.interactive())
    return error_to(who.conn, error_code::unsupported_language,
                    "interactive runs need the local runner (this server runs code on " +
                        runs.backend_name() + ")",
                    ref);
  if (repl && !runs.has_repl(language))
    return error_to(who.conn, error_code::unsupported_language,
                    language + " has no REPL here; see GET /api/runtimes", ref);
  if (!st_.state.running.is_null() || !st_.state.tests_running.is_null())
    return error_to(who.conn, error_code::busy, "a run is already in progress", ref);
  const std::string run_id = "r_" + detail::random_hex(8);
  auto channel = std::make_shared<runner::terminal_channel>(size.cols, size.rows);
  runner::run_request request;
  request.language = language;
  request.code = domain::utf16_to_utf8(st_.state.doc);
  request.terminal = channel;
  request.repl = repl;
  caf::actor me = caf::actor_cast<caf::actor>(self_);
  request.on_output = [me, run_id](std::string_view, std::string_view chunk) {
    caf::anon_send(me, terminal_output_atom::value, run_id, std::string(chunk));
  };
  if (!runs.submit(std::move(request), run_finisher(me, run_id, true)))
    return error_to(who.conn, error_code::busy, "too many runs are queued; retry shortly", ref);
  events::run_started started;
  started.run_id = run_id;
  started.language = language;
  started.version = st_.state.version;
  started.interactive = true;
  started.repl = repl;
  started.cols = size.cols;
  started.rows = size.rows;
  std::vector<event> txn;
  if (auto err = record(txn, who.pid, started)) {
    channel->stop();
    return error_to(who.conn, error_code::busy, *err, ref);
  }
  submit(std::move(txn));
  st_.terminal = std::move(channel);
  st_.run_in_flight = run_id;
  st_.svc->stats->runs_started.fetch_add(1, std::memory_order_relaxed);
  json out = events::to_json(started);
  out["type"] = "run_started";
  out["participantId"] = who.pid;
  emit(connected(), frame(out));
}

/// The terminal of `run_id`, if it is the one running; else the error is sent.
runner::terminal_channel* room::running_terminal(member& who, const std::string& run_id,
                                                 const json& ref) {
  if (st_.terminal && st_.state.terminal.is_object() &&
      st_.state.terminal.value("runId", "") == run_id && st_.state.terminal.value("active", false))
    return st_.terminal.get();
  error_to(who.conn, error_code::invalid_changes,
           "run " + run_id + " is not a running terminal (it ended, or never was one)", ref);
  return nullptr;
}

void room::on_command(member& who, const domain::terminal_input& input, const json& ref) {
  auto* terminal = running_terminal(who, input.run_id, ref);
  if (terminal == nullptr) return;
  if (!terminal->write(input.data))
    return error_to(who.conn, error_code::busy,
                    "the program is not reading its input; wait, or stop it", ref);
  std::vector<event> txn;
  if (auto err = record(txn, who.pid, events::terminal_input{input.run_id, input.data}))
    return error_to(who.conn, error_code::invalid_changes, *err, ref);
  submit(std::move(txn));
}

void room::on_command(member& who, const domain::terminal_resize& resize, const json& ref) {
  auto* terminal = running_terminal(who, resize.run_id, ref);
  if (terminal == nullptr) return;
  if (st_.state.terminal["cols"] == resize.size.cols &&
      st_.state.terminal["rows"] == resize.size.rows)
    return;  // a viewer re-sending the size everyone has: nothing to log
  std::vector<event> txn;
  events::terminal_resized resized{resize.run_id, resize.size.cols, resize.size.rows};
  if (auto err = record(txn, who.pid, resized))
    return error_to(who.conn, error_code::invalid_changes, *err, ref);
  submit(std::move(txn));
  terminal->resize(resize.size.cols, resize.size.rows);
  json out = events::to_json(resized);
  out["type"] = "terminal_resized";
  out["participantId"] = who.pid;
  emit(connected(), frame(out));
}

void room::on_command(member& who, const domain::stop_run& stop, const json& ref) {
  if (st_.terminal && st_.state.terminal.is_object() &&
      st_.state.terminal.value("runId", "") == stop.run_id) {
    st_.terminal->stop();  // run_finished follows when the runner has ended it
    return;
  }
  if (st_.state.running.is_object() && st_.state.running.value("runId", "") == stop.run_id)
    return error_to(who.conn, error_code::busy,
                    "a batch run cannot be stopped: it ends within its time limit", ref);
  error_to(who.conn, error_code::invalid_changes, "run " + stop.run_id + " is not running", ref);
}

void room::on_terminal_output(const std::string& run_id, const std::string& data) {
  if (run_id != st_.run_in_flight || !st_.terminal || st_.failed) return;
  st_.terminal_held += data;
  if (st_.terminal_flush_scheduled) return;
  auto quiet = std::chrono::steady_clock::now() - st_.terminal_flushed_at;
  if (quiet >= terminal_flush_delay) return flush_terminal();
  st_.terminal_flush_scheduled = true;
  self_->delayed_send(self_, terminal_flush_delay - quiet, terminal_flush_atom::value);
}

void room::flush_terminal() {
  st_.terminal_flush_scheduled = false;
  st_.terminal_flushed_at = std::chrono::steady_clock::now();
  if (st_.terminal_held.empty() || !st_.state.terminal.is_object()) return;
  std::string run_id = st_.state.terminal.value("runId", "");
  std::string_view held = st_.terminal_held;
  std::vector<event> txn;
  std::vector<json> frames;
  while (!held.empty()) {
    auto n = utf8_prefix(held, domain::max_terminal_output_bytes);
    events::terminal_output out{run_id, std::string(held.substr(0, n))};
    held.remove_prefix(n);
    if (record(txn, "", out)) break;  // the fold refuses output of an ended run
    json f = events::to_json(out);
    f["type"] = "terminal_output";
    frames.push_back(std::move(f));
  }
  st_.terminal_held.clear();
  if (txn.empty()) return;
  submit(std::move(txn));
  for (auto& f : frames) emit(connected(), frame(f));
}

}  // namespace rooms::actors::detail
