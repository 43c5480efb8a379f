/// Three roomd nodes on three clustered nats-server processes (`roomd --nats`): owners are
/// killed with SIGKILL round after round while every session is typed in, and no
/// acknowledged edit is lost. Failover time (kill to the first accepted edit of a session the
/// dead node owned) is printed; tools/bench-cluster records it.

#include "tests/ha/ha_cluster.hpp"

namespace rooms::ha_test {
namespace {

TEST_F(ha_cluster, killing_owners_ten_times_loses_no_acknowledged_edit) {
  constexpr int sessions = 60, rounds = 10;
  auto typists = typists_on_every_node(sessions);
  ASSERT_FALSE(HasFailure());
  auto far = [] { return clock_type::now() + 30s; };
  for (auto& t : typists) ASSERT_TRUE(connect(t, far())) << t.s.id;
  for (int k = 0; k < 3; ++k)
    for (auto& t : typists) ASSERT_TRUE(type_one(t, 'a', far())) << t.s.id;

  std::vector<double> failover_ms;
  for (int round = 0; round < rounds; ++round) {
    // The node owning most sessions dies without a word.
    std::map<std::string, std::vector<int>> owned;
    auto live = live_nodes();
    for (int i = 0; i < sessions; ++i)
      owned[cluster::owner_of(live, typists[i].s.id).id].push_back(i);
    auto victim = std::max_element(owned.begin(), owned.end(), [](const auto& a, const auto& b) {
                    return a.second.size() < b.second.size();
                  })->first;
    std::cout << "round " << round << ": kill -9 " << victim << " (" << owned[victim].size()
              << " sessions)" << std::endl;
    servers_[victim]->kill9();
    auto killed_at = clock_type::now();
    servers_[victim].reset();
    // Everyone keeps typing; the dead node's sessions continue elsewhere.
    char c = static_cast<char>('b' + round % 20);
    for (int i : owned[victim]) {
      auto accepted = type_one(typists[i], c, far());
      ASSERT_TRUE(accepted) << "round " << round << ": session " << typists[i].s.id
                            << " did not continue after " << victim
                            << " died: " << typists[i].last_failure;
      failover_ms.push_back(
          std::chrono::duration<double, std::milli>(*accepted - killed_at).count());
    }
    for (auto& t : typists)
      ASSERT_TRUE(type_one(t, c, far()))
          << "round " << round << ": " << t.s.id << ": " << t.last_failure;
    // It comes back (once with an empty data dir: it catches up from the stream), and the
    // sessions it owns again move back to it.
    start(victim, round == 2);
    for (auto& t : typists)
      ASSERT_TRUE(type_one(t, c, far()))
          << "round " << round << ": " << t.s.id << ": " << t.last_failure;
  }
  std::sort(failover_ms.begin(), failover_ms.end());
  std::cout << "failover over " << failover_ms.size() << " sessions: p50 "
            << failover_ms[failover_ms.size() / 2] << " ms, max " << failover_ms.back() << " ms\n";

  // Every acknowledged edit is in the log, as every node serves it.
  for (auto& t : typists) {
    for (const auto& id : live_ids()) {
      json state = latest_state(server(id), t.s);
      EXPECT_EQ(state.value("doc", ""), t.expected) << t.s.id << " via " << id;
      if (state.value("doc", "") != t.expected) {
        auto events = all_events(server(id), t.s);
        for (std::size_t k = events.size() > 12 ? events.size() - 12 : 0; k < events.size(); ++k)
          std::cout << events[k].dump() << "\n";
        break;
      }
    }
  }
}

}  // namespace
}  // namespace rooms::ha_test
