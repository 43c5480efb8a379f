/// Three real roomd nodes on loopback (separate ports and data dirs) forming one cluster:
/// sessions spread over them, any node serves any session, and a node that dies takes only its
/// own sessions away until it is back, with their logs intact.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <caf/io/all.hpp>

#include "cluster/cluster.hpp"
#include "tests/gateway/helpers.hpp"
#include "tests/testing/ports.hpp"

namespace rooms::cluster {
namespace {

using namespace rooms::gateway::test;

/// Runs a command; its standard output.
std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ::pclose(p);
  return out;
}

class three_nodes : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ostringstream file;
    for (const std::string id : {"a", "b", "c"}) {
      int caf = testing::free_loopback_port(), http = testing::free_loopback_port();
      file << id << " 127.0.0.1:" << caf << " 127.0.0.1:" << http << "\n";
    }
    cluster_file_ = (dir_.path() / "cluster.txt").string();
    std::ofstream(cluster_file_) << file.str();
    nodes_ = std::get<std::vector<node>>(parse_cluster(file.str()));
    for (const auto& n : nodes_) {
      // One admin token for the whole cluster: admin calls are forwarded as they came.
      std::filesystem::create_directories(data_dir(n.id));
      std::ofstream(data_dir(n.id) + "/admin.token") << token_ << "\n";
      std::filesystem::permissions(
          data_dir(n.id) + "/admin.token",
          std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }
    for (const auto& n : nodes_) start(n.id);
  }

  std::string data_dir(const std::string& id) const {
    return (dir_.path() / ("node-" + id)).string();
  }
  const node& node_of(const std::string& id) const {
    for (const auto& n : nodes_)
      if (n.id == id) return n;
    throw std::runtime_error("no node " + id);
  }
  roomd_process& server(const std::string& id) { return *servers_.at(id); }
  void start(const std::string& id) {
    const node& n = node_of(id);
    servers_[id] = std::make_unique<roomd_process>(
        data_dir(id),
        std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(n.http_port),
                                 "--node-id", id, "--cluster", cluster_file_, "--create-per-minute",
                                 "100000", "--idle-passivate", "1s"});
  }
  std::string owner(const std::string& sid) const { return owner_of(nodes_, sid).id; }
  /// A session created through node `via`, and which node owns it.
  session create_via(const std::string& via) { return create_session(server(via)); }
  /// Creates sessions through the nodes in turn until one is owned by `id`.
  session session_owned_by(const std::string& id) {
    for (int i = 0; i < 100; ++i) {
      auto s = create_via(nodes_[i % 3].id);
      if (owner(s.id) == id) return s;
    }
    throw std::runtime_error("no session landed on " + id);
  }
  json admin_list(const std::string& via, const std::string& query) {
    auto r =
        http_call(server(via).port(), "GET", "/api/admin/sessions?" + query, "", bearer(token_));
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r);
  }

  temp_dir dir_;
  std::string cluster_file_;
  std::vector<node> nodes_;
  std::map<std::string, std::unique_ptr<roomd_process>> servers_;
  const std::string token_ = "cluster-admin-token-0123456789abcdef";
};

TEST_F(three_nodes, each_node_owns_about_a_third_of_300_sessions_and_any_node_serves_any) {
  std::vector<session> sessions;
  for (int i = 0; i < 300; ++i) sessions.push_back(create_via(nodes_[i % 3].id));
  std::map<std::string, int> expected;
  for (const auto& s : sessions) ++expected[owner(s.id)];
  for (const auto& n : nodes_) {
    // What each node's own log holds is exactly what the hash assigns to it.
    json local = admin_list(n.id, "scope=local&limit=1000");
    int count = static_cast<int>(local["sessions"].size());
    EXPECT_EQ(count, expected[n.id]) << n.id;
    for (const auto& row : local["sessions"]) EXPECT_EQ(owner(row.value("sessionId", "")), n.id);
    // Binomial(300, 1/3): mean 100, sd 8.2; 60..140 is about 5 sd.
    EXPECT_GT(count, 60) << n.id;
    EXPECT_LT(count, 140) << n.id;
  }
  // The merged listing from any node has all of them.
  json merged = admin_list("b", "limit=1000");
  EXPECT_EQ(merged["sessions"].size(), 300u);
  for (const auto& n : merged["nodes"]) EXPECT_TRUE(n.value("ok", false)) << n;
  // roomctl against any one node lists every session and inspects any of them.
  {
    std::string cmd = rooms::testing::bin_path("roomctl") + " --server " + server("c").base_url() +
                      " --token " + token_ + " --json list --limit 1000";
    std::string out = run(cmd);
    json listed = json::parse(out, nullptr, false);
    ASSERT_TRUE(listed.is_object() || listed.is_array()) << out;
    const json& rows = listed.is_object() ? listed["sessions"] : listed;
    EXPECT_EQ(rows.size(), 300u) << out.substr(0, 500);
    const auto& s = sessions.front();
    std::string inspect = run(rooms::testing::bin_path("roomctl") + " --server " +
                              server(owner(s.id) == "a" ? "b" : "a").base_url() + " --token " +
                              token_ + " --json inspect " + s.id);
    EXPECT_NE(inspect.find(s.id), std::string::npos) << inspect;
  }
  // Any node answers about any session, with the same content as its owner.
  for (int i = 0; i < 30; ++i) {
    const auto& s = sessions[static_cast<std::size_t>(i) * 10];
    auto direct = http_call(server(owner(s.id)).port(), "GET", "/api/sessions/" + s.id, "");
    ASSERT_EQ(direct.status, 200) << direct.body;
    for (const auto& n : nodes_) {
      auto r = http_call(server(n.id).port(), "GET", "/api/sessions/" + s.id, "");
      ASSERT_EQ(r.status, 200) << n.id << " " << r.body;
      EXPECT_EQ(body_of(r), body_of(direct)) << n.id;
    }
  }
}

TEST_F(three_nodes, clients_on_different_nodes_in_one_session_converge) {
  auto s = session_owned_by("c");
  auto pa = join(server("a"), s.id, "via-a");
  auto pb = join(server("b"), s.id, "via-b", "interviewer", s.key);
  auto pc = join(server("c"), s.id, "via-c");
  ASSERT_FALSE(pa.id.empty());
  ASSERT_FALSE(pb.id.empty());
  ASSERT_FALSE(pc.id.empty());
  // Each types in turn; everyone follows every change.
  std::vector<participant*> all = {&pa, &pb, &pc};
  for (int round = 0; round < 10; ++round) {
    for (auto* p : all) {
      ASSERT_TRUE(push(*p, insert_at(p->doc.size(), p->doc.size(), p->id.substr(0, 1))));
      for (auto* q : all)
        while (q != p && q->version < p->version)
          ASSERT_TRUE(q->follow()) << "stuck at " << q->version;
    }
  }
  EXPECT_EQ(pa.version, 30u);
  EXPECT_EQ(pa.text(), pb.text());
  EXPECT_EQ(pb.text(), pc.text());
  // The log (read through a node that does not own it) has the same document.
  auto st =
      http_call(server("a").port(), "GET", "/api/sessions/" + s.id + "/state", "", bearer(s.key));
  ASSERT_EQ(st.status, 200) << st.body;
  EXPECT_EQ(body_of(st).value("doc", ""), pa.text());
  // Its log is on c alone.
  auto listed = [&](const std::string& id) {
    json local = admin_list(id, "scope=local&limit=1000");
    for (const auto& row : local["sessions"])
      if (row.value("sessionId", "") == s.id) return true;
    return false;
  };
  EXPECT_TRUE(listed("c"));
  EXPECT_FALSE(listed("a"));
  EXPECT_FALSE(listed("b"));
}

TEST_F(three_nodes, a_dead_node_takes_only_its_sessions_away_until_it_returns) {
  auto on_a = session_owned_by("a");
  auto on_b = session_owned_by("b");
  auto on_c = session_owned_by("c");
  // Edits acknowledged by c's log, made through node a.
  std::string typed;
  {
    auto p = join(server("a"), on_c.id, "before");
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(push(p, insert_at(p.doc.size(), p.doc.size(), "x")));
    typed = p.text();
  }
  // A client of c's session connected through a, when c dies.
  auto watcher = join(server("a"), on_c.id, "watcher");
  ASSERT_FALSE(watcher.id.empty());
  server("c").kill9();

  auto closed = watcher.ws->wait_closed(15s);
  ASSERT_TRUE(closed) << "the socket of a session on the dead node stays open";
  EXPECT_EQ(*closed, close_node_unavailable);
  auto r = http_call(server("a").port(), "GET", "/api/sessions/" + on_c.id, "");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(body_of(r).value("error", ""), "unavailable");
  auto refused = ws_client::join_path(server("b").port(), on_c.id);
  refused->send({{"type", "join_session"}, {"name", "late"}, {"role", "candidate"}});
  auto code = refused->wait_closed(15s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, close_node_unavailable);

  // The other nodes' sessions are unaffected, through any surviving node.
  for (const std::string via : {"a", "b"}) {
    for (const auto* s : {&on_a, &on_b}) {
      auto p = join(server(via), s->id, "alive-" + via);
      ASSERT_FALSE(p.id.empty()) << via;
      EXPECT_TRUE(push(p, insert_at(p.doc.size(), p.doc.size(), "y"))) << via;
    }
  }
  json merged = admin_list("a", "limit=1000");
  bool c_reported = false;
  for (const auto& n : merged["nodes"])
    if (n.value("id", "") == "c") c_reported = !n.value("ok", true);
  EXPECT_TRUE(c_reported) << merged["nodes"];

  // c comes back on the same data dir: its session is there, with every acknowledged edit.
  start("c");
  json state;
  for (int i = 0; i < 100; ++i) {
    auto st = http_call(server("a").port(), "GET", "/api/sessions/" + on_c.id + "/state", "",
                        bearer(on_c.key));
    if (st.status == 200) {
      state = body_of(st);
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(state.is_object()) << "c's session did not come back through a";
  EXPECT_EQ(state.value("doc", ""), typed);
  // And clients join it through another node again, retrying like a client does (b fails
  // fast for a second after it last found c down, then reconnects).
  participant back;
  for (int attempt = 0; attempt < 50 && back.id.empty(); ++attempt) {
    auto ws = ws_client::join_path(server("b").port(), on_c.id);
    ws->send({{"type", "join_session"}, {"name", "after"}, {"role", "candidate"}});
    auto m = ws->next(5s);
    if (m && m->value("type", "") == "session_state") {
      back.ws = std::move(ws);
      back.id = m->value("participantId", "");
      back.version = m->value("version", std::uint64_t{0});
      back.doc = domain::utf8_to_utf16(m->value("doc", ""));
      break;
    }
    EXPECT_EQ(ws->close_code(), close_node_unavailable)
        << "while c is coming back, joins are refused as unavailable";
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_FALSE(back.id.empty()) << "node b:\n" << server("b").log();
  EXPECT_EQ(back.text(), typed);
  EXPECT_TRUE(push(back, insert_at(back.doc.size(), back.doc.size(), "z")));
}

TEST_F(three_nodes, a_dead_node_releases_the_rooms_its_sockets_were_attached_to) {
  auto on_b = session_owned_by("b");
  auto live_on_b = [&] {
    json local = admin_list("b", "scope=local&limit=1000");
    for (const auto& row : local["sessions"])
      if (row.value("sessionId", "") == on_b.id) return row.value("live", false);
    return false;
  };
  {
    auto p = join(server("a"), on_b.id, "via-a");
    auto q = join(server("a"), on_b.id, "via-a-too");
    ASSERT_TRUE(push(p, insert_at(0, 0, "kept")));
    ASSERT_TRUE(live_on_b());
    server("a").kill9();
  }
  // b notices a is gone: the participants drop (resumable), their attachments are released and
  // the room passivates like any unattended room (--idle-passivate 1s here), its log intact.
  bool passivated = false;
  for (int i = 0; i < 150 && !passivated; ++i) {
    passivated = !live_on_b();
    if (!passivated) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(passivated) << "the room stayed active for sockets of a dead node\n"
                          << server("b").log();
  auto st = http_call(server("b").port(), "GET", "/api/sessions/" + on_b.id + "/state", "",
                      bearer(on_b.key));
  ASSERT_EQ(st.status, 200);
  EXPECT_EQ(body_of(st).value("doc", ""), "kept");
}

TEST_F(three_nodes, a_peer_reaches_only_resolve_and_detach_on_the_published_port) {
  auto s = session_owned_by("a");
  // A CAF node of its own, like a peer: it connects to a's published port.
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system system{cfg};
  auto typed = system.middleman().remote_actor<published_registry>(node_of("a").caf_host,
                                                                   node_of("a").caf_port);
  ASSERT_TRUE(typed) << system.render(typed.error());
  // Untyped, so that the test can send what the interface leaves out, as a hostile peer would.
  std::optional<caf::actor> published = caf::actor_cast<caf::actor>(*typed);
  caf::scoped_actor self{system};
  auto refused = [&](auto... request) {
    std::string outcome = "answered";
    self->request(*published, std::chrono::seconds(10), request...)
        .receive([&](caf::message&) {},
                 [&](caf::error& err) {
                   outcome = err == caf::sec::unexpected_message ? "refused" : system.render(err);
                 });
    return outcome;
  };
  EXPECT_EQ(refused(actors::expire_atom::value, s.id, std::string("peer")), "refused");
  EXPECT_EQ(refused(actors::shutdown_atom::value), "refused");
  EXPECT_EQ(refused(actors::live_atom::value, s.id), "refused");
  EXPECT_EQ(refused(actors::list_atom::value), "refused");
  // The session is still there, and a still serves it and its peers.
  EXPECT_EQ(http_call(server("a").port(), "GET", "/api/sessions/" + s.id, "").status, 200);
  auto p = join(server("b"), s.id, "via-b");
  ASSERT_TRUE(p.ws);
  // Resolve (and detach) are what the port is for.
  std::string status;
  self->request(*published, std::chrono::seconds(10), actors::resolve_atom::value, s.id)
      .receive([&](const caf::actor& room) { status = room ? "ok" : "no room"; },
               [&](caf::error& err) { status = system.render(err); });
  EXPECT_EQ(status, "ok");
  self->send(*published, actors::detach_atom::value, s.id);
}

}  // namespace
}  // namespace rooms::cluster
