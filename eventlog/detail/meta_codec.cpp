#include "eventlog/detail/keys.hpp"
#include "eventlog/detail/msgpack.hpp"

namespace rooms::eventlog::detail {

std::string encode_meta(const session_meta& meta) {
  std::string out(1, static_cast<char>(meta_format_version));
  msgpack_writer w(out);
  w.array_header(8);
  w.int64(meta.created_at);
  w.int64(meta.last_activity_at);
  w.int64(meta.expires_at);
  w.uint64(meta.events);
  w.uint64(meta.bytes);
  w.str(meta.language);
  w.str(meta.title);
  w.str(meta.key_hash);
  return out;
}

namespace {

result<session_meta> decode_meta_v1(const session_id& id, std::string_view body) {
  auto bad = [&](const char* what) {
    return status{errc::corruption, "session " + id.str() + " meta: " + what};
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::from_msgpack(body.begin(), body.end(), true, false);
  } catch (const std::exception&) {  // never let a bad value escape as an exception
    return bad("not msgpack");
  }
  if (j.is_discarded() || !j.is_array() || j.size() != 8) return bad("not an 8-element array");
  for (int i = 0; i < 3; ++i) {
    if (!j[i].is_number_integer()) return bad("timestamp is not an integer");
  }
  for (int i = 3; i < 5; ++i) {
    if (!j[i].is_number_unsigned()) return bad("counter is not an unsigned integer");
  }
  for (int i = 5; i < 8; ++i) {
    if (!j[i].is_string()) return bad("text field is not a string");
  }
  session_meta meta;
  meta.id = id;
  meta.created_at = j[0].get<std::int64_t>();
  meta.last_activity_at = j[1].get<std::int64_t>();
  meta.expires_at = j[2].get<std::int64_t>();
  meta.events = j[3].get<std::uint64_t>();
  meta.bytes = j[4].get<std::uint64_t>();
  meta.language = j[5].get<std::string>();
  meta.title = j[6].get<std::string>();
  meta.key_hash = j[7].get<std::string>();
  return meta;
}

}  // namespace

result<session_meta> decode_meta(const session_id& id, std::string_view bytes) {
  if (bytes.empty()) return status{errc::corruption, "session " + id.str() + " meta is empty"};
  auto version = static_cast<std::uint8_t>(bytes[0]);
  switch (version) {
    case 1:
      return decode_meta_v1(id, bytes.substr(1));
    default:
      return status{errc::corruption, "session " + id.str() + " meta has unknown format version " +
                                          std::to_string(version)};
  }
}

}  // namespace rooms::eventlog::detail
