/// A roomd node stopped, its data dir deleted, and started again with the same id: its
/// sessions come back to it (rendezvous hashing over the live members) and it rebuilds each
/// from the stream. Every acknowledged event is in its copy, REST reads on it answer the whole
/// log, and the rooms go on.

#include "tests/ha/ha_cluster.hpp"

namespace rooms::ha_test {
namespace {

/// `before` (a session's log read earlier) is the start of `now`, event for event.
void expect_prefix(const std::vector<json>& before, const std::vector<json>& now,
                   const std::string& what) {
  ASSERT_LE(before.size(), now.size()) << what << ": events lost";
  for (std::size_t k = 0; k < before.size(); ++k) {
    json a = before[k], b = now[k];
    // Which node served a read is not part of the event.
    EXPECT_EQ(a.value("seq", 0u), b.value("seq", 0u)) << what << " #" << k;
    EXPECT_EQ(a.value("type", ""), b.value("type", "")) << what << " #" << k;
    EXPECT_EQ(a, b) << what << " #" << k;
  }
}

/// The ids of the sessions in `server`'s own store (admin listing, this node only).
std::vector<std::string> local_sessions(const roomd_process& server) {
  std::vector<std::string> out;
  auto r = http_call(server.port(), "GET", "/api/admin/sessions?scope=local&state=all&limit=500",
                     "", bearer(admin_token));
  EXPECT_EQ(r.status, 200) << r.body;
  json j = body_of(r);
  for (const auto& row : j.value("sessions", json::array()))
    out.push_back(row.value("sessionId", ""));
  return out;
}

TEST_F(ha_cluster, a_node_restarted_with_an_empty_data_dir_catches_up_from_the_stream) {
  constexpr int sessions = 18;
  auto typists = typists_on_every_node(sessions);
  ASSERT_FALSE(HasFailure());
  auto far = [] { return clock_type::now() + 30s; };
  for (auto& t : typists) ASSERT_TRUE(connect(t, far())) << t.s.id;
  for (char c : std::string("abcde"))
    for (auto& t : typists) ASSERT_TRUE(type_one(t, c, far())) << t.s.id << ": " << t.last_failure;

  // The node owning most sessions dies; its sessions go on elsewhere.
  std::map<std::string, std::vector<int>> owned;
  for (int i = 0; i < sessions; ++i) owned[owner_of(typists[i])].push_back(i);
  auto victim = std::max_element(owned.begin(), owned.end(), [](const auto& a, const auto& b) {
                  return a.second.size() < b.second.size();
                })->first;
  const auto& mine = owned[victim];
  ASSERT_FALSE(mine.empty());
  ASSERT_GE(local_sessions(server(victim)).size(), mine.size());
  std::cout << "kill -9 " << victim << " (" << mine.size() << " sessions)" << std::endl;
  // SIGKILL: a SIGTERM'd `roomd --nats` with clients attached does not exit yet (docs/cluster.md).
  server(victim).kill9();
  servers_[victim].reset();
  for (char c : std::string("fgh"))
    for (auto& t : typists) ASSERT_TRUE(type_one(t, c, far())) << t.s.id << ": " << t.last_failure;
  std::vector<std::vector<json>> logs(sessions);
  for (int i : mine) logs[i] = all_events(server(owner_of(typists[i])), typists[i].s);

  // Back with nothing on disk.
  start(victim, true);
  wait_for_members();
  ASSERT_TRUE(local_sessions(server(victim)).empty());
  // Its first REST reads rebuild its copy: the whole log, though the rooms are elsewhere yet.
  for (int i : mine) {
    const auto& t = typists[i];
    ASSERT_EQ(owner_of(t), victim);
    auto events = all_events(server(victim), t.s);
    expect_prefix(logs[i], events, t.s.id + " read first on " + victim);
    EXPECT_EQ(latest_state(server(victim), t.s).value("doc", ""), t.expected) << t.s.id;
  }
  // The rooms come back to it (their clients resume there) and go on.
  for (char c : std::string("ijklm"))
    for (auto& t : typists) ASSERT_TRUE(type_one(t, c, far())) << t.s.id << ": " << t.last_failure;
  auto local = local_sessions(server(victim));
  for (int i : mine) {
    auto& t = typists[i];
    EXPECT_NE(std::find(local.begin(), local.end(), t.s.id), local.end())
        << t.s.id << " is not in " << victim << "'s store";
    auto events = all_events(server(victim), t.s);
    expect_prefix(logs[i], events, t.s.id + " on " + victim);
    EXPECT_EQ(latest_state(server(victim), t.s).value("doc", ""), t.expected) << t.s.id;
    EXPECT_GE(t.expected.size(), 13u) << t.s.id;
  }
  // The rooms themselves are on it now, writing through it.
  EXPECT_GE(metric(server(victim), "rooms_live").value_or(0), static_cast<double>(mine.size()));
  EXPECT_GT(metric(server(victim), "rooms_events_appended_total").value_or(0), 0);
  // Every node answers every session as acknowledged.
  for (auto& t : typists) expect_logged(t);
}

}  // namespace
}  // namespace rooms::ha_test
