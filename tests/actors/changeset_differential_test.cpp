/// Differential test: rooms::domain::changeset against the real @codemirror/state.
///
/// tests/differential/generate.mjs (the ctest fixture `changeset_fixture`) writes random
/// documents and change sets with what CodeMirror computes for them; this checks every case.
///
///   changeset_differential_test <fixture.jsonl> <tests/differential/node_modules>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "actors/domain/changeset.hpp"

namespace {

using rooms::domain::changeset;
using rooms::domain::utf16_to_utf8;
using rooms::domain::utf8_to_utf16;
using json = nlohmann::json;

/// Fewer than this many change-set cases means the generator broke, not that we are done.
constexpr std::size_t min_changeset_cases = 10'000;
/// Failures reported in full; past that only counted, so one bug cannot flood the log.
constexpr int max_reported_failures = 20;

std::filesystem::path fixture_path;
std::filesystem::path node_modules_path;

/// The fixture, loaded once for all tests.
struct fixture {
  std::vector<json> changeset_cases;
  std::vector<json> utf8_cases;
  std::vector<json> utf16_cases;
  std::string error;  // set when the file could not be read
  double load_ms = 0;
};

const fixture& load_fixture() {
  static const fixture loaded = [] {
    fixture f;
    auto started = std::chrono::steady_clock::now();
    std::ifstream in(fixture_path);
    if (!in) {
      f.error = "cannot open the fixture " + fixture_path.string() +
                " (written by the ctest test changeset_fixture: run ctest, not the binary alone)";
      return f;
    }
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty()) continue;
      auto parsed = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_discarded() || !parsed.contains("kind")) {
        f.error = "fixture line " + std::to_string(number) + " is not a case";
        return f;
      }
      const auto kind = parsed["kind"].get<std::string>();
      if (kind == "changes") {
        f.changeset_cases.push_back(std::move(parsed));
      } else if (kind == "utf8") {
        f.utf8_cases.push_back(std::move(parsed));
      } else if (kind == "utf16") {
        f.utf16_cases.push_back(std::move(parsed));
      }
    }
    f.load_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    return f;
  }();
  return loaded;
}

/// A fixture document: a string when well-formed, else its UTF-16 code units.
std::u16string doc_of(const json& value) {
  if (value.is_string()) return utf8_to_utf16(value.get_ref<const std::string&>());
  std::u16string doc;
  for (const auto& unit : value) doc.push_back(static_cast<char16_t>(unit.get<std::uint32_t>()));
  return doc;
}

std::string bytes_of_hex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

std::string hex_of_bytes(const std::string& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char byte : bytes) {
    hex.push_back(digits[byte >> 4]);
    hex.push_back(digits[byte & 0xF]);
  }
  return hex;
}

/// A shortened dump of a case for failure messages.
std::string describe(const json& c) {
  auto text = c.dump();
  if (text.size() > 600) text = text.substr(0, 600) + "...";
  return text;
}

/// Checks one change-set case; returns what differs, empty when all agree.
std::string check_case(const json& c) {
  std::ostringstream problems;
  const json changes_json =
      c.contains("changes_text") ? json::parse(c["changes_text"].get<std::string>()) : c["changes"];
  auto parsed = changeset::from_json(changes_json);
  if (!c["valid"].get<bool>()) {
    if (parsed) problems << "accepted invalid changes " << changes_json.dump() << "; ";
    return problems.str();
  }
  if (!parsed) return "rejected valid changes " + changes_json.dump();
  const auto& set = *parsed;

  if (set.to_json() != c["json"]) {
    problems << "to_json " << set.to_json().dump() << " != " << c["json"].dump() << "; ";
  }
  if (set.length() != c["length"].get<std::size_t>()) problems << "length " << set.length() << "; ";
  if (set.new_length() != c["newLength"].get<std::size_t>()) {
    problems << "new_length " << set.new_length() << "; ";
  }
  if (set.empty() != c["empty"].get<bool>()) problems << "empty " << set.empty() << "; ";
  if (set.inserted_length() != c["insertedLength"].get<std::size_t>()) {
    problems << "inserted_length " << set.inserted_length() << "; ";
  }

  const auto original = doc_of(c["doc"]);
  auto doc = original;
  const bool applied = set.apply(doc);
  if (c["result"].is_null()) {
    if (applied) problems << "applied to a document of the wrong length; ";
    if (doc != original) problems << "changed the document it refused; ";
  } else if (!applied) {
    problems << "refused a document of the right length; ";
  } else if (doc != doc_of(c["result"])) {
    problems << "result " << json(utf16_to_utf8(doc)).dump() << "; ";
  }

  for (const auto& map : c["maps"]) {
    const auto pos = map[0].get<std::size_t>();
    const auto before = set.map_pos(pos, -1);
    const auto after = set.map_pos(pos, 1);
    if (before != map[1].get<std::size_t>() || after != map[2].get<std::size_t>()) {
      problems << "map_pos(" << pos << ") = " << before << "/" << after << " != " << map[1] << "/"
               << map[2] << "; ";
    }
  }
  return problems.str();
}

class ChangesetDifferential : public ::testing::Test {
 protected:
  void SetUp() override {
    // Without node_modules the fixture cannot exist; say how to fix that, not just "missing".
    ASSERT_TRUE(std::filesystem::is_directory(node_modules_path / "@codemirror" / "state"))
        << node_modules_path.string()
        << " has no @codemirror/state: run tools/bootstrap (npm ci in tests/differential)";
    ASSERT_TRUE(load_fixture().error.empty()) << load_fixture().error;
  }
};

TEST_F(ChangesetDifferential, FixtureIsComplete) {
  const auto& f = load_fixture();
  EXPECT_GE(f.changeset_cases.size(), min_changeset_cases)
      << "the fixture is truncated or the generator broke";
  EXPECT_FALSE(f.utf8_cases.empty());
  EXPECT_FALSE(f.utf16_cases.empty());
  std::cout << "fixture: " << f.changeset_cases.size() << " change-set cases, "
            << f.utf8_cases.size() + f.utf16_cases.size() << " UTF cases, loaded in " << f.load_ms
            << " ms\n";
}

TEST_F(ChangesetDifferential, ChangeSetsMatchCodeMirror) {
  const auto& f = load_fixture();
  ASSERT_GE(f.changeset_cases.size(), min_changeset_cases);
  auto started = std::chrono::steady_clock::now();
  int failures = 0;
  std::size_t maps = 0;
  for (const auto& c : f.changeset_cases) {
    if (c.contains("maps")) maps += c["maps"].size() * 2;
    auto problems = check_case(c);
    if (problems.empty()) continue;
    if (++failures <= max_reported_failures) {
      ADD_FAILURE() << "case " << c["id"] << " (" << c.value("family", "?") << "): " << problems
                    << "\n  " << describe(c);
    }
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  std::cout << "checked " << f.changeset_cases.size() << " change-set cases (" << maps
            << " mapped positions) in " << ms << " ms\n";
  EXPECT_EQ(failures, 0) << failures << " of " << f.changeset_cases.size() << " cases differ";
}

TEST_F(ChangesetDifferential, Utf8DecodingMatchesTextDecoder) {
  int failures = 0;
  for (const auto& c : load_fixture().utf8_cases) {
    const auto decoded = utf8_to_utf16(bytes_of_hex(c["bytes"].get<std::string>()));
    if (decoded == doc_of(c["utf16"])) continue;
    if (++failures <= max_reported_failures) ADD_FAILURE() << "case " << describe(c);
  }
  EXPECT_EQ(failures, 0);
}

TEST_F(ChangesetDifferential, Utf16EncodingMatchesTextEncoder) {
  int failures = 0;
  for (const auto& c : load_fixture().utf16_cases) {
    const auto encoded = hex_of_bytes(utf16_to_utf8(doc_of(c["utf16"])));
    if (encoded == c["bytes"].get<std::string>()) continue;
    if (++failures <= max_reported_failures) {
      ADD_FAILURE() << "case " << describe(c) << " gave " << encoded;
    }
  }
  EXPECT_EQ(failures, 0);
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 3) {
    std::cerr << "usage: " << argv[0] << " <fixture.jsonl> <tests/differential/node_modules>\n";
    return 2;
  }
  fixture_path = argv[1];
  node_modules_path = argv[2];
  return RUN_ALL_TESTS();
}
