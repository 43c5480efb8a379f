#pragma once
/// The fixture of the high-availability tests: three clustered nats-server processes and three
/// `roomd --nats` nodes on loopback, started by each test, and typists (one WebSocket client
/// per session, following the document as CodeMirror does) that reconnect and resume as the
/// web client does when the cluster moves their session.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

#include "cluster/cluster.hpp"
#include "tests/gateway/helpers.hpp"
#include "tests/testing/nats_cluster.hpp"
#include "tests/testing/ports.hpp"

namespace rooms::ha_test {

using namespace rooms::testing;
using namespace rooms::gateway::test;
using json = nlohmann::json;
using namespace std::chrono_literals;
using cluster::node;
using clock_type = std::chrono::steady_clock;

inline const char* const admin_token = "ha-admin-token-0123456789abcdef0123";

struct typist {
  session s;
  participant p;
  std::string expected;  ///< every character acknowledged so far
  bool connected = false;
  std::string last_failure;  ///< why the last join did not work, for a failure's message
};

/// Named (not in an anonymous namespace): every test file of the suite shares this one type.
class ha_cluster : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string id : {"a", "b", "c"}) {
      node n;
      n.id = id;
      n.caf_host = n.http_host = "127.0.0.1";
      n.caf_port = static_cast<std::uint16_t>(free_loopback_port());
      n.http_port = static_cast<std::uint16_t>(free_loopback_port());
      nodes_.push_back(n);
    }
    for (const auto& n : nodes_) start(n.id);
    wait_for_members();
  }

  /// Waits until every node running sees every other in its members (their heartbeats are
  /// read every lease TTL / 4): before that, two nodes may both take a session as its owner,
  /// and one refuses its clients.
  void wait_for_members() {
    auto deadline = clock_type::now() + 20s;
    for (const auto& id : live_ids()) {
      for (;;) {
        auto r = http_call(server(id).port(), "GET", "/api/admin/sessions?limit=1", "",
                           bearer(admin_token));
        json j = json::parse(r.body, nullptr, false);
        if (r.status == 200 && j.is_object() && j["nodes"].size() == live_ids().size()) break;
        ASSERT_LT(clock_type::now(), deadline) << id << " does not see every node: " << r.body;
        std::this_thread::sleep_for(50ms);
      }
    }
  }

  void TearDown() override {
    // The nodes' logs, for a failure's post-mortem (the temp dir goes with the fixture).
    if (HasFailure()) {
      for (auto& [id, s] : servers_) s.reset();
      auto keep = std::filesystem::temp_directory_path() / "ha-failover-logs";
      std::filesystem::remove_all(keep);
      std::filesystem::create_directories(keep);
      for (const auto& entry : std::filesystem::directory_iterator(dir_.path()))
        if (entry.path().extension() == ".log")
          std::filesystem::copy_file(entry.path(), keep / entry.path().filename());
      for (int i = 0; i < 3; ++i)
        std::ofstream(keep / ("nats-" + std::to_string(i) + ".log")) << nats_.log(i);
      std::cout << "roomd and nats-server logs kept in " << keep.string() << "\n";
    }
  }

  std::string data_dir(const std::string& id) const {
    return (dir_.path() / ("node-" + id)).string();
  }

  void start(const std::string& id, bool empty_data_dir = false) {
    const node& n = node_of(id);
    if (empty_data_dir) std::filesystem::remove_all(data_dir(id));
    std::filesystem::create_directories(data_dir(id));
    std::ofstream(data_dir(id) + "/admin.token") << admin_token << "\n";
    std::filesystem::permissions(
        data_dir(id) + "/admin.token",
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    std::string urls;
    for (const auto& u : nats_.urls()) urls += (urls.empty() ? "" : ",") + u;
    servers_[id] = std::make_unique<roomd_process>(
        data_dir(id),
        std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(n.http_port),
                                 "--node-id", id, "--nats", urls, "--caf-address",
                                 "127.0.0.1:" + std::to_string(n.caf_port), "--lease-ttl", "2s",
                                 "--create-per-minute", "100000", "--idle-passivate", "30s"});
  }
  const node& node_of(const std::string& id) const {
    for (const auto& n : nodes_)
      if (n.id == id) return n;
    throw std::runtime_error("no node " + id);
  }
  std::vector<std::string> live_ids() const {
    std::vector<std::string> out;
    for (const auto& [id, s] : servers_)
      if (s) out.push_back(id);
    return out;
  }
  std::vector<node> live_nodes() const {
    std::vector<node> out;
    for (const auto& id : live_ids()) out.push_back(node_of(id));
    return out;
  }
  roomd_process& server(const std::string& id) { return *servers_.at(id); }
  /// The owner of a session by rendezvous hashing over the nodes running now.
  /// `n` sessions created round-robin on the nodes, each with its typist (not connected yet).
  std::vector<typist> typists_on_every_node(int n) {
    std::vector<typist> out(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i].s = create_session(server(nodes_[i % nodes_.size()].id));
      EXPECT_FALSE(out[i].s.id.empty()) << "session " << i << " was not created";
    }
    return out;
  }

  std::string owner_of(const typist& t) const { return cluster::owner_of(live_nodes(), t.s.id).id; }

  /// Joins `t`'s session through node `via` (a live node picked at random when empty),
  /// trying again until `deadline`.
  bool connect(typist& t, clock_type::time_point deadline, const std::string& via_only = "") {
    static std::mt19937 rng{42};
    while (clock_type::now() < deadline) {
      auto ids = live_ids();
      const auto via = via_only.empty() ? ids[rng() % ids.size()] : via_only;
      try {
        participant p;
        p.ws = ws_client::join_path(server(via).port(), t.s.id);
        // As the web client does: resume as the same participant (a new one per reconnect
        // would fill the room: the dropped ones stay resumable for the grace period).
        json join = {{"type", "join_session"}, {"name", "typist"}, {"role", "candidate"}};
        if (!t.p.resume_token.empty()) {
          join["resumeToken"] = t.p.resume_token;
          join["version"] = t.p.version;
        }
        p.ws->send(join);
        std::optional<json> st;
        while (auto m = p.ws->next(3s)) {
          if (m->value("type", "") == "error") {
            t.last_failure = "via " + via + ": " + m->dump();
            if (m->value("code", "") != "unavailable") t.p.resume_token.clear();  // join anew
            break;
          }
          if (m->value("type", "") == "session_state") {
            st = m;
            break;
          }
        }
        if (st) {
          p.state = *st;
          p.id = st->value("participantId", "");
          p.resume_token = st->value("resumeToken", t.p.resume_token);
          p.version = st->value("version", std::uint64_t{0});
          p.doc = domain::utf8_to_utf16(st->value("doc", ""));
          std::string doc = p.text();
          // Every acknowledged character is there; one more may be (sent, never echoed).
          EXPECT_EQ(doc.substr(0, t.expected.size()), t.expected) << t.s.id << " via " << via;
          EXPECT_LE(doc.size(), t.expected.size() + 1) << t.s.id;
          t.expected = doc;
          t.p = std::move(p);
          t.connected = true;
          return true;
        }
        if (p.ws->closed())
          t.last_failure = "via " + via + ": closed " + std::to_string(p.ws->close_code()) + " " +
                           p.ws->close_error();
      } catch (const std::exception& e) {
        // refused or reset while the cluster moves the session: try again
        t.last_failure = "via " + via + ": " + e.what();
      }
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  /// One keystroke at the end of the document; reconnects (until `deadline`) when the socket
  /// was closed. The time it was accepted, or nullopt.
  std::optional<clock_type::time_point> type_one(typist& t, char c,
                                                 clock_type::time_point deadline) {
    while (clock_type::now() < deadline) {
      if (!t.connected && !connect(t, deadline)) return std::nullopt;
      auto len = t.p.doc.size();
      bool acked = false;
      try {
        acked = push(t.p, insert_at(len, len, std::string(1, c)), 3s);
      } catch (const std::exception& e) {
        t.last_failure = std::string("typing: ") + e.what();  // the socket went with its node
      }
      if (acked) {
        t.expected = t.p.text();
        return clock_type::now();
      }
      t.connected = false;
      t.p.ws.reset();
    }
    return std::nullopt;
  }

  /// Every node running serves `t`'s document as acknowledged, and its log holds every update
  /// `t`'s client saw, at its version.
  void expect_logged(const typist& t) {
    for (const auto& id : live_ids()) {
      json state = latest_state(server(id), t.s);
      EXPECT_EQ(state.value("doc", ""), t.expected) << t.s.id << " via " << id;
      auto changed = events_of(all_events(server(id), t.s), "code_changed");
      const auto& seen = t.p.seen_updates;
      ASSERT_GE(changed.size(), seen.size()) << t.s.id << " via " << id;
      // seen_updates holds what this connection applied: the log's last updates.
      auto base = t.p.version - seen.size();
      for (std::size_t k = 0; k < seen.size(); ++k) {
        const json& logged = changed.at(base + k);
        EXPECT_EQ(logged.value("version", std::uint64_t{0}), base + k + 1) << t.s.id;
        EXPECT_EQ(logged["changes"], seen[k]["changes"]) << t.s.id << " version " << base + k + 1;
      }
      if (state.value("doc", "") != t.expected) {
        auto events = all_events(server(id), t.s);
        for (std::size_t k = events.size() > 12 ? events.size() - 12 : 0; k < events.size(); ++k)
          std::cout << events[k].dump() << "\n";
        return;
      }
    }
  }

  temp_dir dir_;
  nats_cluster nats_{3};
  std::vector<node> nodes_;
  std::map<std::string, std::unique_ptr<roomd_process>> servers_;
};

}  // namespace rooms::ha_test
