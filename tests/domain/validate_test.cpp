/// The one set of validators shared by the room, the import and REST, and the shared UTF-8
/// decoder (base/utf8.hpp).

#include "actors/domain/validate.hpp"

#include <gtest/gtest.h>

#include <string>

#include "actors/domain/changeset.hpp"
#include "base/utf8.hpp"

namespace rooms::domain {
namespace {

TEST(validators, names) {
  EXPECT_TRUE(valid_name("Ada"));
  EXPECT_TRUE(valid_name(std::string(64, 'a')));
  EXPECT_FALSE(valid_name(std::string(65, 'a')));
  std::string accents;
  for (int i = 0; i < 64; ++i) accents += "\xC3\xA9";  // 64 code points, 128 bytes
  EXPECT_TRUE(valid_name(accents));
  EXPECT_FALSE(valid_name(accents + "e"));
  EXPECT_FALSE(valid_name(""));
  EXPECT_FALSE(valid_name("Ada\nroot"));
  EXPECT_FALSE(valid_name("a\x7F"));
  EXPECT_FALSE(valid_name("abcd", 3));
  EXPECT_EQ(code_points("\xF0\x9F\x98\x80x"), 2u);
}

TEST(validators, titles_notes_and_reasons) {
  EXPECT_TRUE(valid_title(""));
  EXPECT_TRUE(valid_title(std::string(200, 't')));
  EXPECT_FALSE(valid_title(std::string(201, 't')));
  EXPECT_FALSE(valid_title(std::string("a\0b", 3)));
  EXPECT_FALSE(valid_title("tab\there"));
  EXPECT_TRUE(valid_note("x"));
  EXPECT_TRUE(valid_note(std::string(10'000, 'n')));
  EXPECT_FALSE(valid_note(std::string(10'001, 'n')));
  EXPECT_FALSE(valid_note(""));
  EXPECT_TRUE(valid_note("line one\nline two"));  // notes may have newlines
  EXPECT_TRUE(valid_reason("disconnected"));
  EXPECT_FALSE(valid_reason(std::string(33, 'r')));
}

TEST(validators, languages_ids_roles_colors_hashes) {
  for (const char* ok : {"python", "cpp", "c#", "objective-c", "plaintext", "f.x_y+"})
    EXPECT_TRUE(valid_language_name(ok)) << ok;
  for (const char* bad : {"", "<script>", "py thon", "ünï"})
    EXPECT_FALSE(valid_language_name(bad)) << bad;
  EXPECT_FALSE(valid_language_name(std::string(33, 'a')));
  EXPECT_TRUE(valid_id("p_0a1b-2"));
  EXPECT_FALSE(valid_id(""));
  EXPECT_FALSE(valid_id("<b>"));
  EXPECT_FALSE(valid_id(std::string(65, 'i')));
  EXPECT_TRUE(valid_client_id(std::string(128, 'c')));
  EXPECT_FALSE(valid_client_id(std::string(129, 'c')));
  EXPECT_TRUE(valid_role("candidate"));
  EXPECT_TRUE(valid_role("interviewer"));
  EXPECT_FALSE(valid_role("admin"));
  EXPECT_TRUE(valid_color("#A0b1c2"));
  EXPECT_FALSE(valid_color("red;x:y"));
  EXPECT_FALSE(valid_color("#12345g"));
  EXPECT_TRUE(valid_sha256_hex_or_empty(""));
  EXPECT_TRUE(valid_sha256_hex_or_empty(std::string(64, 'f')));
  EXPECT_FALSE(valid_sha256_hex_or_empty(std::string(63, 'f')));
  EXPECT_FALSE(valid_sha256_hex_or_empty("not-a-hash"));
}

/// The change sets and the runner decode through the same function, so they replace alike.
TEST(utf8, changesets_and_runner_output_replace_alike) {
  const std::string fffd = "\xEF\xBF\xBD";
  for (const std::string& bytes :
       {std::string("ok \xC3\xA9"), std::string("\xC0\xAF"), std::string("\xE0\x80\xAF"),
        std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80"), std::string("\xE2\x82x"),
        std::string("x\xF0\x9F\x98"), std::string("a\0b", 3)}) {
    EXPECT_EQ(utf16_to_utf8(utf8_to_utf16(bytes)), base::to_valid_utf8(bytes));
  }
  EXPECT_EQ(base::to_valid_utf8("\xE2\x82x"), fffd + "x");
  auto seq = base::decode_utf8("\xF0\x9F\x98", 0);
  EXPECT_EQ(seq.what, base::utf8_sequence::kind::truncated);
  EXPECT_EQ(seq.length, 3u);
  seq = base::decode_utf8("\xF0\x9F\x98\x80", 0);
  EXPECT_EQ(seq.what, base::utf8_sequence::kind::valid);
  EXPECT_EQ(seq.code_point, U'\U0001F600');
}

}  // namespace
}  // namespace rooms::domain
