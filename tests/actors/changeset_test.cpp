/// Unit tests of rooms::domain::changeset and the UTF conversions. Expected values of the
/// mapping cases were taken from @codemirror/state 6.7.6 (ChangeSet.fromJSON(...).mapPos).

#include "actors/domain/changeset.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace rooms::domain {
namespace {

using json = nlohmann::json;

/// Parses a change set that the test expects to be valid.
changeset parse(std::string_view text) {
  auto parsed = changeset::from_json(json::parse(text));
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(changeset{});
}

bool rejects(std::string_view text) {
  return !changeset::from_json(json::parse(text));
}

/// "pos:assoc-1/assoc1 ..." for every position 0..length(), as the CodeMirror probe printed.
std::string map_all(const changeset& set) {
  std::string out;
  for (std::size_t pos = 0; pos <= set.length(); ++pos) {
    if (!out.empty()) out += ' ';
    out += std::to_string(pos) + ':' + std::to_string(set.map_pos(pos, -1)) + '/' +
           std::to_string(set.map_pos(pos, 1));
  }
  return out;
}

// -- from_json / to_json --

TEST(ChangesetJson, ParsesTheThreePartKinds) {
  auto set = parse(R"([2, [1], [0, "ab", "c"], [3, "x"], 1])");
  ASSERT_EQ(set.sections().size(), 5u);
  EXPECT_EQ(set.sections()[0], (changeset::section{2, std::nullopt}));
  EXPECT_EQ(set.sections()[1], (changeset::section{1, u""}));
  EXPECT_EQ(set.sections()[2], (changeset::section{0, u"ab\nc"}));
  EXPECT_EQ(set.sections()[3], (changeset::section{3, u"x"}));
  EXPECT_EQ(set.length(), 7u);
  EXPECT_EQ(set.new_length(), 2u + 4u + 1u + 1u);
  EXPECT_EQ(set.inserted_length(), 5u);
  EXPECT_FALSE(set.empty());
}

TEST(ChangesetJson, RejectsWhatIsNotAChangeSet) {
  for (const char* text : {"{}",
                           "null",
                           "1",
                           "\"[1]\"",
                           "true",
                           "[null]",
                           "[true]",
                           "[false]",
                           "[\"3\"]",
                           "[[]]",
                           "[{}]",
                           "[[\"3\"]]",
                           "[[true, \"a\"]]",
                           "[[null]]",
                           "[[1, 2]]",
                           "[[1, \"a\", null]]",
                           "[[1, \"a\", [\"b\"]]]",
                           "[[1, [2]]]",
                           "[[[1]]]",
                           "[1, {\"a\": 1}]"}) {
    EXPECT_TRUE(rejects(text)) << text;
  }
}

TEST(ChangesetJson, RejectsLengthsThatAreNotExactSmallIntegers) {
  // JavaScript would accept most of these; the server must not.
  for (const char* text : {"[-1]", "[[-1]]", "[[-2, \"a\"]]", "[1.5]", "[3.0]", "[1e2]", "[[2.0]]",
                           "[2147483649]", "[[2147483649, \"x\"]]", "[18446744073709551615]",
                           "[18446744073709551616]", "[1, [2], -3]"}) {
    EXPECT_TRUE(rejects(text)) << text;
  }
  EXPECT_EQ(parse("[2147483648]").length(), std::size_t{1} << 31);  // the limit itself is fine
  EXPECT_EQ(parse("[-0]").length(), 0u);
}

TEST(ChangesetJson, JsonBuiltInCxxIsCheckedToo) {
  // Signed integers only arise from C++-built json; they must pass the same checks.
  EXPECT_TRUE(changeset::from_json(json::array({std::int64_t{3}})).has_value());
  EXPECT_FALSE(changeset::from_json(json::array({std::int64_t{-3}})).has_value());
  EXPECT_FALSE(changeset::from_json(json::array({json::array({std::int64_t{-1}, "a"})})));
  EXPECT_FALSE(changeset::from_json(json::array({json::binary({1, 2})})).has_value());
  EXPECT_FALSE(changeset::from_json(json{}).has_value());
  EXPECT_FALSE(changeset::from_json(json::object()).has_value());
}

TEST(ChangesetJson, RoundTripsLikeCodeMirror) {
  for (const char* text :
       {"[]", "[5]", "[0]", "[[0]]", "[1, 2]", "[[1], [2]]", "[[0, \"a\"], 3]", "[[0, \"\", \"\"]]",
        "[2, [0, \"a\"], [0, \"b\"], 2]", "[[1, \"\\u00e9\\ud83d\\ude00\"], 1]",
        "[[0, \"a\", \"b\", \"\", \"c\"]]", "[[0, \"a\\r\"], 1]"}) {
    auto j = json::parse(text);
    EXPECT_EQ(parse(text).to_json(), j) << text;
  }
  // CodeMirror writes an empty replacement as a bare deletion.
  EXPECT_EQ(parse(R"([[3, ""]])").to_json(), json::parse("[[3]]"));
  EXPECT_EQ(parse(R"([[0, ""], 1])").to_json(), json::parse("[[0], 1]"));
}

TEST(ChangesetJson, LineHoldingANewlineIsResplit) {
  // CodeMirror would echo ["a\nb"] unsplit; the C++ side only keeps the joined text. Both
  // describe the same change, which CodeMirror clients never send anyway (they split lines).
  auto set = parse(R"([[0, "a\nb"]])");
  EXPECT_EQ(set.to_json(), json::parse(R"([[0, "a", "b"]])"));
  EXPECT_EQ(set.new_length(), 3u);
}

TEST(ChangesetJson, SurrogatePairsCountTwoUnits) {
  auto set = parse(R"([1, [0, "😀"], [2, "中é"], 1])");
  EXPECT_EQ(set.length(), 4u);
  EXPECT_EQ(set.new_length(), 1u + 2u + 2u + 1u);
  EXPECT_EQ(set.inserted_length(), 4u);
  std::u16string doc = u"a🎉b";  // 🎉 is two units
  ASSERT_TRUE(set.apply(doc));
  EXPECT_EQ(doc, u"a😀中éb");
  EXPECT_EQ(set.to_json(), json::parse(R"([1, [0, "😀"], [2, "中é"], 1])"));
}

TEST(ChangesetJson, EmptyMeansChangesNothing) {
  EXPECT_TRUE(parse("[]").empty());
  EXPECT_TRUE(parse("[7]").empty());
  EXPECT_TRUE(parse("[1, 2]").empty());
  EXPECT_TRUE(parse("[[0], 3]").empty());
  EXPECT_TRUE(parse(R"([[0, ""]])").empty());
  EXPECT_FALSE(parse("[[1]]").empty());
  EXPECT_FALSE(parse(R"([[0, "a"]])").empty());
  EXPECT_FALSE(parse(R"([[1, "a"]])").empty());  // same length, still a change
  EXPECT_TRUE(changeset{}.empty());
}

// -- apply --

TEST(ChangesetApply, WrongLengthLeavesTheDocumentUntouched) {
  auto set = parse(R"([1, [1, "X"], 1])");
  for (std::u16string doc : {u"", u"ab", u"abcd", u"😀😀"}) {
    const auto before = doc;
    EXPECT_FALSE(set.apply(doc));
    EXPECT_EQ(doc, before);
  }
  std::u16string doc = u"abc";
  EXPECT_TRUE(set.apply(doc));
  EXPECT_EQ(doc, u"aXc");
}

TEST(ChangesetApply, ManySections) {
  auto set = parse(R"([[1, "A"], 1, [0, "-"], [1], 1, [1, "x", "y"], [0, "!"]])");
  std::u16string doc = u"abcde";
  ASSERT_TRUE(set.apply(doc));
  EXPECT_EQ(doc, u"Ab-dx\ny!");
  EXPECT_EQ(doc.size(), set.new_length());
}

TEST(ChangesetApply, CanSplitASurrogatePair) {
  // Positions are code units: a (malicious) client may cut an emoji in half.
  auto set = parse(R"([1, [1], 1])");
  std::u16string doc = u"a😀";
  ASSERT_EQ(doc.size(), 3u);
  ASSERT_TRUE(set.apply(doc));
  EXPECT_EQ(doc, std::u16string(u"a") + u'\xDE00');
  EXPECT_EQ(utf16_to_utf8(doc), "a\xEF\xBF\xBD");
}

TEST(ChangesetApply, EmptySetOnEmptyDocument) {
  std::u16string doc;
  EXPECT_TRUE(parse("[]").apply(doc));
  EXPECT_TRUE(doc.empty());
  EXPECT_FALSE(parse("[1]").apply(doc));
  EXPECT_TRUE(parse(R"([[0, "x"]])").apply(doc));
  EXPECT_EQ(doc, u"x");
}

// -- map_pos (expected strings printed by @codemirror/state for every position) --

TEST(ChangesetMapPos, InsertionKeepsAssocMinusOneBefore) {
  EXPECT_EQ(map_all(parse(R"([2, [0, "ab"], 2])")), "0:0/0 1:1/1 2:2/4 3:5/5 4:6/6");
  EXPECT_EQ(map_all(parse(R"([[0, "ab"], 4])")), "0:0/2 1:3/3 2:4/4 3:5/5 4:6/6");
  EXPECT_EQ(map_all(parse(R"([4, [0, "ab"]])")), "0:0/0 1:1/1 2:2/2 3:3/3 4:4/6");
  EXPECT_EQ(map_all(parse(R"([2, [0, "a"], [0, "b"], 2])")), "0:0/0 1:1/1 2:2/4 3:5/5 4:6/6");
}

TEST(ChangesetMapPos, DeletionAndReplacement) {
  EXPECT_EQ(map_all(parse(R"([1, [2], 1])")), "0:0/0 1:1/1 2:1/1 3:1/1 4:2/2");
  // Inside a replaced span: start for assoc -1, end for assoc 1; at its start always start.
  EXPECT_EQ(map_all(parse(R"([1, [2, "xyz"], 1])")), "0:0/0 1:1/1 2:1/4 3:4/4 4:5/5");
  EXPECT_EQ(map_all(parse(R"([[4, "ab"]])")), "0:0/0 1:0/2 2:0/2 3:0/2 4:2/2");
  EXPECT_EQ(map_all(parse(R"([1, [0], 3])")), "0:0/0 1:1/1 2:2/2 3:3/3 4:4/4");
}

TEST(ChangesetMapPos, InsertionAndDeletionAtTheSameSpot) {
  EXPECT_EQ(map_all(parse(R"([2, [0, "ab"], [2], 0])")), "0:0/0 1:1/1 2:2/4 3:4/4 4:4/4");
  EXPECT_EQ(map_all(parse(R"([2, [2], [0, "ab"]])")), "0:0/0 1:1/1 2:2/2 3:2/2 4:2/4");
}

TEST(ChangesetMapPos, ClampsAndDefaults) {
  auto set = parse(R"([2, [0, "ab"], 2])");
  EXPECT_EQ(set.map_pos(99, -1), 6u);  // clamped to length() = 4
  EXPECT_EQ(set.map_pos(std::numeric_limits<std::size_t>::max(), 1), 6u);
  EXPECT_EQ(set.map_pos(2), 2u);     // default assoc is -1, as in CodeMirror
  EXPECT_EQ(set.map_pos(2, 0), 4u);  // CodeMirror tests assoc < 0, so 0 behaves like 1
  EXPECT_EQ(changeset{}.map_pos(0, 1), 0u);
  EXPECT_EQ(parse("[]").map_pos(5, -1), 0u);
}

// -- UTF conversions (expected values from the WHATWG TextDecoder/TextEncoder) --

TEST(Utf, RoundTripsValidText) {
  const std::string text = "a\né中😀\xF4\x8F\xBF\xBF\x7F";
  const auto utf16 = utf8_to_utf16(text);
  EXPECT_EQ(utf16, u"a\né中😀\U0010FFFF\x7F");
  EXPECT_EQ(utf16_to_utf8(utf16), text);
  EXPECT_EQ(utf8_to_utf16(""), u"");
  EXPECT_EQ(utf16_to_utf8(u""), "");
  EXPECT_EQ(utf8_to_utf16(std::string("a\0b", 3)), std::u16string(u"a\0b", 3));
}

TEST(Utf, InvalidUtf8BecomesReplacementCharacters) {
  const std::u16string r = u"\uFFFD";
  EXPECT_EQ(utf8_to_utf16("\x80"), r);      // lone continuation
  EXPECT_EQ(utf8_to_utf16("\xC3"), r);      // truncated at the end
  EXPECT_EQ(utf8_to_utf16("\xE4\xB8"), r);  // one U+FFFD per broken prefix
  EXPECT_EQ(utf8_to_utf16("\xE4\xB8"
                          "A"),
            r + u"A");  // the breaking byte is kept
  EXPECT_EQ(utf8_to_utf16("\xF0\x9F\x98"
                          "A"),
            r + u"A");
  EXPECT_EQ(utf8_to_utf16("\xC0\x80"), r + r);          // overlong
  EXPECT_EQ(utf8_to_utf16("\xE0\x80\x80"), r + r + r);  // overlong
  EXPECT_EQ(utf8_to_utf16("\xED\xA0\x80"), r + r + r);  // UTF-16 surrogate in UTF-8
  EXPECT_EQ(utf8_to_utf16("\xED\xBF\xBF"), r + r + r);
  EXPECT_EQ(utf8_to_utf16("\xF4\x90\x80\x80"), r + r + r + r);  // above U+10FFFF
  EXPECT_EQ(utf8_to_utf16("\xF5"), r);
  EXPECT_EQ(utf8_to_utf16("\xFF"
                          "a\xFE"),
            r + u"a" + r);
  EXPECT_EQ(utf8_to_utf16("\xE0\xA0\x80"), u"\u0800");  // the smallest valid 3-byte form
  EXPECT_EQ(utf8_to_utf16("\xEE\x80\x80"), u"\uE000");
}

TEST(Utf, LoneSurrogatesBecomeReplacementCharacters) {
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(utf16_to_utf8(std::u16string(1, u'\xD83D')), r);              // high at the end
  EXPECT_EQ(utf16_to_utf8(std::u16string(1, u'\xDE00')), r);              // lone low
  EXPECT_EQ(utf16_to_utf8(std::u16string{u'\xDE00', u'\xD83D'}), r + r);  // reversed pair
  EXPECT_EQ(utf16_to_utf8(std::u16string{u'\xD83D', u'a'}), r + "a");
  EXPECT_EQ(utf16_to_utf8(std::u16string{u'\xD83D', u'\xD83D', u'\xDE00'}), r + "😀");
}

// -- performance --

TEST(ChangesetPerformance, SingleCharacterEditsOnAMegabyteDocument) {
  // Not a timing assertion (shared CI cores); the number is printed so regressions show.
  constexpr std::size_t doc_size = 1 << 20;
  constexpr int edits = 2000;
  std::u16string doc(doc_size, u'x');
  std::mt19937 rng(7);
  std::vector<changeset> sets;
  sets.reserve(edits);
  std::size_t length = doc.size();
  for (int i = 0; i < edits; ++i) {
    const std::size_t pos = std::uniform_int_distribution<std::size_t>(0, length - 1)(rng);
    const bool insert = i % 2 == 0;
    auto j = insert ? json::array({pos, json::array({0, "é"}), length - pos})
                    : json::array({pos, json::array({1}), length - pos - 1});
    auto set = changeset::from_json(j);
    ASSERT_TRUE(set.has_value());
    sets.push_back(std::move(*set));
    length = sets.back().new_length();
  }
  const auto started = std::chrono::steady_clock::now();
  for (const auto& set : sets) ASSERT_TRUE(set.apply(doc));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(doc.size(), doc_size);
  const double us = std::chrono::duration<double, std::micro>(elapsed).count() / edits;
  std::cout << "1 MiB document: " << us << " us per single-character edit (" << edits
            << " edits)\n";
  RecordProperty("microseconds_per_edit", std::to_string(us));
}

TEST(ChangesetPerformance, ManySectionsStayLinear) {
  // 10,000 one-character replacements in one set: one pass, not one tail move per section.
  constexpr std::size_t doc_size = 1 << 20;
  constexpr std::size_t changes = 10'000;
  constexpr std::size_t stride = doc_size / changes;
  auto parts = json::array();
  for (std::size_t i = 0; i < changes; ++i) {
    parts.push_back(stride - 1);
    parts.push_back(json::array({1, "中"}));
  }
  parts.push_back(doc_size - changes * stride);
  auto set = changeset::from_json(parts);
  ASSERT_TRUE(set.has_value());
  std::u16string doc(doc_size, u'x');
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(set->apply(doc));
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(doc[stride - 1], u'中');
  EXPECT_EQ(doc.size(), doc_size);
  std::cout << "1 MiB document, " << changes << " sections in one set: "
            << std::chrono::duration<double, std::micro>(elapsed).count() << " us\n";
}

}  // namespace
}  // namespace rooms::domain
