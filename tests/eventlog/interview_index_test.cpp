/// store::list_interviews and its "interviews" index: creation order, cursor paging, the
/// account range, the record filter before any meta read, the index kept with summaries and
/// expiry, and data dirs without the index (built at open; a secondary scans the metas).

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <memory>

#include "eventlog/store.hpp"
#include "tests/eventlog/helpers.hpp"
#include "tests/testing/raw_rocksdb.hpp"
#include "tests/testing/temp_dir.hpp"

namespace rooms::eventlog {
namespace {

using test::code_event;

constexpr std::int64_t t0 = 1'700'000'000'000;

class interview_index_test : public ::testing::Test {
 protected:
  store_options opts() {
    store_options o;
    o.path = (dir_.path() / "db").string();
    o.clock = [this] { return now_; };
    o.retention = std::chrono::hours(1);
    return o;
  }
  void open() {
    auto opened = store::open(opts());
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    db_ = std::move(*opened);
  }
  /// Created `i` seconds after t0; candidate "Cand i"; the given accounts.
  session_id create(int i, std::vector<std::string> accounts = {}) {
    session_meta m;
    m.id = session_id::random();
    m.created_at = t0 + i * 1000;
    m.language = "python";
    m.title = "Interview " + std::to_string(i);
    m.summary.candidates = {"Cand " + std::to_string(i)};
    m.summary.interviewer_accounts = std::move(accounts);
    event e;
    e.seq = 1;
    e.ts = m.created_at;
    e.type = event_type::session_created;
    e.payload = {{"language", "python"}, {"title", m.title}};
    EXPECT_TRUE(db_->create_session(m, e).ok());
    return m.id;
  }
  /// Every page's titles, newest first, following the cursors.
  std::vector<std::string> titles(interview_list_options o, const store& s) {
    std::vector<std::string> out;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = s.list_interviews(o);
      EXPECT_TRUE(page.ok()) << page.error().to_string();
      if (!page) break;
      EXPECT_LE(page->sessions.size(), o.limit);
      for (auto& m : page->sessions) out.push_back(m.title);
      if (page->next.empty()) break;
      o.cursor = page->next;
    }
    return out;
  }
  std::vector<std::string> titles(interview_list_options o) { return titles(std::move(o), *db_); }
  /// Keys of the "interviews" column family, the store closed.
  std::size_t index_keys() {
    db_.reset();
    testing::raw_rocksdb raw(opts().path);
    std::unique_ptr<rocksdb::Iterator> it(
        raw.db()->NewIterator(rocksdb::ReadOptions(), raw.cf("interviews")));
    std::size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    return n;
  }
  static interview_list_options limit(std::size_t n) {
    interview_list_options o;
    o.limit = n;
    return o;
  }

  testing::temp_dir dir_;
  std::int64_t now_ = t0;
  std::unique_ptr<store> db_;
};

TEST_F(interview_index_test, newest_created_first_and_paged_without_repeats) {
  open();
  auto oldest = create(0);
  for (int i = 1; i < 7; ++i) create(i);
  // Activity does not reorder: the list is by creation.
  ROOMS_ASSERT_OK(db_->append(oldest, {code_event(2, t0 + 60'000)}));
  std::vector<std::string> want;
  for (int i = 6; i >= 0; --i) want.push_back("Interview " + std::to_string(i));
  EXPECT_EQ(titles(limit(3)), want);
  EXPECT_EQ(titles(limit(50)), want);
  auto bad = limit(3);
  bad.cursor = "nonsense";
  EXPECT_EQ(db_->list_interviews(bad).error().code(), errc::invalid_argument);
  EXPECT_EQ(db_->list_interviews(limit(0)).error().code(), errc::invalid_argument);
}

TEST_F(interview_index_test, an_account_lists_its_range_and_follows_summary_changes) {
  open();
  auto a = create(0, {"acct-1"});
  create(1, {"acct-2"});
  create(2, {"acct-1", "acct-2"});
  auto o = limit(10);
  o.account = "acct-1";
  EXPECT_EQ(titles(o), (std::vector<std::string>{"Interview 2", "Interview 0"}));
  // An append that changes the accounts and the candidates moves the session's index entries.
  auto meta = db_->meta(a);
  auto summary = meta->summary;
  summary.interviewer_accounts = {"acct-3"};
  summary.candidates = {"Renamed Person"};
  ROOMS_ASSERT_OK(db_->append(a, {code_event(2, t0 + 5)}, summary));
  EXPECT_EQ(titles(o), std::vector<std::string>{"Interview 2"});
  o.account = "acct-3";
  EXPECT_EQ(titles(o), std::vector<std::string>{"Interview 0"});
  auto search = limit(10);
  search.record_filter = [](std::string_view r) {
    return r.find("Renamed") != std::string_view::npos;
  };
  EXPECT_EQ(titles(search), std::vector<std::string>{"Interview 0"});
  o.account = "acct-none";
  EXPECT_TRUE(titles(o).empty());
}

TEST_F(interview_index_test, the_record_filter_runs_before_any_meta_is_read) {
  open();
  for (int i = 0; i < 20; ++i) create(i);
  auto o = limit(5);
  int records = 0, metas = 0;
  auto record = [](int i) {  // the title, then each candidate, each ended by a NUL
    return "Interview " + std::to_string(i) + '\0' + "Cand " + std::to_string(i) + '\0';
  };
  o.record_filter = [&](std::string_view r) {
    ++records;
    return r == record(7) || r == record(12);
  };
  o.filter = [&](const session_meta&) { return ++metas, true; };
  EXPECT_EQ(titles(o), (std::vector<std::string>{"Interview 12", "Interview 7"}));
  EXPECT_EQ(records, 20);
  EXPECT_EQ(metas, 2);  // only the two matches were decoded
}

TEST_F(interview_index_test, expired_sessions_are_not_listed_and_leave_the_index) {
  open();
  auto gone = create(0, {"acct-1"});
  create(1);
  ROOMS_ASSERT_OK(db_->expire(gone));
  EXPECT_EQ(titles(limit(10)), std::vector<std::string>{"Interview 1"});
  now_ = t0 + 2 * 3'600'000;  // past every expiry, before a sweep: not listed either
  EXPECT_TRUE(titles(limit(10)).empty());
  EXPECT_EQ(index_keys(), 2u);  // the live one's entry and the marker
  open();
  ASSERT_EQ(*db_->sweep_expired(), 1u);
  EXPECT_EQ(index_keys(), 1u);  // the marker alone
}

TEST_F(interview_index_test, a_data_dir_without_the_index_lists_and_gets_it_at_open) {
  open();
  for (int i = 0; i < 5; ++i) create(i, {i % 2 ? "acct-odd" : "acct-even"});
  db_.reset();
  testing::raw_rocksdb(opts().path).drop("interviews");  // as a build before the index left it
  std::vector<std::string> want = {"Interview 4", "Interview 3", "Interview 2", "Interview 1",
                                   "Interview 0"};
  auto odd = limit(1);
  odd.account = "acct-odd";
  {
    // A secondary cannot build it: it scans the metas, in the same order and pages.
    auto ro_opts = opts();
    ro_opts.read_only = true;
    auto ro = store::open(ro_opts);
    ROOMS_ASSERT_OK(ro.error());
    EXPECT_EQ(titles(limit(2), **ro), want);
    EXPECT_EQ(titles(odd, **ro), (std::vector<std::string>{"Interview 3", "Interview 1"}));
  }
  open();  // a primary builds it
  EXPECT_EQ(titles(limit(2)), want);
  EXPECT_EQ(titles(odd), (std::vector<std::string>{"Interview 3", "Interview 1"}));
  EXPECT_EQ(index_keys(), 5u + 5u + 1u);  // all, per account, the marker
}

TEST_F(interview_index_test, an_index_without_its_marker_is_rebuilt_at_open) {
  open();
  create(0);
  db_.reset();
  {
    // A crash mid-build: no marker, and a stale entry of no session.
    testing::raw_rocksdb raw(opts().path);
    ASSERT_TRUE(raw.db()->Delete({}, raw.cf("interviews"), "v").ok());
    raw.put("interviews", std::string("c") + std::string(24, '\x01'), "Stale\0");
  }
  open();
  EXPECT_EQ(titles(limit(10)), std::vector<std::string>{"Interview 0"});
  EXPECT_EQ(index_keys(), 2u);
}

}  // namespace
}  // namespace rooms::eventlog
