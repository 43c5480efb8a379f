#include "actors/import.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "actors/room_state.hpp"

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

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool has_control_chars(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7F) return true;
  return false;
}

bool all_of(std::string_view s, int (*pred)(int), std::string_view extra = {}) {
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return pred(static_cast<unsigned char>(c)) || extra.find(c) != std::string_view::npos;
  });
}

/// Language names: runtime names and plaintext ("python", "cpp", "c#", "objective-c", ...).
bool valid_language(std::string_view s) { return !s.empty() && s.size() <= 32 && all_of(s, [](int c) { return std::isalnum(c); }, "+#._-"); }
/// Server ids (participantId, runId, noteId, clientID-free): short, no markup, no spaces.
bool valid_id(std::string_view s) { return !s.empty() && s.size() <= 64 && all_of(s, [](int c) { return std::isalnum(c); }, "_-"); }
bool is_hex(std::string_view s) { return all_of(s, [](int c) { return std::isxdigit(c); }); }

/// Checks an optional string field of `j`: absent passes, anything else must satisfy `ok`.
template <class Ok>
std::optional<std::string> check_string(const json& j, const char* key, Ok ok, const std::string& what) {
  auto it = j.find(key);
  if (it == j.end()) return std::nullopt;
  if (!it->is_string()) return std::string("\"") + key + "\" must be a string";
  if (!ok(it->get_ref<const std::string&>())) return what;
  return std::nullopt;
}

std::optional<std::string> check_title(const json& j, const import_limits& limits) {
  return check_string(
      j, "title", [&](const std::string& t) { return t.size() <= limits.max_title_bytes && !has_control_chars(t); },
      "the title has more than " + std::to_string(limits.max_title_bytes) + " bytes or control characters");
}

std::optional<std::string> check_language(const json& j) {
  return check_string(j, "language", valid_language, "the language is not a language name (letters, digits, + # . _ -, up to 32)");
}

/// What a live room would never have logged; nullopt when `e` is fine. The fold checks the rest
/// (versions, change sets, cursor fields, types of the fields it reads).
std::optional<std::string> check_event(const eventlog::event& e, const import_limits& limits) {
  const json& p = e.payload;
  if (!e.participant_id.empty() && !valid_id(e.participant_id))
    return "participantId must be 1..64 letters, digits, '_' or '-'";
  switch (e.type) {
    case event_type::session_created:
      if (e.seq != 1) return "session_created may only be event 1";
      if (auto err = check_language(p)) return err;
      return check_title(p, limits);
    case event_type::participant_joined: {
      auto it = p.find("participant");
      if (it == p.end() || !it->is_object()) return "no participant";
      const json& who = *it;
      if (!who.contains("participantId") || !who["participantId"].is_string() || !valid_id(who["participantId"].get<std::string>()))
        return "participant.participantId must be 1..64 letters, digits, '_' or '-'";
      if (!who.contains("name") || !who["name"].is_string()) return "participant.name must be a string";
      const auto& name = who["name"].get_ref<const std::string&>();
      if (name.empty() || code_points(name) > limits.max_name_chars || has_control_chars(name))
        return "a participant name has 1 to " + std::to_string(limits.max_name_chars) + " characters and no control characters";
      if (auto err = check_string(who, "role", [](const std::string& r) { return r == "candidate" || r == "interviewer"; },
                                  "participant.role must be candidate or interviewer"))
        return err;
      if (auto err = check_string(who, "color", [](const std::string& c) { return c.size() == 7 && c[0] == '#' && is_hex(c.substr(1)); },
                                  "participant.color must be #rrggbb"))
        return err;
      return check_string(p, "resumeHash", [](const std::string& h) { return h.empty() || (h.size() == 64 && is_hex(h)); },
                          "resumeHash must be a SHA-256 in hex");
    }
    case event_type::participant_left:
      return check_string(p, "reason", [](const std::string& r) { return r.size() <= 32 && !has_control_chars(r); },
                          "reason is too long");
    case event_type::code_changed:
      if (!p.contains("clientID") || !p["clientID"].is_string() || p["clientID"].get_ref<const std::string&>().size() > 128)
        return "clientID must be a string of at most 128 bytes";
      return std::nullopt;
    case event_type::cursor_moved:
    case event_type::focus_changed:
      return std::nullopt;
    case event_type::language_changed:
      return check_language(p);
    case event_type::run_started:
      if (auto err = check_string(p, "runId", valid_id, "runId must be 1..64 letters, digits, '_' or '-'")) return err;
      return check_language(p);
    case event_type::run_finished:
      if (auto err = check_string(p, "runId", valid_id, "runId must be 1..64 letters, digits, '_' or '-'")) return err;
      for (const char* key : {"stdout", "stderr", "compileOutput", "error"})
        if (auto err = check_string(p, key, [&](const std::string& s) { return s.size() <= limits.max_output_bytes; },
                                    std::string(key) + " is longer than " + std::to_string(limits.max_output_bytes) + " bytes"))
          return err;
      return std::nullopt;
    case event_type::note_added:
      if (!p.contains("text") || !p["text"].is_string()) return "a note needs a text";
      if (p["text"].get_ref<const std::string&>().empty() || p["text"].get_ref<const std::string&>().size() > limits.max_note_bytes)
        return "a note has 1 to " + std::to_string(limits.max_note_bytes) + " bytes";
      return check_string(p, "noteId", valid_id, "noteId must be 1..64 letters, digits, '_' or '-'");
    case event_type::session_expired:
      return "session_expired is never logged (an expired session is deleted whole)";
  }
  return "unknown event type";
}

}  // namespace

json export_header(const std::string& session_id, std::int64_t created_at, const std::string& language,
                   const std::string& title, const std::string& key_hash) {
  return {{"type", "session"}, {"format", export_format_version}, {"sessionId", session_id}, {"createdAt", created_at},
          {"language", language}, {"title", title}, {"keyHash", key_hash}};
}

eventlog::result<session_import> parse_import(std::string_view text, const import_limits& limits) {
  session_import out;
  bool have_header = false;
  std::size_t line_no = 0;
  room_state state;
  auto at_line = [&](const std::string& why) { return bad("line " + std::to_string(line_no) + ": " + why); };
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.size() > limits.max_line_bytes) return at_line("longer than " + std::to_string(limits.max_line_bytes) + " bytes");
    // Nesting is bounded before parsing (a deep line would recurse in the parser).
    std::size_t depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : line) {
      if (in_string) {
        if (escaped) escaped = false;
        else if (c == '\\') escaped = true;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '[' || c == '{') {
        deepest = std::max(deepest, ++depth);
      } else if ((c == ']' || c == '}') && depth > 0) {
        --depth;
      }
    }
    if (deepest > 64) return at_line("JSON nested more than 64 levels");
    auto j = json::parse(line, nullptr, false);
    if (j.is_discarded()) return at_line("not JSON");
    if (!j.is_object()) return at_line("not a JSON object");
    if (!have_header) {
      if (j.value("type", json()) != "session") return at_line("the first line must be the \"session\" header");
      if (j.contains("format") && j["format"] != export_format_version)
        return at_line("export format " + j["format"].dump() + " is not one this roomd reads (" + std::to_string(export_format_version) + ")");
      auto id = j.contains("sessionId") && j["sessionId"].is_string() ? eventlog::session_id::parse(j["sessionId"].get<std::string>())
                                                                       : std::nullopt;
      if (!id) return at_line("bad sessionId (a UUID)");
      if (!j.contains("createdAt") || !j["createdAt"].is_number_integer()) return at_line("createdAt must be unix milliseconds");
      if (auto err = check_language(j)) return at_line(*err);
      if (auto err = check_title(j, limits)) return at_line(*err);
      if (auto err = check_string(j, "keyHash", [](const std::string& h) { return h.empty() || (h.size() == 64 && is_hex(h)); },
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
    if (due == 1 && e->type != event_type::session_created) return at_line("event 1 must be session_created");
    if (e->ts < 0 || (!out.events.empty() && e->ts < out.events.back().ts))
      return at_line("event " + std::to_string(e->seq) + ": ts goes backwards");
    if (auto err = check_event(*e, limits)) return at_line("event " + std::to_string(e->seq) + ": " + *err);
    // The whole log must fold before anything is written (all or nothing).
    if (auto err = apply(state, *e)) return at_line("event " + std::to_string(e->seq) + " does not apply: " + err->message);
    if (state.doc.size() > limits.max_doc_units)
      return at_line("event " + std::to_string(e->seq) + ": the document exceeds " + std::to_string(limits.max_doc_units) + " characters");
    out.events.push_back(std::move(*e));
  }
  if (!have_header) return bad("no \"session\" header line");
  if (out.events.empty()) return bad("the session has no events");
  out.meta.last_activity_at = out.events.back().ts;
  return out;
}

eventlog::result<session_import> import_session(eventlog::store& store, std::string_view text, const import_limits& limits) {
  auto parsed = parse_import(text, limits);
  if (!parsed.ok()) return parsed;
  auto& [meta, events] = *parsed;
  // An import lives a full retention period from now, however old its events are (an old
  // export would otherwise be expired on arrival); its last activity stays its last event's.
  const auto& clock = store.options().clock;
  meta.expires_at = (clock ? clock() : eventlog::now_ms()) + store.options().retention.count();
  auto created = store.create_session(meta, events.front());
  if (created.code() == errc::already_exists)
    return eventlog::status{errc::already_exists, "session " + meta.id.str() + " already exists (an import never overwrites)"};
  if (!created.ok()) return created;
  constexpr std::size_t chunk = 1000;
  for (std::size_t i = 1; i < events.size(); i += chunk) {
    std::vector<eventlog::event> part(events.begin() + static_cast<std::ptrdiff_t>(i),
                                      events.begin() + static_cast<std::ptrdiff_t>(std::min(events.size(), i + chunk)));
    auto s = store.append(meta.id, std::move(part));
    if (!s.ok()) {
      (void)store.expire(meta.id);  // all or nothing; the append's error is the one to report
      return s;
    }
  }
  return parsed;
}

}  // namespace rooms::actors
