/// Unit tests of the cluster file and of session ownership (rendezvous hashing).

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "cluster/cluster.hpp"
#include "eventlog/store.hpp"

namespace rooms::cluster {
namespace {

std::vector<node> parse_ok(const std::string& text) {
  auto parsed = parse_cluster(text);
  if (auto* err = std::get_if<std::string>(&parsed)) ADD_FAILURE() << *err;
  return std::get<std::vector<node>>(parsed);
}

std::string parse_error(const std::string& text) {
  auto parsed = parse_cluster(text);
  EXPECT_TRUE(std::holds_alternative<std::string>(parsed)) << text;
  return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "";
}

const std::string three =
    "# three nodes on loopback\n"
    "a 127.0.0.1:9101 127.0.0.1:8101\n"
    "\n"
    "b 127.0.0.1:9102 127.0.0.1:8102   # second\n"
    "c 127.0.0.1:9103 127.0.0.1:8103\n";

TEST(cluster_file, lists_nodes_with_their_addresses) {
  auto nodes = parse_ok(three);
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[1].id, "b");
  EXPECT_EQ(nodes[1].caf_host, "127.0.0.1");
  EXPECT_EQ(nodes[1].caf_port, 9102);
  EXPECT_EQ(nodes[1].http_port, 8102);
  EXPECT_EQ(nodes[2].http_base(), "http://127.0.0.1:8103");
}

TEST(cluster_file, bad_lines_are_named) {
  EXPECT_EQ(parse_error(""), "the cluster file lists no nodes");
  EXPECT_NE(parse_error("a 127.0.0.1:1\n").find("line 1: expected"), std::string::npos);
  EXPECT_NE(parse_error("a h:1 h:2 extra\n").find("line 1: expected"), std::string::npos);
  EXPECT_NE(parse_error("a h:1 h:2\na h:3 h:4\n").find("line 2: node id \"a\" appears twice"),
            std::string::npos);
  EXPECT_NE(parse_error("a/b h:1 h:2\n").find("node id"), std::string::npos);
  EXPECT_NE(parse_error("a h:0 h:2\n").find("bad CAF address"), std::string::npos);
  EXPECT_NE(parse_error("a h:1 h:70000\n").find("bad HTTP address"), std::string::npos);
  EXPECT_NE(parse_error("a h:1 :2\n").find("bad HTTP address"), std::string::npos);
}

TEST(ownership, is_deterministic_and_spread_evenly) {
  auto nodes = parse_ok(three);
  std::map<std::string, int> owned;
  constexpr int sessions = 3000;
  for (int i = 0; i < sessions; ++i) {
    auto id = eventlog::session_id::random().str();
    const node& owner = owner_of(nodes, id);
    EXPECT_EQ(owner_of(nodes, id).id, owner.id);  // same answer every time
    ++owned[owner.id];
  }
  ASSERT_EQ(owned.size(), 3u);
  // Binomial(3000, 1/3): mean 1000, sd ~26; 850..1150 is more than 5 sd either side.
  for (const auto& [id, n] : owned) {
    EXPECT_GT(n, 850) << id;
    EXPECT_LT(n, 1150) << id;
  }
}

TEST(ownership, removing_a_node_moves_only_its_sessions) {
  auto nodes = parse_ok(three);
  std::vector<node> without_c = {nodes[0], nodes[1]};
  int moved = 0;
  for (int i = 0; i < 1000; ++i) {
    auto id = eventlog::session_id::random().str();
    const std::string before = owner_of(nodes, id).id;
    const std::string after = owner_of(without_c, id).id;
    if (before != "c")
      EXPECT_EQ(after, before) << id;
    else
      ++moved;
  }
  EXPECT_GT(moved, 0);
}

TEST(ownership, does_not_depend_on_the_order_of_the_file) {
  auto nodes = parse_ok(three);
  std::vector<node> reversed(nodes.rbegin(), nodes.rend());
  for (int i = 0; i < 500; ++i) {
    auto id = eventlog::session_id::random().str();
    EXPECT_EQ(owner_of(nodes, id).id, owner_of(reversed, id).id);
  }
}

}  // namespace
}  // namespace rooms::cluster
