#include "actors/domain/commands.hpp"

#include <array>
#include <utility>

#include "actors/domain/interview.hpp"
#include "actors/domain/validate.hpp"

namespace rooms::domain {

namespace {

using json = nlohmann::json;

constexpr std::array<std::string_view, 13> command_types = {
    "join_session", "code_update",   "pull",         "cursor_update", "language_change",
    "run_code",     "add_note",      "focus_change", "ping",          "call_signal",
    "call_state",   "load_question", "run_tests"};

/// The v2 interview commands (interview.hpp), kept apart so each addition stays one line.
constexpr std::array<std::string_view, 5> interview_command_types = {
    "start_interview", "end_interview", "reopen_interview", "set_controls", "save_scorecard"};

/// The terminal's commands (terminal.hpp).
constexpr std::array<std::string_view, 4> terminal_command_types = {"start_repl", "terminal_input",
                                                                    "terminal_resize", "stop_run"};

bool is_uint(const json& j) {
  return j.is_number_unsigned() || (j.is_number_integer() && j.get<std::int64_t>() >= 0);
}

command_error refuse(error_code code, std::string message) {
  return {code, std::move(message)};
}

command parse_join(const json& msg, const command_limits& limits) {
  join_session join;
  if (auto it = msg.find("resumeToken"); it != msg.end() && it->is_string())
    join.resume_token = it->get<std::string>();
  if (auto it = msg.find("version"); it != msg.end() && is_uint(*it))
    join.version = it->get<std::uint64_t>();
  if (auto it = msg.find("key"); it != msg.end() && it->is_string())
    join.key = it->get<std::string>();
  auto fresh = [&]() -> std::optional<command_error> {
    auto role = msg.find("role");
    if (role != msg.end()) {
      if (!role->is_string() || !valid_role(role->get_ref<const std::string&>()))
        return refuse(error_code::forbidden, "role must be \"candidate\" or \"interviewer\"");
      join.role = role->get<std::string>();
    }
    auto name = msg.find("name");
    if (name == msg.end() || !name->is_string())
      return refuse(error_code::invalid_changes, "join_session needs a \"name\" string");
    join.name = name->get<std::string>();
    if (!valid_name(join.name, limits.max_name_chars))
      return refuse(error_code::forbidden, "a name has 1 to " +
                                               std::to_string(limits.max_name_chars) +
                                               " characters and no control characters");
    return std::nullopt;
  };
  join.fresh_join_error = fresh();
  return join;
}

command parse_code_update(const json& msg, const command_limits& limits) {
  code_update out;
  auto version = msg.find("version");
  if (version == msg.end() || !is_uint(*version))
    return refuse(error_code::invalid_changes, "code_update needs a \"version\"");
  out.version = version->get<std::uint64_t>();
  auto updates = msg.find("updates");
  if (updates == msg.end() || !updates->is_array() || updates->empty())
    return refuse(error_code::invalid_changes, "code_update needs a non-empty \"updates\" array");
  if (updates->size() > limits.max_updates_per_push)
    return refuse(error_code::too_large,
                  "at most " + std::to_string(limits.max_updates_per_push) + " updates per push");
  out.updates.reserve(updates->size());
  for (const auto& u : *updates) {
    auto client = u.is_object() ? u.find("clientID") : u.end();
    if (!u.is_object() || client == u.end() || !client->is_string() ||
        !valid_client_id(client->get_ref<const std::string&>()))
      return refuse(error_code::invalid_changes, "each update needs a \"clientID\" string");
    client_update update;
    update.client_id = client->get<std::string>();
    update.changes = u.value("changes", json());
    auto parsed = changeset::from_json(update.changes);
    if (!parsed) return refuse(error_code::invalid_changes, "\"changes\" is not a ChangeSet");
    update.parsed = std::move(*parsed);
    if (auto origin = u.find("origin"); origin != u.end()) {
      if (!origin->is_string() || !valid_origin(origin->get_ref<const std::string&>()))
        return refuse(error_code::invalid_changes,
                      "\"origin\" is one of typed, paste, drop, undo, other");
      update.origin = origin->get<std::string>();
    }
    if (auto from = u.find("pasteFrom"); from != u.end()) {
      if (!from->is_string() || !valid_paste_from(from->get_ref<const std::string&>()))
        return refuse(error_code::invalid_changes, "\"pasteFrom\" is \"outside\" or \"inside\"");
      if (update.origin != "paste" && update.origin != "drop")
        return refuse(error_code::invalid_changes,
                      "\"pasteFrom\" goes with the origin \"paste\" or \"drop\"");
      update.paste_from = from->get<std::string>();
    }
    out.updates.push_back(std::move(update));
  }
  return out;
}

command parse_pull(const json& msg) {
  auto version = msg.find("version");
  if (version == msg.end() || !is_uint(*version))
    return refuse(error_code::invalid_changes,
                  "pull needs a \"version\" no newer than the server's");
  return pull{version->get<std::uint64_t>()};
}

command parse_cursor(const json& msg) {
  for (const char* key : {"version", "anchor", "head"})
    if (!msg.contains(key) || !is_uint(msg[key]))
      return refuse(error_code::invalid_changes, "cursor_update needs version, anchor and head");
  return cursor_update{msg["version"].get<std::uint64_t>(), msg["anchor"].get<std::uint64_t>(),
                       msg["head"].get<std::uint64_t>()};
}

command parse_language(const json& msg) {
  auto language = msg.find("language");
  if (language == msg.end() || !language->is_string())
    return refuse(error_code::unsupported_language, "unsupported language; see GET /api/runtimes");
  return language_change{language->get<std::string>()};
}

command parse_run(const json& msg, const command_limits& limits) {
  run_code run;
  if (auto it = msg.find("stdin"); it != msg.end()) {
    if (!it->is_string()) return refuse(error_code::invalid_changes, "\"stdin\" must be a string");
    if (it->get_ref<const std::string&>().size() > limits.max_stdin_bytes)
      return refuse(error_code::too_large, "stdin is too large");
    run.stdin_data = it->get<std::string>();
  }
  if (auto it = msg.find("interactive"); it != msg.end()) {
    if (!it->is_boolean())
      return refuse(error_code::invalid_changes, "\"interactive\" must be a boolean");
    run.interactive = it->get<bool>();
  }
  if (run.interactive) {
    if (!run.stdin_data.empty())
      return refuse(error_code::invalid_changes,
                    "an interactive run reads its terminal: send terminal_input, not \"stdin\"");
    if (auto err = read_terminal_size(msg, run.size, false))
      return refuse(error_code::invalid_changes, *err);
  }
  return run;
}

/// "runId": an id as rooms make them (1..64 letters, digits, '_' or '-').
std::optional<std::string> read_run_id(const json& msg, std::string& out) {
  auto it = msg.find("runId");
  if (it == msg.end() || !it->is_string() || !valid_id(it->get_ref<const std::string&>()))
    return std::string("the message needs a \"runId\" of 1..64 letters, digits, '_' or '-'");
  out = it->get<std::string>();
  return std::nullopt;
}

command parse_terminal(const std::string& type, const json& msg) {
  if (type == "start_repl") {
    start_repl repl;
    if (auto it = msg.find("language"); it != msg.end()) {
      if (!it->is_string())
        return refuse(error_code::unsupported_language, "\"language\" must be a string");
      repl.language = it->get<std::string>();
    }
    if (auto err = read_terminal_size(msg, repl.size, false))
      return refuse(error_code::invalid_changes, *err);
    return repl;
  }
  std::string run_id;
  if (auto err = read_run_id(msg, run_id)) return refuse(error_code::invalid_changes, *err);
  if (type == "stop_run") return stop_run{run_id};
  if (type == "terminal_resize") {
    terminal_resize resize{run_id, {}};
    if (auto err = read_terminal_size(msg, resize.size, true))
      return refuse(error_code::invalid_changes, *err);
    return resize;
  }
  auto data = msg.find("data");
  if (data == msg.end() || !data->is_string() || data->get_ref<const std::string&>().empty())
    return refuse(error_code::invalid_changes, "terminal_input needs a non-empty \"data\" string");
  if (data->get_ref<const std::string&>().size() > max_terminal_input_bytes)
    return refuse(error_code::too_large, "terminal_input carries at most " +
                                             std::to_string(max_terminal_input_bytes) +
                                             " bytes: split a longer paste");
  return terminal_input{run_id, data->get<std::string>()};
}

command parse_note(const json& msg, const command_limits& limits) {
  auto text = msg.find("text");
  if (text == msg.end() || !text->is_string() || text->get_ref<const std::string&>().empty())
    return refuse(error_code::invalid_changes, "add_note needs a non-empty \"text\"");
  if (!valid_note(text->get_ref<const std::string&>(), limits.max_note_bytes))
    return refuse(error_code::too_large, "the note is too long");
  return add_note{text->get<std::string>()};
}

command parse_focus(const json& msg) {
  auto focused = msg.find("focused");
  if (focused == msg.end() || !focused->is_boolean())
    return refuse(error_code::invalid_changes, "focus_change needs a boolean \"focused\"");
  return focus_change{focused->get<bool>()};
}

command parse_controls(const json& msg) {
  set_controls out;
  for (auto [key, field] : {std::pair{"editorLocked", &out.editor_locked},
                            std::pair{"runDisabled", &out.run_disabled}}) {
    auto it = msg.find(key);
    if (it == msg.end()) continue;
    if (!it->is_boolean())
      return refuse(error_code::invalid_changes, std::string("\"") + key + "\" must be a boolean");
    *field = it->get<bool>();
  }
  if (!out.editor_locked && !out.run_disabled)
    return refuse(error_code::invalid_changes,
                  "set_controls needs \"editorLocked\" or \"runDisabled\"");
  return out;
}

command parse_scorecard(const json& msg, const command_limits& limits) {
  save_scorecard out;
  auto& card = out.card;
  if (auto ratings = msg.find("ratings"); ratings != msg.end()) {
    if (!ratings->is_object())
      return refuse(error_code::invalid_changes, "\"ratings\" must be an object");
    if (ratings->size() > max_criteria)
      return refuse(error_code::too_large, "at most " + std::to_string(max_criteria) + " ratings");
    for (const auto& [criterion, rating] : ratings->items()) {
      if (!valid_criterion(criterion))
        return refuse(error_code::invalid_changes,
                      "a criterion has 1 to " + std::to_string(max_criterion_bytes) + " bytes");
      if (!rating.is_number_integer() || rating.get<std::int64_t>() < min_rating ||
          rating.get<std::int64_t>() > max_rating)
        return refuse(error_code::invalid_changes, "the rating of \"" + criterion + "\" must be " +
                                                       std::to_string(min_rating) + " to " +
                                                       std::to_string(max_rating));
      card.ratings[criterion] = rating.get<int>();
    }
  }
  if (auto rec = msg.find("recommendation"); rec != msg.end() && !rec->is_null()) {
    if (!rec->is_string() || !valid_recommendation(rec->get_ref<const std::string&>()))
      return refuse(error_code::invalid_changes,
                    "\"recommendation\" is one of strong_no, no, yes, strong_yes");
    card.recommendation = rec->get<std::string>();
  }
  if (auto comments = msg.find("comments"); comments != msg.end()) {
    if (!comments->is_array())
      return refuse(error_code::invalid_changes, "\"comments\" must be an array");
    if (comments->size() > max_scorecard_comments)
      return refuse(error_code::too_large,
                    "at most " + std::to_string(max_scorecard_comments) + " comments");
    for (const auto& c : *comments) {
      auto text = c.is_object() ? c.find("text") : c.end();
      if (!c.is_object() || text == c.end() || !text->is_string() ||
          text->get_ref<const std::string&>().empty())
        return refuse(error_code::invalid_changes, "each comment needs a non-empty \"text\"");
      if (!valid_note(text->get_ref<const std::string&>(), limits.max_note_bytes))
        return refuse(error_code::too_large, "a comment is too long");
      events::scorecard_comment comment{text->get<std::string>(), std::nullopt};
      if (auto seq = c.find("seq"); seq != c.end() && !seq->is_null()) {
        if (!is_uint(*seq))
          return refuse(error_code::invalid_changes,
                        "a comment's \"seq\" must be a non-negative integer");
        comment.seq = seq->get<std::uint64_t>();
      }
      card.comments.push_back(std::move(comment));
    }
  }
  if (auto submitted = msg.find("submitted"); submitted != msg.end()) {
    if (!submitted->is_boolean())
      return refuse(error_code::invalid_changes, "\"submitted\" must be a boolean");
    card.submitted = submitted->get<bool>();
  }
  return out;
}

command parse_load_question(const json& msg) {
  auto id = msg.find("questionId");
  if (id == msg.end() || !id->is_string() || !valid_id(id->get_ref<const std::string&>()))
    return refuse(error_code::invalid_changes,
                  "load_question needs a \"questionId\" (1..64 letters, digits, '_' or '-')");
  load_question out;
  out.question_id = id->get<std::string>();
  if (auto it = msg.find("language"); it != msg.end()) {
    if (!it->is_string() || !valid_language_name(it->get_ref<const std::string&>()))
      return refuse(error_code::unsupported_language,
                    "unsupported language; see GET /api/runtimes");
    out.language = it->get<std::string>();
  }
  if (auto it = msg.find("replaceCode"); it != msg.end()) {
    if (!it->is_boolean())
      return refuse(error_code::invalid_changes, "\"replaceCode\" must be a boolean");
    out.replace_code = it->get<bool>();
  }
  return out;
}

command parse_call_signal(const json& msg, const command_limits& limits) {
  auto to = msg.find("to");
  if (to == msg.end() || !to->is_string() || !valid_id(to->get_ref<const std::string&>()))
    return refuse(error_code::invalid_changes, "call_signal needs a participant id in \"to\"");
  auto signal = msg.find("signal");
  if (signal == msg.end() || !signal->is_object())
    return refuse(error_code::invalid_changes, "call_signal needs a \"signal\" object");
  if (signal->dump().size() > limits.max_signal_bytes)
    return refuse(error_code::too_large,
                  "a signal has at most " + std::to_string(limits.max_signal_bytes) + " bytes");
  return call_signal{to->get<std::string>(), *signal};
}

command parse_call_state(const json& msg) {
  auto audio = msg.find("audio");
  auto video = msg.find("video");
  if (audio == msg.end() || !audio->is_boolean() || video == msg.end() || !video->is_boolean())
    return refuse(error_code::invalid_changes, "call_state needs booleans \"audio\" and \"video\"");
  call_state out{audio->get<bool>(), video->get<bool>(), false};
  out.joined = out.audio || out.video;
  if (auto joined = msg.find("joined"); joined != msg.end()) {
    if (!joined->is_boolean())
      return refuse(error_code::invalid_changes, "\"joined\" must be a boolean");
    out.joined = joined->get<bool>();
  }
  if (!out.joined && (out.audio || out.video))
    return refuse(error_code::invalid_changes, "audio or video on needs \"joined\":true");
  return out;
}

command parse_fields(const std::string& type, const json& msg, const command_limits& limits) {
  if (type == "join_session") return parse_join(msg, limits);
  if (type == "code_update") return parse_code_update(msg, limits);
  if (type == "pull") return parse_pull(msg);
  if (type == "cursor_update") return parse_cursor(msg);
  if (type == "language_change") return parse_language(msg);
  if (type == "run_code") return parse_run(msg, limits);
  if (type == "add_note") return parse_note(msg, limits);
  if (type == "focus_change") return parse_focus(msg);
  if (type == "ping") return ping{};
  if (type == "start_interview") return start_interview{};
  if (type == "end_interview") return end_interview{};
  if (type == "reopen_interview") return reopen_interview{};
  if (type == "set_controls") return parse_controls(msg);
  if (type == "save_scorecard") return parse_scorecard(msg, limits);
  if (type == "call_signal") return parse_call_signal(msg, limits);
  if (type == "call_state") return parse_call_state(msg);
  if (type == "load_question") return parse_load_question(msg);
  if (type == "run_tests") return run_tests{};
  for (auto known : terminal_command_types)
    if (type == known) return parse_terminal(type, msg);
  return refuse(error_code::unknown_type, "unknown message type \"" + type + "\"");
}

}  // namespace

bool is_command_type(std::string_view type) {
  for (auto known : command_types)
    if (type == known) return true;
  for (auto known : interview_command_types)
    if (type == known) return true;
  for (auto known : terminal_command_types)
    if (type == known) return true;
  return false;
}

parsed_command parse_command(const json& msg, const command_limits& limits) {
  parsed_command out;
  if (!msg.is_object()) {
    out.value = refuse(error_code::bad_json, "a message must be one JSON object");
    return out;
  }
  if (auto ref = msg.find("ref"); ref != msg.end()) out.ref = *ref;
  auto type = msg.find("type");
  if (type == msg.end() || !type->is_string()) {
    out.value = refuse(error_code::unknown_type, "the message has no \"type\"");
    return out;
  }
  out.type = type->get<std::string>();
  try {
    out.value = parse_fields(out.type, msg, limits);
  } catch (const json::exception&) {
    // Every access above is checked first; this keeps the promise should nlohmann disagree.
    out.value = refuse(error_code::invalid_changes, "the message could not be processed");
  }
  return out;
}

}  // namespace rooms::domain
