/// `roomctl questions ...` against a real roomd (online) and its data dir (--db), roomctl run as
/// a child process: the starter set's import/export round trip is byte-identical both ways,
/// and list/show/add/edit/rm answer with roomctl's exit codes (0 ok, 1 failure, 2 usage,
/// 3 not found).

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/roomctl_fixture.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const fs::path starter_dir = ROOMS_QUESTIONS_STARTER_DIR;

using rooms::testing::slurp_file;

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

using run_result = rooms::testing::process_result;

class roomctl_questions : public rooms::testing::roomctl_fixture {
 protected:
  /// roomd with the local runner: the starter set uses python, javascript, java and cpp.
  void start_roomd() { roomctl_fixture::start_roomd({"--runner", "local"}); }

  run_result online(std::vector<std::string> args) {
    return roomctl_fixture::online("questions", std::move(args));
  }
  run_result offline(std::vector<std::string> args) {
    return roomctl_fixture::offline("questions", std::move(args));
  }

  /// Every starter file has a byte-identical twin in `exported`, and nothing else is there.
  void expect_same_files(const fs::path& exported) {
    std::size_t count = 0;
    for (const auto& entry : fs::directory_iterator(starter_dir)) {
      if (entry.path().extension() != ".md") continue;
      ++count;
      auto twin = exported / entry.path().filename();
      ASSERT_TRUE(fs::exists(twin)) << twin;
      EXPECT_TRUE(slurp_file(entry.path()) == slurp_file(twin))
          << entry.path().filename() << " differs after the round trip";
    }
    EXPECT_GE(count, 10u);
    EXPECT_EQ(std::distance(fs::directory_iterator(exported), fs::directory_iterator()),
              static_cast<long>(count));
  }
};

TEST_F(roomctl_questions, starter_set_round_trips_byte_identical_online_then_offline) {
  start_roomd();
  auto imported = online({"import", starter_dir.string()});
  ASSERT_EQ(imported.code, 0) << imported.err;
  EXPECT_NE(imported.out.find("11 added"), std::string::npos) << imported.out;
  // A second import writes nothing.
  auto again = online({"import", starter_dir.string()});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find("0 added, 0 updated, 11 unchanged"), std::string::npos) << again.out;

  auto out_online = tmp_.path() / "online";
  auto exported = online({"export", "--all", out_online.string()});
  ASSERT_EQ(exported.code, 0) << exported.err;
  expect_same_files(out_online);

  auto listed = online({"list", "--json"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  auto rows = json::parse(listed.out)["questions"];
  ASSERT_EQ(rows.size(), 11u);
  EXPECT_EQ(rows[0]["questionId"], "course-schedule");  // ordered by id

  // Offline, with roomd stopped: the same library in the data dir, the same bytes out.
  stop_roomd();
  auto out_offline = tmp_.path() / "offline";
  auto exported_offline = offline({"export", "--all", out_offline.string()});
  ASSERT_EQ(exported_offline.code, 0) << exported_offline.err;
  expect_same_files(out_offline);
}

TEST_F(roomctl_questions, import_into_a_data_dir_offline_round_trips) {
  start_roomd();  // makes the data dir
  stop_roomd();
  auto imported = offline({"import", starter_dir.string()});
  ASSERT_EQ(imported.code, 0) << imported.err;
  auto out = tmp_.path() / "out";
  ASSERT_EQ(offline({"export", "--all", out.string()}).code, 0);
  expect_same_files(out);
  // roomd serves what was imported offline.
  start_roomd();
  auto shown = online({"show", "two-sum", "--json"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_EQ(json::parse(shown.out)["title"], "Two Sum");
  EXPECT_FALSE(json::parse(shown.out).contains("solutions"));
}

TEST_F(roomctl_questions, list_show_add_edit_rm_exit_codes) {
  start_roomd();
  auto empty = online({"list"});
  EXPECT_EQ(empty.code, 0) << empty.err;
  EXPECT_NE(empty.out.find("no questions"), std::string::npos);
  EXPECT_EQ(online({"show", "two-sum"}).code, 3);
  EXPECT_EQ(online({"rm", "two-sum"}).code, 3);
  EXPECT_EQ(online({"export", "two-sum"}).code, 3);
  EXPECT_EQ(online({"show"}).code, 2);  // usage: no id
  EXPECT_EQ(online({"frobnicate"}).code, 2);

  auto source = starter_dir / "two-sum.md";
  ASSERT_EQ(online({"add", source.string()}).code, 0);
  auto twice = online({"add", source.string()});
  EXPECT_EQ(twice.code, 1);  // the id exists
  EXPECT_NE(twice.err.find("exists"), std::string::npos) << twice.err;

  // edit: the file replaces the question as its next version.
  std::string text = slurp_file(source);
  auto at = text.find("\"title\": \"Two Sum\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("\"title\": \"Two Sum\"").size(), "\"title\": \"Two Sum, edited\"");
  auto edited_file = tmp_.path() / "edited.md";
  write_file(edited_file, text);
  ASSERT_EQ(online({"edit", "two-sum", edited_file.string()}).code, 0);
  auto shown = online({"show", "two-sum"});
  ASSERT_EQ(shown.code, 0) << shown.err;
  EXPECT_NE(shown.out.find("Two Sum, edited"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("version 2"), std::string::npos) << shown.out;
  EXPECT_EQ(online({"edit", "other-id", edited_file.string()}).code, 1);  // the file's id differs
  EXPECT_EQ(online({"export", "two-sum"}).out, text);

  // A refused question names the field; nothing is stored.
  auto broken = text;
  broken.replace(broken.find("\"difficulty\": \"easy\""),
                 std::string("\"difficulty\": \"easy\"").size(), "\"difficulty\": \"trivial\"");
  auto broken_file = tmp_.path() / "broken.md";
  write_file(broken_file, broken);
  auto refused = online({"edit", "two-sum", broken_file.string()});
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("difficulty"), std::string::npos) << refused.err;
  write_file(broken_file, "not a question file\n");
  EXPECT_EQ(online({"import", broken_file.string()}).code, 1);

  ASSERT_EQ(online({"rm", "two-sum"}).code, 0);
  EXPECT_EQ(online({"show", "two-sum"}).code, 3);
  EXPECT_EQ(online({"rm", "two-sum"}).code, 3);

  // Offline the same codes.
  stop_roomd();
  EXPECT_EQ(offline({"show", "two-sum"}).code, 3);
  EXPECT_EQ(offline({"rm", "two-sum"}).code, 3);
  ASSERT_EQ(offline({"add", source.string()}).code, 0);
  EXPECT_EQ(offline({"add", source.string()}).code, 1);
  auto listed = offline({"list", "--json"});
  ASSERT_EQ(listed.code, 0) << listed.err;
  EXPECT_EQ(json::parse(listed.out)["questions"].size(), 1u);
  EXPECT_EQ(offline({"rm", "two-sum"}).code, 0);
}

}  // namespace
