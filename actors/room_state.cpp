#include "actors/room_state.hpp"

#include <array>
#include <cstring>

#include "actors/changeset.hpp"

namespace rooms::actors {

namespace {

using eventlog::event_type;
using json = nlohmann::json;

constexpr std::uint8_t snapshot_format_version = 1;

apply_error malformed(const eventlog::event& e, std::string_view what) {
  return {"malformed", std::string(eventlog::to_string(e.type)) + " event " +
                           std::to_string(e.seq) + ": " + std::string(what)};
}

/// A string field: `fallback` when absent, nullopt when present but not a string.
std::optional<std::string> string_field(const json& j, const char* key, std::string fallback) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (!it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

bool is_uint(const json& j) { return j.is_number_unsigned() || (j.is_number_integer() && j.get<std::int64_t>() >= 0); }

}  // namespace

std::string color_for(std::uint64_t join_index) {
  // Hues spread around the wheel, readable on a dark editor and as avatar backgrounds.
  static constexpr std::array<const char*, 12> palette = {
      "#e5484d", "#3e63dd", "#30a46c", "#f76b15", "#8e4ec6", "#12a594",
      "#d6409f", "#ffc53d", "#0090ff", "#a18072", "#46a758", "#e93d82"};
  return palette[join_index % palette.size()];
}

std::optional<apply_error> apply(room_state& state, const eventlog::event& e) {
  if (e.seq != state.seq + 1) {
    return apply_error{"wrong_seq", "expected seq " + std::to_string(state.seq + 1) + ", got " +
                                        std::to_string(e.seq)};
  }
  const json& p = e.payload;
  if (!p.is_object()) return malformed(e, "payload is not an object");
  switch (e.type) {
    case event_type::session_created: {
      if (p.contains("language") && p["language"].is_string()) state.language = p["language"];
      if (p.contains("title") && p["title"].is_string()) state.title = p["title"];
      state.created_at = e.ts;
      break;
    }
    case event_type::participant_joined: {
      auto it = p.find("participant");
      if (it == p.end() || !it->is_object()) return malformed(e, "no participant");
      const json& j = *it;
      participant who;
      if (!j.contains("participantId") || !j["participantId"].is_string())
        return malformed(e, "no participantId");
      who.id = j["participantId"];
      auto name = string_field(j, "name", "");
      auto role = string_field(j, "role", "candidate");
      auto color = string_field(j, "color", color_for(state.joins));
      auto resume_hash = string_field(p, "resumeHash", "");
      if (!name || !role || !color || !resume_hash) return malformed(e, "participant fields must be strings");
      who.name = std::move(*name);
      who.role = std::move(*role);
      who.color = std::move(*color);
      who.resume_hash = std::move(*resume_hash);
      state.participants[who.id] = who;
      ++state.joins;
      break;
    }
    case event_type::participant_left: {
      state.participants.erase(e.participant_id);
      state.cursors.erase(e.participant_id);
      break;
    }
    case event_type::code_changed: {
      if (!p.contains("version") || !is_uint(p["version"])) return malformed(e, "no version");
      auto version = p["version"].get<std::uint64_t>();
      if (version != state.version + 1) {
        return apply_error{"invalid_changes", "code_changed produces version " +
                                                  std::to_string(version) + " but the document is at " +
                                                  std::to_string(state.version)};
      }
      auto changes = changeset::from_json(p.value("changes", json()));
      if (!changes) return apply_error{"invalid_changes", "changes are not a ChangeSet"};
      if (!changes->apply(state.doc)) {
        return apply_error{"invalid_changes", "change set of length " + std::to_string(changes->length()) +
                                                  " does not fit a document of length " +
                                                  std::to_string(state.doc.size())};
      }
      state.version = version;
      break;
    }
    case event_type::cursor_moved: {
      if (!is_uint(p.value("version", json())) || !is_uint(p.value("anchor", json())) ||
          !is_uint(p.value("head", json())))
        return malformed(e, "cursor needs version, anchor, head");
      state.cursors[e.participant_id] = cursor{p["version"].get<std::uint64_t>(),
                                               p["anchor"].get<std::size_t>(),
                                               p["head"].get<std::size_t>()};
      break;
    }
    case event_type::language_changed: {
      if (!p.contains("language") || !p["language"].is_string()) return malformed(e, "no language");
      state.language = p["language"];
      break;
    }
    case event_type::run_started: {
      state.running = p;
      if (!e.participant_id.empty()) state.running["participantId"] = e.participant_id;
      break;
    }
    case event_type::run_finished: {
      json run = p;
      if (state.running.is_object()) {
        // The result alone does not say who ran what: keep the start's fields beside it.
        for (const char* key : {"participantId", "language", "version"})
          if (state.running.contains(key) && !run.contains(key)) run[key] = state.running[key];
      }
      if (!run.contains("participantId") && !e.participant_id.empty())
        run["participantId"] = e.participant_id;
      state.last_run = std::move(run);
      state.running = nullptr;
      break;
    }
    case event_type::focus_changed: {
      auto it = state.participants.find(e.participant_id);
      if (p.contains("focused") && !p["focused"].is_boolean()) return malformed(e, "focused must be a boolean");
      if (it != state.participants.end()) it->second.focused = p.value("focused", true);
      break;
    }
    case event_type::note_added:
    case event_type::session_expired:
      break;
  }
  state.seq = e.seq;
  state.last_ts = e.ts;
  return std::nullopt;
}

json to_json(const participant& p) {
  return {{"participantId", p.id}, {"name", p.name}, {"role", p.role}, {"color", p.color}};
}

json to_json(const room_state& state) {
  json participants = json::array();
  for (const auto& [id, p] : state.participants) participants.push_back(to_json(p));
  json cursors = json::object();
  for (const auto& [id, c] : state.cursors)
    cursors[id] = {{"version", c.version}, {"anchor", c.anchor}, {"head", c.head}};
  return {{"seq", state.seq},
          {"version", state.version},
          {"doc", utf16_to_utf8(state.doc)},
          {"language", state.language},
          {"participants", std::move(participants)},
          {"cursors", std::move(cursors)},
          {"lastRun", state.last_run}};
}

std::string encode_snapshot(const room_state& state) {
  // The doc is stored as raw UTF-16 bytes: a lone surrogate (legal in CodeMirror) survives.
  std::vector<std::uint8_t> doc_bytes(state.doc.size() * 2);
  if (!doc_bytes.empty()) std::memcpy(doc_bytes.data(), state.doc.data(), doc_bytes.size());
  json participants = json::array();
  for (const auto& [id, p] : state.participants) {
    json j = to_json(p);
    j["focused"] = p.focused;
    j["resumeHash"] = p.resume_hash;
    participants.push_back(std::move(j));
  }
  json cursors = json::object();
  for (const auto& [id, c] : state.cursors) cursors[id] = json::array({c.version, c.anchor, c.head});
  json body = {{"seq", state.seq},          {"version", state.version},
               {"doc", json::binary(std::move(doc_bytes))},
               {"language", state.language}, {"title", state.title},
               {"createdAt", state.created_at}, {"lastTs", state.last_ts},
               {"joins", state.joins},       {"participants", std::move(participants)},
               {"cursors", std::move(cursors)}, {"lastRun", state.last_run},
               {"running", state.running}};
  auto bytes = json::to_msgpack(body);
  std::string out;
  out.reserve(bytes.size() + 1);
  out.push_back(static_cast<char>(snapshot_format_version));
  out.append(bytes.begin(), bytes.end());
  return out;
}

std::optional<room_state> decode_snapshot(std::string_view bytes) {
  if (bytes.empty() || static_cast<std::uint8_t>(bytes[0]) != snapshot_format_version) return std::nullopt;
  try {
    json body = json::from_msgpack(bytes.substr(1), true, true);
    room_state s;
    s.seq = body.at("seq").get<std::uint64_t>();
    s.version = body.at("version").get<std::uint64_t>();
    const auto& doc = body.at("doc").get_binary();
    if (doc.size() % 2 != 0) return std::nullopt;
    s.doc.resize(doc.size() / 2);
    if (!doc.empty()) std::memcpy(s.doc.data(), doc.data(), doc.size());
    s.language = body.at("language").get<std::string>();
    s.title = body.at("title").get<std::string>();
    s.created_at = body.at("createdAt").get<std::int64_t>();
    s.last_ts = body.at("lastTs").get<std::int64_t>();
    s.joins = body.at("joins").get<std::uint64_t>();
    for (const auto& j : body.at("participants")) {
      participant p{j.at("participantId"), j.at("name"), j.at("role"), j.at("color"),
                    j.at("focused").get<bool>(), j.value("resumeHash", "")};
      s.participants[p.id] = p;
    }
    for (const auto& [id, c] : body.at("cursors").items())
      s.cursors[id] = cursor{c.at(0).get<std::uint64_t>(), c.at(1).get<std::size_t>(),
                             c.at(2).get<std::size_t>()};
    s.last_run = body.at("lastRun");
    s.running = body.at("running");
    return s;
  } catch (const json::exception&) {
    return std::nullopt;  // garbage is reported as "no snapshot"; the caller folds from seq 1
  }
}

}  // namespace rooms::actors
