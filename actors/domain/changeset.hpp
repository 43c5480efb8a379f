#pragma once
/// CodeMirror 6 change sets (@codemirror/state ChangeSet) over UTF-16 documents.
///
/// Pure value code: no CAF, Asio or RocksDB. Lengths and positions count UTF-16 code units,
/// exactly as CodeMirror does, so a document is held as std::u16string.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace rooms::domain {

/// UTF-8 -> UTF-16. Invalid UTF-8 sequences become U+FFFD.
std::u16string utf8_to_utf16(std::string_view text);
/// UTF-16 -> UTF-8. A lone surrogate becomes U+FFFD.
std::string utf16_to_utf8(std::u16string_view text);

/// One change set: a sequence of sections, each keeping or replacing a span of the input.
class changeset {
 public:
  /// A section: `length` units of the input; `inserted` (nullopt) keeps them, otherwise they
  /// are replaced by `inserted` (possibly empty = pure deletion).
  struct section {
    std::size_t length = 0;
    std::optional<std::u16string> inserted;
    bool operator==(const section&) const = default;
  };

  changeset() = default;

  /// Parses ChangeSet.toJSON(): an array whose parts are `n` (keep n), `[n]` (delete n) or
  /// `[n, "line", ...]` (replace n units by the lines joined with "\n"). nullopt when the
  /// JSON is not of that shape (negative or non-integer lengths, non-string lines, ...).
  static std::optional<changeset> from_json(const nlohmann::json& json);
  /// The same JSON form as CodeMirror's toJSON() (adjacent kept spans merged).
  nlohmann::json to_json() const;

  /// Length of the document this applies to.
  std::size_t length() const { return length_; }
  /// Length of the document it produces.
  std::size_t new_length() const { return new_length_; }
  /// True when it changes nothing.
  bool empty() const;
  const std::vector<section>& sections() const { return sections_; }

  /// Applies to `doc` in place. Returns false, leaving doc untouched, unless
  /// doc.size() == length().
  bool apply(std::u16string& doc) const;

  /// Maps a position in the input to the output like CodeMirror's ChangeSet.mapPos with
  /// MapMode.Simple: assoc < 0 keeps a position at an insertion point before the inserted
  /// text, assoc > 0 after it. A position inside a replaced span maps to its start
  /// (assoc < 0) or end (assoc > 0) in the output. pos is clamped to length().
  std::size_t map_pos(std::size_t pos, int assoc = -1) const;

  /// Number of UTF-16 units inserted in total (for paste detection).
  std::size_t inserted_length() const;

 private:
  std::vector<section> sections_;
  std::size_t length_ = 0;
  std::size_t new_length_ = 0;
};

/// CodeMirror's ChangeSet JSON replacing a whole document of `length` UTF-16 units with
/// `text` (UTF-8): [[length, "line1", "line2", ...]].
nlohmann::json replace_all_json(std::size_t length, std::string_view text);

}  // namespace rooms::domain
