/// query::service::interviews against a real RocksDB in a temp dir: the summaries written by
/// creation and by appends (as the room writes them), the search, the account filter, paging.

#include <gtest/gtest.h>

#include <set>

#include "actors/domain/summary.hpp"
#include "actors/replay.hpp"
#include "query/service.hpp"
#include "tests/testing/query_fixture.hpp"

namespace rooms::query {
namespace {

using eventlog::errc;
using eventlog::event;
using eventlog::event_type;
using eventlog::session_id;

constexpr std::int64_t t0 = testing::store_t0;

class QueryInterviews : public testing::query_fixture {
 protected:
  session_id create(const std::string& title, bool lobby = false) {
    new_session spec;
    spec.id = session_id::random();
    spec.language = "python";
    spec.title = title;
    spec.lobby = lobby;
    auto created = query_->create(spec);
    EXPECT_TRUE(created.ok()) << created.error().to_string();
    now_ += 10;
    return spec.id;
  }

  /// Appends one event at `now_` with the summary it leads to, as the room's pipeline does.
  void act(const session_id& id, event_type type, const std::string& pid, nlohmann::json payload) {
    auto meta = store_->meta(id);
    ASSERT_TRUE(meta.ok()) << meta.error().to_string();
    auto state = actors::state_at(*store_, id, meta->events);
    ASSERT_TRUE(state.ok()) << state.error().to_string();
    event e;
    e.seq = meta->events + 1;
    e.ts = now_;
    e.type = type;
    e.participant_id = pid;
    e.payload = std::move(payload);
    auto err = domain::apply(*state, e);
    ASSERT_FALSE(err) << err->message;
    auto s = store_->append(id, {e}, domain::summarize(meta->summary, *state));
    ASSERT_TRUE(s.ok()) << s.to_string();
    now_ += 10;
  }
  void join(const session_id& id, const std::string& pid, const std::string& name,
            const std::string& role) {
    act(id, event_type::participant_joined, pid,
        {{"participant", {{"participantId", pid}, {"name", name}, {"role", role}}}});
  }

  json page(interview_query q) {
    auto answer = query_->interviews(q);
    EXPECT_TRUE(answer.ok()) << answer.error().to_string();
    return answer.ok() ? *answer : json();
  }
};

TEST_F(QueryInterviews, a_row_has_what_the_room_did_and_no_secret) {
  auto id = create("Backend loop", true);
  std::int64_t created = t0;
  join(id, "p_i", "Ida", "interviewer");
  join(id, "p_c", "Grace Hopper", "candidate");
  std::int64_t started = now_;
  act(id, event_type::phase_changed, "p_i", {{"phase", "live"}});
  act(id, event_type::language_changed, "p_c", {{"language", "cpp"}});
  act(id, event_type::note_added, "p_i", {{"noteId", "n1"}, {"text", "secret note"}});
  std::int64_t ended = now_;
  act(id, event_type::phase_changed, "p_i", {{"phase", "ended"}});

  auto body = page({"grace", std::nullopt, 50, ""});
  ASSERT_EQ(body["interviews"].size(), 1u) << body;
  const auto& row = body["interviews"][0];
  EXPECT_EQ(row["sessionId"], id.str());
  EXPECT_EQ(row["title"], "Backend loop");
  EXPECT_EQ(row["phase"], "ended");
  EXPECT_EQ(row["createdAt"], created);
  EXPECT_EQ(row["lastActivityAt"], ended);
  EXPECT_EQ(row["startedAt"], started);
  EXPECT_EQ(row["endedAt"], ended);
  EXPECT_EQ(row["durationMs"], ended - started);
  EXPECT_EQ(row["language"], "cpp");
  EXPECT_EQ(row["question"], nullptr);
  EXPECT_EQ(row["candidates"], json::array({"Grace Hopper"}));
  EXPECT_EQ(row["interviewers"], json::array({"Ida"}));
  EXPECT_EQ(row["replayUrl"], "/replay/" + id.str());
  EXPECT_TRUE(body["next"].is_null());
  auto text = body.dump();
  EXPECT_EQ(text.find("secret note"), std::string::npos);
  EXPECT_EQ(text.find(store_->meta(id)->key_hash), std::string::npos);
  EXPECT_EQ(text.find("key"), std::string::npos) << text;
}

TEST_F(QueryInterviews, search_is_case_insensitive_over_title_and_candidates_only) {
  auto a = create("Two SUM");
  auto b = create("Graphs");
  join(b, "p_c", "Sumi Tanaka", "candidate");
  auto c = create("Trees");
  join(c, "p_i", "Sumner", "interviewer");  // interviewers' names are not searched
  auto ids = [&](json body) {
    std::set<std::string> out;
    for (const auto& row : body["interviews"]) out.insert(row["sessionId"].get<std::string>());
    return out;
  };
  EXPECT_EQ(ids(page({"sum", std::nullopt, 50, ""})), (std::set<std::string>{a.str(), b.str()}));
  EXPECT_EQ(ids(page({"TANAKA", std::nullopt, 50, ""})), std::set<std::string>{b.str()});
  EXPECT_EQ(ids(page({"nobody", std::nullopt, 50, ""})), std::set<std::string>{});
  EXPECT_EQ(ids(page({"", std::nullopt, 50, ""})).size(), 3u);
}

TEST_F(QueryInterviews, newest_created_first_and_paged_by_cursor_over_matches) {
  std::vector<session_id> made;
  for (int i = 0; i < 25; ++i) made.push_back(create(i % 2 ? "odd" : "even"));
  join(made[0], "p_c", "Eve", "candidate");  // newest activity, but still the oldest created
  std::vector<std::string> seen;
  interview_query q{"even", std::nullopt, 5, ""};
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 4);
    auto body = page(q);
    EXPECT_LE(body["interviews"].size(), 5u);
    for (const auto& row : body["interviews"]) seen.push_back(row["sessionId"]);
    if (body["next"].is_null()) break;
    q.cursor = body["next"];
  }
  ASSERT_EQ(seen.size(), 13u);
  EXPECT_EQ(seen[0], made[24].str());
  EXPECT_EQ(seen[1], made[22].str());
  EXPECT_EQ(seen.back(), made[0].str());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 13u);  // no repeats
}

TEST_F(QueryInterviews, the_account_filter_lists_only_rows_naming_the_account) {
  auto mine = create("mine");
  create("theirs");
  // No room writes accounts yet (they arrive with sign-in): set one as the room will.
  auto meta = store_->meta(mine);
  auto summary = meta->summary;
  summary.interviewer_accounts = {"acct-7"};
  event e;
  e.seq = meta->events + 1;
  e.ts = now_;
  e.type = event_type::language_changed;
  e.payload = {{"language", "go"}};
  ASSERT_TRUE(store_->append(mine, {e}, summary).ok());
  auto body = page({"", std::string("acct-7"), 50, ""});
  ASSERT_EQ(body["interviews"].size(), 1u) << body;
  EXPECT_EQ(body["interviews"][0]["sessionId"], mine.str());
  EXPECT_EQ(page({"", std::string("acct-8"), 50, ""})["interviews"].size(), 0u);
  EXPECT_EQ(page({"", std::nullopt, 50, ""})["interviews"].size(), 2u);  // admin: everyone's
}

TEST_F(QueryInterviews, a_lobby_room_is_not_started_and_bad_arguments_are_refused) {
  auto id = create("waiting", true);
  auto body = page({"", std::nullopt, 50, ""});
  ASSERT_EQ(body["interviews"].size(), 1u);
  EXPECT_EQ(body["interviews"][0]["sessionId"], id.str());
  EXPECT_EQ(body["interviews"][0]["phase"], "lobby");
  EXPECT_TRUE(body["interviews"][0]["startedAt"].is_null());
  EXPECT_TRUE(body["interviews"][0]["durationMs"].is_null());
  EXPECT_EQ(query_->interviews({"", std::nullopt, 0, ""}).error().code(), errc::invalid_argument);
  EXPECT_EQ(query_->interviews({"", std::nullopt, max_interview_page + 1, ""}).error().code(),
            errc::invalid_argument);
  EXPECT_EQ(query_->interviews({"", std::nullopt, 5, "garbage"}).error().code(),
            errc::invalid_argument);
}

}  // namespace
}  // namespace rooms::query
