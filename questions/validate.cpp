#include "questions/validate.hpp"

#include <algorithm>

namespace rooms::questions {

bool is_valid_utf8(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned min = 0;
    unsigned cp = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      min = 0x80;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      min = 0x800;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      min = 0x10000;
      cp = c & 0x07;
    } else
      return false;
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

namespace {

std::size_t code_points(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool has_control(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

std::string kib(std::size_t bytes) {
  return bytes % 1024 == 0 ? std::to_string(bytes / 1024) + " KiB"
                           : std::to_string(bytes) + " bytes";
}

class checker {
 public:
  explicit checker(std::vector<field_error>& errors) : errors_(errors) {}
  void fail(std::string field, std::string message) {
    errors_.push_back({std::move(field), std::move(message)});
  }

  /// Valid UTF-8 and at most `max` bytes; false when it failed.
  bool text(const std::string& field, const std::string& value, std::size_t max) {
    if (!is_valid_utf8(value)) return fail(field, "not valid UTF-8"), false;
    if (value.size() > max) {
      fail(field, "too large: " + std::to_string(value.size()) + " bytes, at most " + kib(max));
      return false;
    }
    return true;
  }
  /// A one-line name of 1..max code points.
  void name(const std::string& field, const std::string& value, std::size_t max) {
    if (!is_valid_utf8(value)) return fail(field, "not valid UTF-8");
    if (value.empty()) return fail(field, "must not be empty");
    if (code_points(value) > max)
      return fail(field, "too long: at most " + std::to_string(max) + " characters");
    if (has_control(value)) return fail(field, "must be one line without control characters");
    if (value.front() == ' ' || value.back() == ' ')
      return fail(field, "must not start or end with a space");
  }
  void language(const std::string& field, const std::string& lang,
                const std::set<std::string>& known) {
    if (known.count(lang) == 0) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      fail(field, "unknown language \"" + lang + "\" (known: " + list + ")");
    }
  }

 private:
  std::vector<field_error>& errors_;
};

bool valid_id(const std::string& id) {
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

}  // namespace

std::vector<field_error> validate(const question& q, const std::set<std::string>& languages,
                                  const limits& lim) {
  std::vector<field_error> errors;
  checker c(errors);

  if (q.question_id.empty()) {
    c.fail("questionId", "missing");
  } else if (q.question_id.size() > lim.max_id_chars || !valid_id(q.question_id)) {
    c.fail("questionId",
           "must be 1.." + std::to_string(lim.max_id_chars) + " characters of A-Z a-z 0-9 - _");
  }
  if (q.title.empty()) {
    c.fail("title", "missing");
  } else if (c.text("title", q.title, lim.max_title_bytes) && has_control(q.title)) {
    c.fail("title", "must be one line without control characters");
  }
  c.text("statement", q.statement, lim.max_statement_bytes);
  if (std::find(difficulties.begin(), difficulties.end(), q.difficulty) == difficulties.end()) {
    c.fail("difficulty", q.difficulty.empty() ? "missing" : "must be easy, medium or hard");
  }

  for (const auto& [lang, entry] : q.languages) {
    std::string field = "languages." + lang;
    c.language(field, lang, languages);
    c.text(field + ".starter", entry.starter, lim.max_starter_bytes);
  }
  for (const auto& [lang, code] : q.solutions) {
    std::string field = "solutions." + lang;
    c.language(field, lang, languages);
    c.text(field, code, lim.max_solution_bytes);
  }

  if (q.tests.empty()) c.fail("tests", "at least one test is required");
  if (q.tests.size() > lim.max_tests)
    c.fail("tests", "too many: at most " + std::to_string(lim.max_tests));
  std::set<std::string> names;
  for (std::size_t i = 0; i < q.tests.size(); ++i) {
    const auto& t = q.tests[i];
    std::string field = "tests[" + std::to_string(i) + "]";
    c.name(field + ".name", t.name, lim.max_test_name_chars);
    if (!t.name.empty() && !names.insert(t.name).second) {
      c.fail(field + ".name", "duplicate: another test is named \"" + t.name + "\"");
    }
    c.text(field + ".stdin", t.stdin_data, lim.max_stdin_bytes);
    c.text(field + ".expected", t.expected, lim.max_expected_bytes);
    if (t.timeout_ms &&
        (*t.timeout_ms < lim.min_timeout_ms || *t.timeout_ms > lim.max_timeout_ms)) {
      c.fail(field + ".timeoutMs", "must be " + std::to_string(lim.min_timeout_ms) + ".." +
                                       std::to_string(lim.max_timeout_ms));
    }
  }

  if (q.tags.size() > lim.max_tags)
    c.fail("tags", "too many: at most " + std::to_string(lim.max_tags));
  for (std::size_t i = 0; i < q.tags.size(); ++i) {
    c.name("tags[" + std::to_string(i) + "]", q.tags[i], lim.max_tag_chars);
  }
  if (q.criteria.size() > lim.max_criteria) {
    c.fail("criteria", "too many: at most " + std::to_string(lim.max_criteria));
  }
  for (std::size_t i = 0; i < q.criteria.size(); ++i) {
    c.name("criteria[" + std::to_string(i) + "]", q.criteria[i], lim.max_criterion_chars);
  }
  return errors;
}

decoded<question> parse_and_validate(const nlohmann::json& j,
                                     const std::set<std::string>& languages, const limits& lim) {
  auto q = from_json(j);
  if (!q) return q;
  auto errors = validate(q.value(), languages, lim);
  if (!errors.empty()) return errors;
  return q;
}

}  // namespace rooms::questions
