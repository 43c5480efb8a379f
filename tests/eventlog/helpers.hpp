#pragma once
/// Shared builders for the eventlog tests.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "eventlog/event.hpp"
#include "eventlog/status.hpp"

/// Like RocksDB's ASSERT_OK: prints the status text on failure.
#define ROOMS_ASSERT_OK(expr)                           \
  do {                                                  \
    const auto& rooms_s_ = (expr);                      \
    ASSERT_TRUE(rooms_s_.ok()) << rooms_s_.to_string(); \
  } while (0)
#define ROOMS_EXPECT_OK(expr)                           \
  do {                                                  \
    const auto& rooms_s_ = (expr);                      \
    EXPECT_TRUE(rooms_s_.ok()) << rooms_s_.to_string(); \
  } while (0)
/// Checks a specific error code, printing the status either way.
#define ROOMS_EXPECT_ERR(expr, want)                            \
  do {                                                          \
    const auto& rooms_s_ = (expr);                              \
    EXPECT_EQ(rooms_s_.code(), (want)) << rooms_s_.to_string(); \
  } while (0)

namespace rooms::eventlog::test {

/// One example of every event type, payloads as PROTOCOL.md names their fields.
inline std::vector<event> every_event_type() {
  using nlohmann::json;
  std::vector<event> out;
  auto add = [&](event_type type, std::string who, json payload) {
    event e;
    e.seq = out.size() + 1;
    e.ts = 1'700'000'000'000 + static_cast<std::int64_t>(out.size());
    e.type = type;
    e.participant_id = std::move(who);
    e.payload = std::move(payload);
    out.push_back(std::move(e));
  };
  add(event_type::session_created, "", {{"language", "python"}, {"title", "Two sum"}});
  add(event_type::participant_joined, "p1",
      {{"participant", {{"id", "p1"}, {"name", "Ada"}, {"role", "interviewer"}}}});
  add(event_type::participant_left, "p2", {{"reason", "closed"}});
  add(event_type::code_changed, "p1",
      {{"version", 7},
       {"clientID", "c-1"},
       {"changes", json::array({3, json::array({0, "hé\n"}), 9})}});
  add(event_type::cursor_moved, "p1", {{"version", 7}, {"anchor", 3}, {"head", 5}});
  add(event_type::language_changed, "p1", {{"language", "cpp"}});
  add(event_type::run_started, "p1", {{"runId", "r1"}, {"language", "cpp"}});
  add(event_type::run_finished, "",
      {{"runId", "r1"}, {"exitCode", -1}, {"stdout", "ok"}, {"durationMs", 12.5}});
  add(event_type::note_added, "p1", {{"noteId", "n1"}, {"text", "good\u2014fast"}});
  add(event_type::focus_changed, "p2", {{"focused", false}});
  add(event_type::session_expired, "", {{"by", "admin"}});
  return out;
}

/// A ~150-byte code_changed event at `seq`, deterministic so tests can compare exactly.
inline event code_event(std::uint64_t seq, std::int64_t ts, const std::string& who = "p1") {
  event e;
  e.seq = seq;
  e.ts = ts;
  e.type = event_type::code_changed;
  e.participant_id = who;
  e.payload = {
      {"version", seq},
      {"clientID", "client-" + who},
      {"changes", nlohmann::json::array(
                      {seq % 97, nlohmann::json::array({0, "line " + std::to_string(seq) +
                                                               " of the candidate's code"})})}};
  return e;
}

}  // namespace rooms::eventlog::test
