#pragma once
/// Actor-level room tests without sockets: a real event log in a temp dir, a real CAF actor
/// system with the registry, and test "connection actors" (scoped actors) that speak the
/// gateway's side of the protocol at the top of actors/room.hpp.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/domain/changeset.hpp"
#include "actors/domain/room_state.hpp"
#include "actors/errors.hpp"
#include "actors/metrics.hpp"
#include "actors/replay.hpp"
#include "actors/room.hpp"
#include "actors/run_queue.hpp"
#include "eventlog/store.hpp"
#include "tests/testing/temp_dir.hpp"

namespace rooms::actors::test {

using domain::changeset;
using domain::room_state;
using domain::utf16_to_utf8;
using domain::utf8_to_utf16;
using json = nlohmann::json;
using namespace std::chrono_literals;

/// The log of one test: opened in a temp dir, reopenable.
class log_dir {
 public:
  log_dir() { open(); }
  void open() {
    eventlog::store_options o;
    o.path = (dir_.path() / "db").string();
    auto opened = eventlog::store::open(o);
    if (!opened.ok())
      throw std::runtime_error("cannot open the store: " + opened.error().to_string());
    store_ = std::move(*opened);
  }
  void close() { store_.reset(); }
  eventlog::store& store() { return *store_; }

  /// A session as POST /api/sessions makes it: meta + session_created; key "secret".
  eventlog::session_id create_session(const std::string& language = "plaintext") {
    eventlog::session_meta meta;
    meta.id = eventlog::session_id::random();
    meta.created_at = eventlog::now_ms();
    meta.last_activity_at = meta.created_at;
    meta.language = language;
    meta.key_hash = eventlog::sha256_hex("secret");
    eventlog::event first;
    first.seq = 1;
    first.ts = meta.created_at;
    first.type = eventlog::event_type::session_created;
    first.payload = {{"language", language}, {"title", ""}};
    auto s = store_->create_session(meta, first);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return meta.id;
  }

  /// Every event of a session, in seq order.
  std::vector<eventlog::event> events(const eventlog::session_id& id) {
    auto r = store_->read(id, 1, 1'000'000);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? *r : std::vector<eventlog::event>{};
  }

  /// The fold of every event from seq 1, without snapshots.
  room_state fold(const eventlog::session_id& id) {
    room_state state;
    for (const auto& e : events(id)) {
      auto err = apply(state, e);
      EXPECT_FALSE(err) << "event " << e.seq << ": " << (err ? err->message : "");
    }
    return state;
  }

 private:
  rooms::testing::temp_dir dir_;
  std::unique_ptr<eventlog::store> store_;
};

/// An actor system with a registry over a log.
class rooms_system {
 public:
  rooms_system(eventlog::store& store, room_config config) {
    auto svc = std::make_shared<services>();
    svc->store = &store;
    svc->runs = &runs_;
    svc->stats = &stats_;
    svc->config = config;
    svc_ = svc;
    register_error_category(cfg_);
    cfg_.set("scheduler.policy", caf::atom("sharing"));
    cfg_.set("scheduler.max-threads", std::size_t{2});
    system_ = std::make_unique<caf::actor_system>(cfg_);
    registry_ = spawn_registry(*system_, svc_);
  }
  /// Stops every room like roomd's shutdown (snapshots written), then the system.
  ~rooms_system() {
    {
      caf::scoped_actor self{*system_};
      self->request(registry_, std::chrono::seconds(15), shutdown_atom::value)
          .receive([] {}, [](caf::error& err) { ADD_FAILURE() << caf::to_string(err); });
      caf::anon_send_exit(registry_, caf::exit_reason::user_shutdown);
    }
    registry_ = registry_actor();
    system_.reset();
  }
  caf::actor_system& system() { return *system_; }
  const registry_actor& registry() const { return registry_; }
  const metrics& stats() const { return stats_; }

 private:
  metrics stats_;
  run_queue runs_{nullptr, 1, 4};
  std::shared_ptr<const services> svc_;
  caf::actor_system_config cfg_;  ///< the system keeps a reference to it
  std::unique_ptr<caf::actor_system> system_;
  registry_actor registry_;
};

/// One test "connection actor": resolves its room, sends frames, receives what the room sends.
/// Drive it from one thread.
class test_conn {
 public:
  test_conn(rooms_system& sys, const eventlog::session_id& id)
      : sys_(sys), sid_(id.str()), self_(sys.system()) {
    resolve();
  }
  ~test_conn() {
    if (room_ && !closed_) close(1000);
  }

  void resolve() {
    self_->request(sys_.registry(), std::chrono::seconds(5), resolve_atom::value, sid_)
        .receive(
            [&](const caf::actor& room) { room_ = room; },
            [&](caf::error& err) { ADD_FAILURE() << "resolve failed: " << caf::to_string(err); });
  }

  caf::actor handle() { return caf::actor_cast<caf::actor>(self_); }
  const caf::actor& room() const { return room_; }

  void send(const json& message) {
    self_->send(room_, ws_in_atom::value, handle(), message.dump());
  }

  /// The next frame the room sent, as JSON; nullopt on timeout (or, with `until_close`, when
  /// the room asks to close the socket). Reroutes are followed.
  std::optional<json> next(std::chrono::milliseconds timeout = 5s, bool until_close = false) {
    std::optional<json> out;
    bool waiting = true;
    while (waiting && !(until_close && close_code_ != 0)) {
      self_->receive(
          [&](ws_out_atom, const std::string& text) {
            out = json::parse(text);
            arrivals_.push_back(out->value("type", "?"));
            waiting = false;
          },
          [&](joined_atom) { joined_ = true; },
          [&](ws_close_atom, int code, const std::string&) {
            close_code_ = code;
            arrivals_.push_back("close " + std::to_string(code));
          },
          [&](reroute_atom, const std::string& text) {
            resolve();
            self_->send(room_, ws_in_atom::value, handle(), text);
          },
          caf::after(timeout) >> [&] { waiting = false; });
    }
    return out;
  }

  /// Waits for the room to ask for the socket to close; its code, or nullopt on timeout.
  std::optional<int> wait_close(std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (close_code_ == 0 && std::chrono::steady_clock::now() < deadline)
      next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now()),
           true);
    if (close_code_ == 0) return std::nullopt;
    return close_code_;
  }

  std::optional<json> next_of_type(const std::string& type,
                                   std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto m = next(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!m) return std::nullopt;
      if (m->value("type", "") == type) return m;
      if (m->value("type", "") == "code_changed") apply(*m);
    }
    return std::nullopt;
  }

  /// join_session; waits for session_state and keeps the document it gives.
  json join(const std::string& name, const std::string& role = "candidate") {
    json msg = {{"type", "join_session"}, {"name", name}, {"role", role}};
    if (role == "interviewer") msg["key"] = "secret";
    send(msg);
    auto st = next_of_type("session_state");
    EXPECT_TRUE(st) << name << " got no session_state";
    if (!st) return json();
    pid_ = st->value("participantId", "");
    version_ = st->value("version", std::uint64_t{0});
    doc_ = utf8_to_utf16(st->value("doc", ""));
    return *st;
  }

  /// Applies a code_changed to the local document and records its updates.
  void apply(const json& changed) {
    auto from = changed.value("from", std::uint64_t{0});
    EXPECT_LE(from, version_) << "a gap: " << changed;
    for (std::size_t i = 0; i < changed["updates"].size(); ++i) {
      if (from + i < version_) continue;
      auto cs = changeset::from_json(changed["updates"][i]["changes"]);
      ASSERT_TRUE(cs && cs->apply(doc_)) << changed;
      ++version_;
      seen_.push_back(changed["updates"][i]);
    }
  }

  /// Waits for the next code_changed and applies it.
  bool follow(std::chrono::milliseconds timeout = 5s) {
    auto m = next_of_type("code_changed", timeout);
    if (m) apply(*m);
    return m.has_value();
  }

  /// Sends an update at the local version; true when echoed (accepted), false when rejected.
  /// Updates that arrive meanwhile are applied.
  std::optional<bool> push(const json& changes, const json& ref = nullptr) {
    json msg = {{"type", "code_update"},
                {"version", version_},
                {"updates", json::array({{{"clientID", pid_}, {"changes", changes}}})}};
    if (!ref.is_null()) msg["ref"] = ref;
    send(msg);
    for (;;) {
      auto m = next();
      if (!m) return std::nullopt;
      auto type = m->value("type", "");
      if (type == "code_update_rejected") return false;
      if (type == "error") {
        ADD_FAILURE() << *m;
        return std::nullopt;
      }
      if (type != "code_changed") continue;
      bool mine = false;
      for (const auto& u : (*m)["updates"]) mine = mine || u.value("participantId", "") == pid_;
      apply(*m);
      if (mine) return true;
    }
  }

  /// Appends `text` at the end, rebasing and retrying until accepted.
  bool type_at_end(const std::string& text) {
    for (int attempt = 0; attempt < 1000; ++attempt) {
      json changes = json::array();
      if (!doc_.empty()) changes.push_back(doc_.size());
      changes.push_back(json::array({0, text}));
      auto r = push(changes);
      if (!r) return false;
      if (*r) return true;
    }
    return false;
  }

  /// Frames up to the pong of a ping (everything the room sent before handling it).
  std::vector<json> until_pong() {
    send({{"type", "ping"}, {"ref", "sync"}});
    std::vector<json> seen;
    for (;;) {
      auto m = next();
      if (!m) {
        ADD_FAILURE() << "no pong";
        return seen;
      }
      if (m->value("type", "") == "pong") return seen;
      if (m->value("type", "") == "code_changed") apply(*m);
      seen.push_back(*m);
    }
  }

  /// The socket closed with `code`, as the gateway reports it: ws_closed then detach.
  void close(int code) {
    self_->send(room_, ws_closed_atom::value, handle(), code);
    self_->send(sys_.registry(), detach_atom::value, sid_);
    closed_ = true;
  }

  const std::string& pid() const { return pid_; }
  std::uint64_t version() const { return version_; }
  std::string text() const { return utf16_to_utf8(doc_); }
  const std::vector<json>& seen_updates() const { return seen_; }
  caf::scoped_actor& self() { return self_; }
  /// The close code the room asked for (0 when none).
  int close_code() const { return close_code_; }
  /// Types of the frames received and "close <code>" requests, in arrival order.
  const std::vector<std::string>& arrivals() const { return arrivals_; }

 private:
  rooms_system& sys_;
  std::string sid_;
  caf::scoped_actor self_;
  caf::actor room_;
  std::string pid_;
  std::uint64_t version_ = 0;
  std::u16string doc_;
  std::vector<json> seen_;
  bool joined_ = false;
  bool closed_ = false;
  int close_code_ = 0;
  std::vector<std::string> arrivals_;
};

}  // namespace rooms::actors::test
