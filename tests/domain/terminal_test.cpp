/// The terminal's part of the domain: its commands' checks, its events' encoding, the fold of
/// `state.terminal`, and who may type into it.

#include <gtest/gtest.h>

#include "actors/domain/commands.hpp"
#include "actors/domain/events.hpp"
#include "actors/domain/permissions.hpp"
#include "actors/domain/room_state.hpp"
#include "actors/domain/terminal.hpp"
#include "tests/testing/folder.hpp"

namespace rooms::domain {
namespace {

using json = nlohmann::json;
using eventlog::event;
using eventlog::event_type;

command parse(const std::string& text) {
  return parse_command(json::parse(text)).value;
}

template <class T>
T accepted(const std::string& text) {
  auto c = parse(text);
  if (auto* err = std::get_if<command_error>(&c)) ADD_FAILURE() << text << ": " << err->message;
  auto* value = std::get_if<T>(&c);
  EXPECT_NE(value, nullptr) << text;
  return value ? *value : T{};
}

command_error refused(const std::string& text) {
  auto c = parse(text);
  auto* err = std::get_if<command_error>(&c);
  EXPECT_NE(err, nullptr) << text << " was accepted";
  return err ? *err : command_error{};
}

TEST(terminal_commands, sizes_default_and_are_bounded) {
  auto run = accepted<run_code>(R"({"type":"run_code","interactive":true})");
  EXPECT_TRUE(run.interactive);
  EXPECT_EQ(run.size, (terminal_size{80, 24}));
  EXPECT_EQ(
      accepted<run_code>(R"({"type":"run_code","interactive":true,"cols":120,"rows":40})").size,
      (terminal_size{120, 40}));
  EXPECT_FALSE(accepted<run_code>(R"({"type":"run_code"})").interactive);
  EXPECT_EQ(refused(R"({"type":"run_code","interactive":true,"cols":501})").code,
            error_code::invalid_changes);
  EXPECT_EQ(refused(R"({"type":"run_code","interactive":true,"rows":0})").code,
            error_code::invalid_changes);
  EXPECT_EQ(refused(R"({"type":"run_code","interactive":"yes"})").code,
            error_code::invalid_changes);
  EXPECT_EQ(refused(R"({"type":"run_code","interactive":true,"stdin":"x"})").code,
            error_code::invalid_changes)
      << "an interactive run reads its terminal, not a stdin box";

  auto repl = accepted<start_repl>(R"({"type":"start_repl","language":"python","cols":90})");
  EXPECT_EQ(repl.language, "python");
  EXPECT_EQ(repl.size, (terminal_size{90, 24}));
  EXPECT_FALSE(accepted<start_repl>(R"({"type":"start_repl"})").language);
  EXPECT_EQ(refused(R"({"type":"start_repl","language":7})").code,
            error_code::unsupported_language);

  auto resize = accepted<terminal_resize>(R"({"type":"terminal_resize","runId":"r_1","cols":2,)"
                                          R"("rows":200})");
  EXPECT_EQ(resize.run_id, "r_1");
  EXPECT_EQ(resize.size, (terminal_size{2, 200}));
  EXPECT_EQ(refused(R"({"type":"terminal_resize","runId":"r_1","cols":80})").code,
            error_code::invalid_changes)
      << "a resize names both dimensions";
  EXPECT_EQ(refused(R"({"type":"terminal_resize","runId":"r_1","cols":1,"rows":5})").code,
            error_code::invalid_changes);
}

TEST(terminal_commands, input_is_one_to_4096_bytes_for_a_run) {
  auto in = accepted<terminal_input>(R"({"type":"terminal_input","runId":"r_1","data":"ls\r"})");
  EXPECT_EQ(in.run_id, "r_1");
  EXPECT_EQ(in.data, "ls\r");
  EXPECT_EQ(refused(R"({"type":"terminal_input","runId":"r_1","data":""})").code,
            error_code::invalid_changes);
  EXPECT_EQ(refused(R"({"type":"terminal_input","data":"x"})").code, error_code::invalid_changes);
  EXPECT_EQ(refused(R"({"type":"terminal_input","runId":"r 1","data":"x"})").code,
            error_code::invalid_changes);
  json big = {{"type", "terminal_input"}, {"runId", "r_1"}, {"data", std::string(4097, 'a')}};
  auto c = parse_command(big).value;
  ASSERT_TRUE(std::holds_alternative<command_error>(c));
  EXPECT_EQ(std::get<command_error>(c).code, error_code::too_large);
  big["data"] = std::string(4096, 'a');
  EXPECT_TRUE(std::holds_alternative<terminal_input>(parse_command(big).value));
  EXPECT_EQ(accepted<stop_run>(R"({"type":"stop_run","runId":"r_1"})").run_id, "r_1");
  EXPECT_EQ(refused(R"({"type":"stop_run"})").code, error_code::invalid_changes);
}

using testing::folder;

folder room_with_terminal() {
  folder f;
  f.ok(event_type::session_created, "", {{"language", "python"}});
  f.ok(event_type::participant_joined, "p_c",
       {{"participant", {{"participantId", "p_c"}, {"name", "Cal"}, {"role", "candidate"}}}});
  f.ok(event_type::run_started, "p_c",
       {{"runId", "r_1"},
        {"language", "python"},
        {"version", 0},
        {"interactive", true},
        {"repl", false},
        {"cols", 100},
        {"rows", 30}});
  return f;
}

TEST(terminal_fold, output_accumulates_for_the_running_terminal_only) {
  folder batch;
  batch.ok(event_type::session_created, "", {{"language", "python"}});
  batch.ok(event_type::run_started, "", {{"runId", "r_0"}, {"language", "python"}});
  EXPECT_TRUE(batch.state.terminal.is_null()) << "a batch run has no terminal";

  auto f = room_with_terminal();
  EXPECT_EQ(f.state.terminal, (json{{"runId", "r_1"},
                                    {"participantId", "p_c"},
                                    {"language", "python"},
                                    {"repl", false},
                                    {"cols", 100},
                                    {"rows", 30},
                                    {"data", ""},
                                    {"active", true}}));
  f.ok(event_type::terminal_output, "", {{"runId", "r_1"}, {"data", "name? "}});
  f.ok(event_type::terminal_input, "p_c", {{"runId", "r_1"}, {"data", "Ada\r"}});
  f.ok(event_type::terminal_output, "", {{"runId", "r_1"}, {"data", "Ada\r\nhello Ada\r\n"}});
  f.ok(event_type::terminal_resized, "p_c", {{"runId", "r_1"}, {"cols", 90}, {"rows", 20}});
  EXPECT_EQ(f.state.terminal["data"], "name? Ada\r\nhello Ada\r\n");
  EXPECT_EQ(f.state.terminal["cols"], 90);
  EXPECT_EQ(f.state.terminal["rows"], 20);

  auto before = f.state.terminal;
  EXPECT_TRUE(f.add(event_type::terminal_output, "", {{"runId", "r_2"}, {"data", "x"}}))
      << "output of another run";
  EXPECT_TRUE(f.add(event_type::terminal_output, "", {{"runId", "r_1"}}));
  EXPECT_TRUE(
      f.add(event_type::terminal_resized, "", {{"runId", "r_1"}, {"cols", 9000}, {"rows", 2}}));
  EXPECT_EQ(f.state.terminal, before) << "a refused event changes nothing";

  f.ok(event_type::run_finished, "", {{"runId", "r_1"}, {"exitCode", 0}, {"interactive", true}});
  EXPECT_EQ(f.state.terminal["active"], false);
  EXPECT_EQ(f.state.terminal["data"], "name? Ada\r\nhello Ada\r\n") << "kept for late viewers";
  EXPECT_TRUE(f.add(event_type::terminal_input, "p_c", {{"runId", "r_1"}, {"data", "x"}}))
      << "input after the end";
  EXPECT_TRUE(f.add(event_type::terminal_output, "", {{"runId", "r_1"}, {"data", "x"}}));
}

TEST(terminal_fold, a_new_interactive_run_replaces_the_terminal_and_snapshots_keep_it) {
  auto f = room_with_terminal();
  f.ok(event_type::terminal_output, "", {{"runId", "r_1"}, {"data", "old"}});
  f.ok(event_type::run_finished, "", {{"runId", "r_1"}, {"interactive", true}});
  f.ok(event_type::run_started, "p_c",
       {{"runId", "r_2"}, {"language", "python"}, {"interactive", true}, {"repl", true}});
  EXPECT_EQ(f.state.terminal["runId"], "r_2");
  EXPECT_EQ(f.state.terminal["data"], "");
  EXPECT_EQ(f.state.terminal["repl"], true);
  EXPECT_EQ(f.state.terminal["cols"], 80) << "defaults when the event has no size";
  f.ok(event_type::terminal_output, "", {{"runId", "r_2"}, {"data", ">>> "}});
  EXPECT_EQ(to_json(f.state)["terminal"], f.state.terminal);
  auto back = decode_snapshot(encode_snapshot(f.state));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->terminal, f.state.terminal);
  EXPECT_EQ(*back, f.state);

  folder bad;
  bad.ok(event_type::session_created, "", {{"language", "python"}});
  EXPECT_TRUE(
      bad.add(event_type::run_started, "", {{"runId", "r_3"}, {"interactive", true}, {"cols", 1}}));
  EXPECT_TRUE(bad.state.terminal.is_null());
}

TEST(terminal_events, payloads_round_trip) {
  events::terminal_output out{"r_1", "héllo\r\n"};
  events::terminal_output out_back;
  EXPECT_FALSE(events::from_json(events::to_json(out), out_back));
  EXPECT_EQ(out_back, out);
  events::terminal_resized r{"r_1", 132, 43};
  events::terminal_resized r_back;
  EXPECT_FALSE(events::from_json(events::to_json(r), r_back));
  EXPECT_EQ(r_back, r);
  events::terminal_input in_back;
  EXPECT_TRUE(events::from_json(json{{"runId", "r_1"}, {"data", std::string(4097, 'a')}}, in_back));
  EXPECT_EQ(events::type_of(out), event_type::terminal_output);
}

TEST(terminal_permissions, typing_is_running_and_follows_the_controls) {
  auto f = room_with_terminal();
  EXPECT_FALSE(allowed(f.state, role::candidate, command_kind::terminal_input));
  f.ok(event_type::controls_changed, "p_i", {{"editorLocked", false}, {"runDisabled", true}});
  for (auto kind :
       {command_kind::terminal_input, command_kind::start_repl, command_kind::stop_run}) {
    auto err = allowed(f.state, role::candidate, kind);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->code, error_code::forbidden);
    EXPECT_FALSE(allowed(f.state, role::interviewer, kind)) << "interviewers still may";
  }
}

}  // namespace
}  // namespace rooms::domain
