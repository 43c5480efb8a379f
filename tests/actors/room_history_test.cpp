/// The room's in-memory history (bounded by count and bytes, older updates served from the
/// log without blocking) and passivation that does not block an actor thread.

#include <future>
#include <thread>

#include "tests/actors/room_fixture.hpp"

namespace rooms::actors::test {
namespace {

using eventlog::event_type;

/// Every code update of the log as code_changed carries it, in order.
std::vector<json> logged_updates(log_dir& log, const eventlog::session_id& id) {
  std::vector<json> out;
  for (const auto& e : log.events(id))
    if (e.type == event_type::code_changed)
      out.push_back({{"clientID", e.payload["clientID"]},
                     {"changes", e.payload["changes"]},
                     {"participantId", e.participant_id}});
  return out;
}

TEST(room_history, a_pull_from_beyond_the_history_is_served_from_the_log_in_order) {
  log_dir log;
  auto id = log.create_session();
  room_config config;
  config.history_window = 4;
  rooms_system sys(log.store(), config);
  test_conn a(sys, id), b(sys, id);
  a.join("a");
  const std::string token = b.join("b").value("resumeToken", "");
  // Multi-line inserts and deletions too: what the log returns is replayed verbatim.
  for (int i = 0; i < 12; ++i)
    ASSERT_TRUE(a.type_at_end(i % 3 == 0 ? "line\nnext" : "x" + std::to_string(i)));
  ASSERT_TRUE(a.push(json::array({json::array({3}), a.text().size() - 3})).value_or(false));
  b.until_pong();
  const auto total = a.version();
  auto logged = logged_updates(log, id);
  ASSERT_EQ(logged.size(), total);

  // From the log (version 1 is older than the 4 updates kept), and then an update made right
  // after the pull: it reaches b after the pull's reply, never before it.
  b.send({{"type", "pull"}, {"version", 1}, {"ref", 7}});
  ASSERT_TRUE(a.type_at_end("!"));
  auto reply = b.next_of_type("code_changed");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->value("from", 0u), 1u);
  EXPECT_EQ(reply->value("ref", 0), 7);
  ASSERT_EQ((*reply)["updates"].size(), total - 1);
  for (std::size_t i = 0; i + 1 < total; ++i)
    EXPECT_EQ((*reply)["updates"][i], logged[i + 1]) << "update " << i + 2;
  auto next = b.next_of_type("code_changed");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->value("from", 0u), total);
  EXPECT_EQ((*next)["updates"].size(), 1u);

  // From memory (the last updates): the same JSON as logged.
  b.send({{"type", "pull"}, {"version", total - 2}});
  auto recent = b.next_of_type("code_changed");
  ASSERT_TRUE(recent);
  logged = logged_updates(log, id);
  ASSERT_EQ((*recent)["updates"].size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ((*recent)["updates"][i], logged[total - 2 + i]);

  // A resume from an old version is served from the log as well, right after session_state.
  test_conn again(sys, id);
  again.send({{"type", "join_session"}, {"name", "b"}, {"resumeToken", token}, {"version", 2}});
  auto st = again.next();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->value("type", ""), "session_state");
  auto missed = again.next();
  ASSERT_TRUE(missed);
  EXPECT_EQ(missed->value("type", ""), "code_changed");
  EXPECT_EQ(missed->value("from", 0u), 2u);
  ASSERT_EQ((*missed)["updates"].size(), logged.size() - 2);
  for (std::size_t i = 2; i < logged.size(); ++i) EXPECT_EQ((*missed)["updates"][i - 2], logged[i]);
}

TEST(room_history, the_history_is_bounded_in_bytes) {
  log_dir log;
  auto id = log.create_session();
  room_config config;
  config.history_window = 100'000;
  config.history_max_bytes = 20 * 1024;  // a few hundred keystrokes
  rooms_system sys(log.store(), config);
  test_conn a(sys, id), b(sys, id);
  a.join("a");
  b.join("b");
  // Long inserts (heap bytes per entry) then keystrokes.
  const std::string chunk(900, 'y');
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(a.type_at_end(chunk));
  b.until_pong();
  const auto v = a.version();
  // A cursor at the oldest version: too old to map once the history dropped it (by bytes,
  // not count: the window is 100,000).
  a.send({{"type", "cursor_update"}, {"version", 1}, {"anchor", 0}, {"head", 0}, {"ref", "old"}});
  auto err = a.next_of_type("error");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->value("ref", ""), "old");
  EXPECT_NE(err->value("message", "").find("too old"), std::string::npos) << *err;
  // A recent one is mapped, and pulls from either side are complete and exact.
  a.send({{"type", "cursor_update"}, {"version", v - 2}, {"anchor", 0}, {"head", 0}});
  auto moved = b.next_of_type("cursor_updated");
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->value("version", 0u), v);
  auto logged = logged_updates(log, id);
  for (std::uint64_t from : {std::uint64_t{0}, v - 3}) {
    b.send({{"type", "pull"}, {"version", from}});
    auto r = b.next_of_type("code_changed");
    ASSERT_TRUE(r);
    ASSERT_EQ((*r)["updates"].size(), v - from);
    for (std::size_t i = 0; i < v - from; ++i) EXPECT_EQ((*r)["updates"][i], logged[from + i]);
  }
}

/// Whether the room can still map a cursor at `version`, that is whether its history still
/// holds every update after `version` (a mapped cursor is not answered to its sender).
bool history_reaches_back_to(test_conn& c, std::uint64_t version) {
  c.send({{"type", "cursor_update"}, {"version", version}, {"anchor", 0}, {"head", 0}});
  for (const auto& m : c.until_pong())
    if (m.value("type", "") == "error") {
      EXPECT_NE(m.value("message", "").find("too old"), std::string::npos) << m;
      return false;
    }
  return true;
}

TEST(room_history, is_dropped_up_to_the_oldest_version_a_member_has_acknowledged) {
  log_dir log;
  auto id = log.create_session();
  room_config config;              // the count and byte caps far away
  config.history_min_entries = 0;  // no recent tail kept: the acknowledgements alone decide
  rooms_system sys(log.store(), config);
  test_conn a(sys, id), b(sys, id), c(sys, id);
  a.join("a");
  b.join("b");
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(a.type_at_end("a" + std::to_string(i)));
  b.until_pong();  // b follows but acknowledges nothing: it joined at version 0
  EXPECT_TRUE(history_reaches_back_to(b, 0)) << "b may still pull from its join";
  // b pushes at version 6, then a at 7 (a push acknowledges the version it was made at: until
  // its echo arrives, the pusher's cursors and pulls still come from there). Nobody needs the
  // updates up to version 6 any more.
  ASSERT_TRUE(b.type_at_end("b"));
  a.until_pong();
  ASSERT_TRUE(a.type_at_end("a"));
  b.until_pong();
  ASSERT_EQ(a.version(), 8u);
  EXPECT_FALSE(history_reaches_back_to(a, 5));
  EXPECT_TRUE(history_reaches_back_to(a, 6)) << "b acknowledged only version 6";
  // A joiner after the drop gets the document; a pull from before the drop comes from the log,
  // complete and exact.
  c.join("c");
  EXPECT_EQ(c.text(), a.text());
  auto logged = logged_updates(log, id);
  c.send({{"type", "pull"}, {"version", 0}});
  auto r = c.next_of_type("code_changed");
  ASSERT_TRUE(r);
  ASSERT_EQ((*r)["updates"].size(), logged.size());
  for (std::size_t i = 0; i < logged.size(); ++i) EXPECT_EQ((*r)["updates"][i], logged[i]);
}

TEST(room_history, is_held_for_a_member_that_is_behind_until_it_catches_up_or_leaves) {
  log_dir log;
  auto id = log.create_session();
  room_config config;
  config.resume_grace = std::chrono::milliseconds(2000);  // the typing below fits in it
  config.history_min_entries = 0;  // no recent tail kept: the acknowledgements alone decide
  rooms_system sys(log.store(), config);
  test_conn a(sys, id), b(sys, id), idle(sys, id);
  a.join("a");
  b.join("b");
  idle.join("idle");
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(a.type_at_end("a"));
    b.until_pong();
    ASSERT_TRUE(b.type_at_end("b"));
    a.until_pong();
  }
  // a and b acknowledged versions 6 and 7 (their last pushes); idle only its join (0).
  EXPECT_TRUE(history_reaches_back_to(a, 0)) << "dropped what idle still needs";
  // idle acknowledges version 5 with a pull: what is before it goes.
  idle.send({{"type", "pull"}, {"version", 5}});
  ASSERT_TRUE(idle.next_of_type("code_changed"));
  EXPECT_FALSE(history_reaches_back_to(a, 4));
  EXPECT_TRUE(history_reaches_back_to(a, 5));
  // A dropped member stays resumable at what it acknowledged: the history waits for it...
  idle.close(int{value(domain::close_code::abnormal)});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.type_at_end("c"));
  b.until_pong();
  ASSERT_TRUE(b.type_at_end("d"));
  EXPECT_TRUE(history_reaches_back_to(a, 5)) << "dropped what a resumable member needs";
  // ...until its grace ends and it leaves.
  auto left = a.next_of_type("participant_left");
  ASSERT_TRUE(left);
  EXPECT_EQ(left->value("participantId", ""), idle.pid());
  EXPECT_FALSE(history_reaches_back_to(a, 5));
}

/// Holds the store's writer thread inside an append callback until released, so no write
/// completes meanwhile (the test's stand-in for a slow disk).
class writer_gate {
 public:
  writer_gate(eventlog::store& store, const eventlog::session_id& scratch) {
    auto opened = open_.get_future().share();
    eventlog::event e;
    e.seq = 2;
    e.ts = eventlog::now_ms();
    e.type = event_type::focus_changed;
    e.payload = {{"focused", true}};
    store.append_async(scratch, {e}, [opened, this](eventlog::status) {
      held_.set_value();
      opened.wait();
    });
    held_.get_future().wait();
  }
  ~writer_gate() { release(); }
  void release() {
    if (!released_) open_.set_value();
    released_ = true;
  }

 private:
  std::promise<void> open_, held_;
  bool released_ = false;
};

std::string live(rooms_system& sys, const eventlog::session_id& id) {
  caf::scoped_actor self{sys.system()};
  std::string out = "?";
  self->request(sys.registry(), std::chrono::seconds(5), live_atom::value, id.str())
      .receive([&](const json& view) { out = view.dump(); },
               [&](caf::error& err) { out = "error " + caf::to_string(err); });
  return out;
}

TEST(room_passivation, waits_for_its_snapshot_without_holding_an_actor_thread) {
  log_dir log;
  auto scratch = log.create_session();
  auto busy = log.create_session();
  std::vector<eventlog::session_id> leaving = {log.create_session(), log.create_session(),
                                               log.create_session()};
  room_config config;
  config.idle_passivate = std::chrono::milliseconds(1500);  // time to hold the writer first
  rooms_system sys(log.store(), config);                    // two scheduler threads
  test_conn typist(sys, busy);
  typist.join("typist");
  std::vector<std::unique_ptr<test_conn>> leavers;
  caf::scoped_actor watcher{sys.system()};
  for (auto& id : leaving) {
    leavers.push_back(std::make_unique<test_conn>(sys, id));
    leavers.back()->join("leaver");
    ASSERT_TRUE(leavers.back()->type_at_end("some code"));
    watcher->monitor(leavers.back()->room());
  }
  for (auto& c : leavers) c->close(1000);
  // The leaves are in the log before the writer is held (then only the snapshots are pending).
  const std::vector<std::uint64_t> last_seq(leaving.size(), 4);  // created, joined, code, left
  for (auto& id : leaving) {
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (*log.store().last_seq(id) < 4 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::yield();
    ASSERT_EQ(*log.store().last_seq(id), 4u);
  }
  const std::size_t rooms = leaving.size();
  {
    writer_gate gate(log.store(), scratch);
    // The registry asks every idle room to stop; each queues its snapshot. More rooms than
    // scheduler threads: a blocking write would leave none for anyone else.
    for (auto& id : leaving) {
      auto deadline = std::chrono::steady_clock::now() + 5s;
      while (live(sys, id) != "null" && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
      ASSERT_EQ(live(sys, id), "null") << "the registry did not stop the idle room";
    }
    // Another room keeps answering meanwhile.
    typist.send({{"type", "ping"}, {"ref", "alive"}});
    auto pong = typist.next_of_type("pong");
    ASSERT_TRUE(pong) << "a passivating room held the actor threads";
    // No room answered its stop while its snapshot is not written.
    bool any_down = false;
    watcher->receive([&](caf::down_msg&) { any_down = true; }, caf::after(200ms) >> [] {});
    EXPECT_FALSE(any_down) << "a room stopped before its snapshot was durable";
  }
  // Released: every room writes its snapshot, at its last seq, then stops.
  for (std::size_t i = 0; i < rooms; ++i) {
    bool down = false;
    watcher->receive([&](caf::down_msg&) { down = true; }, caf::after(10s) >> [] {});
    ASSERT_TRUE(down) << "a room did not stop after its snapshot";
  }
  for (std::size_t i = 0; i < leaving.size(); ++i) {
    auto snap = log.store().snapshot_at_or_below(leaving[i], UINT64_MAX);
    ASSERT_TRUE(snap.ok() && snap->has_value());
    EXPECT_EQ((*snap)->seq, last_seq[i]);
  }
}

}  // namespace
}  // namespace rooms::actors::test
