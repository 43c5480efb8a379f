#include "actors/domain/events.hpp"

#include "actors/domain/detail/payload_fields.hpp"
#include "actors/domain/validate.hpp"

namespace rooms::domain::events {

namespace {

using json = nlohmann::json;

using namespace fields;

}  // namespace

// -- to_json --

json to_json(const session_created& p) {
  json j = json::object();
  put(j, "language", p.language);
  put(j, "title", p.title);
  put(j, "phase", p.phase);
  return j;
}

json to_json(const participant_joined& p) {
  json who = {{"participantId", p.participant.participant_id}};
  put(who, "name", p.participant.name);
  put(who, "role", p.participant.role);
  put(who, "color", p.participant.color);
  json j = {{"participant", std::move(who)}};
  put(j, "resumeHash", p.resume_hash);
  put(j, "accountId", p.account_id);
  return j;
}

json to_json(const participant_left& p) {
  json j = json::object();
  put(j, "reason", p.reason);
  return j;
}

json to_json(const code_changed& p) {
  json j = {{"version", p.version}, {"changes", p.changes}};
  put(j, "clientID", p.client_id);
  put(j, "origin", p.origin);
  put(j, "pasteFrom", p.paste_from);
  return j;
}

json to_json(const cursor_moved& p) {
  return {{"version", p.version}, {"anchor", p.anchor}, {"head", p.head}};
}

json to_json(const language_changed& p) {
  return {{"language", p.language}};
}

json to_json(const run_started& p) {
  json j = json::object();
  put(j, "runId", p.run_id);
  put(j, "language", p.language);
  put(j, "version", p.version);
  put(j, "interactive", p.interactive);
  put(j, "repl", p.repl);
  put(j, "cols", p.cols);
  put(j, "rows", p.rows);
  return j;
}

json to_json(const run_finished& p) {
  json j = json::object();
  put(j, "runId", p.run_id);
  put(j, "stdout", p.stdout_text);
  put(j, "stderr", p.stderr_text);
  put(j, "exitCode", p.exit_code);
  // A room writes "signal" always, null when there was none; a signal-less result from the
  // runner (exitCode present) therefore gets null.
  if (p.signal)
    j["signal"] = *p.signal;
  else if (p.exit_code)
    j["signal"] = nullptr;
  put(j, "timedOut", p.timed_out);
  put(j, "truncated", p.truncated);
  put(j, "durationMs", p.duration_ms);
  put(j, "compileOutput", p.compile_output);
  put(j, "error", p.error);
  put(j, "interactive", p.interactive);
  return j;
}

json to_json(const note_added& p) {
  json j = {{"text", p.text}};
  put(j, "noteId", p.note_id);
  put(j, "version", p.version);
  return j;
}

json to_json(const focus_changed& p) {
  json j = json::object();
  put(j, "focused", p.focused);
  return j;
}

json to_json(const session_expired& p) {
  json j = json::object();
  put(j, "by", p.by);
  return j;
}

json to_json(const phase_changed& p) {
  return {{"phase", p.phase}};
}

json to_json(const controls_changed& p) {
  return {{"editorLocked", p.editor_locked}, {"runDisabled", p.run_disabled}};
}

json to_json(const scorecard_saved& p) {
  json ratings = json::object();
  for (const auto& [criterion, rating] : p.ratings) ratings[criterion] = rating;
  json comments = json::array();
  for (const auto& c : p.comments) {
    json comment = {{"text", c.text}};
    put(comment, "seq", c.seq);
    comments.push_back(std::move(comment));
  }
  json j = {{"ratings", std::move(ratings)},
            {"comments", std::move(comments)},
            {"submitted", p.submitted}};
  put(j, "recommendation", p.recommendation);
  return j;
}

json to_json(const call_state_changed& p) {
  json j = {{"audio", p.audio}, {"video", p.video}};
  put(j, "joined", p.joined);
  return j;
}

// -- from_json --

std::optional<payload_error> from_json(const json& p, session_created& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    if (!optional_string(p, "language", out.language) || !optional_string(p, "title", out.title))
      return malformed("language and title must be strings");
    if (!optional_string(p, "phase", out.phase) ||
        (out.phase && *out.phase != "lobby" && *out.phase != "live"))
      return malformed("phase must be \"lobby\" or \"live\"");
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, participant_joined& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    auto it = p.find("participant");
    if (it == p.end() || !it->is_object()) return malformed("no participant");
    const json& who = *it;
    auto id = who.find("participantId");
    if (id == who.end() || !id->is_string()) return malformed("no participantId");
    out.participant.participant_id = id->get<std::string>();
    if (!optional_string(who, "name", out.participant.name) ||
        !optional_string(who, "role", out.participant.role) ||
        !optional_string(who, "color", out.participant.color) ||
        !optional_string(p, "resumeHash", out.resume_hash))
      return malformed("participant fields must be strings");
    if (!optional_string(p, "accountId", out.account_id) ||
        (out.account_id && !valid_id(*out.account_id)))
      return malformed("accountId must be 1..64 letters, digits, '_' or '-'");
    if (out.account_id && out.participant.role.value_or("candidate") != "interviewer")
      return malformed("only an interviewer's join carries an accountId");
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, participant_left& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    if (!optional_string(p, "reason", out.reason)) return malformed("reason must be a string");
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, code_changed& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    auto version = p.find("version");
    if (version == p.end() || !is_uint(*version)) return malformed("no version");
    out.version = version->get<std::uint64_t>();
    if (!optional_string(p, "clientID", out.client_id))
      return malformed("clientID must be a string");
    if (!optional_string(p, "origin", out.origin) ||
        !optional_string(p, "pasteFrom", out.paste_from))
      return malformed("origin and pasteFrom must be strings");
    out.changes = p.value("changes", json());
    auto parsed = changeset::from_json(out.changes);
    if (!parsed) return payload_error{"invalid_changes", "changes are not a ChangeSet"};
    out.parsed = std::move(*parsed);
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, cursor_moved& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    if (!is_uint(p.value("version", json())) || !is_uint(p.value("anchor", json())) ||
        !is_uint(p.value("head", json())))
      return malformed("cursor needs version, anchor, head");
    out.version = p["version"].get<std::uint64_t>();
    out.anchor = p["anchor"].get<std::uint64_t>();
    out.head = p["head"].get<std::uint64_t>();
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, language_changed& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    auto it = p.find("language");
    if (it == p.end() || !it->is_string()) return malformed("no language");
    out.language = it->get<std::string>();
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, run_started& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    if (!optional_string(p, "runId", out.run_id) || !optional_string(p, "language", out.language) ||
        !optional_uint(p, "version", out.version) ||
        !optional_bool(p, "interactive", out.interactive) || !optional_bool(p, "repl", out.repl) ||
        !optional_uint(p, "cols", out.cols) || !optional_uint(p, "rows", out.rows))
      return malformed(
          "runId and language must be strings, version, cols and rows non-negative integers, "
          "interactive and repl booleans");
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, run_finished& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    if (!optional_string(p, "runId", out.run_id) ||
        !optional_string(p, "stdout", out.stdout_text) ||
        !optional_string(p, "stderr", out.stderr_text) ||
        !optional_string(p, "compileOutput", out.compile_output) ||
        !optional_string(p, "error", out.error))
      return malformed("runId, stdout, stderr, compileOutput and error must be strings");
    out.signal.reset();
    if (auto it = p.find("signal"); it != p.end() && !it->is_null()) {
      if (!it->is_string()) return malformed("signal must be a string or null");
      out.signal = it->get<std::string>();
    }
    if (!optional_int(p, "exitCode", out.exit_code) ||
        !optional_int(p, "durationMs", out.duration_ms) ||
        !optional_bool(p, "timedOut", out.timed_out) ||
        !optional_bool(p, "truncated", out.truncated) ||
        !optional_bool(p, "interactive", out.interactive))
      return malformed(
          "exitCode and durationMs must be integers, timedOut, truncated and interactive "
          "booleans");
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, note_added& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    auto it = p.find("text");
    if (it == p.end() || !it->is_string()) return malformed("a note needs a text");
    out.text = it->get<std::string>();
    if (!optional_string(p, "noteId", out.note_id) || !optional_uint(p, "version", out.version))
      return malformed("noteId must be a string, version a non-negative integer");
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, focus_changed& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    if (!optional_bool(p, "focused", out.focused)) return malformed("focused must be a boolean");
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, session_expired& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    if (!optional_string(p, "by", out.by)) return malformed("by must be a string");
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, phase_changed& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    auto it = p.find("phase");
    if (it == p.end() || !it->is_string()) return malformed("no phase");
    out.phase = it->get<std::string>();
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, controls_changed& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    auto locked = p.find("editorLocked");
    auto disabled = p.find("runDisabled");
    if (locked == p.end() || !locked->is_boolean() || disabled == p.end() ||
        !disabled->is_boolean())
      return malformed("editorLocked and runDisabled must be booleans");
    out.editor_locked = locked->get<bool>();
    out.run_disabled = disabled->get<bool>();
    return std::nullopt;
  });
}

/// The shape only (types); the values' rules (rating range, recommendation list, criterion
/// names) are the fold's and the command parser's, through interview.hpp.
std::optional<payload_error> from_json(const json& p, scorecard_saved& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    out = scorecard_saved{};
    auto ratings = p.find("ratings");
    if (ratings != p.end()) {
      if (!ratings->is_object()) return malformed("ratings must be an object");
      for (const auto& [criterion, rating] : ratings->items()) {
        if (!rating.is_number_integer()) return malformed("a rating must be an integer");
        auto v = rating.get<std::int64_t>();
        if (v < -1000 || v > 1000) return malformed("a rating is out of range");
        out.ratings[criterion] = static_cast<int>(v);
      }
    }
    if (!optional_string(p, "recommendation", out.recommendation))
      return malformed("recommendation must be a string");
    auto comments = p.find("comments");
    if (comments != p.end()) {
      if (!comments->is_array()) return malformed("comments must be an array");
      for (const auto& c : *comments) {
        if (!c.is_object() || !c.contains("text") || !c["text"].is_string())
          return malformed("a comment needs a \"text\" string");
        scorecard_comment comment;
        comment.text = c["text"].get<std::string>();
        if (!optional_uint(c, "seq", comment.seq))
          return malformed("a comment's seq must be a non-negative integer");
        out.comments.push_back(std::move(comment));
      }
    }
    if (!p.contains("submitted") || !p["submitted"].is_boolean())
      return malformed("submitted must be a boolean");
    out.submitted = p["submitted"].get<bool>();
    return std::nullopt;
  });
}

std::optional<payload_error> from_json(const json& p, call_state_changed& out) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object()) return malformed("payload is not an object");
    auto audio = p.find("audio");
    auto video = p.find("video");
    if (audio == p.end() || !audio->is_boolean() || video == p.end() || !video->is_boolean())
      return malformed("audio and video must be booleans");
    out.audio = audio->get<bool>();
    out.video = video->get<bool>();
    if (!optional_bool(p, "joined", out.joined)) return malformed("joined must be a boolean");
    if (!out.in_call() && (out.audio || out.video))
      return malformed("audio or video on outside the call");
    return std::nullopt;
  });
}

}  // namespace rooms::domain::events
