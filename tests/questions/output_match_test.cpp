// PROTOCOL.md: stdout equals expected after trimming trailing whitespace on each line and at the
// end.

#include "questions/output_match.hpp"

#include <gtest/gtest.h>

namespace {

using rooms::questions::normalize_output;
using rooms::questions::output_matches;

TEST(output_match, equal_is_a_pass) {
  EXPECT_TRUE(output_matches("3\n", "3\n"));
}

TEST(output_match, trailing_newlines_and_spaces_at_the_end_do_not_matter) {
  EXPECT_TRUE(output_matches("3", "3\n"));
  EXPECT_TRUE(output_matches("3\n\n\n", "3"));
  EXPECT_TRUE(output_matches("3 \t\n  \n", "3"));
}

TEST(output_match, trailing_whitespace_on_each_line_does_not_matter) {
  EXPECT_TRUE(output_matches("1 2 \n3\t\n4\r\n", "1 2\n3\n4\n"));
  EXPECT_EQ(normalize_output("a  \nb\r\n\n"), "a\nb");
}

TEST(output_match, leading_whitespace_and_inner_spaces_matter) {
  EXPECT_FALSE(output_matches(" 3\n", "3\n"));
  EXPECT_FALSE(output_matches("1  2\n", "1 2\n"));
  EXPECT_FALSE(output_matches("\n3\n", "3\n")) << "a leading blank line is output";
}

TEST(output_match, inner_blank_lines_matter) {
  EXPECT_FALSE(output_matches("1\n\n2\n", "1\n2\n"));
  EXPECT_TRUE(output_matches("1\n  \n2\n", "1\n\n2\n")) << "a line of spaces is a blank line";
}

TEST(output_match, different_output_fails) {
  EXPECT_FALSE(output_matches("4\n", "3\n"));
  EXPECT_FALSE(output_matches("", "3\n"));
  EXPECT_FALSE(output_matches("3\n4\n", "3\n"));
}

TEST(output_match, empty_matches_whitespace_only) {
  EXPECT_TRUE(output_matches("", ""));
  EXPECT_TRUE(output_matches("\n \n", ""));
  EXPECT_EQ(normalize_output(""), "");
}

}  // namespace
