#include <gtest/gtest.h>

#include <set>

#include "eventlog/detail/keys.hpp"
#include "eventlog/event.hpp"
#include "tests/eventlog/helpers.hpp"

namespace rooms::eventlog {
namespace {

TEST(event_encoding, every_type_round_trips_through_encode_decode) {
  for (const auto& e : test::every_event_type()) {
    std::string bytes = encode(e);
    ASSERT_EQ(static_cast<std::uint8_t>(bytes[0]), event_format_version);
    auto back = decode(bytes);
    ROOMS_ASSERT_OK(back.error());
    // seq lives in the key, not the value: the store fills it in.
    EXPECT_EQ(back->seq, 0u);
    back->seq = e.seq;
    EXPECT_EQ(*back, e) << to_string(e.type);
    EXPECT_EQ(encode(*back), bytes) << "re-encoding must be byte-identical";
  }
}

TEST(event_encoding, every_type_round_trips_through_json) {
  for (const auto& e : test::every_event_type()) {
    nlohmann::json j = to_json(e);
    EXPECT_EQ(j["type"], std::string(to_string(e.type)));
    EXPECT_EQ(j["seq"], e.seq);
    EXPECT_EQ(j.contains("participantId"), !e.participant_id.empty());
    auto back = event_from_json(nlohmann::json::parse(j.dump()));
    ROOMS_ASSERT_OK(back.error());
    EXPECT_EQ(*back, e) << j.dump();
  }
}

TEST(event_encoding, json_form_is_flat) {
  auto e = test::every_event_type()[3];
  EXPECT_EQ(to_json(e), nlohmann::json::parse(R"({"seq":4,"ts":1700000000003,"type":"code_changed",
      "participantId":"p1","version":7,"clientID":"c-1","changes":[3,[0,"hé\n"],9]})"));
}

TEST(event_encoding, malformed_json_is_invalid_argument) {
  for (const char* text :
       {R"([])", R"({"seq":1,"ts":1})", R"({"seq":1,"ts":1,"type":"nope"})",
        R"({"seq":-1,"ts":1,"type":"code_changed"})", R"({"seq":1,"ts":"x","type":"code_changed"})",
        R"({"seq":1,"ts":1,"type":"code_changed","participantId":5})"}) {
    ROOMS_EXPECT_ERR(event_from_json(nlohmann::json::parse(text)).error(), errc::invalid_argument);
  }
}

TEST(event_encoding, garbage_and_unknown_versions_are_corruption) {
  std::string good = encode(test::every_event_type()[0]);
  std::string unknown_version = good;
  unknown_version[0] = 2;
  std::string truncated = good.substr(0, good.size() - 3);
  std::string bad_type = encode(test::every_event_type()[0]);
  std::vector<std::string> cases = {"",
                                    std::string(1, '\0'),
                                    unknown_version,
                                    truncated,
                                    "\x01garbage",
                                    std::string("\x01\xc1", 2),
                                    std::string("\x01\x94\x01\x63\xa0\x80", 6),   // type 99
                                    std::string("\x01\x94\x01\x01\xa0\x01", 6),   // payload not {}
                                    std::string("\x01\xdd\xff\xff\xff\xff", 6)};  // huge array
  for (const auto& bytes : cases) {
    ROOMS_EXPECT_ERR(decode(bytes).error(), errc::corruption);
  }
  // Every prefix and every single-byte flip either decodes or is corruption; never a crash.
  for (std::size_t n = 0; n < good.size(); ++n) {
    auto r = decode(good.substr(0, n));
    EXPECT_FALSE(r.ok());
    std::string flipped = good;
    flipped[n] = static_cast<char>(flipped[n] ^ 0x5a);
    auto f = decode(flipped);
    if (!f.ok()) {
      EXPECT_EQ(f.error().code(), errc::corruption) << f.error().to_string();
    }
  }
}

TEST(event_encoding, meta_round_trips_and_rejects_garbage) {
  session_meta m;
  m.id = session_id::random();
  m.created_at = 1;
  m.last_activity_at = 2;
  m.expires_at = 3;
  m.events = 4;
  m.bytes = 5;
  m.language = "go";
  m.title = "t";
  m.key_hash = sha256_hex("k");
  auto back = detail::decode_meta(m.id, detail::encode_meta(m));
  ROOMS_ASSERT_OK(back.error());
  EXPECT_EQ(back->title, "t");
  EXPECT_EQ(back->events, 4u);
  EXPECT_EQ(back->key_hash, m.key_hash);
  std::string v = detail::encode_meta(m);
  v[0] = 7;
  ROOMS_EXPECT_ERR(detail::decode_meta(m.id, v).error(), errc::corruption);
  ROOMS_EXPECT_ERR(detail::decode_meta(m.id, "junk").error(), errc::corruption);
  ROOMS_EXPECT_ERR(detail::decode_meta(m.id, "").error(), errc::corruption);
}

TEST(session_id, random_is_v4_and_parses_back) {
  std::set<session_id> seen;
  for (int i = 0; i < 100; ++i) {
    auto id = session_id::random();
    std::string text = id.str();
    ASSERT_EQ(text.size(), 36u);
    EXPECT_EQ(text[14], '4');
    EXPECT_NE(std::string("89ab").find(text[19]), std::string::npos) << text;
    auto parsed = session_id::parse(text);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, id);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(session_id, parse_accepts_only_the_canonical_form) {
  auto upper = session_id::parse("0123ABCD-4567-489A-BCDE-F0123456789A");
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->str(), "0123abcd-4567-489a-bcde-f0123456789a");
  for (const char* bad :
       {"", "0123abcd4567489abcdef0123456789a", "{0123abcd-4567-489a-bcde-f0123456789a}",
        "0123abcd-4567-489a-bcde-f0123456789", "0123abcd-4567-489a-bcde-f0123456789az",
        "0123abcd_4567-489a-bcde-f0123456789a", "0123abcg-4567-489a-bcde-f0123456789a"}) {
    EXPECT_FALSE(session_id::parse(bad)) << bad;
  }
}

TEST(event_type, names_round_trip) {
  for (int raw = 1; raw <= 18; ++raw) {
    auto type = static_cast<event_type>(raw);
    EXPECT_EQ(event_type_from_string(to_string(type)), type);
  }
  EXPECT_FALSE(event_type_from_string("unknown"));
}

TEST(sha256, known_vectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // 55/56/64 bytes: the padding boundaries.
  EXPECT_EQ(sha256_hex(std::string(55, 'a')),
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(sha256_hex(std::string(56, 'a')),
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(sha256_hex(std::string(64, 'a')),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST(status, names_and_text) {
  EXPECT_STREQ(to_string(errc::wrong_seq), "wrong_seq");
  EXPECT_EQ(status(errc::wrong_seq, "expected seq 5, got 7").to_string(),
            "wrong_seq: expected seq 5, got 7");
  EXPECT_EQ(status().to_string(), "ok");
}

}  // namespace
}  // namespace rooms::eventlog
