/// The query service against a real RocksDB in a temp dir: the answers the REST API and
/// roomctl --db both give.

#include "query/service.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "actors/domain/room_state.hpp"
#include "base/secrets.hpp"
#include "tests/testing/query_fixture.hpp"

namespace rooms::query {
namespace {

using eventlog::errc;
using eventlog::event;
using eventlog::event_type;
using eventlog::session_id;

constexpr std::int64_t t0 = testing::store_t0;

class QueryService : public testing::query_fixture {
 protected:
  created_session create(const std::string& title, const std::string& doc = "") {
    new_session spec;
    spec.id = session_id::random();
    spec.language = "python";
    spec.title = title;
    spec.doc = doc;
    auto created = query_->create(spec);
    EXPECT_TRUE(created.ok()) << created.error().to_string();
    return *created;
  }

  /// Appends "x<i>" at the end of the document `n` times, one second apart, and returns the
  /// events as logged (seq 2 onwards after a doc-less create).
  std::vector<event> type_lines(const session_id& id, int n) {
    std::vector<event> out;
    auto last = store_->last_seq(id);
    EXPECT_TRUE(last.ok());
    std::size_t length = 0;
    for (int i = 0; i < n; ++i) {
      event e;
      e.seq = *last + 1 + static_cast<std::uint64_t>(i);
      e.ts = t0 + 1000 * (i + 1);
      e.type = event_type::code_changed;
      e.participant_id = "p_1";
      std::string text = "x" + std::to_string(i);
      nlohmann::json changes = length == 0 ? json::array({json::array({0, text})})
                                           : json::array({length, json::array({0, text})});
      length += text.size();
      e.payload = {{"version", i + 1}, {"clientID", "c1"}, {"changes", changes}};
      out.push_back(e);
    }
    auto s = store_->append(id, out);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return out;
  }

  eventlog::session_meta meta(const session_id& id) {
    auto m = query_->meta(id);
    EXPECT_TRUE(m.ok()) << m.error().to_string();
    return *m;
  }

  /// The fold from nothing over events 1..seq, as the REST state view.
  json folded(const session_id& id, std::uint64_t seq) {
    domain::room_state state;
    auto scanned = store_->scan(id, 1, [&](const event& e) {
      if (e.seq > seq) return false;
      auto err = domain::apply(state, e);
      EXPECT_FALSE(err) << err->message;
      return true;
    });
    EXPECT_TRUE(scanned.ok());
    json out = domain::to_json(state);
    out["title"] = state.title;
    out["ts"] = state.last_ts;
    return out;
  }
};

TEST_F(QueryService, CreateWritesMetaAndSessionCreatedAndShowsTheKeyOnce) {
  auto created = create("Two sum");
  EXPECT_EQ(created.key.size(), 48u) << "192 bits in hex";
  EXPECT_EQ(created.meta.key_hash, base::sha256_hex(created.key));
  auto stored = meta(created.meta.id);
  EXPECT_EQ(stored.key_hash, created.meta.key_hash);
  EXPECT_EQ(stored.events, 1u);
  EXPECT_EQ(stored.created_at, t0) << "the store's clock";
  auto events = store_->read(created.meta.id, 1, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, event_type::session_created);
  EXPECT_EQ((*events)[0].payload, json({{"language", "python"}, {"title", "Two sum"}}));

  auto answer = service::created_json(created);
  const auto id = created.meta.id.str();
  EXPECT_EQ(answer["sessionId"], id);
  EXPECT_EQ(answer["joinUrl"], "/room/" + id);
  EXPECT_EQ(answer["interviewerKey"], created.key);
  EXPECT_EQ(answer["interviewerUrl"], "/room/" + id + "#key=" + created.key);
  EXPECT_EQ(answer["replayUrl"], "/replay/" + id + "#key=" + created.key);
  EXPECT_FALSE(answer.contains("forkedFrom"));

  new_session again;
  again.id = created.meta.id;
  auto taken = query_->create(again);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code(), errc::already_exists) << taken.error().to_string();
}

TEST_F(QueryService, CreateWithADocumentLogsItsInsertion) {
  auto created = create("fork me", "line 1\nline 2\n");
  EXPECT_EQ(meta(created.meta.id).events, 2u);
  auto state = query_->state(created.meta.id, 2);
  ASSERT_TRUE(state.ok()) << state.error().to_string();
  EXPECT_EQ((*state)["doc"], "line 1\nline 2\n");
  EXPECT_EQ((*state)["version"], 1);
}

TEST_F(QueryService, StateAtEverySeqEqualsTheFoldWithASnapshotOnTheWay) {
  auto id = create("typing").meta.id;
  type_lines(id, 12);
  // A snapshot at seq 6, as a room writes: later states start from it.
  domain::room_state at6;
  store_->scan(id, 1, [&](const event& e) { return e.seq <= 6 && !domain::apply(at6, e); }).ok();
  ASSERT_EQ(at6.seq, 6u);
  ASSERT_TRUE(store_->put_snapshot(id, 6, domain::encode_snapshot(at6)).ok());
  for (std::uint64_t seq = 1; seq <= 13; ++seq) {
    auto state = query_->state(id, seq);
    ASSERT_TRUE(state.ok()) << state.error().to_string();
    EXPECT_EQ(*state, folded(id, seq)) << "seq " << seq;
  }
  EXPECT_EQ((*query_->state(id, 13))["doc"], "x0x1x2x3x4x5x6x7x8x9x10x11");
  EXPECT_EQ((*query_->state(id, 13))["title"], "typing");
  EXPECT_EQ((*query_->state(id, 13))["ts"], t0 + 12'000);
}

TEST_F(QueryService, ResolveSeqByNumberTimeOrLatest) {
  auto id = create("t").meta.id;
  type_lines(id, 4);  // ts t0+1000 .. t0+4000 at seqs 2..5
  auto m = meta(id);
  EXPECT_EQ(*query_->resolve_seq(m, std::nullopt, std::nullopt), 5u);
  EXPECT_EQ(*query_->resolve_seq(m, 3, std::nullopt), 3u);
  EXPECT_EQ(*query_->resolve_seq(m, std::nullopt, t0 + 2500), 3u);
  EXPECT_EQ(*query_->resolve_seq(m, std::nullopt, t0), 1u);
  EXPECT_EQ(*query_->resolve_seq(m, std::nullopt, t0 + 999'999), 5u);
  for (std::uint64_t bad : {0u, 6u}) {
    auto r = query_->resolve_seq(m, bad, std::nullopt);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), errc::invalid_argument);
    EXPECT_EQ(r.error().message(), "\"seq\" must be 1..5");
  }
  auto before = query_->resolve_seq(m, std::nullopt, t0 - 1);
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.error().code(), errc::invalid_argument);
}

TEST_F(QueryService, EventsPageUntilNextIsNull) {
  auto id = create("paging").meta.id;
  type_lines(id, 6);
  auto m = meta(id);
  std::vector<std::uint64_t> seqs;
  std::uint64_t from = 1;
  int pages = 0;
  for (;;) {
    auto page = query_->events(m, from, 3);
    ASSERT_TRUE(page.ok()) << page.error().to_string();
    ++pages;
    for (const auto& e : (*page)["events"]) seqs.push_back(e["seq"]);
    if ((*page)["next"].is_null()) break;
    from = (*page)["next"];
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7}));
  auto first = *query_->events(m, 1, 1);
  EXPECT_EQ(first["events"][0], eventlog::to_json(store_->read(id, 1, 1)->front()))
      << "the /events JSON of each event";
  EXPECT_EQ((*query_->events(m, 8, 10))["events"], json::array());
  EXPECT_TRUE((*query_->events(m, 8, 10))["next"].is_null());
}

TEST_F(QueryService, ListRowsNewestFirstPagedAndFilteredByLive) {
  std::vector<session_id> ids;
  for (int i = 0; i < 3; ++i) {
    now_ = t0 + i * 60'000;
    ids.push_back(create("s" + std::to_string(i)).meta.id);
  }
  // Offline: nobody is live.
  auto first = query_->list(list_filter::all, 2, "", live_sessions{});
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  ASSERT_EQ((*first)["sessions"].size(), 2u);
  EXPECT_EQ((*first)["sessions"][0]["sessionId"], ids[2].str());
  EXPECT_EQ((*first)["sessions"][1]["sessionId"], ids[1].str());
  ASSERT_TRUE((*first)["next"].is_string());
  auto second = query_->list(list_filter::all, 2, (*first)["next"], live_sessions{});
  ASSERT_TRUE(second.ok());
  ASSERT_EQ((*second)["sessions"].size(), 1u);
  EXPECT_EQ((*second)["sessions"][0]["sessionId"], ids[0].str());
  EXPECT_TRUE((*second)["next"].is_null());

  const auto& row = (*second)["sessions"][0];
  auto m = meta(ids[0]);
  EXPECT_EQ(row, json({{"sessionId", ids[0].str()},
                       {"createdAt", m.created_at},
                       {"lastActivityAt", m.last_activity_at},
                       {"expiresAt", m.expires_at},
                       {"language", "python"},
                       {"title", "s0"},
                       {"events", 1},
                       {"bytes", m.bytes},
                       {"live", false},
                       {"participants", json::array()}}));

  // One live room: the filters split the rows, and only a live row asks for participants.
  live_sessions live;
  std::set<std::string> asked;
  live.is_live = [&](const std::string& id) { return id == ids[1].str(); };
  live.participants = [&](const session_id& id) {
    asked.insert(id.str());
    return json::array({{{"participantId", "p_1"}}});
  };
  auto only_live = *query_->list(list_filter::live, 10, "", live);
  ASSERT_EQ(only_live["sessions"].size(), 1u);
  EXPECT_EQ(only_live["sessions"][0]["sessionId"], ids[1].str());
  EXPECT_EQ(only_live["sessions"][0]["live"], true);
  EXPECT_EQ(only_live["sessions"][0]["participants"].size(), 1u);
  EXPECT_EQ(asked, std::set<std::string>{ids[1].str()});
  auto stored = *query_->list(list_filter::stored, 10, "", live);
  ASSERT_EQ(stored["sessions"].size(), 2u);
  for (const auto& r : stored["sessions"]) EXPECT_NE(r["sessionId"], ids[1].str());
  // A filter that skips rows keeps paging the log until the page is full.
  auto stored_page = *query_->list(list_filter::stored, 2, "", live);
  EXPECT_EQ(stored_page["sessions"].size(), 2u);

  auto bad = query_->list(list_filter::all, 2, "not a cursor", live_sessions{});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), errc::invalid_argument);
}

TEST_F(QueryService, InspectCountsEventsAndCarriesTheKeyHash) {
  auto created = create("inspect me");
  type_lines(created.meta.id, 3);
  auto body = query_->inspect(meta(created.meta.id), live_sessions{});
  ASSERT_TRUE(body.ok()) << body.error().to_string();
  EXPECT_EQ((*body)["eventsByType"], json({{"session_created", 1}, {"code_changed", 3}}));
  EXPECT_EQ((*body)["keyHash"], created.meta.key_hash);
  EXPECT_EQ((*body)["state"]["doc"], "x0x1x2");
  EXPECT_EQ((*body)["state"]["title"], "inspect me");
  EXPECT_EQ((*body)["events"], 4);
  EXPECT_EQ((*body)["live"], false);
}

TEST_F(QueryService, ForkCopiesTheStateAtASeq) {
  auto source = create("original");
  type_lines(source.meta.id, 3);
  auto fork = query_->fork(meta(source.meta.id), 3, session_id::random());
  ASSERT_TRUE(fork.ok()) << fork.error().to_string();
  EXPECT_EQ(fork->forked_from, json({{"sessionId", source.meta.id.str()}, {"seq", 3}}));
  EXPECT_EQ(service::created_json(*fork)["forkedFrom"], fork->forked_from);
  auto state = *query_->state(fork->meta.id, 2);
  EXPECT_EQ(state["doc"], "x0x1");
  EXPECT_EQ(state["title"], "original");
  auto first = store_->read(fork->meta.id, 1, 1);
  EXPECT_EQ(first->front().payload["forkedFrom"], fork->forked_from);
  EXPECT_NE(fork->key, source.key);
  auto bad = query_->fork(meta(source.meta.id), 5, session_id::random());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), errc::invalid_argument);
}

TEST_F(QueryService, ImportIsValidatedAndNeverOverwrites) {
  const std::string id = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b";
  std::string text =
      json{{"type", "session"},
           {"format", 1},
           {"sessionId", id},
           {"createdAt", t0},
           {"language", "python"},
           {"title", "imported"},
           {"keyHash", base::sha256_hex("k")}}
          .dump() +
      "\n" +
      R"({"seq":1,"ts":1700000000000,"type":"session_created","language":"python","title":"imported"})" +
      "\n";
  auto imported = query_->import(text);
  ASSERT_TRUE(imported.ok()) << imported.error().to_string();
  EXPECT_EQ(*imported, json({{"sessionId", id}, {"events", 1}}));
  EXPECT_EQ(meta(*session_id::parse(id)).title, "imported");
  auto again = query_->import(text);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), errc::already_exists);
  auto garbage = query_->import("{\"type\":\"session\"}\nnot json\n");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.error().code(), errc::invalid_argument);
}

TEST_F(QueryService, StoreStatsAndCompact) {
  create("a");
  auto stats = query_->store_stats();
  EXPECT_EQ(stats["storeEvents"], 1);
  EXPECT_TRUE(stats.contains("storeBatches") && stats.contains("storeBytes") &&
              stats.contains("liveSstBytes"));
  auto compacted = query_->compact();
  ASSERT_TRUE(compacted.ok()) << compacted.error().to_string();
  EXPECT_EQ((*compacted)["expired"], 0);
  now_ =
      t0 + std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(24 * 365 * 101))
               .count();
  EXPECT_EQ((*query_->compact())["expired"], 1) << "past its retention";
}

}  // namespace
}  // namespace rooms::query
