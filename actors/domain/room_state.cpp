#include "actors/domain/room_state.hpp"

#include <array>
#include <cstring>

#include "actors/domain/changeset.hpp"
#include "actors/domain/events.hpp"

namespace rooms::domain {

namespace {

using eventlog::event_type;
using json = nlohmann::json;

constexpr std::uint8_t snapshot_format_version = 1;

apply_error malformed(const eventlog::event& e, std::string_view what) {
  return {"malformed", std::string(eventlog::to_string(e.type)) + " event " +
                           std::to_string(e.seq) + ": " + std::string(what)};
}

/// Why a phase_changed to `to` cannot follow `from`: lobby -> live -> ended -> live.
std::optional<std::string> check_phase_step(phase from, const std::string& to) {
  auto next = phase_from_string(to);
  if (!next || *next == phase::lobby) return "phase must be \"live\" or \"ended\"";
  if (*next == from) return "the room is already " + to;
  return std::nullopt;
}

/// The values of a scorecard: ratings in range, a known recommendation, comments that are
/// pinned before the save itself (`seq`, the save's own seq).
std::optional<std::string> check_scorecard(const events::scorecard_saved& s, std::uint64_t seq) {
  if (s.ratings.size() > max_criteria) return "too many ratings";
  for (const auto& [criterion, rating] : s.ratings) {
    if (!valid_criterion(criterion)) return "a criterion has 1 to 64 bytes";
    if (rating < min_rating || rating > max_rating) return "a rating is 1 to 4";
  }
  if (s.recommendation && !valid_recommendation(*s.recommendation))
    return "recommendation is one of strong_no, no, yes, strong_yes";
  if (s.comments.size() > max_scorecard_comments) return "too many comments";
  for (const auto& c : s.comments) {
    if (c.text.empty()) return "a comment needs a text";
    if (c.seq && *c.seq >= seq) return "a comment is pinned to a seq beyond the log";
  }
  return std::nullopt;
}

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
  // Every payload is decoded through its typed struct (events.hpp) before anything changes.
  auto refused = [&](const events::payload_error& err) {
    return err.code == "malformed" ? malformed(e, err.message) : apply_error{err.code, err.message};
  };
  switch (e.type) {
    case event_type::session_created: {
      events::session_created created;
      if (auto err = events::from_json(p, created)) return refused(*err);
      if (created.language) state.language = *created.language;
      if (created.title) state.title = *created.title;
      if (created.phase) state.phase = phase_from_string(*created.phase).value_or(phase::live);
      state.created_at = e.ts;
      break;
    }
    case event_type::participant_joined: {
      events::participant_joined joined;
      if (auto err = events::from_json(p, joined)) return refused(*err);
      participant who;
      who.id = std::move(joined.participant.participant_id);
      who.name = joined.participant.name.value_or("");
      who.role = joined.participant.role.value_or("candidate");
      who.color =
          joined.participant.color ? std::move(*joined.participant.color) : color_for(state.joins);
      who.resume_hash = joined.resume_hash.value_or("");
      who.account_id = joined.account_id.value_or("");
      state.participants[who.id] = who;
      ++state.joins;
      break;
    }
    case event_type::participant_left: {
      events::participant_left left;
      if (auto err = events::from_json(p, left)) return refused(*err);
      state.participants.erase(e.participant_id);
      state.cursors.erase(e.participant_id);
      state.calls.erase(e.participant_id);  // leaving the room ends the call (rooms log it too)
      break;
    }
    case event_type::code_changed: {
      events::code_changed changed;
      if (auto err = events::from_json(p, changed)) return refused(*err);
      if (changed.version != state.version + 1) {
        return apply_error{"invalid_changes",
                           "code_changed produces version " + std::to_string(changed.version) +
                               " but the document is at " + std::to_string(state.version)};
      }
      if (!changed.parsed.apply(state.doc)) {
        return apply_error{"invalid_changes", "change set of length " +
                                                  std::to_string(changed.parsed.length()) +
                                                  " does not fit a document of length " +
                                                  std::to_string(state.doc.size())};
      }
      state.version = changed.version;
      break;
    }
    case event_type::cursor_moved: {
      events::cursor_moved moved;
      if (auto err = events::from_json(p, moved)) return refused(*err);
      state.cursors[e.participant_id] =
          cursor{moved.version, static_cast<std::size_t>(moved.anchor),
                 static_cast<std::size_t>(moved.head)};
      break;
    }
    case event_type::language_changed: {
      events::language_changed changed;
      if (auto err = events::from_json(p, changed)) return refused(*err);
      state.language = std::move(changed.language);
      break;
    }
    case event_type::run_started: {
      events::run_started started;
      if (auto err = events::from_json(p, started)) return refused(*err);
      if (auto err = fold_terminal(state.terminal, e)) return malformed(e, *err);
      state.running = p;  // as logged: the views show it whole
      if (!e.participant_id.empty()) state.running["participantId"] = e.participant_id;
      break;
    }
    case event_type::run_finished: {
      events::run_finished finished;
      if (auto err = events::from_json(p, finished)) return refused(*err);
      json run = p;
      if (state.running.is_object()) {
        // The result alone does not say who ran what: keep the start's fields beside it.
        for (const char* key : {"participantId", "language", "version"})
          if (state.running.contains(key) && !run.contains(key)) run[key] = state.running[key];
      }
      if (!run.contains("participantId") && !e.participant_id.empty())
        run["participantId"] = e.participant_id;
      fold_terminal(state.terminal, e);  // never refuses a run_finished
      state.last_run = std::move(run);
      state.running = nullptr;
      break;
    }
    case event_type::terminal_output:
    case event_type::terminal_input:
    case event_type::terminal_resized:
      if (auto err = fold_terminal(state.terminal, e)) return malformed(e, *err);
      break;
    case event_type::focus_changed: {
      events::focus_changed changed;
      if (auto err = events::from_json(p, changed)) return refused(*err);
      auto it = state.participants.find(e.participant_id);
      if (it != state.participants.end()) it->second.focused = changed.focused.value_or(true);
      break;
    }
    case event_type::note_added: {
      events::note_added note;
      if (auto err = events::from_json(p, note)) return refused(*err);
      break;
    }
    case event_type::session_expired: {
      events::session_expired expired;
      if (auto err = events::from_json(p, expired)) return refused(*err);
      break;
    }
    case event_type::phase_changed: {
      events::phase_changed changed;
      if (auto err = events::from_json(p, changed)) return refused(*err);
      if (auto err = check_phase_step(state.phase, changed.phase)) return malformed(e, *err);
      state.phase = *phase_from_string(changed.phase);
      break;
    }
    case event_type::controls_changed: {
      events::controls_changed changed;
      if (auto err = events::from_json(p, changed)) return refused(*err);
      state.controls = {changed.editor_locked, changed.run_disabled};
      break;
    }
    case event_type::scorecard_saved: {
      events::scorecard_saved saved;
      if (auto err = events::from_json(p, saved)) return refused(*err);
      auto who = state.participants.find(e.participant_id);
      if (who == state.participants.end() || who->second.role != "interviewer")
        return malformed(e, "a scorecard is an interviewer's");
      if (auto err = check_scorecard(saved, e.seq)) return malformed(e, *err);
      auto& card = state.scorecards[e.participant_id];
      // Submitted stays submitted: the others' scorecards it revealed cannot be hidden again.
      saved.submitted = saved.submitted || card.card.submitted;
      card = scorecard{std::move(saved), who->second.name, e.ts, e.seq};
      break;
    }
    case event_type::call_state_changed: {
      events::call_state_changed changed;
      if (auto err = events::from_json(p, changed)) return refused(*err);
      if (changed.in_call())
        state.calls[e.participant_id] = call_media{changed.audio, changed.video};
      else
        state.calls.erase(e.participant_id);
      break;
    }
    case event_type::question_loaded: {
      events::question_loaded loaded;
      if (auto err = events::from_json(p, loaded)) return refused(*err);
      state.question = p;  // as logged: the views filter it per role
      break;
    }
    case event_type::tests_started: {
      events::tests_started started;
      if (auto err = events::from_json(p, started)) return refused(*err);
      state.tests_running = p;
      if (!e.participant_id.empty()) state.tests_running["participantId"] = e.participant_id;
      break;
    }
    case event_type::tests_finished: {
      events::tests_finished finished;
      if (auto err = events::from_json(p, finished)) return refused(*err);
      json run = p;
      if (state.tests_running.is_object())
        for (const char* key : {"participantId", "language", "version"})
          if (state.tests_running.contains(key) && !run.contains(key))
            run[key] = state.tests_running[key];
      if (!run.contains("participantId") && !e.participant_id.empty())
        run["participantId"] = e.participant_id;
      state.last_test_run = std::move(run);
      state.tests_running = nullptr;
      break;
    }
  }
  state.seq = e.seq;
  state.last_ts = e.ts;
  return std::nullopt;
}

json calls_json(const room_state& state) {
  json calls = json::object();
  for (const auto& [id, c] : state.calls) calls[id] = {{"audio", c.audio}, {"video", c.video}};
  return calls;
}

json to_json(const participant& p) {
  return {{"participantId", p.id}, {"name", p.name}, {"role", p.role}, {"color", p.color}};
}

json to_json(const controls& c) {
  return {{"editorLocked", c.editor_locked}, {"runDisabled", c.run_disabled}};
}

json to_json(const room_state& state) {
  json participants = json::array();
  for (const auto& [id, p] : state.participants) participants.push_back(to_json(p));
  json cursors = json::object();
  for (const auto& [id, c] : state.cursors)
    cursors[id] = {{"version", c.version}, {"anchor", c.anchor}, {"head", c.head}};
  return {{"seq", state.seq},
          {"calls", calls_json(state)},
          {"version", state.version},
          {"doc", utf16_to_utf8(state.doc)},
          {"language", state.language},
          {"participants", std::move(participants)},
          {"cursors", std::move(cursors)},
          {"lastRun", state.last_run},
          {"phase", to_string(state.phase)},
          {"controls", to_json(state.controls)},
          {"question", state.question},
          {"lastTestRun", state.last_test_run},
          {"testsRunning", state.tests_running},
          {"terminal", state.terminal}};
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
    if (!p.account_id.empty()) j["accountId"] = p.account_id;
    participants.push_back(std::move(j));
  }
  json cursors = json::object();
  for (const auto& [id, c] : state.cursors)
    cursors[id] = json::array({c.version, c.anchor, c.head});
  json body = {{"seq", state.seq},
               {"version", state.version},
               {"doc", json::binary(std::move(doc_bytes))},
               {"language", state.language},
               {"title", state.title},
               {"createdAt", state.created_at},
               {"lastTs", state.last_ts},
               {"joins", state.joins},
               {"participants", std::move(participants)},
               {"cursors", std::move(cursors)},
               {"lastRun", state.last_run},
               {"running", state.running},
               {"question", state.question},
               {"lastTestRun", state.last_test_run},
               {"testsRunning", state.tests_running}};
  // The interview's fields; a snapshot written before them lacks them (decoded as defaults).
  body["phase"] = to_string(state.phase);
  body["controls"] = to_json(state.controls);
  body["criteria"] = state.criteria;
  json cards = json::object();
  for (const auto& [pid, card] : state.scorecards) cards[pid] = to_json(pid, card);
  body["scorecards"] = std::move(cards);
  body["calls"] = calls_json(state);
  body["terminal"] = state.terminal;
  auto bytes = json::to_msgpack(body);
  std::string out;
  out.reserve(bytes.size() + 1);
  out.push_back(static_cast<char>(snapshot_format_version));
  out.append(bytes.begin(), bytes.end());
  return out;
}

std::optional<room_state> decode_snapshot(std::string_view bytes) {
  if (bytes.empty() || static_cast<std::uint8_t>(bytes[0]) != snapshot_format_version)
    return std::nullopt;
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
      participant p{j.at("participantId"),
                    j.at("name"),
                    j.at("role"),
                    j.at("color"),
                    j.at("focused").get<bool>(),
                    j.value("resumeHash", ""),
                    j.value("accountId", "")};  // absent in older snapshots
      s.participants[p.id] = p;
    }
    for (const auto& [id, c] : body.at("cursors").items())
      s.cursors[id] = cursor{c.at(0).get<std::uint64_t>(), c.at(1).get<std::size_t>(),
                             c.at(2).get<std::size_t>()};
    s.last_run = body.at("lastRun");
    s.running = body.at("running");
    if (body.contains("phase"))
      s.phase = phase_from_string(body["phase"].get<std::string>()).value_or(phase::live);
    if (body.contains("controls"))
      s.controls = {body["controls"].at("editorLocked").get<bool>(),
                    body["controls"].at("runDisabled").get<bool>()};
    if (body.contains("criteria")) s.criteria = body["criteria"].get<std::vector<std::string>>();
    if (body.contains("scorecards")) {
      for (const auto& [pid, j] : body["scorecards"].items()) {
        scorecard card;
        if (events::from_json(j, card.card)) return std::nullopt;
        card.name = j.at("name").get<std::string>();
        card.updated_at = j.at("updatedAt").get<std::int64_t>();
        card.seq = j.at("seq").get<std::uint64_t>();
        s.scorecards[pid] = std::move(card);
      }
    }
    if (auto calls = body.find("calls"); calls != body.end())  // absent in older snapshots
      for (const auto& [id, c] : calls->items())
        s.calls[id] = call_media{c.at("audio").get<bool>(), c.at("video").get<bool>()};
    // Absent from snapshots written before questions existed.
    s.question = body.value("question", json());
    s.last_test_run = body.value("lastTestRun", json());
    s.tests_running = body.value("testsRunning", json());
    s.terminal = body.value("terminal", json());  // absent before terminals
    return s;
  } catch (const json::exception&) {
    return std::nullopt;  // garbage is reported as "no snapshot"; the caller folds from seq 1
  }
}

}  // namespace rooms::domain
