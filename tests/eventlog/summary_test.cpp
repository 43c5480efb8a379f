/// The session summary in the meta: written with appends, kept across reopen, and absent
/// (empty) in metas of the format before it.

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <future>

#include "eventlog/detail/keys.hpp"
#include "eventlog/store.hpp"
#include "tests/eventlog/helpers.hpp"
#include "tests/testing/raw_rocksdb.hpp"
#include "tests/testing/temp_dir.hpp"

namespace rooms::eventlog {
namespace {

using test::code_event;

constexpr std::int64_t t0 = 1'700'000'000'000;

/// A meta exactly as format 1 (before summaries) wrote it: created 1700000000000, last
/// activity +5 s, expires +1 h 5 s, 3 events, 300 bytes, "python", "Old one", key hash "ab"x8.
constexpr char v1_meta[] =
    "\x01\x98\xcf\x00\x00\x01\x8b\xcf\xe5\x68\x00\xcf\x00\x00\x01\x8b\xcf\xe5\x7b\x88\xcf\x00\x00"
    "\x01\x8b\xd0\x1c\x6a\x08\x03\xcd\x01\x2c\xa6\x70\x79\x74\x68\x6f\x6e\xa7\x4f\x6c\x64\x20\x6f"
    "\x6e\x65\xb0\x61\x62\x61\x62\x61\x62\x61\x62\x61\x62\x61\x62\x61\x62\x61\x62";

session_summary sample_summary() {
  session_summary s;
  s.phase = "live";
  s.language = "cpp";
  s.question_title = "Two sum";
  s.candidates = {"Grace Hopper", "Zoë"};
  s.interviewers = {"Ada"};
  s.interviewer_accounts = {"acct-1"};
  s.started_at = t0 + 10;
  s.ended_at = 0;
  return s;
}

class summary_test : public ::testing::Test {
 protected:
  store_options opts() {
    store_options o;
    o.path = (dir_.path() / "db").string();
    o.clock = [] { return t0; };
    o.retention = std::chrono::hours(1);
    return o;
  }
  void open() {
    auto opened = store::open(opts());
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    db_ = std::move(*opened);
  }
  session_id create(session_summary summary) {
    session_meta m;
    m.id = session_id::random();
    m.created_at = t0;
    m.language = "python";
    m.title = "t";
    m.summary = std::move(summary);
    event first;
    first.seq = 1;
    first.ts = t0;
    first.type = event_type::session_created;
    first.payload = {{"language", "python"}, {"title", "t"}};
    auto s = db_->create_session(m, first);
    EXPECT_TRUE(s.ok()) << s.to_string();
    return m.id;
  }

  rooms::testing::temp_dir dir_;
  std::unique_ptr<store> db_;
};

TEST_F(summary_test, created_appended_kept_and_survives_reopen) {
  open();
  session_summary lobby;
  lobby.phase = "lobby";
  lobby.language = "python";
  auto id = create(lobby);
  auto meta = db_->meta(id);
  ROOMS_ASSERT_OK(meta.error());
  EXPECT_EQ(meta->summary, lobby);

  ROOMS_ASSERT_OK(db_->append(id, {code_event(2, t0 + 1)}, sample_summary()));
  EXPECT_EQ(db_->meta(id)->summary, sample_summary());
  // An append without one leaves it as it was (most appends are keystrokes).
  ROOMS_ASSERT_OK(db_->append(id, {code_event(3, t0 + 2)}));
  EXPECT_EQ(db_->meta(id)->summary, sample_summary());
  EXPECT_EQ(db_->meta(id)->events, 3u);

  // A refused append changes no summary either.
  session_summary other = sample_summary();
  other.phase = "ended";
  ROOMS_EXPECT_ERR(db_->append(id, {code_event(9, t0 + 3)}, other), errc::wrong_seq);
  EXPECT_EQ(db_->meta(id)->summary, sample_summary());

  db_.reset();
  open();
  EXPECT_EQ(db_->meta(id)->summary, sample_summary());
  auto page = db_->list({});
  ROOMS_ASSERT_OK(page.error());
  ASSERT_EQ(page->sessions.size(), 1u);
  EXPECT_EQ(page->sessions[0].summary, sample_summary());
}

TEST_F(summary_test, async_append_carries_the_summary_in_the_same_write) {
  open();
  auto id = create({});
  std::promise<status> done;
  db_->append_async(id, {code_event(2, t0 + 1)}, sample_summary(),
                    [&](status s) { done.set_value(std::move(s)); });
  ROOMS_ASSERT_OK(done.get_future().get());
  auto meta = db_->meta(id);
  EXPECT_EQ(meta->events, 2u);
  EXPECT_EQ(meta->summary, sample_summary());
}

TEST_F(summary_test, format_1_metas_decode_with_an_empty_summary) {
  auto meta = detail::decode_meta(session_id::random(), std::string(v1_meta, sizeof v1_meta - 1));
  ROOMS_ASSERT_OK(meta.error());
  EXPECT_EQ(meta->created_at, t0);
  EXPECT_EQ(meta->last_activity_at, t0 + 5000);
  EXPECT_EQ(meta->events, 3u);
  EXPECT_EQ(meta->bytes, 300u);
  EXPECT_EQ(meta->language, "python");
  EXPECT_EQ(meta->title, "Old one");
  EXPECT_EQ(meta->key_hash, "abababababababab");
  EXPECT_EQ(meta->summary, session_summary{});
}

TEST_F(summary_test, a_format_1_meta_in_a_store_lists_and_takes_a_summary_on_append) {
  open();
  auto id = session_id::random();
  db_.reset();
  {
    testing::raw_rocksdb raw(opts().path);
    raw.put("meta", std::string(id.raw()), std::string(v1_meta, sizeof v1_meta - 1));
    for (int seq = 1; seq <= 3; ++seq)
      raw.put("events", detail::seq_key(id, seq), encode(code_event(seq, t0)));
  }
  open();
  auto page = db_->list({});
  ROOMS_ASSERT_OK(page.error());
  ASSERT_EQ(page->sessions.size(), 1u);
  EXPECT_EQ(page->sessions[0].title, "Old one");
  EXPECT_EQ(page->sessions[0].summary, session_summary{});
  // The next write rewrites it in the current format, summary included.
  ROOMS_ASSERT_OK(db_->append(id, {code_event(4, t0 + 6000)}, sample_summary()));
  db_.reset();
  open();
  auto meta = db_->meta(id);
  ROOMS_ASSERT_OK(meta.error());
  EXPECT_EQ(meta->title, "Old one");
  EXPECT_EQ(meta->events, 4u);
  EXPECT_EQ(meta->summary, sample_summary());
}

TEST_F(summary_test, truncated_or_lying_summaries_are_corruption) {
  session_meta m;
  m.id = session_id::random();
  m.summary = sample_summary();
  auto bytes = detail::encode_meta(m);
  ROOMS_ASSERT_OK(detail::decode_meta(m.id, bytes).error());
  EXPECT_EQ(detail::decode_meta(m.id, bytes)->summary, sample_summary());
  ROOMS_EXPECT_ERR(detail::decode_meta(m.id, bytes.substr(0, bytes.size() - 1)).error(),
                   errc::corruption);
  ROOMS_EXPECT_ERR(detail::decode_meta(m.id, bytes + "x").error(), errc::corruption);
}

TEST_F(summary_test, the_filter_pages_over_matches_only) {
  open();
  std::vector<session_id> ids;
  for (int i = 0; i < 30; ++i) {
    session_summary s;
    s.candidates = {i % 3 == 0 ? "match" : "other"};
    ids.push_back(create(s));
  }
  list_options lo;
  lo.limit = 4;
  lo.filter = [](const session_meta& m) { return m.summary.candidates.at(0) == "match"; };
  std::size_t seen = 0;
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 4);
    auto page = db_->list(lo);
    ROOMS_ASSERT_OK(page.error());
    for (const auto& m : page->sessions) EXPECT_EQ(m.summary.candidates.at(0), "match");
    seen += page->sessions.size();
    if (page->next.empty()) break;
    lo.cursor = page->next;
  }
  EXPECT_EQ(seen, 10u);
}

}  // namespace
}  // namespace rooms::eventlog
