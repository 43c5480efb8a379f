#include "eventlog/detail/keys.hpp"
#include "eventlog/detail/msgpack.hpp"

namespace rooms::eventlog::detail {

std::string encode_meta(const session_meta& meta) {
  std::string out(1, static_cast<char>(meta_format_version));
  msgpack_writer w(out);
  w.array_header(9);
  w.int64(meta.created_at);
  w.int64(meta.last_activity_at);
  w.int64(meta.expires_at);
  w.uint64(meta.events);
  w.uint64(meta.bytes);
  w.str(meta.language);
  w.str(meta.title);
  w.str(meta.key_hash);
  // v2: the listing's summary as a nested array (see decode_summary for the order).
  const session_summary& sum = meta.summary;
  w.array_header(8);
  w.str(sum.phase);
  w.str(sum.language);
  w.str(sum.question_title);
  for (const auto* names : {&sum.candidates, &sum.interviewers, &sum.interviewer_accounts}) {
    w.array_header(names->size());
    for (const auto& n : *names) w.str(n);
  }
  w.int64(sum.started_at);
  w.int64(sum.ended_at);
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

/// v2 is v1's eight fields plus the summary: read with the small reader, since a listing
/// decodes every meta of the store (nlohmann's generic msgpack path costs ~2 us each).
result<session_meta> decode_meta_v2(const session_id& id, std::string_view body) {
  auto bad = [&](const char* what) {
    return status{errc::corruption, "session " + id.str() + " meta: " + what};
  };
  msgpack_reader r(body);
  session_meta meta;
  meta.id = id;
  std::size_t count = 0;
  if (!r.read_array_header(count) || count != 9) return bad("not a 9-element array");
  if (!r.read_int(meta.created_at) || !r.read_int(meta.last_activity_at) ||
      !r.read_int(meta.expires_at))
    return bad("timestamp is not an integer");
  if (!r.read_uint(meta.events) || !r.read_uint(meta.bytes))
    return bad("counter is not an unsigned integer");
  if (!r.read_str(meta.language) || !r.read_str(meta.title) || !r.read_str(meta.key_hash))
    return bad("text field is not a string");
  session_summary& sum = meta.summary;
  if (!r.read_array_header(count) || count != 8) return bad("summary is not an 8-element array");
  if (!r.read_str(sum.phase) || !r.read_str(sum.language) || !r.read_str(sum.question_title))
    return bad("summary text field is not a string");
  for (auto* names : {&sum.candidates, &sum.interviewers, &sum.interviewer_accounts}) {
    // Each name takes a byte at least: a larger count is garbage, not an allocation to make.
    if (!r.read_array_header(count) || count > body.size())
      return bad("summary names are not an array");
    names->resize(count);
    for (auto& n : *names)
      if (!r.read_str(n)) return bad("summary name is not a string");
  }
  if (!r.read_int(sum.started_at) || !r.read_int(sum.ended_at))
    return bad("summary time is not an integer");
  if (!r.at_end()) return bad("trailing bytes");
  return meta;
}

}  // namespace

bool decode_meta_times(std::string_view bytes, meta_times& out) {
  if (bytes.empty()) return false;
  auto version = static_cast<std::uint8_t>(bytes[0]);
  if (version != 1 && version != 2) return false;
  msgpack_reader r(bytes.substr(1));
  std::size_t count = 0;
  return r.read_array_header(count) && count == (version == 1 ? 8u : 9u) &&
         r.read_int(out.created_at) && r.read_int(out.last_activity_at) &&
         r.read_int(out.expires_at);
}

result<session_meta> decode_meta(const session_id& id, std::string_view bytes) {
  if (bytes.empty()) return status{errc::corruption, "session " + id.str() + " meta is empty"};
  auto version = static_cast<std::uint8_t>(bytes[0]);
  switch (version) {
    case 1:
      return decode_meta_v1(id, bytes.substr(1));  // written before summaries: empty one
    case 2:
      return decode_meta_v2(id, bytes.substr(1));
    default:
      return status{errc::corruption, "session " + id.str() + " meta has unknown format version " +
                                          std::to_string(version)};
  }
}

}  // namespace rooms::eventlog::detail
