/// domain::summarize: the listing's row of a room, from the folded state and the row before.

#include "actors/domain/summary.hpp"

#include <gtest/gtest.h>

#include "tests/testing/folder.hpp"

namespace rooms::domain {
namespace {

using json = nlohmann::json;
using eventlog::event;
using eventlog::event_type;
using eventlog::session_summary;

/// Folds events one at a time (ts 1000 + seq) and summarizes after each, as the room does.
struct room : testing::folder {
  session_summary summary;
  void ok(event_type type, const std::string& pid, json payload) {
    folder::ok(type, pid, std::move(payload));
    summary = summarize(summary, state);
  }
  void join(const std::string& pid, const std::string& name, const std::string& role) {
    ok(event_type::participant_joined, pid,
       {{"participant", {{"participantId", pid}, {"name", name}, {"role", role}}}});
  }
  void phase(const std::string& to) { ok(event_type::phase_changed, "p_i", {{"phase", to}}); }
};

TEST(summarize, follows_phase_language_question_and_keeps_everyone_who_joined) {
  room r;
  r.ok(event_type::session_created, "",
       {{"language", "python"}, {"title", "T"}, {"phase", "lobby"}});
  EXPECT_EQ(r.summary.phase, "lobby");
  EXPECT_EQ(r.summary.language, "python");
  EXPECT_EQ(r.summary.started_at, 0);  // not started while in the lobby
  EXPECT_EQ(r.summary.ended_at, 0);

  r.join("p_i", "Ida", "interviewer");
  r.join("p_c", "Cal", "candidate");
  r.join("p_c2", "Cal", "candidate");  // the same name twice is one name
  r.phase("live");                     // seq 5
  EXPECT_EQ(r.summary.phase, "live");
  EXPECT_EQ(r.summary.started_at, 1005);

  r.ok(event_type::language_changed, "p_c", {{"language", "cpp"}});
  EXPECT_EQ(r.summary.language, "cpp");
  r.ok(event_type::question_loaded, "p_i",
       {{"questionId", "q"},
        {"title", "Two sum"},
        {"statement", ""},
        {"languages", json::object()},
        {"tests",
         json::array({{{"name", "a"}, {"stdin", ""}, {"expected", ""}, {"hidden", false}}})}});
  EXPECT_EQ(r.summary.question_title, "Two sum");

  r.ok(event_type::participant_left, "p_c", {{"reason", "left"}});
  EXPECT_EQ(r.summary.candidates, std::vector<std::string>{"Cal"});  // left, still listed
  r.join("p_d", "Dee", "candidate");
  EXPECT_EQ(r.summary.candidates, (std::vector<std::string>{"Cal", "Dee"}));
  EXPECT_EQ(r.summary.interviewers, std::vector<std::string>{"Ida"});
  EXPECT_TRUE(r.summary.interviewer_accounts.empty());  // no accounts yet

  r.phase("ended");  // seq 10
  EXPECT_EQ(r.summary.phase, "ended");
  EXPECT_EQ(r.summary.ended_at, 1010);
  EXPECT_EQ(r.summary.started_at, 1005);  // the first start stays
  r.ok(event_type::language_changed, "p_i", {{"language", "java"}});
  EXPECT_EQ(r.summary.ended_at, 1010);  // later events do not move the end

  r.phase("live");  // reopened: not ended any more
  EXPECT_EQ(r.summary.ended_at, 0);
  r.phase("ended");  // seq 13
  EXPECT_EQ(r.summary.ended_at, 1013);
  EXPECT_EQ(r.summary.started_at, 1005);
}

TEST(summarize, a_room_without_a_lobby_starts_at_creation) {
  room r;
  r.ok(event_type::session_created, "", {{"language", "go"}, {"title", "T"}});
  EXPECT_EQ(r.summary.phase, "live");
  EXPECT_EQ(r.summary.started_at, 1001);
  EXPECT_EQ(r.summary.question_title, "");
}

TEST(summarize, names_are_bounded) {
  room r;
  r.ok(event_type::session_created, "", {{"language", "go"}, {"title", "T"}});
  for (std::size_t i = 0; i < max_summary_names + 5; ++i)
    r.join("p" + std::to_string(i), "n" + std::to_string(i), "candidate");
  EXPECT_EQ(r.summary.candidates.size(), max_summary_names);
  EXPECT_EQ(r.summary.candidates.front(), "n0");
}

TEST(summarize, is_pure_the_same_inputs_give_the_same_row) {
  room r;
  r.ok(event_type::session_created, "", {{"language", "go"}, {"title", "T"}});
  r.join("p_c", "Cal", "candidate");
  EXPECT_EQ(summarize(r.summary, r.state), r.summary);
  EXPECT_EQ(summarize(r.summary, r.state), summarize(r.summary, r.state));
}

TEST(summarize, lists_the_accounts_of_interviewers_who_joined_signed_in) {
  room r;
  r.ok(event_type::session_created, "", {{"language", "go"}, {"title", "T"}});
  r.summary.interviewer_accounts = {"u_creator"};  // as query::service::create writes it
  auto joined = [](const std::string& pid, const std::string& role, const std::string& account) {
    return json{{"participant", {{"participantId", pid}, {"name", pid}, {"role", role}}},
                {"accountId", account}};
  };
  r.ok(event_type::participant_joined, "p_b", joined("p_b", "interviewer", "u_bob"));
  r.ok(event_type::participant_joined, "p_b2", joined("p_b2", "interviewer", "u_bob"));
  r.join("p_i", "Ida", "interviewer");  // anonymous: nothing to list
  EXPECT_EQ(r.summary.interviewer_accounts, (std::vector<std::string>{"u_creator", "u_bob"}));
  r.ok(event_type::participant_left, "p_b", {{"reason", "left"}});
  r.ok(event_type::participant_left, "p_b2", {{"reason", "left"}});
  EXPECT_EQ(r.summary.interviewer_accounts, (std::vector<std::string>{"u_creator", "u_bob"}));

  // A candidate's join never carries an account, and an id must be an id: refused whole.
  auto refused = r.add(event_type::participant_joined, "p_c", joined("p_c", "candidate", "u_c"));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, "malformed");
  EXPECT_FALSE(r.state.participants.count("p_c"));
  EXPECT_TRUE(r.add(event_type::participant_joined, "p_x", joined("p_x", "interviewer", "a b")));
  EXPECT_TRUE(r.add(
      event_type::participant_joined, "p_x",
      {{"participant", {{"participantId", "p_x"}, {"role", "interviewer"}}}, {"accountId", 7}}));

  for (std::size_t i = 0; i < max_summary_accounts + 3; ++i) {
    auto pid = "p_" + std::to_string(i);
    r.ok(event_type::participant_joined, pid, joined(pid, "interviewer", "u_" + std::to_string(i)));
  }
  EXPECT_EQ(r.summary.interviewer_accounts.size(), max_summary_accounts);
}

TEST(summarize, the_account_survives_a_snapshot_and_is_in_no_view) {
  room r;
  r.ok(event_type::session_created, "", {{"language", "go"}, {"title", "T"}});
  r.ok(event_type::participant_joined, "p_b",
       {{"participant", {{"participantId", "p_b"}, {"name", "Bea"}, {"role", "interviewer"}}},
        {"accountId", "u_bob"}});
  EXPECT_EQ(r.state.participants.at("p_b").account_id, "u_bob");
  auto back = decode_snapshot(encode_snapshot(r.state));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, r.state);
  EXPECT_EQ(to_json(r.state.participants.at("p_b")).dump().find("u_bob"), std::string::npos);
  EXPECT_EQ(to_json(r.state).dump().find("u_bob"), std::string::npos);
}

}  // namespace
}  // namespace rooms::domain
