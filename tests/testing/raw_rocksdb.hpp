#pragma once
/// A store's data dir opened with RocksDB itself, for tests that write what a disk fault, an
/// older build or a newer one would have left. Header-only: only tests that link RocksDB use it.

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <string>
#include <vector>

namespace rooms::testing {

/// Opens every column family the dir has (asked of RocksDB, so a family added to the store
/// later needs no edit here); closes on destruction. The store must be closed meanwhile.
class raw_rocksdb {
 public:
  explicit raw_rocksdb(const std::string& path) {
    rocksdb::DBOptions o;
    std::vector<std::string> names;
    auto listed = rocksdb::DB::ListColumnFamilies(o, path, &names);
    EXPECT_TRUE(listed.ok()) << listed.ToString();
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (auto& name : names) cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    auto opened = rocksdb::DB::Open(o, path, cfs, &handles_, &db_);
    EXPECT_TRUE(opened.ok()) << opened.ToString();
  }
  ~raw_rocksdb() {
    if (db_ == nullptr) return;
    for (auto* h : handles_) EXPECT_TRUE(db_->DestroyColumnFamilyHandle(h).ok());
    delete db_;
  }
  raw_rocksdb(const raw_rocksdb&) = delete;
  raw_rocksdb& operator=(const raw_rocksdb&) = delete;

  rocksdb::DB* db() const { return db_; }
  /// The named column family; nullptr (and a test failure) when the dir has none.
  rocksdb::ColumnFamilyHandle* cf(const std::string& name) const {
    for (auto* h : handles_)
      if (h->GetName() == name) return h;
    ADD_FAILURE() << "no column family " << name;
    return nullptr;
  }
  void put(const std::string& cf_name, const std::string& key, const std::string& value) {
    auto* h = cf(cf_name);
    if (h != nullptr) {
      EXPECT_TRUE(db_->Put({}, h, key, value).ok());
    }
  }
  /// Drops a column family, as a data dir from before it existed would lack it.
  void drop(const std::string& name) {
    for (auto it = handles_.begin(); it != handles_.end(); ++it) {
      if ((*it)->GetName() != name) continue;
      EXPECT_TRUE(db_->DropColumnFamily(*it).ok());
      EXPECT_TRUE(db_->DestroyColumnFamilyHandle(*it).ok());
      handles_.erase(it);
      return;
    }
    ADD_FAILURE() << "no column family " << name;
  }

 private:
  rocksdb::DB* db_ = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace rooms::testing
