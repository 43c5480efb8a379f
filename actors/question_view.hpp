#pragma once
/// A question in a room: the question_loaded event made from a library question, and what
/// each role is shown of a loaded question and of test results. The one place that decides
/// what a candidate sees of them (the question's part is questions::candidate_view).

#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/domain/events.hpp"
#include "questions/question.hpp"

namespace rooms::actors {

/// The question_loaded payload of `q` (every test whole, the stored version), with the starter
/// of `language` when `q` has one. Never its reference solutions.
domain::events::question_loaded question_event(const questions::question& q,
                                               const std::string& language);

/// The library model of a logged question_loaded payload; nullopt when it does not decode.
std::optional<questions::question> logged_question(const nlohmann::json& payload);

/// The "question" of a question_loaded frame or a session_state: whole for an interviewer,
/// questions::candidate_view for a candidate (hidden tests as {name, hidden:true} only).
/// Null for a null (or undecodable) payload.
nlohmann::json question_view(const nlohmann::json& logged, bool interviewer);

/// One test result: whole for an interviewer; a candidate's hidden result carries only name,
/// hidden, passed, durationMs and timedOut.
nlohmann::json test_result_view(const nlohmann::json& result, bool interviewer);

/// A tests_finished payload (or the state's lastTestRun) with each result through
/// test_result_view. Null stays null.
nlohmann::json test_run_view(const nlohmann::json& run, bool interviewer);

/// The language a room started from `q` uses when none is asked: the first of python,
/// javascript, java, cpp that `q` has a starter for and `can_run` accepts, else the first such
/// language of `q`, else "plaintext".
std::string default_language(const questions::question& q,
                             const std::function<bool(const std::string&)>& can_run);

}  // namespace rooms::actors
