/// One of the three NATS servers killed (SIGKILL) while clients type on every roomd node:
/// nothing visible changes. No socket closes, every edit is acknowledged (late, while the
/// JetStream streams whose leader died elect another), the documents converge and the log
/// holds every acknowledged edit. The server restarted rejoins: it catches up, and carries the
/// quorum once another server is killed.

#include "tests/ha/ha_cluster.hpp"

namespace rooms::ha_test {
namespace {

/// A session typed into through one node and watched through another.
struct pair_of_clients {
  typist t;
  participant watcher;
  std::size_t acked = 0;
};

/// What server i of `nats` says of stream `name` (`/jsz`): its detail, or null.
json stream_on(const nats_cluster& nats, int i, const std::string& name) {
  auto r = http_call(nats.monitor_port(i), "GET", "/jsz?streams=true");
  json j = json::parse(r.body, nullptr, false);
  if (r.status != 200 || j.is_discarded()) return nullptr;
  for (const auto& account : j.value("account_details", json::array()))
    for (const auto& stream : account.value("stream_detail", json::array()))
      if (stream.value("name", "") == name) return stream;
  return nullptr;
}

/// The index of the server leading stream `name`, as a running server sees it; -1 if none.
int leader_of(const nats_cluster& nats, const std::string& name) {
  for (int i = 0; i < nats.servers(); ++i) {
    if (!nats.running(i)) continue;
    json stream = stream_on(nats, i, name);
    if (stream.is_null()) continue;
    auto leader = stream["cluster"].value("leader", "");
    for (int k = 0; k < nats.servers(); ++k)
      if (nats.name(k) == leader) return k;
  }
  return -1;
}

std::uint64_t last_seq_on(const nats_cluster& nats, int i, const std::string& name) {
  json stream = stream_on(nats, i, name);
  return stream.is_null() ? 0 : stream["state"].value("last_seq", std::uint64_t{0});
}

class typing {
 public:
  explicit typing(std::vector<pair_of_clients>& clients) : clients_(clients) {}

  /// One keystroke in every session, all sent before any acknowledgement is awaited (so the
  /// cluster has a write of each in flight); `between` runs after the sends. Fails the test
  /// when a socket closes or an edit is not acknowledged within 30 s.
  void round(
      char c, const std::function<void()>& between = [] {}) {
    std::vector<clock_type::time_point> sent(clients_.size());
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      auto& p = clients_[i].t.p;
      auto len = p.doc.size();
      p.ws->send(code_update(p.version, insert_at(len, len, std::string(1, c)), p.id));
      sent[i] = clock_type::now();
    }
    between();
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      auto& [t, watcher, acked] = clients_[i];
      auto& p = t.p;
      auto answer = read_until(
          p, [&](const json& m) { return answers_push_of(m, p.id); }, 30s);
      ASSERT_TRUE(answer) << t.s.id << ": no acknowledgement in 30 s; closed " << p.ws->closed()
                          << " " << p.ws->close_code() << " " << p.ws->close_error();
      ASSERT_EQ(answer->value("type", ""), "code_changed") << t.s.id << ": " << answer->dump();
      t.expected = p.text();
      ++acked;
      slowest_ = std::max(slowest_, clock_type::now() - sent[i]);
    }
    // The watchers read what arrived (and answer the server's pings, as a browser does).
    for (auto& c : clients_) {
      while (auto m = c.watcher.ws->next(1ms)) {
        if (m->value("type", "") != "code_changed") continue;
        ASSERT_TRUE(c.watcher.apply(*m)) << c.t.s.id << ": a code_changed that does not fit";
      }
      ASSERT_FALSE(c.watcher.ws->closed())
          << c.t.s.id << ": the watcher's socket closed " << c.watcher.ws->close_code();
    }
  }
  clock_type::duration slowest() const { return slowest_; }

 private:
  std::vector<pair_of_clients>& clients_;
  clock_type::duration slowest_{};
};

double ms(clock_type::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

TEST_F(ha_cluster, a_killed_nats_server_changes_nothing_visible) {
  // Sessions until every node owns three; each typed through one node, watched through the next.
  std::vector<pair_of_clients> clients;
  std::map<std::string, int> owned;
  for (int i = 0; owned.size() < 3 || std::any_of(owned.begin(), owned.end(),
                                                  [](const auto& o) { return o.second < 3; });
       ++i) {
    ASSERT_LT(i, 60) << "rendezvous hashing gave a node almost nothing";
    pair_of_clients c;
    c.t.s = create_session(server(nodes_[i % 3].id));
    ASSERT_FALSE(c.t.s.id.empty());
    ++owned[owner_of(c.t)];
    clients.push_back(std::move(c));
  }
  auto far = [] { return clock_type::now() + 30s; };
  for (std::size_t i = 0; i < clients.size(); ++i) {
    auto& c = clients[i];
    ASSERT_TRUE(connect(c.t, far(), nodes_[i % 3].id)) << c.t.s.id << ": " << c.t.last_failure;
    c.watcher = join(server(nodes_[(i + 1) % 3].id), c.t.s.id, "watcher", "interviewer", c.t.s.key);
    ASSERT_FALSE(c.watcher.id.empty()) << c.t.s.id;
  }
  std::cout << clients.size() << " sessions, owned a " << owned["a"] << ", b " << owned["b"]
            << ", c " << owned["c"] << std::endl;
  typing keys(clients);
  for (char c : std::string("abc")) ASSERT_NO_FATAL_FAILURE(keys.round(c));

  // The leader of the sessions' stream dies with a write of every session in flight.
  int victim = leader_of(nats_, "ROOMS");
  ASSERT_GE(victim, 0) << "no leader of stream ROOMS";
  std::cout << "kill -9 " << nats_.name(victim) << " (leader of ROOMS)" << std::endl;
  auto killed_at = clock_type::now();
  ASSERT_NO_FATAL_FAILURE(keys.round('d', [&] { nats_.kill9(victim); }));
  // Typing goes on through the election and for a while after it.
  for (int r = 0; r < 5 || clock_type::now() - killed_at < 12s; ++r)
    ASSERT_NO_FATAL_FAILURE(keys.round(static_cast<char>('e' + r % 20)));
  std::cout << "slowest acknowledgement with " << nats_.name(victim)
            << " down: " << ms(keys.slowest()) << " ms" << std::endl;

  // It comes back and catches up with the stream.
  nats_.start(victim);
  nats_.wait_ready(victim);
  for (int r = 0; r < 3; ++r) ASSERT_NO_FATAL_FAILURE(keys.round('x'));
  int other = (victim + 1) % 3;
  auto rejoin_deadline = clock_type::now() + 30s;
  while (last_seq_on(nats_, victim, "ROOMS") != last_seq_on(nats_, other, "ROOMS") ||
         last_seq_on(nats_, victim, "ROOMS") == 0) {
    ASSERT_LT(clock_type::now(), rejoin_deadline)
        << nats_.name(victim) << " did not catch up: " << stream_on(nats_, victim, "ROOMS").dump();
    std::this_thread::sleep_for(100ms);
  }
  // Every stream and bucket it holds a copy of is current (its /healthz says so).
  for (;;) {
    auto health = http_call(nats_.monitor_port(victim), "GET", "/healthz");
    if (health.status == 200) break;
    ASSERT_LT(clock_type::now(), rejoin_deadline) << nats_.name(victim) << ": " << health.body;
    std::this_thread::sleep_for(100ms);
  }
  std::cout << nats_.name(victim) << " rejoined at stream seq "
            << last_seq_on(nats_, victim, "ROOMS") << std::endl;

  // Now another server dies: the quorum is the returned one and the last.
  int second = leader_of(nats_, "ROOMS");
  if (second == victim || second < 0) second = other;
  std::cout << "kill -9 " << nats_.name(second) << std::endl;
  auto second_at = clock_type::now();
  ASSERT_NO_FATAL_FAILURE(keys.round('y', [&] { nats_.kill9(second); }));
  for (int r = 0; r < 5 || clock_type::now() - second_at < 12s; ++r)
    ASSERT_NO_FATAL_FAILURE(keys.round(static_cast<char>('A' + r % 20)));
  std::cout << "slowest acknowledgement over the test: " << ms(keys.slowest()) << " ms"
            << std::endl;

  // Nothing was closed, every watcher has what its typist had acknowledged, and the log of
  // every node holds every acknowledged edit.
  for (auto& c : clients) {
    EXPECT_FALSE(c.t.p.ws->closed()) << c.t.s.id;
    bool same = c.watcher.text() == c.t.expected ||
                read_until(
                    c.watcher, [&](const json&) { return c.watcher.text() == c.t.expected; }, 10s)
                    .has_value();
    EXPECT_TRUE(same) << c.t.s.id << ": the watcher has " << c.watcher.text() << ", the typist "
                      << c.t.expected;
    EXPECT_FALSE(c.watcher.ws->closed()) << c.t.s.id << " " << c.watcher.ws->close_code();
    EXPECT_EQ(c.t.p.seen_updates.size(), c.acked) << c.t.s.id;
    // A REST read catches the node's copy up first, which makes a consumer: for a while
    // after the second loss that can outlast its 20 s of retries, and the read answers 503
    // (retry), never a stale copy. Wait for real answers.
    for (const auto& id : live_ids()) {
      auto deadline = clock_type::now() + 60s;
      while (http_call(server(id).port(), "GET", "/api/sessions/" + c.t.s.id + "/state", "",
                       bearer(c.t.s.key))
                     .status == 503 &&
             clock_type::now() < deadline)
        std::this_thread::sleep_for(200ms);
    }
    expect_logged(c.t);
  }
}

}  // namespace
}  // namespace rooms::ha_test
