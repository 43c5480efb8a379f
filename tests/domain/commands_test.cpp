/// parse_command: every client message type, each invalid field answered with the protocol's
/// code and message (the texts clients have always seen), and the ref carried on every answer.

#include "actors/domain/commands.hpp"

#include <gtest/gtest.h>

#include <string>

namespace rooms::domain {
namespace {

using json = nlohmann::json;

parsed_command parse(const std::string& text, const command_limits& limits = {}) {
  return parse_command(json::parse(text), limits);
}

/// The refusal of `text`; fails the test when it was accepted.
command_error refused(const std::string& text, const command_limits& limits = {}) {
  auto parsed = parse(text, limits);
  auto* err = std::get_if<command_error>(&parsed.value);
  EXPECT_NE(err, nullptr) << text << " was accepted";
  return err ? *err : command_error{};
}

template <class T>
T accepted(const std::string& text, const command_limits& limits = {}) {
  auto parsed = parse(text, limits);
  if (auto* err = std::get_if<command_error>(&parsed.value))
    ADD_FAILURE() << text << ": " << err->message;
  auto* value = std::get_if<T>(&parsed.value);
  EXPECT_NE(value, nullptr) << text << " parsed as another command";
  return value ? *value : T{};
}

TEST(parse_command, the_envelope) {
  EXPECT_EQ(std::get<command_error>(parse_command(json::array()).value),
            (command_error{error_code::bad_json, "a message must be one JSON object"}));
  EXPECT_EQ(refused(R"({"ref":1})"),
            (command_error{error_code::unknown_type, "the message has no \"type\""}));
  EXPECT_EQ(refused(R"({"type":7})").code, error_code::unknown_type);
  EXPECT_EQ(refused(R"({"type":"format_disk"})"),
            (command_error{error_code::unknown_type, "unknown message type \"format_disk\""}));
  EXPECT_EQ(parse(R"({"type":"format_disk"})").type, "format_disk");
  EXPECT_TRUE(parse(R"({"type":7})").type.empty());
  EXPECT_FALSE(is_command_type("format_disk"));
  for (const char* type :
       {"join_session", "code_update", "pull", "cursor_update", "language_change", "run_code",
        "add_note", "focus_change", "ping", "call_signal", "call_state"})
    EXPECT_TRUE(is_command_type(type)) << type;
}

TEST(parse_command, call_signal_and_call_state) {
  auto sig = std::get<call_signal>(
      parse(R"({"type":"call_signal","to":"p_1","signal":{"candidate":null}})").value);
  EXPECT_EQ(sig.to, "p_1");
  EXPECT_EQ(sig.signal, json::parse(R"({"candidate":null})"));
  EXPECT_EQ(refused(R"({"type":"call_signal","to":"p_1","signal":[1]})").code,
            error_code::invalid_changes);
  EXPECT_EQ(refused(R"({"type":"call_signal","to":"","signal":{}})").code,
            error_code::invalid_changes);
  command_limits small;
  small.max_signal_bytes = 10;  // {"a":"12345"} is 13 bytes
  EXPECT_EQ(refused(R"({"type":"call_signal","to":"p_1","signal":{"a":"12345"}})", small).code,
            error_code::too_large);
  auto on =
      std::get<call_state>(parse(R"({"type":"call_state","audio":true,"video":false})").value);
  EXPECT_TRUE(on.joined);
  auto off =
      std::get<call_state>(parse(R"({"type":"call_state","audio":false,"video":false})").value);
  EXPECT_FALSE(off.joined);
  auto muted = std::get<call_state>(
      parse(R"({"type":"call_state","audio":false,"video":false,"joined":true})").value);
  EXPECT_TRUE(muted.joined);
  EXPECT_EQ(refused(R"({"type":"call_state","audio":true,"video":true,"joined":false})").code,
            error_code::invalid_changes);
  EXPECT_EQ(refused(R"({"type":"call_state","audio":"yes","video":true})").code,
            error_code::invalid_changes);
}

TEST(parse_command, the_ref_is_carried_on_success_and_on_refusal) {
  EXPECT_EQ(parse(R"({"type":"ping","ref":"a"})").ref, "a");
  EXPECT_EQ(parse(R"({"type":"pull","ref":{"n":[1,2]}})").ref, json::parse(R"({"n":[1,2]})"));
  EXPECT_EQ(parse(R"({"type":"nope","ref":3})").ref, 3);
  EXPECT_EQ(parse(R"({"ref":4})").ref, 4);
  EXPECT_TRUE(parse(R"({"type":"ping"})").ref.is_null());
}

TEST(parse_command, ping) {
  accepted<ping>(R"({"type":"ping"})");
}

TEST(parse_command, join_session) {
  auto join = accepted<join_session>(
      R"({"type":"join_session","name":"Ada","role":"interviewer","key":"k"})");
  EXPECT_EQ(join.name, "Ada");
  EXPECT_EQ(join.role, "interviewer");
  EXPECT_EQ(join.key, "k");
  EXPECT_FALSE(join.fresh_join_error);
  EXPECT_FALSE(join.resume_token);
  EXPECT_EQ(accepted<join_session>(R"({"type":"join_session","name":"Bo"})").role, "candidate");
  // A resume needs no name: the faults of a fresh join are kept, not answered.
  auto resume = accepted<join_session>(R"({"type":"join_session","resumeToken":"t","version":3})");
  EXPECT_EQ(resume.resume_token, "t");
  EXPECT_EQ(resume.version, 3u);
  ASSERT_TRUE(resume.fresh_join_error);
  EXPECT_EQ(*resume.fresh_join_error,
            (command_error{error_code::invalid_changes, "join_session needs a \"name\" string"}));
  EXPECT_FALSE(
      accepted<join_session>(R"({"type":"join_session","name":"A","version":-1})").version);
  EXPECT_FALSE(
      accepted<join_session>(R"({"type":"join_session","name":"A","resumeToken":5})").resume_token);
  EXPECT_EQ(accepted<join_session>(R"({"type":"join_session","name":"A","key":5})").key, "");

  auto fault = [](const std::string& text) {
    auto join = accepted<join_session>(text);
    EXPECT_TRUE(join.fresh_join_error) << text;
    return join.fresh_join_error.value_or(command_error{});
  };
  const command_error bad_role{error_code::forbidden,
                               "role must be \"candidate\" or \"interviewer\""};
  EXPECT_EQ(fault(R"({"type":"join_session","name":"A","role":"admin"})"), bad_role);
  EXPECT_EQ(fault(R"({"type":"join_session","name":"A","role":1})"), bad_role);
  EXPECT_EQ(fault(R"({"type":"join_session","name":5})").code, error_code::invalid_changes);
  const command_error bad_name{error_code::forbidden,
                               "a name has 1 to 64 characters and no control characters"};
  EXPECT_EQ(fault(R"({"type":"join_session","name":""})"), bad_name);
  EXPECT_EQ(fault(R"({"type":"join_session","name":"a\u0007"})"), bad_name);
  EXPECT_EQ(fault(json{{"type", "join_session"}, {"name", std::string(65, 'n')}}.dump()), bad_name);
  // 64 code points of two bytes each is fine; the limit is configurable.
  std::string name;
  for (int i = 0; i < 64; ++i) name += "\xC3\xA9";
  EXPECT_FALSE(accepted<join_session>(json{{"type", "join_session"}, {"name", name}}.dump())
                   .fresh_join_error);
  command_limits short_names;
  short_names.max_name_chars = 3;
  auto limited = parse_command(json{{"type", "join_session"}, {"name", "Abcd"}}, short_names);
  ASSERT_TRUE(std::get<join_session>(limited.value).fresh_join_error);
  EXPECT_EQ(std::get<join_session>(limited.value).fresh_join_error->message,
            "a name has 1 to 3 characters and no control characters");
}

TEST(parse_command, code_update) {
  auto update = accepted<code_update>(R"({"type":"code_update","version":2,"updates":[
      {"clientID":"c1","changes":[[0,"ab"]]},{"clientID":"c1","changes":[2,[0,"c"]]}]})");
  EXPECT_EQ(update.version, 2u);
  ASSERT_EQ(update.updates.size(), 2u);
  EXPECT_EQ(update.updates[0].client_id, "c1");
  EXPECT_EQ(update.updates[1].changes, json::parse(R"([2,[0,"c"]])"));
  EXPECT_EQ(update.updates[1].parsed.length(), 2u);
  EXPECT_EQ(update.updates[1].parsed.new_length(), 3u);

  const command_error no_version{error_code::invalid_changes, "code_update needs a \"version\""};
  EXPECT_EQ(refused(R"({"type":"code_update","updates":[{"clientID":"c","changes":[]}]})"),
            no_version);
  EXPECT_EQ(
      refused(R"({"type":"code_update","version":-1,"updates":[{"clientID":"c","changes":[]}]})"),
      no_version);
  EXPECT_EQ(
      refused(R"({"type":"code_update","version":1.5,"updates":[{"clientID":"c","changes":[]}]})"),
      no_version);
  const command_error no_updates{error_code::invalid_changes,
                                 "code_update needs a non-empty \"updates\" array"};
  EXPECT_EQ(refused(R"({"type":"code_update","version":0})"), no_updates);
  EXPECT_EQ(refused(R"({"type":"code_update","version":0,"updates":[]})"), no_updates);
  EXPECT_EQ(refused(R"({"type":"code_update","version":0,"updates":{}})"), no_updates);
  const command_error no_client{error_code::invalid_changes,
                                "each update needs a \"clientID\" string"};
  EXPECT_EQ(refused(R"({"type":"code_update","version":0,"updates":[{"changes":[]}]})"), no_client);
  EXPECT_EQ(
      refused(R"({"type":"code_update","version":0,"updates":[{"clientID":1,"changes":[]}]})"),
      no_client);
  EXPECT_EQ(refused(R"({"type":"code_update","version":0,"updates":[5]})"), no_client);
  EXPECT_EQ(
      refused(json{{"type", "code_update"},
                   {"version", 0},
                   {"updates", {{{"clientID", std::string(129, 'c')}, {"changes", json::array()}}}}}
                  .dump()),
      no_client);
  EXPECT_NO_FATAL_FAILURE(accepted<code_update>(
      json{{"type", "code_update"},
           {"version", 0},
           {"updates", {{{"clientID", std::string(128, 'c')}, {"changes", json::array()}}}}}
          .dump()));
  const command_error not_a_changeset{error_code::invalid_changes,
                                      "\"changes\" is not a ChangeSet"};
  EXPECT_EQ(refused(R"({"type":"code_update","version":0,"updates":[{"clientID":"c"}]})"),
            not_a_changeset);
  EXPECT_EQ(
      refused(R"({"type":"code_update","version":0,"updates":[{"clientID":"c","changes":[-1]}]})"),
      not_a_changeset);
  command_limits two;
  two.max_updates_per_push = 2;
  EXPECT_EQ(
      refused(
          R"({"type":"code_update","version":0,"updates":[{"clientID":"c","changes":[]},{"clientID":"c","changes":[]},{"clientID":"c","changes":[]}]})",
          two),
      (command_error{error_code::too_large, "at most 2 updates per push"}));
}

TEST(parse_command, pull_and_cursor_update) {
  EXPECT_EQ(accepted<pull>(R"({"type":"pull","version":4})").version, 4u);
  const command_error bad_pull{error_code::invalid_changes,
                               "pull needs a \"version\" no newer than the server's"};
  EXPECT_EQ(refused(R"({"type":"pull"})"), bad_pull);
  EXPECT_EQ(refused(R"({"type":"pull","version":"4"})"), bad_pull);

  auto cursor =
      accepted<cursor_update>(R"({"type":"cursor_update","version":1,"anchor":2,"head":3})");
  EXPECT_EQ(cursor.version, 1u);
  EXPECT_EQ(cursor.anchor, 2u);
  EXPECT_EQ(cursor.head, 3u);
  const command_error bad_cursor{error_code::invalid_changes,
                                 "cursor_update needs version, anchor and head"};
  EXPECT_EQ(refused(R"({"type":"cursor_update","version":1,"anchor":2})"), bad_cursor);
  EXPECT_EQ(refused(R"({"type":"cursor_update","version":1,"anchor":-2,"head":3})"), bad_cursor);
  EXPECT_EQ(refused(R"({"type":"cursor_update","version":null,"anchor":2,"head":3})"), bad_cursor);
}

TEST(parse_command, language_change_run_code_add_note_focus_change) {
  EXPECT_EQ(accepted<language_change>(R"({"type":"language_change","language":"python"})").language,
            "python");
  const command_error bad_language{error_code::unsupported_language,
                                   "unsupported language; see GET /api/runtimes"};
  EXPECT_EQ(refused(R"({"type":"language_change"})"), bad_language);
  EXPECT_EQ(refused(R"({"type":"language_change","language":["python"]})"), bad_language);

  EXPECT_EQ(accepted<run_code>(R"({"type":"run_code"})").stdin_data, "");
  EXPECT_EQ(accepted<run_code>(R"({"type":"run_code","stdin":"1 2"})").stdin_data, "1 2");
  EXPECT_EQ(refused(R"({"type":"run_code","stdin":12})"),
            (command_error{error_code::invalid_changes, "\"stdin\" must be a string"}));
  command_limits small;
  small.max_stdin_bytes = 3;
  small.max_note_bytes = 3;
  EXPECT_EQ(refused(R"({"type":"run_code","stdin":"1234"})", small),
            (command_error{error_code::too_large, "stdin is too large"}));
  EXPECT_EQ(accepted<run_code>(R"({"type":"run_code","stdin":"123"})", small).stdin_data, "123");

  EXPECT_EQ(accepted<add_note>(R"({"type":"add_note","text":"good"})").text, "good");
  const command_error no_text{error_code::invalid_changes, "add_note needs a non-empty \"text\""};
  EXPECT_EQ(refused(R"({"type":"add_note"})"), no_text);
  EXPECT_EQ(refused(R"({"type":"add_note","text":""})"), no_text);
  EXPECT_EQ(refused(R"({"type":"add_note","text":7})"), no_text);
  EXPECT_EQ(refused(R"({"type":"add_note","text":"long"})", small),
            (command_error{error_code::too_large, "the note is too long"}));

  EXPECT_FALSE(accepted<focus_change>(R"({"type":"focus_change","focused":false})").focused);
  EXPECT_TRUE(accepted<focus_change>(R"({"type":"focus_change","focused":true})").focused);
  const command_error bad_focus{error_code::invalid_changes,
                                "focus_change needs a boolean \"focused\""};
  EXPECT_EQ(refused(R"({"type":"focus_change"})"), bad_focus);
  EXPECT_EQ(refused(R"({"type":"focus_change","focused":1})"), bad_focus);
}

TEST(error_codes, wire_spellings) {
  EXPECT_EQ(to_string(error_code::bad_json), "bad_json");
  EXPECT_EQ(to_string(error_code::unknown_type), "unknown_type");
  EXPECT_EQ(to_string(error_code::not_joined), "not_joined");
  EXPECT_EQ(to_string(error_code::invalid_changes), "invalid_changes");
  EXPECT_EQ(to_string(error_code::too_large), "too_large");
  EXPECT_EQ(to_string(error_code::rate_limited), "rate_limited");
  EXPECT_EQ(to_string(error_code::unsupported_language), "unsupported_language");
  EXPECT_EQ(to_string(error_code::forbidden), "forbidden");
  EXPECT_EQ(to_string(error_code::busy), "busy");
  EXPECT_EQ(value(close_code::bad_key), 4401);
  EXPECT_EQ(value(close_code::unknown_session), 4404);
  EXPECT_EQ(value(close_code::join_timeout), 4408);
  EXPECT_EQ(value(close_code::replaced), 4409);
  EXPECT_EQ(value(close_code::expired), 4410);
  EXPECT_EQ(value(close_code::too_big), 1009);
  EXPECT_EQ(value(close_code::policy), 1008);
  EXPECT_TRUE(is_clean_leave(1000));
  EXPECT_TRUE(is_clean_leave(1001));
  EXPECT_FALSE(is_clean_leave(1006));
}

}  // namespace
}  // namespace rooms::domain
