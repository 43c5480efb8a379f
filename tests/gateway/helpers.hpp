#pragma once
/// Shared builders of the gateway black-box tests: sessions over REST, joined WebSocket
/// clients, and a client-side document model that follows code_changed like CodeMirror does.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/domain/changeset.hpp"
#include "tests/testing/roomd_process.hpp"
#include "tests/testing/temp_dir.hpp"
#include "tests/testing/ws_client.hpp"

namespace rooms::gateway::test {

using json = nlohmann::json;
using rooms::testing::http_call;
using rooms::testing::http_reply;
using rooms::testing::roomd_process;
using rooms::testing::temp_dir;
using rooms::testing::ws_client;
using rooms::testing::ws_options;
using namespace std::chrono_literals;

/// Authorization header with a bearer token.
inline std::vector<std::pair<std::string, std::string>> bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

inline ws_options with_origin(std::string origin) {
  ws_options o;
  o.origin = std::move(origin);
  return o;
}

inline ws_options with_receive_buffer(int bytes) {
  ws_options o;
  o.receive_buffer = bytes;
  return o;
}

/// Parses a reply body; fails the test (and returns null) when it is not JSON.
inline json body_of(const http_reply& r) {
  json j = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.body;
  return j.is_discarded() ? json() : j;
}

/// A session made by POST /api/sessions.
struct session {
  std::string id;
  std::string key;
  json created;
};

inline session create_session(const roomd_process& server, json body = json::object()) {
  auto r = http_call(server.port(), "POST", "/api/sessions", body.dump(),
                     {{"Content-Type", "application/json"}});
  EXPECT_EQ(r.status, 201) << r.body;
  json j = body_of(r);
  return {j.value("sessionId", ""), j.value("interviewerKey", ""), j};
}

/// Every event of a session through /events (all pages), with the interviewer key.
inline std::vector<json> all_events(const roomd_process& server, const session& s) {
  std::vector<json> out;
  std::uint64_t from = 1;
  for (;;) {
    auto r = http_call(server.port(), "GET",
                       "/api/sessions/" + s.id + "/events?from=" + std::to_string(from), "",
                       bearer(s.key));
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return out;
    json j = body_of(r);
    for (auto& e : j["events"]) out.push_back(e);
    if (j["next"].is_null()) return out;
    from = j["next"].get<std::uint64_t>();
  }
}

/// Events of one type, in seq order.
inline std::vector<json> events_of(const std::vector<json>& events, const std::string& type) {
  std::vector<json> out;
  for (const auto& e : events)
    if (e.value("type", "") == type) out.push_back(e);
  return out;
}

/// The latest state through /state, with the interviewer key.
inline json latest_state(const roomd_process& server, const session& s) {
  auto r = http_call(server.port(), "GET", "/api/sessions/" + s.id + "/state", "", bearer(s.key));
  EXPECT_EQ(r.status, 200) << r.body;
  return body_of(r);
}

/// A joined participant: its socket, what session_state said, and the document it follows.
struct participant {
  std::unique_ptr<ws_client> ws;
  json state;  ///< the session_state answer
  std::string id;
  std::string resume_token;
  std::uint64_t version = 0;
  std::u16string doc;
  std::vector<json> seen_updates;  ///< every update of every code_changed applied, in order

  /// Applies a code_changed message to the local document; false when it does not fit (a gap
  /// or an update that does not apply).
  bool apply(const json& changed) {
    auto from = changed.value("from", std::uint64_t{0});
    const auto& updates = changed["updates"];
    if (from > version) return false;  // a gap: we miss updates
    for (std::size_t i = 0; i < updates.size(); ++i) {
      if (from + i < version) continue;  // already have it
      auto cs = domain::changeset::from_json(updates[i]["changes"]);
      if (!cs || !cs->apply(doc)) return false;
      ++version;
      seen_updates.push_back(updates[i]);
    }
    return true;
  }
  std::string text() const { return domain::utf16_to_utf8(doc); }

  /// Waits for the next code_changed and applies it; false on timeout or a misfit.
  bool follow(std::chrono::milliseconds timeout = 5s) {
    auto m = ws->next_of_type("code_changed", timeout);
    return m && apply(*m);
  }
};

/// Joins (name, role, key) and waits for session_state; the test fails when it does not come.
inline participant join(const roomd_process& server, const std::string& session_id,
                        const std::string& name, const std::string& role = "candidate",
                        const std::string& key = "", ws_options options = {}) {
  participant p;
  p.ws = ws_client::join_path(server.port(), session_id, std::move(options));
  json msg = {{"type", "join_session"}, {"name", name}, {"role", role}};
  if (!key.empty()) msg["key"] = key;
  p.ws->send(msg);
  auto st = p.ws->next_of_type("session_state");
  EXPECT_TRUE(st.has_value()) << name << " got no session_state";
  if (!st) return p;
  p.state = *st;
  p.id = st->value("participantId", "");
  p.resume_token = st->value("resumeToken", "");
  p.version = st->value("version", std::uint64_t{0});
  p.doc = domain::utf8_to_utf16(st->value("doc", ""));
  return p;
}

/// A code_update of one update (clientID `client`) at `version`.
inline json code_update(std::uint64_t version, const json& changes, const std::string& client = "c",
                        json ref = nullptr) {
  json m = {{"type", "code_update"},
            {"version", version},
            {"updates", json::array({{{"clientID", client}, {"changes", changes}}})}};
  if (!ref.is_null()) m["ref"] = ref;
  return m;
}

/// ChangeSet JSON inserting `text` (no newlines) at `pos` of a document of `length` units.
inline json insert_at(std::size_t length, std::size_t pos, const std::string& text) {
  json out = json::array();
  if (pos > 0) out.push_back(pos);
  out.push_back(json::array({0, text}));
  if (length > pos) out.push_back(length - pos);
  return out;
}

/// ChangeSet JSON replacing a whole document of `length` units by `text` (no newlines).
inline json replace_all(std::size_t length, const std::string& text) {
  return json::array({json::array({length, text})});
}

/// Sends one update at the participant's version and waits for its echo (the acknowledgement),
/// applying everything that arrives before it. False when it was rejected or never echoed.
inline bool push(participant& p, const json& changes, std::chrono::milliseconds timeout = 5s) {
  p.ws->send(code_update(p.version, changes, p.id));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    auto m = p.ws->next(left);
    if (!m) return false;
    auto type = m->value("type", "");
    if (type == "code_update_rejected" || type == "error") return false;
    if (type != "code_changed") continue;
    bool mine = false;
    for (const auto& u : (*m)["updates"]) mine = mine || u.value("participantId", "") == p.id;
    if (!p.apply(*m)) return false;
    if (mine) return true;
  }
}

/// True for the room's answer to `pid`'s own code_update: its code_changed echo, or a refusal
/// (code_update_rejected, error). For read_until.
inline bool answers_push_of(const json& m, const std::string& pid) {
  auto type = m.value("type", "");
  if (type == "code_update_rejected" || type == "error") return true;
  if (type != "code_changed") return false;
  for (const auto& u : m["updates"])
    if (u.value("participantId", "") == pid) return true;
  return false;
}

/// Reads `p`'s messages until `pred` holds for one (returned) or the timeout passes or the
/// socket closes; every code_changed on the way is applied to p's document.
inline std::optional<json> read_until(participant& p, const std::function<bool(const json&)>& pred,
                                      std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto m = p.ws->next(left);
    if (!m) return std::nullopt;
    if (m->value("type", "") == "code_changed") {
      EXPECT_TRUE(p.apply(*m)) << "a code_changed that does not fit: " << *m;
    }
    if (pred(*m)) return m;
  }
}

/// Pings and reads up to the pong (applying code_changed): everything the room published to
/// `p` before it handled the ping has then arrived. False when no pong came.
inline bool sync_with_room(participant& p, std::chrono::milliseconds timeout = 5s) {
  p.ws->send({{"type", "ping"}, {"ref", "sync"}});
  return read_until(
             p,
             [](const json& m) {
               return m.value("type", "") == "pong" && m.value("ref", "") == "sync";
             },
             timeout)
      .has_value();
}

/// The value of a metric line `name <value>` in Prometheus text; nullopt when absent.
inline std::optional<double> metric(const std::string& text, const std::string& name) {
  std::size_t pos = 0;
  while ((pos = text.find(name + " ", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      auto end = text.find('\n', pos);
      return std::stod(text.substr(pos + name.size() + 1, end - pos - name.size() - 1));
    }
    pos += name.size();
  }
  return std::nullopt;
}

inline std::optional<double> metric(const roomd_process& server, const std::string& name) {
  return metric(http_call(server.port(), "GET", "/metrics").body, name);
}

}  // namespace rooms::gateway::test
