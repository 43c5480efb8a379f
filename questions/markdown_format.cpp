#include "questions/markdown_format.hpp"

#include <algorithm>
#include <optional>
#include <string_view>

namespace rooms::questions {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

constexpr std::string_view no_final_newline = "no-final-newline";
constexpr std::string_view starter_prefix = "## starter: ";
constexpr std::string_view test_prefix = "## test: ";
constexpr std::string_view solution_prefix = "## solution: ";

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

bool is_section_heading(std::string_view line) {
  return starts_with(line, starter_prefix) || starts_with(line, test_prefix) ||
         starts_with(line, solution_prefix);
}

// -- serialize --

/// A backtick fence longer than any run of backticks in `content` (at least 3).
std::string fence_for(const std::string& content) {
  std::size_t longest = 0;
  std::size_t run = 0;
  for (char c : content) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<std::size_t>(3, longest + 1), '`');
}

void write_block(std::string& out, const std::string& info, const std::string& content) {
  std::string fence = fence_for(content);
  bool final_newline = content.empty() || content.back() == '\n';
  out += fence + info;
  if (!final_newline) out += " " + std::string(no_final_newline);
  out += "\n" + content;
  if (!final_newline) out += "\n";
  out += fence + "\n";
}

std::string trimmed_statement(const std::string& statement) {
  std::string s = statement;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s.empty() ? s : s + "\n";
}

// -- parse --

struct parse_failure {
  std::size_t line;  // 1-based
  std::string message;
};

/// The file's lines (without their '\n') and a cursor over them.
class lines_cursor {
 public:
  explicit lines_cursor(const std::string& text) {
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      lines_.emplace_back(std::string_view(text).substr(start, end - start));
      start = end + 1;
    }
  }
  bool done() const { return pos_ >= lines_.size(); }
  std::string_view peek() const { return lines_[pos_]; }
  std::string_view next() { return lines_[pos_++]; }
  std::size_t line_no() const { return pos_ + 1; }
  void skip_blank() {
    while (!done() && peek().empty()) ++pos_;
  }

  /// A fenced code block at the cursor (after blank lines): its content.
  std::string block(std::string_view after) {
    skip_blank();
    if (done() || !starts_with(peek(), "```")) {
      throw parse_failure{
          line_no(), "expected a fenced code block (```) after \"" + std::string(after) + "\""};
    }
    std::size_t open_line = line_no();
    std::string_view open = next();
    std::size_t ticks = open.find_first_not_of('`');
    if (ticks == std::string_view::npos) ticks = open.size();
    std::string fence(open.substr(0, ticks));
    std::string_view info = open.substr(ticks);
    bool strip_newline = info.size() >= no_final_newline.size() &&
                         info.substr(info.size() - no_final_newline.size()) == no_final_newline;
    std::string content;
    while (true) {
      if (done())
        throw parse_failure{open_line, "code block opened here is not closed by " + fence};
      std::string_view line = next();
      if (line == fence) break;
      content.append(line);
      content.push_back('\n');
    }
    if (strip_newline) {
      if (content.empty())
        throw parse_failure{open_line, "\"no-final-newline\" on an empty code block"};
      content.pop_back();
    }
    return content;
  }

  /// Only blank lines may follow a section's content up to the next section.
  void end_of_section(std::string_view heading) {
    skip_blank();
    if (!done() && !is_section_heading(peek())) {
      throw parse_failure{line_no(),
                          "unexpected text in section \"" + std::string(heading) +
                              "\" (expected \"## starter: \", \"## test: \" or \"## solution: \")"};
    }
  }

 private:
  std::vector<std::string_view> lines_;
  std::size_t pos_ = 0;
};

void parse_front_matter(lines_cursor& in, json& out) {
  if (in.done() || in.peek() != "---")
    throw parse_failure{1, "expected \"---\" opening the front matter"};
  in.next();
  std::size_t first = in.line_no();
  std::string text;
  std::vector<std::size_t> line_starts;
  while (true) {
    if (in.done()) throw parse_failure{1, "front matter opened here is not closed by \"---\""};
    std::string_view line = in.next();
    if (line == "---") break;
    line_starts.push_back(text.size());
    text.append(line);
    text.push_back('\n');
  }
  try {
    out = json::parse(text);
  } catch (const json::parse_error& e) {
    std::size_t byte = e.byte == 0 ? 0 : e.byte - 1;
    auto it = std::upper_bound(line_starts.begin(), line_starts.end(), byte);
    std::size_t offset = static_cast<std::size_t>(it - line_starts.begin());
    throw parse_failure{first + (offset == 0 ? 0 : offset - 1), "front matter is not valid JSON"};
  }
  if (!out.is_object()) throw parse_failure{first, "front matter must be one JSON object"};
  for (const auto& [key, value] : out.items()) {
    static const std::vector<std::string> allowed = {"questionId", "title", "difficulty", "tags",
                                                     "criteria"};
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      throw parse_failure{first, "front matter: unknown field \"" + key +
                                     "\" (fields: questionId, title, difficulty, tags, criteria)"};
    }
  }
}

std::string parse_statement(lines_cursor& in) {
  std::vector<std::string_view> lines;
  std::string open_fence;  // inside a fenced block of the statement, headings are its text
  std::size_t open_line = 0;
  while (!in.done()) {
    std::string_view line = in.peek();
    if (open_fence.empty() && is_section_heading(line)) break;
    std::string_view stripped = line.substr(std::min(line.find_first_not_of(' '), line.size()));
    if (open_fence.empty() && (starts_with(stripped, "```") || starts_with(stripped, "~~~"))) {
      open_fence = std::string(stripped.substr(0, stripped.find_first_not_of(stripped[0])));
      open_line = in.line_no();
    } else if (!open_fence.empty() && starts_with(stripped, open_fence) &&
               stripped.find_first_not_of(open_fence[0]) == std::string_view::npos) {
      open_fence.clear();
    }
    lines.push_back(in.next());
  }
  // Else every section after it would silently become statement text.
  if (!open_fence.empty())
    throw parse_failure{open_line, "code block of the statement opened here is not closed"};
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string statement;
  for (auto l : lines) statement.append(l).push_back('\n');
  return statement;
}

json parse_test(lines_cursor& in, std::string_view heading, std::string name) {
  json t = {{"name", std::move(name)}};
  in.skip_blank();
  while (!in.done() && !starts_with(in.peek(), "#") && !in.peek().empty()) {
    std::size_t line_no = in.line_no();
    std::string_view line = in.next();
    if (line == "hidden: true" || line == "hidden: false") {
      t["hidden"] = line == "hidden: true";
    } else if (starts_with(line, "timeoutMs: ")) {
      std::string digits(line.substr(11));
      if (digits.empty() || digits.size() > 9 ||
          digits.find_first_not_of("0123456789") != std::string::npos) {
        throw parse_failure{line_no, "timeoutMs must be a whole number of milliseconds"};
      }
      t["timeoutMs"] = std::stoi(digits);
    } else {
      throw parse_failure{
          line_no, "expected \"hidden: true|false\", \"timeoutMs: N\" or \"### stdin\" in \"" +
                       std::string(heading) + "\""};
    }
  }
  in.skip_blank();
  if (!in.done() && in.peek() == "### stdin") {
    in.next();
    t["stdin"] = in.block("### stdin");
    in.skip_blank();
  }
  if (in.done() || in.peek() != "### expected") {
    throw parse_failure{in.done() ? in.line_no() - 1 : in.line_no(),
                        "test \"" + t["name"].get<std::string>() + "\": missing \"### expected\""};
  }
  in.next();
  t["expected"] = in.block("### expected");
  in.end_of_section(heading);
  return t;
}

}  // namespace

std::string serialize_markdown(const question& q) {
  ordered_json fm = ordered_json::object();
  fm["questionId"] = q.question_id;
  fm["title"] = q.title;
  fm["difficulty"] = q.difficulty;
  fm["tags"] = q.tags;
  if (!q.criteria.empty()) fm["criteria"] = q.criteria;
  // replace: never throw on a string that is not UTF-8 (validate() refuses such a question)
  std::string out = "---\n" + fm.dump(2, ' ', false, ordered_json::error_handler_t::replace) +
                    "\n---\n" + trimmed_statement(q.statement);
  for (const auto& [lang, entry] : q.languages) {
    out += "\n" + std::string(starter_prefix) + lang + "\n\n";
    write_block(out, lang, entry.starter);
  }
  for (const auto& t : q.tests) {
    out += "\n" + std::string(test_prefix) + t.name +
           "\n\nhidden: " + (t.hidden ? "true" : "false") + "\n";
    if (t.timeout_ms) out += "timeoutMs: " + std::to_string(*t.timeout_ms) + "\n";
    out += "\n### stdin\n\n";
    write_block(out, "text", t.stdin_data);
    out += "\n### expected\n\n";
    write_block(out, "text", t.expected);
  }
  for (const auto& [lang, code] : q.solutions) {
    out += "\n" + std::string(solution_prefix) + lang + "\n\n";
    write_block(out, lang, code);
  }
  return out;
}

decoded<question> parse_markdown(const std::string& original) {
  // A file checked out with CRLF line ends (git on Windows) reads as if it had LF ones.
  std::string text;
  text.reserve(original.size());
  for (std::size_t i = 0; i < original.size(); ++i) {
    if (original[i] == '\r' && i + 1 < original.size() && original[i + 1] == '\n') continue;
    text.push_back(original[i]);
  }
  json j;
  try {
    lines_cursor in(text);
    parse_front_matter(in, j);
    j["statement"] = parse_statement(in);
    j["languages"] = json::object();
    j["tests"] = json::array();
    json solutions = json::object();
    while (!in.done()) {
      std::size_t line_no = in.line_no();
      std::string_view heading = in.next();
      auto name_after = [&](std::string_view prefix) {
        std::string name(heading.substr(prefix.size()));
        if (name.empty())
          throw parse_failure{line_no, "\"" + std::string(heading) + "\" needs a name"};
        return name;
      };
      if (starts_with(heading, starter_prefix)) {
        std::string lang = name_after(starter_prefix);
        if (j["languages"].contains(lang))
          throw parse_failure{line_no, "a second starter for " + lang};
        j["languages"][lang] = {{"starter", in.block(heading)}};
        in.end_of_section(heading);
      } else if (starts_with(heading, test_prefix)) {
        j["tests"].push_back(parse_test(in, heading, name_after(test_prefix)));
      } else {
        std::string lang = name_after(solution_prefix);
        if (solutions.contains(lang)) throw parse_failure{line_no, "a second solution for " + lang};
        solutions[lang] = in.block(heading);
        in.end_of_section(heading);
      }
    }
    if (!solutions.empty()) j["solutions"] = std::move(solutions);
  } catch (const parse_failure& f) {
    return std::vector<field_error>{{"line " + std::to_string(f.line), f.message}};
  } catch (const json::exception& e) {
    // Invalid UTF-8 reaches nlohmann only through dump(), which parse never calls; kept as a
    // last line so no exception escapes.
    return std::vector<field_error>{{"file", e.what()}};
  }
  return from_json(j);
}

}  // namespace rooms::questions
