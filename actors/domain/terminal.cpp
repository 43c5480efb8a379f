#include "actors/domain/terminal.hpp"

#include "actors/domain/detail/payload_fields.hpp"
#include "actors/domain/events.hpp"

namespace rooms::domain {

namespace {
using json = nlohmann::json;

bool read_dimension(const json& msg, const char* key, std::uint16_t low, std::uint16_t high,
                    bool required, std::uint16_t& out) {
  auto it = msg.find(key);
  if (it == msg.end()) return !required;
  if (!it->is_number_integer()) return false;
  auto v = it->get<std::int64_t>();
  if (v < low || v > high) return false;
  out = static_cast<std::uint16_t>(v);
  return true;
}
}  // namespace

std::optional<std::string> read_terminal_size(const json& msg, terminal_size& out, bool required) {
  if (!read_dimension(msg, "cols", min_terminal_cols, max_terminal_cols, required, out.cols) ||
      !read_dimension(msg, "rows", min_terminal_rows, max_terminal_rows, required, out.rows))
    return "\"cols\" must be an integer from " + std::to_string(min_terminal_cols) + " to " +
           std::to_string(max_terminal_cols) + " and \"rows\" from " +
           std::to_string(min_terminal_rows) + " to " + std::to_string(max_terminal_rows);
  return std::nullopt;
}

std::optional<std::string> fold_terminal(json& terminal, const eventlog::event& e) {
  using eventlog::event_type;
  const json& p = e.payload;
  bool ours =
      terminal.is_object() && p.is_object() && p.value("runId", json()) == terminal["runId"];
  switch (e.type) {
    case event_type::run_started: {
      if (!p.is_object() || !p.value("interactive", false)) return std::nullopt;
      terminal_size s;
      if (read_terminal_size(p, s, false)) return "run_started has a bad terminal size";
      terminal = {{"runId", p.value("runId", "")},
                  {"participantId", e.participant_id},
                  {"language", p.value("language", "")},
                  {"repl", p.value("repl", false)},
                  {"cols", s.cols},
                  {"rows", s.rows},
                  {"data", ""},
                  {"active", true}};
      return std::nullopt;
    }
    case event_type::run_finished:
      if (ours) terminal["active"] = false;
      return std::nullopt;
    case event_type::terminal_output: {
      events::terminal_output out;
      if (auto err = events::from_json(p, out)) return err->message;
      if (!ours || !terminal["active"].get<bool>())
        return "terminal_output for " + out.run_id + ", which is not the running terminal";
      terminal["data"].get_ref<std::string&>() += out.data;
      return std::nullopt;
    }
    case event_type::terminal_input: {
      events::terminal_input in;
      if (auto err = events::from_json(p, in)) return err->message;
      if (!ours || !terminal["active"].get<bool>())
        return "terminal_input for " + in.run_id + ", which is not the running terminal";
      return std::nullopt;
    }
    case event_type::terminal_resized: {
      events::terminal_resized r;
      if (auto err = events::from_json(p, r)) return err->message;
      if (!ours || !terminal["active"].get<bool>())
        return "terminal_resized for " + r.run_id + ", which is not the running terminal";
      terminal["cols"] = r.cols;
      terminal["rows"] = r.rows;
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace rooms::domain

namespace rooms::domain::events {

using namespace fields;

json to_json(const terminal_output& p) {
  return {{"runId", p.run_id}, {"data", p.data}};
}
json to_json(const terminal_input& p) {
  return {{"runId", p.run_id}, {"data", p.data}};
}
json to_json(const terminal_resized& p) {
  return {{"runId", p.run_id}, {"cols", p.cols}, {"rows", p.rows}};
}

namespace {
template <class T>
std::optional<payload_error> run_and_data(const json& p, T& out, std::size_t max_bytes) {
  return guarded([&]() -> std::optional<payload_error> {
    if (!p.is_object() || !string_field(p, "runId", out.run_id) ||
        !string_field(p, "data", out.data))
      return malformed("a terminal event needs runId and data strings");
    if (out.data.size() > max_bytes)
      return malformed("terminal data over " + std::to_string(max_bytes) + " bytes");
    return std::nullopt;
  });
}
}  // namespace

std::optional<payload_error> from_json(const json& p, terminal_output& out) {
  return run_and_data(p, out, max_terminal_output_bytes);
}
std::optional<payload_error> from_json(const json& p, terminal_input& out) {
  return run_and_data(p, out, max_terminal_input_bytes);
}
std::optional<payload_error> from_json(const json& p, terminal_resized& out) {
  return guarded([&]() -> std::optional<payload_error> {
    terminal_size s;
    if (!p.is_object() || !string_field(p, "runId", out.run_id) || read_terminal_size(p, s, true))
      return malformed("terminal_resized needs runId and cols, rows in range");
    out.cols = s.cols;
    out.rows = s.rows;
    return std::nullopt;
  });
}

}  // namespace rooms::domain::events
