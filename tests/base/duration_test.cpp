#include "base/duration.hpp"

#include <gtest/gtest.h>

namespace rooms::base {
namespace {

using std::chrono::milliseconds;

TEST(Duration, EveryUnit) {
  EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_duration("30s"), milliseconds(30'000));
  EXPECT_EQ(parse_duration("10m"), milliseconds(600'000));
  EXPECT_EQ(parse_duration("24h"), milliseconds(86'400'000));
  EXPECT_EQ(parse_duration("2d"), milliseconds(172'800'000));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
}

TEST(Duration, RefusesAnythingElse) {
  for (const char* bad : {"", "30", "s", "-1s", "+1s", " 1s", "1s ", "1.5s", "1S", "1 s", "1sec",
                          "1ms5", "1y", "0x10s"})
    EXPECT_FALSE(parse_duration(bad)) << '"' << bad << '"';
}

TEST(Duration, RefusesOverflow) {
  EXPECT_FALSE(parse_duration("9223372036854775807d"));
  EXPECT_FALSE(parse_duration("99999999999999999999ms")) << "beyond int64";
  EXPECT_EQ(parse_duration("9223372036854775807ms"), milliseconds(9223372036854775807LL));
}

}  // namespace
}  // namespace rooms::base
