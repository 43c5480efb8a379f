#include "cli/export_format.hpp"

#include "actors/room_state.hpp"
#include "cli/error.hpp"

namespace rooms::cli {

using json = nlohmann::json;

json export_header(const std::string& session_id, std::int64_t created_at, const std::string& language,
                   const std::string& title, const std::string& key_hash) {
  return {{"type", "session"}, {"sessionId", session_id}, {"createdAt", created_at},
          {"language", language}, {"title", title},        {"keyHash", key_hash}};
}

session_export parse_export(std::istream& in) {
  session_export out;
  bool have_header = false;
  std::string line;
  std::size_t line_no = 0;
  auto bad = [&](const std::string& why) {
    return cli_error(exit_code::failure, "import: line " + std::to_string(line_no) + ": " + why);
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto j = json::parse(line, nullptr, false);
    if (!j.is_object()) throw bad("not a JSON object");
    if (!have_header) {
      if (j.value("type", "") != "session") throw bad("the first line must be the \"session\" header");
      auto id = eventlog::session_id::parse(j.value("sessionId", ""));
      if (!id) throw bad("bad sessionId");
      out.meta.id = *id;
      out.meta.created_at = j.value("createdAt", std::int64_t{0});
      out.meta.language = j.value("language", "plaintext");
      out.meta.title = j.value("title", "");
      out.meta.key_hash = j.value("keyHash", "");
      have_header = true;
      continue;
    }
    auto e = eventlog::event_from_json(j);
    if (!e.ok()) throw bad(e.error().message());
    if (e->seq != out.events.size() + 1)
      throw bad("seq " + std::to_string(e->seq) + " where " + std::to_string(out.events.size() + 1) +
                " was due: events must run from 1 without gaps");
    out.events.push_back(std::move(*e));
  }
  if (!have_header) throw cli_error(exit_code::failure, "import: no \"session\" header line");
  if (out.events.empty()) throw cli_error(exit_code::failure, "import: the session has no events");
  // The whole log must fold before anything is written (all or nothing).
  actors::room_state state;
  for (const auto& e : out.events)
    if (auto err = actors::apply(state, e))
      throw cli_error(exit_code::failure, "import: event " + std::to_string(e.seq) + " does not apply: " + err->message);
  out.meta.last_activity_at = out.events.back().ts;
  return out;
}

}  // namespace rooms::cli
