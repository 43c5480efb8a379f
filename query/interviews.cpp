/// The team's interviews: a listing of session summaries (eventlog::session_summary).

#include <algorithm>
#include <cctype>

#include "query/service.hpp"

namespace rooms::query {

using eventlog::errc;
using eventlog::result;
using eventlog::session_meta;
using eventlog::status;

namespace {

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// `needle` is already lower case. Bytes outside ASCII compare exactly (no Unicode folding).
bool contains_folded(std::string_view hay, const std::string& needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == static_cast<unsigned char>(b);
  });
  return it != hay.end();
}

json or_null(std::int64_t ms) {
  return ms != 0 ? json(ms) : json(nullptr);
}
json or_null(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

}  // namespace

json service::interview_row(const session_meta& m) {
  const auto& sum = m.summary;
  // Live for as long as it has been going; ended: from start to end. Not started: none.
  json duration = nullptr;
  if (sum.started_at != 0) {
    auto until = sum.ended_at != 0 ? sum.ended_at : m.last_activity_at;
    duration = std::max<std::int64_t>(0, until - sum.started_at);
  }
  auto sid = m.id.str();
  return {{"sessionId", sid},
          {"title", m.title},
          {"phase", or_null(sum.phase)},  // null: stored before summaries existed
          {"createdAt", m.created_at},
          {"lastActivityAt", m.last_activity_at},
          {"startedAt", or_null(sum.started_at)},
          {"endedAt", or_null(sum.ended_at)},
          {"durationMs", duration},
          {"language", sum.language.empty() ? m.language : sum.language},
          {"question", or_null(sum.question_title)},
          {"candidates", sum.candidates},
          {"interviewers", sum.interviewers},
          // No key in it: the replay page asks whoever opens it for their credential.
          {"replayUrl", "/replay/" + sid}};
}

result<json> service::interviews(const interview_query& query) const {
  if (query.limit == 0 || query.limit > max_interview_page)
    return status(errc::invalid_argument,
                  "\"limit\" must be 1.." + std::to_string(max_interview_page));
  const std::string needle = ascii_lower(query.q);
  eventlog::interview_list_options options;
  options.limit = query.limit;
  options.cursor = query.cursor;
  options.account = query.account;  // the store reads that account's index range only
  // First on the index's record (title and candidates, no meta read): a superset of the match,
  // since every name it searches is a substring of the record; the filter below is exact.
  if (!needle.empty())
    options.record_filter = [&](std::string_view record) {
      return contains_folded(record, needle);
    };
  // Inside the store's scan: the page holds `limit` matches and its cursor continues after the
  // last of them, however few rows match.
  options.filter = [&](const session_meta& m) {
    if (query.account) {
      const auto& accounts = m.summary.interviewer_accounts;
      if (std::find(accounts.begin(), accounts.end(), *query.account) == accounts.end())
        return false;
    }
    if (needle.empty() || contains_folded(m.title, needle)) return true;
    return std::any_of(m.summary.candidates.begin(), m.summary.candidates.end(),
                       [&](const std::string& name) { return contains_folded(name, needle); });
  };
  auto page = store_.list_interviews(options);
  if (!page.ok()) return page.error();
  json rows = json::array();
  for (const auto& m : page->sessions) rows.push_back(interview_row(m));
  return json{{"interviews", std::move(rows)},
              {"next", page->next.empty() ? json(nullptr) : json(page->next)}};
}

}  // namespace rooms::query
