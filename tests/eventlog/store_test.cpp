#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "eventlog/detail/keys.hpp"
#include "eventlog/store.hpp"
#include "tests/eventlog/helpers.hpp"
#include "tests/testing/raw_rocksdb.hpp"
#include "tests/testing/temp_dir.hpp"

namespace rooms::eventlog {
namespace {

using test::code_event;

constexpr std::int64_t t0 = 1'700'000'000'000;

/// A store in a fresh temp dir with a clock the test moves by hand.
class store_test : public ::testing::Test {
 protected:
  store_options opts() {
    store_options o;
    o.path = (dir_.path() / "db").string();
    o.clock = [this] { return clock_.load(); };
    o.retention = std::chrono::hours(1);
    return o;
  }
  std::unique_ptr<store> open(store_options o) {
    auto opened = store::open(std::move(o));
    EXPECT_TRUE(opened.ok()) << opened.error().to_string();
    return opened ? std::move(opened.value()) : nullptr;
  }
  void SetUp() override {
    db_ = open(opts());
    ASSERT_TRUE(db_);
  }

  session_id create(std::string title = "t", std::int64_t ts = t0) {
    session_meta m;
    m.id = session_id::random();
    m.created_at = ts;
    m.language = "python";
    m.title = std::move(title);
    m.key_hash = sha256_hex("secret");
    event first;
    first.seq = 1;
    first.ts = ts;
    first.type = event_type::session_created;
    first.payload = {{"language", "python"}, {"title", m.title}};
    auto s = db_->create_session(m, first);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return m.id;
  }
  void append_range(const session_id& id, std::uint64_t from, std::uint64_t to, std::int64_t ts) {
    std::vector<event> events;
    for (auto seq = from; seq <= to; ++seq) events.push_back(code_event(seq, ts));
    ROOMS_ASSERT_OK(db_->append(id, std::move(events)));
  }

  rooms::testing::temp_dir dir_;
  std::atomic<std::int64_t> clock_{t0};
  std::unique_ptr<store> db_;
};

TEST_F(store_test, create_append_read) {
  auto id = create("Two sum");
  append_range(id, 2, 10, t0 + 5);
  auto events = db_->read(id, 1, 100);
  ROOMS_ASSERT_OK(events.error());
  ASSERT_EQ(events->size(), 10u);
  for (std::size_t i = 0; i < events->size(); ++i) EXPECT_EQ((*events)[i].seq, i + 1);
  EXPECT_EQ((*events)[0].type, event_type::session_created);
  EXPECT_EQ((*events)[4], code_event(5, t0 + 5));

  auto page = db_->read(id, 4, 3);
  ROOMS_ASSERT_OK(page.error());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ(page->front().seq, 4u);

  auto meta = db_->meta(id);
  ROOMS_ASSERT_OK(meta.error());
  EXPECT_EQ(meta->events, 10u);
  EXPECT_EQ(meta->title, "Two sum");
  EXPECT_EQ(meta->key_hash, sha256_hex("secret"));
  EXPECT_EQ(meta->last_activity_at, t0 + 5);
  EXPECT_EQ(meta->expires_at, t0 + 5 + 3'600'000);
  std::uint64_t bytes = 0;
  for (auto& e : *events) bytes += encode(e).size();
  EXPECT_EQ(meta->bytes, bytes);
  EXPECT_EQ(*db_->last_seq(id), 10u);

  std::uint64_t visited = 0;
  ROOMS_ASSERT_OK(db_->scan(id, 8, [&](const event& e) {
    EXPECT_EQ(e.seq, 8 + visited);
    return ++visited < 2;
  }));
  EXPECT_EQ(visited, 2u);
  EXPECT_EQ(db_->stats().events, 10u);
}

TEST_F(store_test, create_twice_is_already_exists) {
  auto id = create();
  session_meta m;
  m.id = id;
  event first = code_event(1, t0);
  ROOMS_EXPECT_ERR(db_->create_session(m, first), errc::already_exists);
  m.id = session_id::random();
  ROOMS_EXPECT_ERR(db_->create_session(m, code_event(2, t0)), errc::wrong_seq);
}

TEST_F(store_test, gaps_and_duplicates_are_rejected_and_nothing_is_written) {
  auto id = create();
  append_range(id, 2, 3, t0);
  ROOMS_EXPECT_ERR(db_->append(id, {code_event(5, t0)}), errc::wrong_seq);  // gap
  ROOMS_EXPECT_ERR(db_->append(id, {code_event(3, t0)}), errc::wrong_seq);  // duplicate
  ROOMS_EXPECT_ERR(db_->append(id, {code_event(4, t0), code_event(6, t0)}), errc::wrong_seq);
  ROOMS_EXPECT_ERR(db_->append(id, {}), errc::invalid_argument);
  ROOMS_EXPECT_ERR(db_->append(session_id::random(), {code_event(1, t0)}), errc::not_found);
  EXPECT_EQ(*db_->last_seq(id), 3u);
  auto events = db_->read(id, 1, 100);
  ROOMS_ASSERT_OK(events.error());
  EXPECT_EQ(events->size(), 3u);
  EXPECT_EQ(db_->meta(id)->events, 3u);
  append_range(id, 4, 4, t0);  // the right seq still works after rejections
  EXPECT_EQ(db_->stats().failures, 5u);
}

TEST_F(store_test, async_appends_pipeline_in_submission_order) {
  auto id = create();
  std::mutex mu;
  std::vector<std::uint64_t> acked;
  std::vector<status> results;
  for (std::uint64_t seq = 2; seq <= 200; ++seq) {
    db_->append_async(id, {code_event(seq, t0)}, [&, seq](status s) {
      std::lock_guard lk(mu);
      acked.push_back(seq);
      results.push_back(std::move(s));
    });
  }
  db_->append_async(id, {code_event(999, t0)}, [&](status s) {
    std::lock_guard lk(mu);
    acked.push_back(999);
    results.push_back(std::move(s));
  });
  ROOMS_ASSERT_OK(db_->append(id, {code_event(201, t0)}));  // after all of the above
  std::lock_guard lk(mu);
  ASSERT_EQ(acked.size(), 200u);
  for (std::size_t i = 0; i + 1 < acked.size(); ++i) {
    EXPECT_EQ(acked[i], i + 2);
    ROOMS_EXPECT_OK(results[i]);
  }
  ROOMS_EXPECT_ERR(results.back(), errc::wrong_seq);
}

TEST_F(store_test, eight_threads_on_a_hundred_sessions_keep_order_and_counts) {
  constexpr int threads = 8, sessions = 100, per_session = 60;
  std::vector<session_id> ids;
  for (int i = 0; i < sessions; ++i) ids.push_back(create("s" + std::to_string(i)));
  // Each session has one writer (its room); the threads interleave sessions and mix blocking
  // single appends, async appends and two-event appends.
  enum class how { blocking, async, pair };
  std::vector<std::pair<std::uint64_t, how>> steps;
  std::uint64_t last = 1;
  for (int i = 0; i < per_session; ++i) {
    how h = static_cast<how>(i % 3);
    steps.emplace_back(last + 1, h);
    last += h == how::pair ? 2 : 1;
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::atomic<int> pending{0};
      for (auto [seq, h] : steps) {
        for (int s = t; s < sessions; s += threads) {
          std::string who = std::to_string(s);
          auto ts = t0 + static_cast<std::int64_t>(seq);
          if (h == how::async) {
            ++pending;
            db_->append_async(ids[s], {code_event(seq, ts, who)}, [&](status st) {
              if (!st.ok()) ++failures;
              --pending;
            });
          } else if (h == how::pair) {
            if (!db_->append(ids[s], {code_event(seq, ts, who), code_event(seq + 1, ts, who)})
                     .ok()) {
              ++failures;
            }
          } else if (!db_->append(ids[s], {code_event(seq, ts, who)}).ok()) {
            ++failures;
          }
        }
      }
      while (pending.load() != 0) std::this_thread::yield();
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(failures.load(), 0);
  for (int s = 0; s < sessions; ++s) {
    auto events = db_->read(ids[s], 1, 1000);
    ROOMS_ASSERT_OK(events.error());
    ASSERT_EQ(events->size(), last) << s;
    for (std::uint64_t i = 1; i < events->size(); ++i) {
      auto seq = i + 1;
      auto& e = (*events)[i];
      ASSERT_EQ(e.seq, seq);
      EXPECT_EQ(e.payload["version"], seq);
      EXPECT_EQ(e.participant_id, std::to_string(s));
    }
  }
  auto st = db_->stats();
  EXPECT_EQ(st.events, sessions * last);
  EXPECT_LT(st.batches, st.events) << "group commit never batched anything";
}

TEST_F(store_test, snapshots_at_or_below) {
  auto id = create();
  append_range(id, 2, 30, t0);
  auto none = db_->snapshot_at_or_below(id, 30);
  ROOMS_ASSERT_OK(none.error());
  EXPECT_FALSE(none->has_value());
  ROOMS_ASSERT_OK(db_->put_snapshot(id, 10, "state@10"));
  ROOMS_ASSERT_OK(db_->put_snapshot(id, 20, "state@20"));
  ROOMS_EXPECT_ERR(db_->put_snapshot(id, 31, "future"), errc::invalid_argument);
  ROOMS_EXPECT_ERR(db_->put_snapshot(session_id::random(), 1, "x"), errc::not_found);
  auto other = create();  // a neighbour's snapshots must never leak into this session's range
  ROOMS_ASSERT_OK(db_->put_snapshot(other, 1, "other@1"));
  struct want_t {
    std::uint64_t at;
    std::optional<std::uint64_t> seq;
  };
  for (auto [at, seq] : {want_t{5, std::nullopt}, want_t{10, 10}, want_t{19, 10}, want_t{20, 20},
                         want_t{1000, 20}}) {
    auto snap = db_->snapshot_at_or_below(id, at);
    ROOMS_ASSERT_OK(snap.error());
    ASSERT_EQ(snap->has_value(), seq.has_value()) << at;
    if (seq) {
      EXPECT_EQ((*snap)->seq, *seq);
      EXPECT_EQ((*snap)->bytes, "state@" + std::to_string(*seq));
    }
  }
  ROOMS_EXPECT_ERR(db_->snapshot_at_or_below(session_id::random(), 5).error(), errc::not_found);
}

TEST_F(store_test, async_snapshots_follow_the_appends_queued_before_them) {
  auto id = create();
  std::mutex mu;
  std::vector<std::string> order;
  auto record = [&](std::string what) {
    return [&, what](status s) {
      std::lock_guard lk(mu);
      order.push_back(what + (s.ok() ? ":ok" : ":" + s.to_string()));
    };
  };
  // Queued right behind the append that reaches its seq, not waiting for it (what a room does).
  db_->append_async(id, {code_event(2, t0)}, record("append 2"));
  db_->put_snapshot_async(id, 2, "state@2", record("snapshot 2"));
  // Behind an append that fails, a snapshot claiming its seq is refused.
  db_->append_async(id, {code_event(9, t0)}, record("append 9"));
  db_->put_snapshot_async(id, 3, "state@3", record("snapshot 3"));
  ROOMS_ASSERT_OK(db_->append(id, {code_event(3, t0)}));  // after all of the above
  std::lock_guard lk(mu);
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[0], "append 2:ok");
  EXPECT_EQ(order[1], "snapshot 2:ok");
  EXPECT_NE(order[2].find("append 9:"), std::string::npos);
  EXPECT_NE(order[2], "append 9:ok");
  EXPECT_NE(order[3], "snapshot 3:ok");
  auto snap = db_->snapshot_at_or_below(id, 100);
  ROOMS_ASSERT_OK(snap.error());
  ASSERT_TRUE(snap->has_value());
  EXPECT_EQ((*snap)->seq, 2u);
  EXPECT_EQ((*snap)->bytes, "state@2");
}

TEST_F(store_test, list_is_newest_first_and_paged) {
  std::vector<session_id> ids;
  for (int i = 0; i < 25; ++i) ids.push_back(create("s" + std::to_string(i), t0 + i));
  append_range(ids[3], 2, 2, t0 + 100);  // now the most recently active
  std::vector<session_id> seen;
  list_options lo;
  lo.limit = 10;
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 5);
    auto page = db_->list(lo);
    ROOMS_ASSERT_OK(page.error());
    for (auto& m : page->sessions) seen.push_back(m.id);
    if (page->next.empty()) break;
    lo.cursor = page->next;
  }
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen[0], ids[3]);
  EXPECT_EQ(seen[1], ids[24]);
  EXPECT_EQ(seen.back(), ids[0]);
  lo.cursor = "not a cursor";
  ROOMS_EXPECT_ERR(db_->list(lo).error(), errc::invalid_argument);
}

TEST_F(store_test, expire_is_atomic_and_compaction_reclaims_the_bytes) {
  auto keep = create("keep");
  auto gone = create("gone");
  for (std::uint64_t seq = 2; seq <= 20'000; seq += 500) append_range(gone, seq, seq + 499, t0);
  append_range(keep, 2, 10, t0);
  ROOMS_ASSERT_OK(db_->put_snapshot(gone, 100, std::string(1000, 's')));
  ROOMS_ASSERT_OK(db_->compact());
  std::uint64_t before = db_->live_sst_bytes();
  ASSERT_GT(before, 200'000u);

  ROOMS_ASSERT_OK(db_->expire(gone));
  ROOMS_EXPECT_ERR(db_->meta(gone).error(), errc::not_found);
  ROOMS_EXPECT_ERR(db_->read(gone, 1, 10).error(), errc::not_found);
  ROOMS_EXPECT_ERR(db_->last_seq(gone).error(), errc::not_found);
  ROOMS_EXPECT_ERR(db_->snapshot_at_or_below(gone, 100).error(), errc::not_found);
  ROOMS_EXPECT_ERR(db_->append(gone, {code_event(20'002, t0)}), errc::not_found);
  ROOMS_EXPECT_ERR(db_->put_snapshot(gone, 1, "x"), errc::not_found);
  ROOMS_EXPECT_ERR(db_->expire(gone), errc::not_found);
  auto page = db_->list({});
  ROOMS_ASSERT_OK(page.error());
  ASSERT_EQ(page->sessions.size(), 1u);
  EXPECT_EQ(page->sessions[0].id, keep);

  ROOMS_ASSERT_OK(db_->compact());
  std::uint64_t after = db_->live_sst_bytes();
  EXPECT_LT(after * 10, before) << "before " << before << " after " << after;
  EXPECT_EQ(db_->read(keep, 1, 100)->size(), 10u);
}

TEST_F(store_test, appends_racing_an_expire_never_resurrect_the_session) {
  auto id = create();
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> acked{1};
  std::thread appender([&] {
    for (std::uint64_t seq = 2; !stop; ++seq) {
      auto s = db_->append(id, {code_event(seq, t0)});
      if (!s.ok()) {
        EXPECT_EQ(s.code(), errc::not_found) << s.to_string();
        return;
      }
      acked = seq;
    }
  });
  while (acked.load() < 50) std::this_thread::yield();
  ROOMS_ASSERT_OK(db_->expire(id));
  appender.join();
  stop = true;
  ROOMS_EXPECT_ERR(db_->meta(id).error(), errc::not_found);
  ROOMS_EXPECT_ERR(db_->last_seq(id).error(), errc::not_found);
  // Nothing of the session survives underneath either.
  db_.reset();
  db_ = open(opts());
  ROOMS_EXPECT_ERR(db_->read(id, 1, 10).error(), errc::not_found);
  ASSERT_TRUE(db_->list({})->sessions.empty());
}

TEST_F(store_test, sweep_with_an_injected_clock) {
  auto a = create("a", t0);
  auto b = create("b", t0);
  clock_ = t0 + 30 * 60'000;
  append_range(b, 2, 2, clock_);  // b stays active
  auto sweep = db_->sweep_expired();
  ROOMS_ASSERT_OK(sweep.error());
  EXPECT_EQ(*sweep, 0u);
  clock_ = t0 + 3'600'000;  // a's deadline, exactly
  // Past its deadline a session is already gone from every read, before the sweep runs.
  ROOMS_EXPECT_ERR(db_->meta(a).error(), errc::not_found);
  ROOMS_EXPECT_ERR(db_->read(a, 1, 1).error(), errc::not_found);
  ROOMS_EXPECT_ERR(db_->last_seq(a).error(), errc::not_found);
  ROOMS_EXPECT_ERR(db_->append(a, {code_event(2, clock_)}), errc::not_found);
  sweep = db_->sweep_expired();
  ROOMS_ASSERT_OK(sweep.error());
  EXPECT_EQ(*sweep, 1u);
  ROOMS_ASSERT_OK(db_->meta(b).error());
  clock_ = t0 + 30 * 60'000 + 3'600'000;
  EXPECT_EQ(*db_->sweep_expired(), 1u);
  EXPECT_EQ(*db_->sweep_expired(), 0u);
  EXPECT_TRUE(db_->list({})->sessions.empty());
}

TEST_F(store_test, reopen_keeps_everything) {
  auto id = create("persist");
  append_range(id, 2, 500, t0 + 1);
  ROOMS_ASSERT_OK(db_->put_snapshot(id, 250, "snap"));
  auto before = db_->read(id, 1, 1000);
  ROOMS_ASSERT_OK(before.error());
  db_.reset();
  db_ = open(opts());
  ASSERT_TRUE(db_);
  auto after = db_->read(id, 1, 1000);
  ROOMS_ASSERT_OK(after.error());
  EXPECT_EQ(*after, *before);
  EXPECT_EQ(*db_->last_seq(id), 500u);
  EXPECT_EQ(db_->meta(id)->title, "persist");
  EXPECT_EQ((*db_->snapshot_at_or_below(id, 300))->bytes, "snap");
  append_range(id, 501, 501, t0 + 2);  // the lazily loaded last_seq continues the session
  ROOMS_EXPECT_ERR(db_->append(id, {code_event(501, t0)}), errc::wrong_seq);
}

/// Writes a raw value under the store, as a disk fault or an older/newer build might have.
void poke(const std::string& path, const char* cf_name, const std::string& key,
          const std::string& value) {
  testing::raw_rocksdb(path).put(cf_name, key, value);
}

TEST_F(store_test, garbage_values_and_unknown_versions_are_corruption) {
  auto id = create();
  append_range(id, 2, 3, t0);
  auto other = create();
  db_.reset();
  std::string bad_version = encode(code_event(2, t0));
  bad_version[0] = 42;
  poke(opts().path, "events", detail::seq_key(id, 2), bad_version);
  poke(opts().path, "events", detail::seq_key(id, 3), "\x01\xc1garbage");
  poke(opts().path, "meta", std::string(other.raw()), "\x09future meta");
  db_ = open(opts());
  ASSERT_TRUE(db_);
  auto read = db_->read(id, 1, 10);
  ROOMS_EXPECT_ERR(read.error(), errc::corruption);
  EXPECT_NE(read.error().message().find("seq 2"), std::string::npos) << read.error().to_string();
  ROOMS_EXPECT_ERR(db_->read(id, 3, 10).error(), errc::corruption);
  ROOMS_EXPECT_OK(db_->read(id, 1, 1).error());  // seq 1 is intact
  ROOMS_EXPECT_ERR(db_->meta(other).error(), errc::corruption);
  ROOMS_EXPECT_ERR(db_->last_seq(other).error(), errc::corruption);
  ROOMS_EXPECT_ERR(db_->append(other, {code_event(2, t0)}), errc::corruption);
  ROOMS_EXPECT_ERR(db_->list({}).error(), errc::corruption);
  ROOMS_EXPECT_OK(db_->sweep_expired().error());  // skips the bad row, does not stop
}

TEST_F(store_test, second_open_of_the_same_dir_is_locked) {
  auto second = store::open(opts());
  ASSERT_FALSE(second.ok());
  ROOMS_EXPECT_ERR(second.error(), errc::locked);
  EXPECT_NE(second.error().message().find(opts().path), std::string::npos)
      << second.error().to_string();
}

TEST_F(store_test, unusable_path_is_io_error) {
  auto file = dir_.path() / "a-file";
  { std::ofstream(file) << "x"; }
  auto o = opts();
  o.path = file.string();
  ROOMS_EXPECT_ERR(store::open(o).error(), errc::io_error);
  o.path = (file / "sub").string();
  ROOMS_EXPECT_ERR(store::open(o).error(), errc::io_error);
  o.read_only = true;
  o.path = (dir_.path() / "missing").string();
  ROOMS_EXPECT_ERR(store::open(o).error(), errc::io_error);
}

TEST_F(store_test, read_only_secondary_follows_the_primary) {
  auto id = create("shared");
  append_range(id, 2, 5, t0);
  auto o = opts();
  o.read_only = true;
  auto reader = open(o);
  ASSERT_TRUE(reader);
  auto first = reader->read(id, 1, 100);
  ROOMS_ASSERT_OK(first.error());
  EXPECT_EQ(first->size(), 5u);

  append_range(id, 6, 9, t0);
  auto late = create("late");
  ROOMS_ASSERT_OK(reader->refresh());
  auto caught_up = reader->read(id, 1, 100);
  ROOMS_ASSERT_OK(caught_up.error());
  EXPECT_EQ(caught_up->size(), 9u);
  EXPECT_EQ(*reader->last_seq(id), 9u);
  EXPECT_EQ(reader->meta(late)->title, "late");
  EXPECT_EQ(reader->list({})->sessions.size(), 2u);

  ROOMS_EXPECT_ERR(reader->append(id, {code_event(10, t0)}), errc::read_only);
  ROOMS_EXPECT_ERR(reader->expire(id), errc::read_only);
  ROOMS_EXPECT_ERR(reader->put_snapshot(id, 1, "x"), errc::read_only);
  ROOMS_EXPECT_ERR(reader->compact(), errc::read_only);
  ROOMS_EXPECT_ERR(reader->sweep_expired().error(), errc::read_only);

  ROOMS_ASSERT_OK(db_->expire(id));
  ROOMS_ASSERT_OK(reader->refresh());
  ROOMS_EXPECT_ERR(reader->read(id, 1, 100).error(), errc::not_found);
}

TEST_F(store_test, destructor_drains_pending_appends) {
  auto id = create();
  std::atomic<int> ok{0};
  for (std::uint64_t seq = 2; seq <= 1001; ++seq) {
    db_->append_async(id, {code_event(seq, t0)}, [&](status s) {
      if (s.ok()) ++ok;
    });
  }
  db_.reset();
  EXPECT_EQ(ok.load(), 1000);
  db_ = open(opts());
  EXPECT_EQ(*db_->last_seq(id), 1001u);
}

}  // namespace
}  // namespace rooms::eventlog
