#include "eventlog/event.hpp"

#include "eventlog/detail/msgpack.hpp"

#include <chrono>
#include <cstring>

#include "base/hex.hpp"
#include "base/secrets.hpp"

namespace rooms::eventlog {
namespace {

constexpr std::string_view type_names[] = {
    "",
    "session_created",
    "participant_joined",
    "participant_left",
    "code_changed",
    "cursor_moved",
    "language_changed",
    "run_started",
    "run_finished",
    "note_added",
    "focus_changed",
    "session_expired",
    "phase_changed",
    "controls_changed",
    "scorecard_saved",
    "call_state_changed",
    "question_loaded",
    "tests_started",
    "tests_finished",
    "terminal_output",
    "terminal_input",
    "terminal_resized",
};
constexpr std::uint8_t max_type = 21;

bool valid_type(std::uint64_t raw) {
  return raw >= 1 && raw <= max_type;
}

status corrupt(std::string what) {
  return {errc::corruption, std::move(what)};
}

/// Format 1 body: msgpack array [ts, type, participant, payload]. An array, not a map, because
/// the field names would otherwise be repeated in every stored event.
result<event> decode_v1(std::string_view body) {
  event e;
  try {
    detail::msgpack_reader in(body);
    std::size_t fields = 0;
    std::uint64_t type = 0;
    if (!in.read_array_header(fields) || fields != 4)
      return corrupt("event body is not a 4-element array");
    if (!in.read_int(e.ts)) return corrupt("event ts is not an integer");
    if (!in.read_uint(type) || !valid_type(type)) return corrupt("event type is unknown");
    e.type = static_cast<event_type>(type);
    if (!in.read_str(e.participant_id)) return corrupt("event participant is not a string");
    if (!in.read_value(e.payload) || !e.payload.is_object()) {
      return corrupt("event payload is not a msgpack object");
    }
    if (!in.at_end()) return corrupt("event body has trailing bytes");
  } catch (const std::exception& ex) {  // bad_alloc from a hostile length: still corruption
    return corrupt(std::string("event body does not decode: ") + ex.what());
  }
  return e;
}

}  // namespace

// -- session_id --

std::optional<session_id> session_id::parse(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  session_id id;
  std::size_t out = 0;
  for (std::size_t i = 0; i < 36;) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    int hi = base::hex_digit_value(text[i]);
    int lo = base::hex_digit_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.bytes[out++] = static_cast<std::uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return id;
}

session_id session_id::random() {
  session_id id;
  base::random_bytes(id.bytes.data(), id.bytes.size());
  id.bytes[6] = static_cast<std::uint8_t>((id.bytes[6] & 0x0f) | 0x40);  // version 4
  id.bytes[8] = static_cast<std::uint8_t>((id.bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return id;
}

std::string session_id::str() const {
  std::string out = base::to_hex(raw());
  // 8-4-4-4-12, inserted from the right so earlier positions stay put.
  for (std::size_t at : {20, 16, 12, 8}) out.insert(at, 1, '-');
  return out;
}

// -- event types --

std::string_view to_string(event_type type) {
  auto raw = static_cast<std::uint8_t>(type);
  return valid_type(raw) ? type_names[raw] : std::string_view{"unknown"};
}

std::optional<event_type> event_type_from_string(std::string_view name) {
  for (std::uint8_t raw = 1; raw <= max_type; ++raw) {
    if (type_names[raw] == name) return static_cast<event_type>(raw);
  }
  return std::nullopt;
}

// -- JSON form --

nlohmann::json to_json(const event& e) {
  nlohmann::json j = nlohmann::json::object();
  if (e.payload.is_object()) {
    for (const auto& [key, value] : e.payload.items()) j[key] = value;
  }
  // The envelope is written last so a payload field can never shadow it.
  j["seq"] = e.seq;
  j["ts"] = e.ts;
  j["type"] = std::string(to_string(e.type));
  if (!e.participant_id.empty()) j["participantId"] = e.participant_id;
  return j;
}

result<event> event_from_json(const nlohmann::json& j) {
  auto bad = [](std::string what) { return status{errc::invalid_argument, std::move(what)}; };
  if (!j.is_object()) return bad("event is not a JSON object");
  event e;
  auto seq = j.find("seq");
  if (seq == j.end() || !seq->is_number_unsigned())
    return bad("event \"seq\" is missing or negative");
  e.seq = seq->get<std::uint64_t>();
  auto ts = j.find("ts");
  if (ts == j.end() || !ts->is_number_integer())
    return bad("event \"ts\" is missing or not an integer");
  e.ts = ts->get<std::int64_t>();
  auto type = j.find("type");
  if (type == j.end() || !type->is_string()) return bad("event \"type\" is missing");
  auto parsed = event_type_from_string(type->get_ref<const std::string&>());
  if (!parsed) return bad("unknown event type \"" + type->get<std::string>() + "\"");
  e.type = *parsed;
  if (auto who = j.find("participantId"); who != j.end()) {
    if (!who->is_string()) return bad("event \"participantId\" is not a string");
    e.participant_id = who->get<std::string>();
  }
  for (const auto& [key, value] : j.items()) {
    if (key == "seq" || key == "ts" || key == "type" || key == "participantId") continue;
    e.payload[key] = value;
  }
  return e;
}

// -- stored encoding --

std::string encode(const event& e) {
  std::string out(1, static_cast<char>(event_format_version));
  out.reserve(160);
  detail::msgpack_writer w(out);
  w.array_header(4);
  w.int64(e.ts);
  w.uint64(static_cast<std::uint8_t>(e.type));
  w.str(e.participant_id);
  try {
    if (e.payload.is_object()) {
      nlohmann::json::to_msgpack(e.payload, nlohmann::detail::output_adapter<char>(out));
    } else {
      out.push_back('\x80');  // an empty map: the payload is always an object
    }
  } catch (const std::exception&) {
    // to_msgpack only throws for values JSON cannot hold; keep the promise of never throwing and
    // return something decode() rejects instead of a half-written body.
    out.assign(1, '\0');
  }
  return out;
}

result<event> decode(std::string_view bytes) {
  if (bytes.empty()) return corrupt("empty event value");
  auto version = static_cast<std::uint8_t>(bytes[0]);
  switch (version) {
    case 1:
      return decode_v1(bytes.substr(1));
    default:
      return corrupt("unknown event format version " + std::to_string(version));
  }
}

std::string sha256_hex(std::string_view data) {
  return base::sha256_hex(data);
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace rooms::eventlog
