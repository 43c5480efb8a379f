/// `roomctl interviews`: the team's interviews (GET /api/interviews, or the data dir's
/// summaries offline: the query service answers both).

#include <iostream>

#include "cli/commands.hpp"
#include "cli/format.hpp"

namespace rooms::cli {

namespace {

/// The server's largest interviews page (query::max_interview_page).
constexpr std::size_t interviews_page = 200;

std::string cell(const json& row, const char* key) {
  const auto it = row.find(key);
  return it != row.end() && it->is_string() ? printable(it->get<std::string>()) : "-";
}

std::string names(const json& row) {
  std::string out;
  for (const auto& n : row.value("candidates", json::array())) {
    if (!out.empty()) out += ", ";
    out += printable(n.get<std::string>());
  }
  return out.empty() ? "-" : out;
}

}  // namespace

int run_interviews(context& ctx, const interviews_args& args) {
  auto& b = ctx.reader();
  std::vector<json> rows;
  std::string cursor;
  // Newest created first, as the server orders them: read only the pages the limit needs.
  while (rows.size() < args.limit) {
    auto page =
        b.interviews(args.search, std::min(interviews_page, args.limit - rows.size()), cursor);
    for (auto& row : page["interviews"]) rows.push_back(std::move(row));
    if (!page["next"].is_string()) break;
    cursor = page["next"].get<std::string>();
  }
  if (rows.size() > args.limit) rows.resize(args.limit);
  if (ctx.options().json) {
    std::cout << json{{"interviews", rows}}.dump(-1, ' ', false, json::error_handler_t::replace)
              << '\n';
    return 0;
  }
  if (rows.empty()) {
    std::cout << "no interviews\n";
    return 0;
  }
  table t({"ID", "TITLE", "CANDIDATE", "PHASE", "CREATED", "DURATION", "LANGUAGE", "QUESTION"},
          {false, false, false, false, false, true, false, false});
  for (const auto& row : rows) {
    auto duration = row.value("durationMs", json());
    t.add_row({row.value("sessionId", ""), truncate(cell(row, "title"), 30),
               truncate(names(row), 30), cell(row, "phase"),
               iso_time(row.value("createdAt", std::int64_t{0})).substr(0, 16),
               duration.is_number() ? short_duration(duration.get<std::int64_t>()) : "-",
               cell(row, "language"), truncate(cell(row, "question"), 30)});
  }
  t.print(std::cout);
  return 0;
}

}  // namespace rooms::cli
