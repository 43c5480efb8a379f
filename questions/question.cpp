#include "questions/question.hpp"

namespace rooms::questions {

using nlohmann::json;

std::string to_string(const std::vector<field_error>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += e.to_string();
  }
  return out;
}

namespace {

json languages_json(const question& q) {
  json languages = json::object();
  for (const auto& [name, entry] : q.languages) languages[name] = {{"starter", entry.starter}};
  return languages;
}

json test_json(const test_case& t) {
  json j = {
      {"name", t.name}, {"stdin", t.stdin_data}, {"expected", t.expected}, {"hidden", t.hidden}};
  if (t.timeout_ms) j["timeoutMs"] = *t.timeout_ms;
  return j;
}

/// Reads the fields of one JSON object, collecting an error per bad field instead of throwing.
class reader {
 public:
  reader(const json& object, std::string prefix, std::vector<field_error>& errors)
      : object_(object), prefix_(std::move(prefix)), errors_(errors) {}

  const json* find(const char* key) const {
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }
  std::string field(const std::string& key) const { return prefix_ + key; }
  void fail(const std::string& key, std::string message) {
    errors_.push_back({field(key), std::move(message)});
  }

  /// A string field; `required` ones report "missing".
  void string(const char* key, std::string& out, bool required) {
    const json* v = find(key);
    if (v == nullptr) {
      if (required) fail(key, "missing");
    } else if (!v->is_string()) {
      fail(key, "must be a string");
    } else {
      out = v->get<std::string>();
    }
  }
  void boolean(const char* key, bool& out) {
    const json* v = find(key);
    if (v == nullptr) return;
    if (!v->is_boolean()) return fail(key, "must be true or false");
    out = v->get<bool>();
  }
  void integer(const char* key, std::int64_t& out) {
    const json* v = find(key);
    if (v == nullptr) return;
    if (!v->is_number_integer()) return fail(key, "must be an integer");
    out = v->get<std::int64_t>();
  }
  void strings(const char* key, std::vector<std::string>& out) {
    const json* v = find(key);
    if (v == nullptr) return;
    if (!v->is_array()) return fail(key, "must be an array of strings");
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) {
        fail(std::string(key) + "[" + std::to_string(i) + "]", "must be a string");
      } else {
        out.push_back((*v)[i].get<std::string>());
      }
    }
  }

 private:
  const json& object_;
  std::string prefix_;
  std::vector<field_error>& errors_;
};

void read_test(const json& j, std::size_t index, std::vector<field_error>& errors, question& q) {
  std::string prefix = "tests[" + std::to_string(index) + "]";
  if (!j.is_object()) {
    errors.push_back({prefix, "must be an object"});
    return;
  }
  reader r(j, prefix + ".", errors);
  test_case t;
  r.string("name", t.name, true);
  r.string("stdin", t.stdin_data, false);
  r.string("expected", t.expected, true);
  r.boolean("hidden", t.hidden);
  if (const json* v = r.find("timeoutMs"); v != nullptr && !v->is_null()) {
    // The range is validate()'s; here only that it is a (representable) integer.
    if (!v->is_number_integer() || v->get<std::int64_t>() < 0 ||
        v->get<std::int64_t>() > 1'000'000'000) {
      r.fail("timeoutMs", "must be an integer number of milliseconds");
    } else {
      t.timeout_ms = static_cast<int>(v->get<std::int64_t>());
    }
  }
  q.tests.push_back(std::move(t));
}

}  // namespace

json to_json(const question& q, with_solutions solutions) {
  json tests = json::array();
  for (const auto& t : q.tests) tests.push_back(test_json(t));
  json j = {{"questionId", q.question_id},
            {"title", q.title},
            {"statement", q.statement},
            {"languages", languages_json(q)},
            {"tests", tests},
            {"tags", q.tags},
            {"difficulty", q.difficulty},
            {"updatedAt", q.updated_at},
            {"version", q.version}};
  if (!q.criteria.empty()) j["criteria"] = q.criteria;
  if (solutions == with_solutions::yes) j["solutions"] = q.solutions;
  return j;
}

decoded<question> from_json(const json& j) {
  std::vector<field_error> errors;
  if (!j.is_object()) return std::vector<field_error>{{"question", "must be a JSON object"}};
  reader r(j, "", errors);
  question q;
  r.string("questionId", q.question_id, true);
  r.string("title", q.title, true);
  r.string("statement", q.statement, true);
  r.string("difficulty", q.difficulty, true);
  r.integer("updatedAt", q.updated_at);
  r.integer("version", q.version);
  r.strings("tags", q.tags);
  r.strings("criteria", q.criteria);

  if (const json* langs = r.find("languages"); langs == nullptr) {
    r.fail("languages", "missing");
  } else if (!langs->is_object()) {
    r.fail("languages", "must be an object of {\"<language>\":{\"starter\":\"...\"}}");
  } else {
    for (const auto& [name, entry] : langs->items()) {
      std::string field = "languages." + name;
      if (!entry.is_object()) {
        errors.push_back({field, "must be an object {\"starter\":\"...\"}"});
        continue;
      }
      reader lr(entry, field + ".", errors);
      language_entry e;
      lr.string("starter", e.starter, false);
      q.languages[name] = std::move(e);
    }
  }

  if (const json* tests = r.find("tests"); tests == nullptr) {
    r.fail("tests", "missing");
  } else if (!tests->is_array()) {
    r.fail("tests", "must be an array");
  } else {
    for (std::size_t i = 0; i < tests->size(); ++i) read_test((*tests)[i], i, errors, q);
  }

  if (const json* sols = r.find("solutions"); sols != nullptr) {
    if (!sols->is_object()) {
      r.fail("solutions", "must be an object of {\"<language>\":\"code\"}");
    } else {
      for (const auto& [name, code] : sols->items()) {
        if (!code.is_string()) {
          errors.push_back({"solutions." + name, "must be a string"});
        } else {
          q.solutions[name] = code.get<std::string>();
        }
      }
    }
  }
  if (!errors.empty()) return errors;
  return q;
}

json candidate_view(const question& q) {
  json tests = json::array();
  for (const auto& t : q.tests) {
    if (t.hidden) {
      tests.push_back({{"name", t.name}, {"hidden", true}});
    } else {
      tests.push_back(test_json(t));
    }
  }
  return {{"questionId", q.question_id},
          {"title", q.title},
          {"statement", q.statement},
          {"languages", languages_json(q)},
          {"tests", tests}};
}

json list_row(const question& q) {
  json languages = json::array();
  for (const auto& [name, entry] : q.languages) languages.push_back(name);
  return {{"questionId", q.question_id}, {"title", q.title},       {"tags", q.tags},
          {"difficulty", q.difficulty},  {"languages", languages}, {"tests", q.tests.size()}};
}

}  // namespace rooms::questions
