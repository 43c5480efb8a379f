// The question store against a real RocksDB in a temp dir, with its own "questions" column family.

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <memory>
#include <thread>

#include "questions/markdown_format.hpp"
#include "questions/question_store.hpp"
#include "tests/questions/helpers.hpp"
#include "tests/testing/temp_dir.hpp"

namespace {

using namespace rooms::questions;
using rooms::questions::testing::languages;
using rooms::questions::testing::names;
using rooms::questions::testing::sample;

/// A RocksDB with a "questions" column family, as the event log's database will have.
class db_fixture : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void TearDown() override { close(); }

  void open() {
    rocksdb::DBOptions options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, {}},
                                                        {"questions", {}}};
    rocksdb::DB* db = nullptr;
    auto s = rocksdb::DB::Open(options, dir_.str(), cfs, &handles_, &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
    store_ = std::make_unique<question_store>(db_.get(), handles_[1], languages, limits{},
                                              [this] { return now_; });
  }
  void close() {
    store_.reset();
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    handles_.clear();
    db_.reset();
  }

  rooms::testing::temp_dir dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<question_store> store_;
  std::int64_t now_ = 1000;
};

TEST_F(db_fixture, put_then_get_returns_version_1_with_the_clock) {
  auto stored = store_->put(sample());
  ASSERT_TRUE(stored.ok()) << stored.status().message;
  EXPECT_EQ(stored->version, 1);
  EXPECT_EQ(stored->updated_at, 1000);
  auto got = store_->get("echo-sum");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got.value(), stored.value());
  EXPECT_EQ(got->solutions, sample().solutions) << "the store keeps solutions";
}

TEST_F(db_fixture, every_put_is_a_new_version_and_old_ones_stay) {
  ASSERT_TRUE(store_->put(sample()).ok());
  question q = sample();
  q.title = "Echo Sum, second take";
  q.version = 99;  // ignored: the store numbers versions
  now_ = 2000;
  auto v2 = store_->put(q);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->version, 2);
  EXPECT_EQ(store_->get("echo-sum")->title, "Echo Sum, second take");
  EXPECT_EQ(store_->get("echo-sum", 1)->title, "Echo Sum");
  EXPECT_EQ(store_->get("echo-sum", 2)->updated_at, 2000);
  EXPECT_EQ(store_->get("echo-sum", 3).status().code, store_errc::not_found);
  auto h = store_->history("echo-sum");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h.value(), (std::vector<version_info>{{1, 1000, false}, {2, 2000, false}}));
}

TEST_F(db_fixture, invalid_input_is_refused_and_nothing_is_stored) {
  question q = sample();
  q.tests[1].expected = std::string(10u << 20, 'x');
  q.languages["cobol"] = {""};
  auto r = store_->put(q);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code, store_errc::invalid);
  EXPECT_TRUE(names(r.status().fields, "tests[1].expected", "too large"));
  EXPECT_TRUE(names(r.status().fields, "languages.cobol", "unknown language"));
  EXPECT_NE(r.status().message.find("tests[1].expected: too large"), std::string::npos);
  EXPECT_EQ(store_->get("echo-sum").status().code, store_errc::not_found);
  EXPECT_EQ(store_->history("echo-sum").status().code, store_errc::not_found);
  EXPECT_TRUE(store_->list()->empty());
}

TEST_F(db_fixture, list_gives_the_latest_of_each_sorted_without_deleted) {
  for (const char* id : {"zeta", "alpha", "alpha-2", "mid"}) {
    question q = sample();
    q.question_id = id;
    ASSERT_TRUE(store_->put(q).ok());
  }
  question q = sample();
  q.question_id = "alpha";
  q.title = "Alpha v2";
  ASSERT_TRUE(store_->put(q).ok());
  ASSERT_TRUE(store_->remove("mid").ok());
  auto all = store_->list();
  ASSERT_TRUE(all.ok());
  std::vector<std::string> ids;
  for (const auto& x : all.value()) ids.push_back(x.question_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"alpha", "alpha-2", "zeta"}));
  EXPECT_EQ(all->at(0).title, "Alpha v2");
  EXPECT_EQ(all->at(0).version, 2);
}

TEST_F(db_fixture, delete_is_a_tombstone_and_old_versions_stay_readable) {
  ASSERT_TRUE(store_->put(sample()).ok());
  now_ = 5000;
  ASSERT_TRUE(store_->remove("echo-sum").ok());
  EXPECT_EQ(store_->get("echo-sum").status().code, store_errc::not_found);
  auto v1 = store_->get("echo-sum", 1);
  ASSERT_TRUE(v1.ok()) << "an interview that used version 1 still reads it";
  EXPECT_EQ(v1->title, "Echo Sum");
  EXPECT_EQ(store_->get("echo-sum", 2).status().code, store_errc::not_found);
  EXPECT_EQ(store_->history("echo-sum").value(),
            (std::vector<version_info>{{1, 1000, false}, {2, 5000, true}}));
  EXPECT_EQ(store_->remove("echo-sum").code, store_errc::not_found) << "already deleted";
  EXPECT_EQ(store_->remove("never-was").code, store_errc::not_found);
  // Putting it again continues the numbering.
  auto again = store_->put(sample());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->version, 3);
  EXPECT_EQ(store_->list()->size(), 1u);
}

TEST_F(db_fixture, ids_that_prefix_each_other_stay_apart) {
  question a = sample();
  a.question_id = "a";
  question ab = sample();
  ab.question_id = "a-b";
  ab.title = "AB";
  ASSERT_TRUE(store_->put(ab).ok());
  ASSERT_TRUE(store_->put(ab).ok());
  ASSERT_TRUE(store_->put(a).ok());
  EXPECT_EQ(store_->get("a")->version, 1);
  EXPECT_EQ(store_->get("a-b")->version, 2);
  EXPECT_EQ(store_->history("a")->size(), 1u);
  EXPECT_EQ(store_->get("a-").status().code, store_errc::not_found);
}

TEST_F(db_fixture, survives_reopening) {
  ASSERT_TRUE(store_->put(sample()).ok());
  ASSERT_TRUE(store_->put(sample()).ok());
  close();
  open();
  EXPECT_EQ(store_->get("echo-sum")->version, 2);
  EXPECT_EQ(store_->put(sample())->version, 3);
}

TEST_F(db_fixture, concurrent_puts_get_distinct_versions) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this] {
      for (int i = 0; i < 10; ++i) EXPECT_TRUE(store_->put(sample()).ok());
    });
  }
  for (auto& t : threads) t.join();
  auto h = store_->history("echo-sum");
  ASSERT_EQ(h->size(), 40u);
  for (std::size_t i = 0; i < h->size(); ++i)
    EXPECT_EQ(h->at(i).version, static_cast<std::int64_t>(i + 1));
}

TEST_F(db_fixture, import_and_export_markdown) {
  std::string file = serialize_markdown(sample());
  auto first = store_->import_markdown(file);
  ASSERT_TRUE(first.ok()) << first.status().message;
  EXPECT_TRUE(first->changed);
  EXPECT_EQ(first->stored.version, 1);
  auto again = store_->import_markdown(file);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed) << "the same file twice writes no new version";
  EXPECT_EQ(store_->history("echo-sum")->size(), 1u);
  EXPECT_EQ(store_->export_markdown("echo-sum").value(), file);

  question edited = sample();
  edited.tests[0].expected = "4\n";
  auto changed = store_->import_markdown(serialize_markdown(edited));
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(changed->changed);
  EXPECT_EQ(changed->stored.version, 2);
  EXPECT_EQ(store_->export_markdown("nope").status().code, store_errc::not_found);
}

TEST_F(db_fixture, import_refuses_bad_files_and_stores_nothing) {
  auto bad = store_->import_markdown("---\n{\"questionId\":\"x\"\n---\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code, store_errc::invalid);
  EXPECT_EQ(bad.status().fields.at(0).field.substr(0, 5), "line ");
  question q = sample();
  q.languages["unknown-lang"] = {"x"};
  auto unknown = store_->import_markdown(serialize_markdown(q));
  ASSERT_FALSE(unknown.ok());
  EXPECT_TRUE(names(unknown.status().fields, "languages.unknown-lang", "unknown language"));
  EXPECT_TRUE(store_->list()->empty());
}

TEST_F(db_fixture, a_corrupt_value_is_reported_not_thrown) {
  ASSERT_TRUE(store_->put(sample()).ok());
  std::string key = std::string("echo-sum|") + std::string(7, '\0') + '\x02';
  ASSERT_TRUE(db_->Put(rocksdb::WriteOptions(), handles_[1], key, "not json").ok());
  EXPECT_EQ(store_->get("echo-sum").status().code, store_errc::corruption);
  EXPECT_EQ(store_->list().status().code, store_errc::corruption);
  EXPECT_TRUE(store_->get("echo-sum", 1).ok());
}

}  // namespace
