#pragma once
/// A real store in a temp dir under a clock the test moves, and a query::service over it: the
/// fixture of the query tests (tests/query). Header-only: only tests that link rooms::query use it.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>

#include "eventlog/store.hpp"
#include "query/service.hpp"
#include "tests/testing/temp_dir.hpp"

namespace rooms::testing {

/// Where the fixture's clock starts (Nov 2023): fixed, so times in answers are exact.
inline constexpr std::int64_t store_t0 = 1'700'000'000'000;

class query_fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    eventlog::store_options o;
    o.path = dir_.str();
    o.clock = [this] { return now_; };
    o.retention = std::chrono::hours(24 * 365 * 100);  // the clock is fixed in 2023
    auto opened = eventlog::store::open(o);
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    store_ = std::move(*opened);
    query_ = std::make_unique<query::service>(*store_);
  }

  temp_dir dir_;
  std::int64_t now_ = store_t0;
  std::unique_ptr<eventlog::store> store_;
  std::unique_ptr<query::service> query_;
};

}  // namespace rooms::testing
