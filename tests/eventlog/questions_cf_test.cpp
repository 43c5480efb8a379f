/// The "questions" column family the event log opens for the question library (and "accounts",
/// for interviewer accounts, the same way): a data dir made
/// before it existed still opens (a primary adds the CF, a read-only secondary goes without),
/// and what is written there survives a reopen. Real RocksDB in a temp dir.

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "eventlog/store.hpp"
#include "tests/eventlog/helpers.hpp"
#include "tests/testing/temp_dir.hpp"

namespace rooms::eventlog::test {
namespace {

/// A data dir as stores made it before the questions CF: default, meta, events, snapshots.
void make_old_data_dir(const std::string& path) {
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const char* name :
       {rocksdb::kDefaultColumnFamilyName.c_str(), "meta", "events", "snapshots"})
    cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, path, cfs, &handles, &db).ok());
  for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  delete db;
}

std::vector<std::string> column_families(const std::string& path) {
  std::vector<std::string> names;
  EXPECT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok());
  return names;
}

bool has(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST(questions_cf, an_old_data_dir_opens_read_only_without_it_and_gains_it_when_opened_writable) {
  rooms::testing::temp_dir dir;
  std::string path = (dir.path() / "data").string();
  make_old_data_dir(path);
  ASSERT_FALSE(has(column_families(path), "questions"));
  {
    store_options ro;
    ro.path = path;
    ro.read_only = true;
    auto opened = store::open(ro);
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    EXPECT_EQ(opened.value()->questions_cf(), nullptr);
    EXPECT_EQ(opened.value()->accounts_cf(), nullptr);
  }
  {
    store_options rw;
    rw.path = path;
    auto opened = store::open(rw);
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    auto* cf = opened.value()->questions_cf();
    ASSERT_NE(cf, nullptr);
    EXPECT_EQ(cf->GetName(), "questions");
    ASSERT_NE(opened.value()->accounts_cf(), nullptr);
    EXPECT_EQ(opened.value()->accounts_cf()->GetName(), "accounts");
    ASSERT_TRUE(opened.value()->raw_db()->Put(rocksdb::WriteOptions(), cf, "k", "v").ok());
  }
  EXPECT_TRUE(has(column_families(path), "questions"));
  EXPECT_TRUE(has(column_families(path), "accounts"));
  store_options rw;
  rw.path = path;
  auto reopened = store::open(rw);
  ASSERT_TRUE(reopened.ok()) << reopened.error().to_string();
  std::string value;
  ASSERT_TRUE(reopened.value()
                  ->raw_db()
                  ->Get(rocksdb::ReadOptions(), reopened.value()->questions_cf(), "k", &value)
                  .ok());
  EXPECT_EQ(value, "v");
}

}  // namespace
}  // namespace rooms::eventlog::test
