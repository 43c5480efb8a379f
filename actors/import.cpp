#include "actors/import.hpp"

#include <algorithm>
#include <optional>
#include <set>

#include "actors/domain/events.hpp"
#include "actors/domain/json_limits.hpp"
#include "actors/domain/room_state.hpp"
#include "actors/domain/summary.hpp"
#include "actors/domain/validate.hpp"
#include "actors/question_view.hpp"
#include "questions/validate.hpp"

namespace rooms::actors {

namespace {

using eventlog::errc;
using eventlog::event_type;
using json = nlohmann::json;

/// An invalid_argument whose message is one printable line: parts of it (an event type) come
/// from the file, and may hold control characters or be huge.
eventlog::status bad(std::string message) {
  if (message.size() > 300) message = message.substr(0, 300) + "...";
  for (auto& c : message)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  return {errc::invalid_argument, std::move(message)};
}

/// Checks an optional string field of `j`: absent passes, anything else must satisfy `ok`.
template <class Ok>
std::optional<std::string> check_string(const json& j, const char* key, Ok ok,
                                        const std::string& what) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (!it->is_string()) return std::string("\"") + key + "\" must be a string";
  if (!ok(it->get_ref<const std::string&>())) return what;
  return std::nullopt;
}

/// An optional decoded field: absent passes, present must satisfy `ok`.
template <class Ok>
std::optional<std::string> check(const std::optional<std::string>& value, Ok ok,
                                 const std::string& what) {
  if (value && !ok(*value)) return what;
  return std::nullopt;
}

const std::string bad_id = "must be 1..64 letters, digits, '_' or '-'";

std::optional<std::string> check_run_id(const std::string& run_id) {
  if (!domain::valid_id(run_id)) return "runId " + bad_id;
  return std::nullopt;
}
const std::string bad_language =
    "the language is not a language name (letters, digits, + # . _ -, up to 32)";

std::string bad_title(const import_limits& limits) {
  return "the title has more than " + std::to_string(limits.max_title_bytes) +
         " bytes or control characters";
}

bool valid_language(const std::string& s) {
  return domain::valid_language_name(s);
}

/// Decodes `e`'s payload as `Payload` (events.hpp, the decoder the fold uses), then checks its
/// values with `check_values`.
template <class Payload, class Check>
std::optional<std::string> decoded(const eventlog::event& e, Check check_values) {
  Payload payload;
  if (auto err = domain::events::from_json(e.payload, payload)) return err->message;
  return check_values(payload);
}

/// question_loaded: the question's own rules (questions::validate: sizes, names, at least one
/// test), its languages named like languages.
std::optional<std::string> check_question_loaded(const eventlog::event& e) {
  auto q = logged_question(e.payload);
  if (!q) {
    domain::events::question_loaded p;
    auto err = domain::events::from_json(e.payload, p);
    return err ? err->message : "question_loaded does not decode";
  }
  std::set<std::string> languages = {"plaintext"};
  for (const auto& [name, entry] : q->languages) {
    if (!valid_language(name)) return bad_language;
    languages.insert(name);
  }
  if (auto language = e.payload.find("language");
      language != e.payload.end() &&
      (!language->is_string() || !valid_language(language->get<std::string>())))
    return bad_language;
  auto errors = questions::validate(*q, languages);
  if (!errors.empty()) return "question_loaded: " + questions::to_string(errors);
  return std::nullopt;
}

/// What a live room would never have logged; nullopt when `e` is fine. The payload's shape is
/// the typed decoder's (the fold's); the values are checked with the domain validators, the
/// same rules the room and REST apply. The fold checks the rest (versions, change sets).
std::optional<std::string> check_event(const eventlog::event& e, const import_limits& limits) {
  namespace ev = domain::events;
  if (!e.participant_id.empty() && !domain::valid_id(e.participant_id))
    return "participantId " + bad_id;
  switch (e.type) {
    case event_type::session_created:
      if (e.seq != 1) return "session_created may only be event 1";
      return decoded<ev::session_created>(
          e, [&](const ev::session_created& p) -> std::optional<std::string> {
            if (auto err = check(p.language, valid_language, bad_language)) return err;
            return check(
                p.title,
                [&](const std::string& t) {
                  return domain::valid_title(t, limits.max_title_bytes);
                },
                bad_title(limits));
          });
    case event_type::participant_joined:
      return decoded<ev::participant_joined>(
          e, [&](const ev::participant_joined& p) -> std::optional<std::string> {
            const auto& who = p.participant;
            if (!domain::valid_id(who.participant_id)) return "participant.participantId " + bad_id;
            if (!who.name) return "participant.name must be a string";
            if (!domain::valid_name(*who.name, limits.max_name_chars))
              return "a participant name has 1 to " + std::to_string(limits.max_name_chars) +
                     " characters and no control characters";
            if (auto err = check(who.role, domain::valid_role,
                                 "participant.role must be candidate or interviewer"))
              return err;
            if (auto err =
                    check(who.color, domain::valid_color, "participant.color must be #rrggbb"))
              return err;
            return check(p.resume_hash, domain::valid_sha256_hex_or_empty,
                         "resumeHash must be a SHA-256 in hex");
          });
    case event_type::participant_left:
      return decoded<ev::participant_left>(e, [](const ev::participant_left& p) {
        return check(p.reason, domain::valid_reason, "reason is too long");
      });
    case event_type::code_changed:
      return decoded<ev::code_changed>(
          e, [](const ev::code_changed& p) -> std::optional<std::string> {
            if (!p.client_id || !domain::valid_client_id(*p.client_id))
              return "clientID must be a string of at most " +
                     std::to_string(domain::max_client_id_bytes) + " bytes";
            return std::nullopt;
          });
    case event_type::cursor_moved:
    case event_type::focus_changed:
    case event_type::call_state_changed:
      return std::nullopt;  // the fold decodes them; they carry no free text
    case event_type::language_changed:
      return decoded<ev::language_changed>(
          e, [](const ev::language_changed& p) -> std::optional<std::string> {
            if (!valid_language(p.language)) return bad_language;
            return std::nullopt;
          });
    case event_type::run_started:
      return decoded<ev::run_started>(
          e, [](const ev::run_started& p) -> std::optional<std::string> {
            if (auto err = check(p.run_id, domain::valid_id, "runId " + bad_id)) return err;
            return check(p.language, valid_language, bad_language);
          });
    case event_type::run_finished:
      return decoded<ev::run_finished>(
          e, [&](const ev::run_finished& p) -> std::optional<std::string> {
            if (auto err = check(p.run_id, domain::valid_id, "runId " + bad_id)) return err;
            auto fits = [&](const std::string& s) { return s.size() <= limits.max_output_bytes; };
            const std::string too_long =
                " is longer than " + std::to_string(limits.max_output_bytes) + " bytes";
            if (auto err = check(p.stdout_text, fits, "stdout" + too_long)) return err;
            if (auto err = check(p.stderr_text, fits, "stderr" + too_long)) return err;
            if (auto err = check(p.compile_output, fits, "compileOutput" + too_long)) return err;
            return check(p.error, fits, "error" + too_long);
          });
    case event_type::note_added:
      return decoded<ev::note_added>(e, [&](const ev::note_added& p) -> std::optional<std::string> {
        if (!domain::valid_note(p.text, limits.max_note_bytes))
          return "a note has 1 to " + std::to_string(limits.max_note_bytes) + " bytes";
        return check(p.note_id, domain::valid_id, "noteId " + bad_id);
      });
    case event_type::session_expired:
      return "session_expired is never logged (an expired session is deleted whole)";
    case event_type::phase_changed:
    case event_type::controls_changed:
      return std::nullopt;  // the fold checks the phase steps; they carry no free text
    case event_type::scorecard_saved:
      return decoded<ev::scorecard_saved>(
          e, [&](const ev::scorecard_saved& p) -> std::optional<std::string> {
            for (const auto& c : p.comments)
              if (!domain::valid_note(c.text, limits.max_note_bytes))
                return "a scorecard comment has 1 to " + std::to_string(limits.max_note_bytes) +
                       " bytes";
            return std::nullopt;
          });
    case event_type::terminal_output:
      return decoded<ev::terminal_output>(e, [](const auto& p) { return check_run_id(p.run_id); });
    case event_type::terminal_input:
      return decoded<ev::terminal_input>(e, [](const auto& p) { return check_run_id(p.run_id); });
    case event_type::terminal_resized:
      return decoded<ev::terminal_resized>(e, [](const auto& p) { return check_run_id(p.run_id); });
    case event_type::question_loaded:
      return check_question_loaded(e);
    case event_type::tests_started:
      return decoded<ev::tests_started>(
          e, [](const ev::tests_started& p) -> std::optional<std::string> {
            if (auto err = check(p.run_id, domain::valid_id, "runId " + bad_id)) return err;
            return check(p.language, valid_language, bad_language);
          });
    case event_type::tests_finished:
      return decoded<ev::tests_finished>(
          e, [&](const ev::tests_finished& p) -> std::optional<std::string> {
            if (auto err = check(p.run_id, domain::valid_id, "runId " + bad_id)) return err;
            const questions::limits q;
            if (p.results.size() > q.max_tests || p.total != p.results.size())
              return "tests_finished has more than " + std::to_string(q.max_tests) +
                     " results, or a total that is not their number";
            auto fits = [&](const std::string& s) { return s.size() <= limits.max_output_bytes; };
            for (const auto& r : p.results) {
              if (r.name.empty() || r.name.size() > q.max_test_name_chars * 4)
                return std::string("a test result's name is empty or too long");
              for (const auto* text : {&r.stdout_text, &r.stderr_text, &r.expected, &r.error})
                if (auto err = check(*text, fits, "a test result's output is too long")) return err;
            }
            return std::nullopt;
          });
  }
  return "unknown event type";
}

}  // namespace

json export_header(const std::string& session_id, std::int64_t created_at,
                   const std::string& language, const std::string& title,
                   const std::string& key_hash) {
  return {{"type", "session"},       {"format", export_format_version},
          {"sessionId", session_id}, {"createdAt", created_at},
          {"language", language},    {"title", title},
          {"keyHash", key_hash}};
}

eventlog::result<session_import> parse_import(std::string_view text, const import_limits& limits) {
  session_import out;
  bool have_header = false;
  std::size_t line_no = 0;
  domain::room_state state;
  auto at_line = [&](const std::string& why) {
    return bad("line " + std::to_string(line_no) + ": " + why);
  };
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.size() > limits.max_line_bytes)
      return at_line("longer than " + std::to_string(limits.max_line_bytes) + " bytes");
    // Nesting is bounded before parsing (a deep line would recurse in the parser).
    if (domain::json_too_deep(line, 64)) return at_line("JSON nested more than 64 levels");
    auto j = json::parse(line, nullptr, false);
    if (j.is_discarded()) return at_line("not JSON");
    if (!j.is_object()) return at_line("not a JSON object");
    if (!have_header) {
      if (j.value("type", json()) != "session")
        return at_line("the first line must be the \"session\" header");
      if (j.contains("format") && j["format"] != export_format_version)
        return at_line("export format " + j["format"].dump() + " is not one this roomd reads (" +
                       std::to_string(export_format_version) + ")");
      auto id = j.contains("sessionId") && j["sessionId"].is_string()
                    ? eventlog::session_id::parse(j["sessionId"].get<std::string>())
                    : std::nullopt;
      if (!id) return at_line("bad sessionId (a UUID)");
      if (!j.contains("createdAt") || !j["createdAt"].is_number_integer())
        return at_line("createdAt must be unix milliseconds");
      if (auto err = check_string(j, "language", valid_language, bad_language))
        return at_line(*err);
      if (auto err = check_string(
              j, "title",
              [&](const std::string& t) { return domain::valid_title(t, limits.max_title_bytes); },
              bad_title(limits)))
        return at_line(*err);
      if (auto err = check_string(j, "keyHash", domain::valid_sha256_hex_or_empty,
                                  "keyHash must be a SHA-256 in hex"))
        return at_line(*err);
      out.meta.id = *id;
      out.meta.created_at = j["createdAt"].get<std::int64_t>();
      out.meta.language = j.value("language", "plaintext");
      out.meta.title = j.value("title", "");
      out.meta.key_hash = j.value("keyHash", "");
      have_header = true;
      continue;
    }
    auto e = eventlog::event_from_json(j);
    if (!e.ok()) return at_line(e.error().message());
    const std::uint64_t due = out.events.size() + 1;
    if (e->seq != due)
      return at_line("seq " + std::to_string(e->seq) + " where " + std::to_string(due) +
                     " was due: events must run from 1 without gaps or duplicates");
    if (due == 1 && e->type != event_type::session_created)
      return at_line("event 1 must be session_created");
    if (e->ts < 0 || (!out.events.empty() && e->ts < out.events.back().ts))
      return at_line("event " + std::to_string(e->seq) + ": ts goes backwards");
    if (auto err = check_event(*e, limits))
      return at_line("event " + std::to_string(e->seq) + ": " + *err);
    // The whole log must fold before anything is written (all or nothing).
    if (auto err = apply(state, *e))
      return at_line("event " + std::to_string(e->seq) + " does not apply: " + err->message);
    // Per event, as the room does per batch: names and phase times are seen when they happen.
    out.meta.summary = domain::summarize(out.meta.summary, state);
    if (state.doc.size() > limits.max_doc_units)
      return at_line("event " + std::to_string(e->seq) + ": the document exceeds " +
                     std::to_string(limits.max_doc_units) + " characters");
    out.events.push_back(std::move(*e));
  }
  if (!have_header) return bad("no \"session\" header line");
  if (out.events.empty()) return bad("the session has no events");
  out.meta.last_activity_at = out.events.back().ts;
  return out;
}

eventlog::result<session_import> import_session(eventlog::store& store, eventlog::replica& log,
                                                std::string_view text,
                                                const import_limits& limits) {
  auto parsed = parse_import(text, limits);
  if (!parsed.ok()) return parsed;
  auto& [meta, events] = *parsed;
  // An import lives a full retention period from now, however old its events are (an old
  // export would otherwise be expired on arrival); its last activity stays its last event's.
  const auto& clock = store.options().clock;
  meta.expires_at = (clock ? clock() : eventlog::now_ms()) + store.options().retention.count();
  // The summary of the whole log goes in with the first event: an import is all or nothing
  // (a failed chunk expires the session), so no reader keeps a row ahead of the log.
  auto created = log.create_session(meta, events.front());
  if (created.code() == errc::already_exists)
    return eventlog::status{
        errc::already_exists,
        "session " + meta.id.str() + " already exists (an import never overwrites)"};
  if (!created.ok()) return created;
  constexpr std::size_t chunk = 1000;
  for (std::size_t i = 1; i < events.size(); i += chunk) {
    std::vector<eventlog::event> part(
        events.begin() + static_cast<std::ptrdiff_t>(i),
        events.begin() + static_cast<std::ptrdiff_t>(std::min(events.size(), i + chunk)));
    auto s = log.append(meta.id, std::move(part), std::nullopt);
    if (!s.ok()) {
      (void)store.expire(meta.id);  // all or nothing; the append's error is the one to report
      return s;
    }
  }
  return parsed;
}

}  // namespace rooms::actors
