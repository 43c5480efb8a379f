/// The room's question and its test runs (PROTOCOL.md "v2 additions": Questions, Running the
/// tests): load_question (the library is read on the store's reader thread, the answer comes
/// back as a message), run_tests (every test of the loaded question as one run-queue job) and
/// what each role is shown of them (actors/question_view.hpp decides).

#include "actors/detail/ids.hpp"
#include "actors/detail/room_impl.hpp"
#include "actors/domain/changeset.hpp"
#include "actors/question_view.hpp"
#include "questions/output_match.hpp"

namespace rooms::actors::detail {

namespace {

/// A test's result as logged: pass/fail by questions::output_matches, the output whole (the
/// candidate's view drops a hidden test's output: test_result_view).
events::test_result make_result(const events::question_test& test, const runner::run_result& r) {
  events::test_result out;
  out.name = test.name;
  out.hidden = test.hidden;
  out.duration_ms = r.duration_ms;
  out.timed_out = r.timed_out;
  out.exit_code = r.exit_code;
  out.stdout_text = r.stdout_data;
  out.stderr_text = r.compile_failed ? r.compile_output : r.stderr_data;
  out.expected = test.expected;
  if (!r.error.empty()) out.error = r.error;
  if (r.compile_failed) out.error = "compilation failed";
  out.passed = r.error.empty() && !r.compile_failed && !r.timed_out && r.exit_code == 0 &&
               questions::output_matches(r.stdout_data, test.expected);
  return out;
}

/// The runId of the test run in progress, "" when none.
std::string tests_running_id(const room_state& state) {
  return state.tests_running.is_object() ? state.tests_running.value("runId", "") : "";
}

}  // namespace

void room::on_command(member& who, const domain::load_question& load, const json& ref) {
  if (!who.interviewer)
    return error_to(who.conn, error_code::forbidden, "only interviewers load questions", ref);
  auto* library = st_.svc->questions;
  if (library == nullptr)
    return error_to(who.conn, error_code::unavailable, "this server has no question library", ref);
  const std::string language = load.language.value_or(st_.state.language);
  if (load.language && !is_known_language(*st_.svc, language))
    return error_to(who.conn, error_code::unsupported_language,
                    "unsupported language; see GET /api/runtimes", ref);
  auto read = std::make_shared<question_read>();
  read->pid = who.pid;
  read->ref = ref;
  read->language = language;
  read->replace_code = load.replace_code;
  caf::actor me = caf::actor_cast<caf::actor>(self_);
  // The library blocks on RocksDB: read it on the store's reader thread, answer by message.
  st_.svc->store->read_async([me, library, id = load.question_id, read](eventlog::status s) {
    if (!s.ok()) {
      read->message = "the question library cannot be read";
    } else if (auto q = library->get(id); q.ok()) {
      read->question = question_event(q.value(), read->language);
    } else if (q.status().code == questions::store_errc::not_found) {
      read->error = error_code::not_found;
      read->message = "unknown question \"" + id + "\"";
    } else {
      read->message = "the question library failed: " + q.status().message;
    }
    caf::anon_send(me, question_read_atom::value, std::shared_ptr<const question_read>(read));
  });
}

void room::on_question_read(const question_read& read) {
  const std::string& pid = read.pid;
  const json& ref = read.ref;
  auto m = st_.members.find(pid);
  const caf::actor conn = m != st_.members.end() ? m->second.conn : caf::actor();
  auto refuse = [&](error_code code, const std::string& message) {
    if (conn) error_to(conn, code, message, ref);
  };
  if (st_.failed || st_.stopping)
    return refuse(error_code::busy, "the event log is unavailable; retry shortly");
  if (!read.question) return refuse(read.error, read.message);
  const events::question_loaded& question = *read.question;
  const std::string& language = read.language;
  const bool replace = read.replace_code;
  if (replace && !question.starter)
    return refuse(error_code::unsupported_language,
                  "question \"" + question.question_id + "\" has no starter for " + language);
  const std::uint64_t from = st_.state.version;
  std::vector<event> txn;
  if (auto err = record(txn, pid, question)) return refuse(error_code::busy, *err);
  bool language_changes = replace && language != st_.state.language;
  if (language_changes)
    if (auto err = record(txn, pid, events::language_changed{language})) {
      rollback_unexpected(*err);
      return;
    }
  json changes;
  const std::string starter = question.starter.value_or("");
  if (replace && !(st_.state.doc.empty() && starter.empty())) {
    events::code_changed changed;
    changed.version = from + 1;
    changed.client_id = "question";
    changed.changes = domain::replace_all_json(st_.state.doc.size(), starter);
    changes = changed.changes;
    if (auto err = record(txn, pid, changed)) {
      rollback_unexpected(*err);
      return;
    }
  }
  submit(std::move(txn));
  // The question: whole to interviewers, the candidate's view to candidates.
  json loaded = {{"type", "question_loaded"}, {"participantId", pid}};
  json for_interviewer = loaded;
  for_interviewer["question"] = question_view(st_.state.question, true);
  json for_candidate = loaded;
  for_candidate["question"] = question_view(st_.state.question, false);
  auto to_interviewers = frame(for_interviewer);
  auto to_candidates = frame(for_candidate);
  std::vector<caf::actor> interviewer_conns, candidate_conns;
  for (const auto& [id, member] : st_.members) {
    if (!member.conn || id == pid) continue;
    (member.interviewer ? interviewer_conns : candidate_conns).push_back(member.conn);
  }
  if (conn) emit({conn}, frame(with_ref(for_interviewer, ref)));
  emit(std::move(interviewer_conns), std::move(to_interviewers));
  emit(std::move(candidate_conns), std::move(to_candidates));
  if (language_changes)
    emit(connected(),
         frame({{"type", "language_changed"}, {"participantId", pid}, {"language", language}}));
  if (!changes.is_null())
    emit(connected(), frame({{"type", "code_changed"},
                             {"from", from},
                             {"updates", json::array({{{"clientID", "question"},
                                                       {"changes", changes},
                                                       {"participantId", pid}}})}}));
}

void room::on_command(member& who, const domain::run_tests&, const json& ref) {
  // Seam for the interviewer controls (issue #19): runDisabled refuses run_tests as run_code.
  if (!st_.state.question.is_object())
    return error_to(who.conn, error_code::no_question,
                    "no question is loaded in this room; an interviewer loads one first", ref);
  auto& runs = *st_.svc->runs;
  std::string language;
  if (!runs.supports(st_.state.language, &language))
    return error_to(who.conn, error_code::unsupported_language,
                    "\"" + st_.state.language + "\" cannot be run here; see GET /api/runtimes",
                    ref);
  if (!st_.state.running.is_null() || !st_.state.tests_running.is_null())
    return error_to(who.conn, error_code::busy, "a run is already in progress", ref);
  events::question_loaded question;
  if (events::from_json(st_.state.question, question))
    return error_to(who.conn, error_code::no_question, "the loaded question cannot be read", ref);
  const auto& cfg = st_.svc->config;
  const std::string code = domain::utf16_to_utf8(st_.state.doc);
  std::vector<runner::run_request> requests;
  for (const auto& t : question.tests) {
    runner::run_request r;
    r.language = st_.state.language;
    r.code = code;
    r.stdin_data = t.stdin_data;
    r.run_timeout = t.timeout_ms ? std::chrono::milliseconds(*t.timeout_ms) : cfg.test_timeout;
    requests.push_back(std::move(r));
  }
  const std::string run_id = "t_" + detail::random_hex(8);
  caf::actor me = caf::actor_cast<caf::actor>(self_);
  auto tests = std::make_shared<const std::vector<events::question_test>>(question.tests);
  auto each = [me, run_id, tests](std::size_t i, const runner::run_result& r) {
    caf::anon_send(me, test_result_atom::value, run_id, std::uint64_t{i},
                   make_result((*tests)[i], r));
  };
  auto done = [me, run_id, tests](std::vector<runner::run_result> results) {
    events::tests_finished finished;
    finished.run_id = run_id;
    for (std::size_t i = 0; i < results.size(); ++i) {
      finished.results.push_back(make_result((*tests)[i], results[i]));
      if (finished.results.back().passed) ++finished.passed;
    }
    finished.total = finished.results.size();
    caf::anon_send(me, tests_done_atom::value, run_id, std::move(finished));
  };
  bool queued = runs.submit_batch(std::move(requests), cfg.tests_parallel, cfg.tests_total_budget,
                                  std::move(each), std::move(done));
  if (!queued)
    return error_to(who.conn, error_code::busy, "too many runs are queued; retry shortly", ref);
  events::tests_started started{run_id, st_.state.language, st_.state.version,
                                question.tests.size()};
  std::vector<event> txn;
  if (auto err = record(txn, who.pid, started))
    return error_to(who.conn, error_code::busy, *err, ref);
  submit(std::move(txn));
  st_.svc->stats->runs_started.fetch_add(1, std::memory_order_relaxed);
  json out = events::to_json(started);
  out["type"] = "tests_started";
  out["participantId"] = who.pid;
  emit(connected(), frame(out));
}

void room::on_test_result(const std::string& run_id, std::uint64_t index,
                          const events::test_result& result_value) {
  if (tests_running_id(st_.state) != run_id || st_.failed || st_.stopping) return;
  // Not logged (tests_finished has every result): shown as the results arrive.
  const json result = events::to_json(result_value);
  auto send_to = [&](bool interviewer) {
    json view = test_result_view(result, interviewer);
    return frame({{"type", "test_result"},
                  {"runId", run_id},
                  {"index", index},
                  {"result", std::move(view)}});
  };
  emit(interviewers(""), send_to(true));
  emit(candidates(), send_to(false));
}

void room::on_tests_done(const std::string& run_id, const events::tests_finished& finished_value) {
  if (tests_running_id(st_.state) != run_id || st_.failed || st_.stopping) return;
  std::string starter = st_.state.tests_running.value("participantId", "");
  std::vector<event> txn;
  if (record(txn, starter, finished_value)) return;  // the fold refused it: nothing to show
  const json finished = events::to_json(finished_value);
  submit(std::move(txn));
  st_.svc->stats->runs_finished.fetch_add(1, std::memory_order_relaxed);
  auto send_to = [&](bool interviewer) {
    json out = test_run_view(finished, interviewer);
    out["type"] = "tests_finished";
    out["participantId"] = starter;
    return frame(out);
  };
  emit(interviewers(""), send_to(true));
  emit(candidates(), send_to(false));
}

}  // namespace rooms::actors::detail
