#include "base/hex.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rooms::base {
namespace {

TEST(Hex, EncodesEveryByteAsTwoLowerCaseDigits) {
  EXPECT_EQ(to_hex(""), "");
  EXPECT_EQ(to_hex(std::string("\x00\x01\x7f\x80\xff", 5)), "00017f80ff");
  EXPECT_EQ(to_hex("abc"), "616263");
}

TEST(Hex, EveryByteValueRoundTrips) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  auto hex = to_hex(all);
  ASSERT_EQ(hex.size(), 512u);
  EXPECT_EQ(hex.substr(0, 6), "000102");
  EXPECT_EQ(hex.substr(506), "fdfeff");
  auto back = from_hex(hex);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, all);
}

TEST(Hex, DecodesEitherCase) {
  EXPECT_EQ(from_hex("DEADbeef"), std::string("\xde\xad\xbe\xef"));
  EXPECT_EQ(from_hex(""), std::string());
}

TEST(Hex, RefusesOddLengthsAndOtherCharacters) {
  EXPECT_FALSE(from_hex("abc"));
  EXPECT_FALSE(from_hex("0g"));
  EXPECT_FALSE(from_hex("0 "));
  EXPECT_FALSE(from_hex("-1"));
  EXPECT_FALSE(from_hex(std::string("0\0", 2)));
}

TEST(Hex, DigitValues) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  for (char c : {'g', 'G', '/', ':', '@', '`', ' ', '\0'})
    EXPECT_EQ(hex_digit_value(c), -1) << int(c);
}

}  // namespace
}  // namespace rooms::base
