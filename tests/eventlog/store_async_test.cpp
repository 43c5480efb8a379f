// The store's non-blocking reads and expiries: scan_async, expire_async, sweep_expired_async.
#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <vector>

#include "eventlog/store.hpp"
#include "tests/eventlog/helpers.hpp"
#include "tests/testing/temp_dir.hpp"

namespace rooms::eventlog {
namespace {

using test::code_event;

constexpr std::int64_t t0 = 1'700'000'000'000;

class store_async_test : public ::testing::Test {
 protected:
  store_options opts() {
    store_options o;
    o.path = (dir_.path() / "db").string();
    o.clock = [this] { return clock_.load(); };
    o.retention = std::chrono::hours(1);
    return o;
  }
  void SetUp() override {
    auto opened = store::open(opts());
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    db_ = std::move(*opened);
  }
  session_id create() {
    session_meta m;
    m.id = session_id::random();
    m.created_at = t0;
    m.language = "python";
    event first;
    first.seq = 1;
    first.ts = t0;
    first.type = event_type::session_created;
    first.payload = {{"language", "python"}, {"title", ""}};
    auto s = db_->create_session(m, first);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return m.id;
  }

  /// What the callbacks saw, in the order they ran.
  struct journal {
    std::mutex mu;
    std::vector<std::string> lines;
    void add(std::string line) {
      std::lock_guard lk(mu);
      lines.push_back(std::move(line));
    }
    std::vector<std::string> get() {
      std::lock_guard lk(mu);
      return lines;
    }
  };

  rooms::testing::temp_dir dir_;
  std::atomic<std::int64_t> clock_{t0};
  std::unique_ptr<store> db_;
};

TEST_F(store_async_test, scan_async_runs_after_the_appends_queued_before_it) {
  auto id = create();
  journal j;
  // Appends in flight, not waited for, then a scan: it sees them all, after their callbacks.
  for (std::uint64_t seq = 2; seq <= 50; ++seq)
    db_->append_async(id, {code_event(seq, t0)}, [&j, seq](status s) {
      j.add("append " + std::to_string(seq) + (s.ok() ? "" : " failed"));
    });
  auto seen = std::make_shared<std::vector<std::uint64_t>>();
  std::promise<status> scanned;
  db_->scan_async(
      id, 1,
      [seen](const event& e) {
        seen->push_back(e.seq);
        return true;
      },
      [&](status s) {
        j.add("scan");
        scanned.set_value(std::move(s));
      });
  ROOMS_ASSERT_OK(scanned.get_future().get());
  ASSERT_EQ(seen->size(), 50u);
  for (std::size_t i = 0; i < seen->size(); ++i) EXPECT_EQ((*seen)[i], i + 1);
  auto lines = j.get();
  ASSERT_EQ(lines.size(), 50u);
  EXPECT_EQ(lines.back(), "scan");
  for (std::size_t i = 0; i + 1 < lines.size(); ++i)
    EXPECT_EQ(lines[i], "append " + std::to_string(i + 2));
}

TEST_F(store_async_test, scan_async_stops_when_the_visitor_says_so_and_reports_errors) {
  auto id = create();
  std::vector<event> events;
  for (std::uint64_t seq = 2; seq <= 10; ++seq) events.push_back(code_event(seq, t0));
  ROOMS_ASSERT_OK(db_->append(id, std::move(events)));
  auto seen = std::make_shared<std::vector<std::uint64_t>>();
  std::promise<status> first;
  db_->scan_async(
      id, 4,
      [seen](const event& e) {
        seen->push_back(e.seq);
        return seen->size() < 3;
      },
      [&](status s) { first.set_value(std::move(s)); });
  ROOMS_ASSERT_OK(first.get_future().get());
  EXPECT_EQ(*seen, (std::vector<std::uint64_t>{4, 5, 6}));
  // An unknown session: the error is delivered, the visitor never runs.
  std::promise<status> unknown;
  bool visited = false;
  db_->scan_async(
      session_id::random(), 1, [&](const event&) { return visited = true; },
      [&](status s) { unknown.set_value(std::move(s)); });
  ROOMS_EXPECT_ERR(unknown.get_future().get(), errc::not_found);
  EXPECT_FALSE(visited);
}

TEST_F(store_async_test, expire_async_is_ordered_with_the_appends_around_it) {
  auto id = create();
  journal j;
  auto note = [&j](std::string what) {
    return [&j, what](status s) { j.add(what + ":" + (s.ok() ? "ok" : to_string(s.code()))); };
  };
  db_->append_async(id, {code_event(2, t0)}, note("append 2"));
  db_->expire_async(id, note("expire"));
  db_->append_async(id, {code_event(3, t0)}, note("append 3"));
  db_->expire_async(id, note("expire again"));
  db_->expire_async(session_id::random(), note("expire unknown"));
  ROOMS_EXPECT_ERR(db_->append(id, {code_event(3, t0)}), errc::not_found);  // after all of them
  EXPECT_EQ(j.get(),
            (std::vector<std::string>{"append 2:ok", "expire:ok", "append 3:not_found",
                                      "expire again:not_found", "expire unknown:not_found"}));
  ROOMS_EXPECT_ERR(db_->meta(id).error(), errc::not_found);
}

TEST_F(store_async_test, sweep_expired_async_answers_with_the_count) {
  auto a = create();
  auto b = create();
  clock_ = t0 + 30 * 60'000;
  ROOMS_ASSERT_OK(db_->append(b, {code_event(2, clock_)}));  // b stays active
  clock_ = t0 + 3'600'000;                                   // a's deadline
  std::promise<result<std::size_t>> swept;
  db_->sweep_expired_async([&](result<std::size_t> r) { swept.set_value(std::move(r)); });
  auto r = swept.get_future().get();
  ROOMS_ASSERT_OK(r.error());
  EXPECT_EQ(*r, 1u);
  ROOMS_EXPECT_ERR(db_->meta(a).error(), errc::not_found);
  ROOMS_ASSERT_OK(db_->meta(b).error());
  // Nothing due: answered with 0 (not left hanging).
  std::promise<result<std::size_t>> none;
  db_->sweep_expired_async([&](result<std::size_t> r) { none.set_value(std::move(r)); });
  auto n = none.get_future().get();
  ROOMS_ASSERT_OK(n.error());
  EXPECT_EQ(*n, 0u);
}

TEST_F(store_async_test, read_only_stores_scan_async_and_refuse_async_writes) {
  auto id = create();
  ROOMS_ASSERT_OK(db_->append(id, {code_event(2, t0)}));
  auto o = opts();
  o.read_only = true;
  auto reader = store::open(o);
  ASSERT_TRUE(reader.ok()) << reader.error().to_string();
  auto count = std::make_shared<int>(0);
  std::promise<status> scanned;
  (*reader)->scan_async(
      id, 1, [count](const event&) { return ++*count > 0; },
      [&](status s) { scanned.set_value(std::move(s)); });
  ROOMS_ASSERT_OK(scanned.get_future().get());
  EXPECT_EQ(*count, 2);
  std::promise<status> expired;
  (*reader)->expire_async(id, [&](status s) { expired.set_value(std::move(s)); });
  ROOMS_EXPECT_ERR(expired.get_future().get(), errc::read_only);
  std::promise<result<std::size_t>> swept;
  (*reader)->sweep_expired_async([&](result<std::size_t> r) { swept.set_value(std::move(r)); });
  ROOMS_EXPECT_ERR(swept.get_future().get().error(), errc::read_only);
}

TEST_F(store_async_test, closing_the_store_answers_every_async_read) {
  auto id = create();
  std::atomic<int> answered{0};
  for (int i = 0; i < 20; ++i) {
    db_->append_async(id, {code_event(static_cast<std::uint64_t>(i) + 2, t0)}, [](status) {});
    db_->scan_async(
        id, 1, [](const event&) { return true; }, [&](status) { ++answered; });
  }
  db_.reset();
  EXPECT_EQ(answered.load(), 20);
}

}  // namespace
}  // namespace rooms::eventlog
