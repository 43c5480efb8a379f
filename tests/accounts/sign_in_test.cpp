/// The sign-in table (rotation, logout, idle expiry) and the lock-out, with a stepped clock.

#include <gtest/gtest.h>

#include "accounts/sign_in.hpp"

namespace {

using namespace rooms::accounts;

TEST(SessionTableTest, OpensTouchesAndCloses) {
  std::int64_t now = 1000;
  session_table t(60'000, [&] { return now; });
  auto s = t.open("u1");
  EXPECT_EQ(s.cookie.size(), 64u);  // 256 bits
  EXPECT_EQ(s.csrf_token.size(), 64u);
  EXPECT_NE(s.cookie, s.csrf_token);
  auto found = t.touch(s.cookie);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->account_id, "u1");
  EXPECT_EQ(found->csrf_token, s.csrf_token);
  EXPECT_FALSE(t.touch(""));
  EXPECT_FALSE(t.touch(s.csrf_token));
  EXPECT_TRUE(t.close(s.cookie));
  EXPECT_FALSE(t.touch(s.cookie));
  EXPECT_FALSE(t.close(s.cookie));
}

TEST(SessionTableTest, RotationEndsTheReplacedSession) {
  session_table t(60'000, [] { return std::int64_t{0}; });
  auto first = t.open("u1");
  auto second = t.open("u1", first.cookie);
  EXPECT_NE(first.cookie, second.cookie);
  EXPECT_NE(first.csrf_token, second.csrf_token);
  EXPECT_FALSE(t.touch(first.cookie));
  EXPECT_TRUE(t.touch(second.cookie));
}

TEST(SessionTableTest, IdleExpiryAndUseKeepsItAlive) {
  std::int64_t now = 0;
  session_table t(10'000, [&] { return now; });
  auto s = t.open("u1");
  now = 9'999;
  EXPECT_TRUE(t.touch(s.cookie));  // restarts the idle clock
  now = 19'998;
  EXPECT_TRUE(t.touch(s.cookie));
  now = 29'998;
  EXPECT_FALSE(t.touch(s.cookie));
  EXPECT_EQ(t.size(), 0u);
}

TEST(SessionTableTest, CloseAccountEndsAllItsSessions) {
  session_table t(60'000, [] { return std::int64_t{0}; });
  auto a = t.open("u1");
  auto b = t.open("u1");
  auto c = t.open("u2");
  t.close_account("u1");
  EXPECT_FALSE(t.touch(a.cookie));
  EXPECT_FALSE(t.touch(b.cookie));
  EXPECT_TRUE(t.touch(c.cookie));
}

TEST(LoginGuardTest, FiveFailuresInTheWindowLockForTheLockTime) {
  std::int64_t now = 0;
  login_guard g(5, 15 * 60'000, 15 * 60'000, [&] { return now; });
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(g.fail("ada"));
  EXPECT_FALSE(g.locked("ada"));
  EXPECT_TRUE(g.fail("ada"));
  EXPECT_TRUE(g.locked("ada"));
  EXPECT_FALSE(g.locked("bob"));
  now += 15 * 60'000 - 1;
  EXPECT_TRUE(g.locked("ada"));
  now += 1;
  EXPECT_FALSE(g.locked("ada"));
}

TEST(LoginGuardTest, FailuresOutsideTheWindowDoNotAddUp) {
  std::int64_t now = 0;
  login_guard g(5, 15 * 60'000, 15 * 60'000, [&] { return now; });
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(g.fail("ada"));
  now += 15 * 60'000;
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(g.fail("ada"));
  EXPECT_FALSE(g.locked("ada"));
}

TEST(LoginGuardTest, SuccessClearsTheCount) {
  login_guard g(5, 60'000, 60'000, [] { return std::int64_t{0}; });
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(g.fail("ada"));
  g.succeed("ada");
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(g.fail("ada"));
  EXPECT_FALSE(g.locked("ada"));
}

}  // namespace
