/// base::usable_cpus follows the affinity mask, not the machine's CPU count.

#include "base/cpus.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

namespace rooms::base {
namespace {

/// Restores the thread's affinity mask when a test ends.
class pinned : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(::sched_getaffinity(0, sizeof saved_, &saved_), 0); }
  void TearDown() override { ::sched_setaffinity(0, sizeof saved_, &saved_); }
  cpu_set_t saved_;
};

TEST_F(pinned, counts_the_cpus_of_the_mask) {
  EXPECT_EQ(usable_cpus(), static_cast<unsigned>(CPU_COUNT(&saved_)));
  EXPECT_LE(usable_cpus(), std::max(1u, std::thread::hardware_concurrency()));
  // Pinned to one CPU (as `taskset -c N roomd` would): one, whatever the machine has.
  int first = 0;
  while (!CPU_ISSET(first, &saved_)) ++first;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(first, &one);
  ASSERT_EQ(::sched_setaffinity(0, sizeof one, &one), 0);
  EXPECT_EQ(usable_cpus(), 1u);
}

}  // namespace
}  // namespace rooms::base
