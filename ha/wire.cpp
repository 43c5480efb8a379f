#include "ha/wire.hpp"

namespace rooms::ha {
namespace {

using json = nlohmann::json;
using eventlog::errc;
using eventlog::status;

json summary_json(const eventlog::session_summary& s) {
  return {{"phase", s.phase},
          {"language", s.language},
          {"questionTitle", s.question_title},
          {"candidates", s.candidates},
          {"interviewers", s.interviewers},
          {"interviewerAccounts", s.interviewer_accounts},
          {"startedAt", s.started_at},
          {"endedAt", s.ended_at}};
}

eventlog::session_summary summary_from(const json& j) {
  eventlog::session_summary s;
  s.phase = j.value("phase", "");
  s.language = j.value("language", "");
  s.question_title = j.value("questionTitle", "");
  s.candidates = j.value("candidates", std::vector<std::string>{});
  s.interviewers = j.value("interviewers", std::vector<std::string>{});
  s.interviewer_accounts = j.value("interviewerAccounts", std::vector<std::string>{});
  s.started_at = j.value("startedAt", std::int64_t{0});
  s.ended_at = j.value("endedAt", std::int64_t{0});
  return s;
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string encode_create(const eventlog::session_meta& meta, const eventlog::event& first) {
  return dump({{"k", "create"},
               {"meta",
                {{"createdAt", meta.created_at},
                 {"lastActivityAt", meta.last_activity_at},
                 {"expiresAt", meta.expires_at},
                 {"language", meta.language},
                 {"title", meta.title},
                 {"keyHash", meta.key_hash},
                 {"summary", summary_json(meta.summary)}}},
               {"event", eventlog::to_json(first)}});
}

std::string encode_append(const std::vector<eventlog::event>& events,
                          const std::optional<eventlog::session_summary>& summary) {
  json out = {{"k", "append"}, {"events", json::array()}};
  for (const auto& e : events) out["events"].push_back(eventlog::to_json(e));
  if (summary) out["summary"] = summary_json(*summary);
  return dump(out);
}

eventlog::result<wire_message> decode(std::string_view text, const eventlog::session_id& id) {
  auto j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j["k"].is_string())
    return status{errc::invalid_argument, "not a replicated log message"};
  try {
    wire_message out;
    if (j["k"] == "create") {
      out.what = wire_message::kind::create;
      const auto& m = j.at("meta");
      out.meta.id = id;
      out.meta.created_at = m.at("createdAt").get<std::int64_t>();
      out.meta.last_activity_at = m.at("lastActivityAt").get<std::int64_t>();
      out.meta.expires_at = m.at("expiresAt").get<std::int64_t>();
      out.meta.language = m.at("language").get<std::string>();
      out.meta.title = m.at("title").get<std::string>();
      out.meta.key_hash = m.at("keyHash").get<std::string>();
      out.meta.summary = summary_from(m.at("summary"));
      auto first = eventlog::event_from_json(j.at("event"));
      if (!first.ok()) return first.error();
      out.events.push_back(std::move(*first));
      return out;
    }
    if (j["k"] != "append") return status{errc::invalid_argument, "unknown message kind"};
    for (const auto& e : j.at("events")) {
      auto ev = eventlog::event_from_json(e);
      if (!ev.ok()) return ev.error();
      out.events.push_back(std::move(*ev));
    }
    if (j.contains("summary")) out.summary = summary_from(j["summary"]);
    return out;
  } catch (const json::exception& e) {
    return status{errc::invalid_argument, std::string("malformed replicated message: ") + e.what()};
  }
}

}  // namespace rooms::ha
