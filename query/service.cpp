#include "query/service.hpp"

#include <map>

#include "actors/domain/changeset.hpp"
#include "actors/domain/room_state.hpp"
#include "actors/domain/summary.hpp"
#include "actors/import.hpp"
#include "actors/replay.hpp"
#include "base/secrets.hpp"

namespace rooms::query {

using eventlog::errc;
using eventlog::result;
using eventlog::session_id;
using eventlog::session_meta;
using eventlog::status;

namespace {

/// CodeMirror's JSON for "insert `doc` into an empty document": [[0, "line1", "line2", ...]].
json insert_changes(const std::string& doc) {
  json insert = json::array({0});
  std::string line;
  for (char c : doc) {
    if (c == '\n') {
      insert.push_back(line);
      line.clear();
    } else {
      line.push_back(c);
    }
  }
  insert.push_back(line);
  return json::array({insert});
}

}  // namespace

// -- reads --

result<session_meta> service::meta(const session_id& id) const {
  return store_.meta(id);
}

result<std::uint64_t> service::resolve_seq(const session_meta& meta,
                                           std::optional<std::uint64_t> seq,
                                           std::optional<std::int64_t> at_ms) const {
  if (seq) {
    if (*seq < 1 || *seq > meta.events)
      return status(errc::invalid_argument, "\"seq\" must be 1.." + std::to_string(meta.events));
    return *seq;
  }
  if (at_ms) {
    auto found = actors::seq_at_time(store_, meta.id, *at_ms);
    if (!found.ok()) return found.error();
    if (!found->has_value())
      return status(errc::invalid_argument, "the session began after \"at\"");
    return **found;
  }
  return meta.events;
}

result<json> service::state(const session_id& id, std::uint64_t seq) const {
  auto state = actors::state_at(store_, id, seq);
  if (!state.ok()) return state.error();
  json body = domain::to_json(*state);
  body["title"] = state->title;
  body["ts"] = state->last_ts;
  return body;
}

result<json> service::scorecards(const session_meta& meta) const {
  auto state = actors::state_at(store_, meta.id, meta.events);
  if (!state.ok()) return state.error();
  json cards = json::array();
  for (const auto& [pid, card] : state->scorecards) cards.push_back(domain::to_json(pid, card));
  return json{{"criteria", state->criteria}, {"scorecards", std::move(cards)}};
}

result<json> service::events(const session_meta& meta, std::uint64_t from,
                             std::size_t limit) const {
  auto events = store_.read(meta.id, from, std::min(limit, max_event_page));
  if (!events.ok()) return events.error();
  json list = json::array();
  for (const auto& e : *events) list.push_back(eventlog::to_json(e));
  json next = nullptr;
  if (!events->empty() && events->back().seq < meta.events) next = events->back().seq + 1;
  return json{{"events", std::move(list)}, {"next", next}};
}

result<json> service::session_info(const session_meta& meta, const live_sessions& live) const {
  auto state = actors::state_at(store_, meta.id, meta.events);
  if (!state.ok()) return state.error();
  return json{{"sessionId", meta.id.str()},
              {"language", state->language},
              {"title", state->title},
              {"createdAt", meta.created_at},
              {"lastActivityAt", meta.last_activity_at},
              {"expiresAt", meta.expires_at},
              {"version", state->version},
              {"participants", live.participants(meta.id)}};
}

json service::admin_row(const session_meta& m, const live_sessions& live) {
  auto sid = m.id.str();
  bool is_live = live.is_live(sid);
  return {{"sessionId", sid},
          {"createdAt", m.created_at},
          {"lastActivityAt", m.last_activity_at},
          {"expiresAt", m.expires_at},
          {"language", m.language},
          {"title", m.title},
          {"events", m.events},
          {"bytes", m.bytes},
          {"live", is_live},
          {"participants", is_live ? live.participants(m.id) : json::array()}};
}

result<json> service::list(list_filter filter, std::size_t limit, const std::string& first_cursor,
                           const live_sessions& live) const {
  json rows = json::array();
  std::string cursor = first_cursor;
  json next = nullptr;
  for (;;) {
    auto page = store_.list({limit, cursor, {}});
    if (!page.ok()) return page.error();
    for (const auto& m : page->sessions) {
      bool is_live = live.is_live(m.id.str());
      if ((filter == list_filter::live && !is_live) || (filter == list_filter::stored && is_live))
        continue;
      rows.push_back(admin_row(m, live));
    }
    cursor = page->next;
    if (cursor.empty()) break;
    if (rows.size() >= limit) {
      next = cursor;
      break;
    }
  }
  return json{{"sessions", std::move(rows)}, {"next", next}};
}

result<json> service::inspect(const session_meta& meta, const live_sessions& live) const {
  std::map<std::string, std::uint64_t> counts;
  auto scanned = store_.scan(meta.id, 1, [&](const eventlog::event& e) {
    ++counts[std::string(eventlog::to_string(e.type))];
    return true;
  });
  if (!scanned.ok()) return scanned;
  auto state = actors::state_at(store_, meta.id, meta.events);
  if (!state.ok()) return state.error();
  json body = admin_row(meta, live);
  body["eventsByType"] = counts;
  body["keyHash"] = meta.key_hash;  // admin only: lets an export carry the interviewer key's hash
  body["state"] = domain::to_json(*state);
  body["state"]["title"] = state->title;
  return body;
}

json service::store_stats() const {
  auto s = store_.stats();
  return {{"storeBatches", s.batches},
          {"storeEvents", s.events},
          {"storeBytes", s.bytes},
          {"liveSstBytes", store_.live_sst_bytes()}};
}

// -- writes --

result<created_session> service::create(const new_session& spec) {
  created_session out;
  auto& meta = out.meta;
  meta.id = spec.id;
  const auto& clock = store_.options().clock;
  meta.created_at = clock ? clock() : eventlog::now_ms();
  meta.last_activity_at = meta.created_at;
  meta.language = spec.language;
  meta.title = spec.title;
  out.key = base::random_hex(24);  // 192-bit secret
  meta.key_hash = base::sha256_hex(out.key);
  eventlog::event created;
  created.seq = 1;
  created.ts = meta.created_at;
  created.type = eventlog::event_type::session_created;
  created.payload = {{"language", spec.language}, {"title", spec.title}};
  // Absent means live (as in every log before the lobby): only a lobby is written.
  if (spec.lobby) created.payload["phase"] = "lobby";
  for (const auto& [k, v] : spec.extra.items()) created.payload[k] = v;
  // The listing's summary, folded as the room would: each write carries the one it leads to.
  domain::room_state folded;
  if (auto err = domain::apply(folded, created))
    return status(errc::invalid_argument, "session_created does not apply: " + err->message);
  meta.summary = domain::summarize({}, folded);
  // The signed-in interviewer who created it (gateway/routes_sessions.cpp) lists it as theirs.
  if (auto by = spec.extra.find("createdBy"); by != spec.extra.end() && by->is_string())
    meta.summary.interviewer_accounts.push_back(*by);
  if (auto s = log_.create_session(meta, created); !s.ok()) return s;
  // The question, then the document, in one append: a room never sees one without the other.
  std::vector<eventlog::event> start;
  auto add = [&](eventlog::event_type type, json payload) {
    eventlog::event e;
    e.seq = start.size() + 2;
    e.ts = meta.created_at;
    e.type = type;
    e.payload = std::move(payload);
    start.push_back(std::move(e));
  };
  if (spec.question.is_object()) add(eventlog::event_type::question_loaded, spec.question);
  if (!spec.doc.empty())
    add(eventlog::event_type::code_changed,
        {{"version", 1}, {"clientID", "server"}, {"changes", insert_changes(spec.doc)}});
  if (!start.empty()) {
    for (const auto& e : start)
      if (auto err = domain::apply(folded, e))
        return status(errc::invalid_argument, "a start event does not apply: " + err->message);
    meta.summary = domain::summarize(meta.summary, folded);
    if (auto s = log_.append(meta.id, std::move(start), meta.summary); !s.ok()) return s;
  }
  if (spec.extra.contains("forkedFrom")) out.forked_from = spec.extra["forkedFrom"];
  return out;
}

result<created_session> service::fork(const session_meta& source, std::uint64_t seq,
                                      const session_id& new_id) {
  if (seq < 1 || seq > source.events)
    return status(errc::invalid_argument, "\"seq\" must be 1.." + std::to_string(source.events));
  auto state = actors::state_at(store_, source.id, seq);
  if (!state.ok()) return state.error();
  new_session spec;
  spec.id = new_id;
  spec.language = state->language;
  spec.title = state->title;
  spec.doc = domain::utf16_to_utf8(state->doc);

  spec.question = state->question;  // the fork keeps the question it was using
  spec.extra = {{"forkedFrom", {{"sessionId", source.id.str()}, {"seq", seq}}}};
  return create(spec);
}

result<json> service::import(std::string_view export_text) {
  auto imported = actors::import_session(store_, log_, export_text);
  if (!imported.ok()) return imported.error();
  return json{{"sessionId", imported->meta.id.str()}, {"events", imported->events.size()}};
}

result<json> service::compact() {
  auto swept = store_.sweep_expired();
  if (!swept.ok()) return swept.error();
  if (auto s = store_.compact(); !s.ok()) return s;
  return json{{"expired", *swept}, {"liveSstBytes", store_.live_sst_bytes()}};
}

json service::created_json(const created_session& created) {
  const std::string id = created.meta.id.str();
  json out = {{"sessionId", id},
              {"language", created.meta.language},
              {"title", created.meta.title},
              {"createdAt", created.meta.created_at},
              {"joinUrl", "/room/" + id}};
  if (!created.key.empty()) {
    out["interviewerKey"] = created.key;
    out["interviewerUrl"] = "/room/" + id + "#key=" + created.key;
    out["replayUrl"] = "/replay/" + id + "#key=" + created.key;
  }
  if (!created.forked_from.is_null()) out["forkedFrom"] = created.forked_from;
  return out;
}

}  // namespace rooms::query
