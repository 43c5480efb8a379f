#include "questions/output_match.hpp"

namespace rooms::questions {

namespace {
// Whitespace a line may end with; "\r" covers programs printing CRLF (Windows habits, Java's
// printf("%n") elsewhere). Vertical tab and form feed count too, as isspace() would.
bool trailing_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}
}  // namespace

std::string normalize_output(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::size_t cut = end;
    while (cut > start && trailing_space(text[cut - 1])) --cut;
    out.append(text.substr(start, cut - start));
    if (end == text.size()) break;
    out.push_back('\n');
    start = end + 1;
  }
  while (!out.empty() && (out.back() == '\n' || trailing_space(out.back()))) out.pop_back();
  return out;
}

bool output_matches(std::string_view stdout_data, std::string_view expected) {
  return normalize_output(stdout_data) == normalize_output(expected);
}

}  // namespace rooms::questions
