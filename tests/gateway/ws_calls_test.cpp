/// Black-box tests of calls (PROTOCOL.md "Calls") through a real roomd: call_signal is relayed
/// to the addressed participant of the same room only, bounded in size and rate and never
/// logged; call_state is logged and shown; leaving the room ends the call; /api/ice-servers
/// hands out TURN REST credentials.

#include <string>

#include "base/hex.hpp"
#include "base/secrets.hpp"
#include "tests/gateway/helpers.hpp"

namespace rooms::gateway::test {
namespace {

class ws_calls : public ::testing::Test {
 protected:
  temp_dir dir_;
};

/// Sends a ping with `ref` and collects everything up to its pong (the room answers in order).
std::vector<json> until_pong(participant& p, const std::string& ref) {
  p.ws->send({{"type", "ping"}, {"ref", ref}});
  std::vector<json> seen;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = p.ws->next(1s);
    if (!m) continue;
    if (m->value("type", "") == "pong" && m->value("ref", "") == ref) return seen;
    seen.push_back(*m);
  }
  ADD_FAILURE() << "no pong " << ref;
  return seen;
}

std::vector<json> of_type(const std::vector<json>& frames, const std::string& type) {
  return events_of(frames, type);
}

json signal_to(const std::string& to, json signal, json ref = nullptr) {
  json m = {{"type", "call_signal"}, {"to", to}, {"signal", std::move(signal)}};
  if (!ref.is_null()) m["ref"] = ref;
  return m;
}

TEST_F(ws_calls, a_signal_reaches_only_the_addressed_participant_of_the_same_room) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto other_room = create_session(server);
  auto alice = join(server, s.id, "alice");
  auto bob = join(server, s.id, "bob", "interviewer", s.key);
  auto carol = join(server, s.id, "carol");
  auto dave = join(server, other_room.id, "dave");

  const json offer = {{"description", {{"type", "offer"}, {"sdp", "v=0\r\n..."}}}};
  alice.ws->send(signal_to(bob.id, offer));
  auto got = bob.ws->next_of_type("call_signal");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->value("from", ""), alice.id);
  EXPECT_EQ((*got)["signal"], offer) << "relayed unchanged";
  EXPECT_FALSE(got->contains("to"));
  EXPECT_TRUE(of_type(until_pong(carol, "c"), "call_signal").empty()) << "not to a third";
  EXPECT_TRUE(of_type(until_pong(alice, "a"), "call_signal").empty()) << "not back to the sender";

  // Another room's participant, an unknown id, and oneself: refused, relayed to nobody.
  for (const auto& to : {dave.id, std::string("p_0000000000000000"), alice.id}) {
    alice.ws->send(signal_to(to, offer, "r"));
    auto err = alice.ws->next_of_type("error");
    ASSERT_TRUE(err) << to;
    EXPECT_EQ(err->value("code", ""), "forbidden") << *err;
    EXPECT_EQ(err->value("ref", ""), "r");
  }
  EXPECT_TRUE(of_type(until_pong(dave, "d"), "call_signal").empty());
  EXPECT_TRUE(of_type(until_pong(bob, "b"), "call_signal").empty());

  // Malformed: the protocol's error, nothing relayed.
  for (const json& bad :
       {json{{"type", "call_signal"}, {"to", bob.id}},
        json{{"type", "call_signal"}, {"to", bob.id}, {"signal", "sdp"}},
        json{{"type", "call_signal"}, {"to", 7}, {"signal", json::object()}},
        json{{"type", "call_signal"}, {"to", "a b"}, {"signal", json::object()}}}) {
    alice.ws->send(bad);
    auto err = alice.ws->next_of_type("error");
    ASSERT_TRUE(err) << bad;
    EXPECT_EQ(err->value("code", ""), "invalid_changes") << bad;
  }
  EXPECT_TRUE(of_type(until_pong(bob, "b2"), "call_signal").empty());

  // Never logged: the log has no trace of any signal.
  for (const auto& e : all_events(server, s)) EXPECT_NE(e.value("type", ""), "call_signal") << e;
}

TEST_F(ws_calls, a_signal_over_64_kib_is_too_large_and_one_under_is_relayed) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  auto bob = join(server, s.id, "bob");
  // {"sdp":"xxx..."}: 10 bytes of JSON around the string.
  alice.ws->send(signal_to(bob.id, {{"sdp", std::string((64u << 10) - 10, 'x')}}));
  auto fits = bob.ws->next_of_type("call_signal");
  ASSERT_TRUE(fits) << "exactly 64 KiB is allowed";
  alice.ws->send(signal_to(bob.id, {{"sdp", std::string((64u << 10) - 9, 'x')}}, "big"));
  auto err = alice.ws->next_of_type("error");
  ASSERT_TRUE(err);
  EXPECT_EQ(err->value("code", ""), "too_large");
  EXPECT_EQ(err->value("ref", ""), "big");
  EXPECT_TRUE(of_type(until_pong(bob, "b"), "call_signal").empty());
}

TEST_F(ws_calls, a_flood_of_signals_is_rate_limited_per_participant) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  auto bob = join(server, s.id, "bob");
  auto carol = join(server, s.id, "carol");
  // 190 at once: under the gateway's per-connection burst (200), over the room's call
  // burst (120): the room answers the rest rate_limited and relays nothing of them.
  constexpr int sent = 190;
  for (int i = 0; i < sent; ++i) alice.ws->send(signal_to(bob.id, {{"i", i}}));
  auto to_alice = until_pong(alice, "a");
  auto refused = of_type(to_alice, "error");
  ASSERT_FALSE(refused.empty());
  for (const auto& e : refused) EXPECT_EQ(e.value("code", ""), "rate_limited") << e;
  auto relayed = of_type(until_pong(bob, "b"), "call_signal");
  EXPECT_EQ(relayed.size() + refused.size(), static_cast<std::size_t>(sent));
  EXPECT_GE(relayed.size(), 120u) << "the burst passes";
  EXPECT_LT(relayed.size(), 170u) << "the flood does not";
  // The bucket is alice's: carol, who sent nothing, still signals.
  carol.ws->send(signal_to(bob.id, {{"hello", true}}));
  auto from_carol = bob.ws->next_of_type("call_signal");
  ASSERT_TRUE(from_carol);
  EXPECT_EQ(from_carol->value("from", ""), carol.id);
}

TEST_F(ws_calls, call_state_is_logged_shown_and_ended_by_leaving_the_room) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  auto bob = join(server, s.id, "bob", "interviewer", s.key);

  alice.ws->send({{"type", "call_state"}, {"audio", true}, {"video", true}, {"ref", 1}});
  auto mine = alice.ws->next_of_type("call_state_changed");
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->value("ref", 0), 1);
  auto theirs = bob.ws->next_of_type("call_state_changed");
  ASSERT_TRUE(theirs);
  EXPECT_EQ(theirs->value("participantId", ""), alice.id);
  EXPECT_TRUE(theirs->value("audio", false));
  EXPECT_TRUE(theirs->value("video", false));
  EXPECT_FALSE(theirs->contains("ref"));

  // Muted with the camera off, still in the call.
  alice.ws->send({{"type", "call_state"}, {"audio", false}, {"video", false}, {"joined", true}});
  auto muted = bob.ws->next_of_type("call_state_changed");
  ASSERT_TRUE(muted);
  EXPECT_FALSE(muted->value("audio", true));
  EXPECT_TRUE(muted->value("joined", false));
  auto state = latest_state(server, s);
  ASSERT_TRUE(state["calls"].contains(alice.id)) << state;
  EXPECT_EQ(state["calls"][alice.id], (json{{"audio", false}, {"video", false}}));

  // A repeat is answered but not logged; bad input changes nothing.
  alice.ws->send({{"type", "call_state"}, {"audio", false}, {"video", false}, {"joined", true}});
  ASSERT_TRUE(alice.ws->next_of_type("call_state_changed"));
  for (const json& bad :
       {json{{"type", "call_state"}, {"audio", true}},
        json{{"type", "call_state"}, {"audio", 1}, {"video", false}},
        json{{"type", "call_state"}, {"audio", true}, {"video", false}, {"joined", false}}}) {
    alice.ws->send(bad);
    auto err = alice.ws->next_of_type("error");
    ASSERT_TRUE(err) << bad;
    EXPECT_EQ(err->value("code", ""), "invalid_changes") << bad;
  }

  // A newcomer learns who is in the call from session_state.
  auto carol = join(server, s.id, "carol");
  ASSERT_TRUE(carol.state["calls"].contains(alice.id)) << carol.state;

  // Leaving the room ends the call: logged before the leave, told to the others.
  alice.ws->close();
  auto ended = bob.ws->next_of_type("call_state_changed");
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->value("participantId", ""), alice.id);
  EXPECT_FALSE(ended->value("joined", true));
  ASSERT_TRUE(bob.ws->next_of_type("participant_left"));
  EXPECT_TRUE(latest_state(server, s)["calls"].empty());

  auto events = all_events(server, s);
  auto calls = events_of(events, "call_state_changed");
  ASSERT_EQ(calls.size(), 3u) << "joined, muted, ended (the repeat is not logged)";
  EXPECT_TRUE(calls[0].value("audio", false));
  EXPECT_TRUE(calls[1].value("joined", false));
  EXPECT_FALSE(calls[2].value("audio", true));
  EXPECT_FALSE(calls[2].value("joined", true));
  auto left = events_of(events, "participant_left");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(calls[2].value("seq", 0) + 1, left[0].value("seq", 0));
  for (const auto& e : events) EXPECT_NE(e.value("type", ""), "call_signal");

  // The fold at each seq agrees: in the call after the first, out after the last.
  auto at = [&](std::uint64_t seq) {
    auto r =
        http_call(server.port(), "GET",
                  "/api/sessions/" + s.id + "/state?seq=" + std::to_string(seq), "", bearer(s.key));
    return body_of(r)["calls"];
  };
  EXPECT_TRUE(at(calls[0].value("seq", 0u)).contains(alice.id));
  EXPECT_TRUE(at(calls[0].value("seq", 0u) - 1).empty());
  EXPECT_TRUE(at(calls[2].value("seq", 0u)).empty());
}

TEST_F(ws_calls, a_restarted_room_still_knows_who_is_in_the_call) {
  std::string data = (dir_.path() / "data").string();
  session s;
  std::string alice_id;
  {
    roomd_process server(data, {"--snapshot-every", "2"});
    s = create_session(server);
    auto alice = join(server, s.id, "alice");
    alice_id = alice.id;
    alice.ws->send({{"type", "call_state"}, {"audio", true}, {"video", false}});
    ASSERT_TRUE(alice.ws->next_of_type("call_state_changed"));
    alice.ws->send({{"type", "cursor_update"}, {"version", 0}, {"anchor", 0}, {"head", 0}});
    until_pong(alice, "x");
    alice.ws->drop();
  }
  roomd_process server(data);
  auto calls = latest_state(server, s)["calls"];
  ASSERT_TRUE(calls.contains(alice_id)) << calls;
  EXPECT_EQ(calls[alice_id], (json{{"audio", true}, {"video", false}}));
}

TEST_F(ws_calls, the_pages_may_use_their_own_camera_and_microphone_and_no_one_elses) {
  roomd_process server((dir_.path() / "data").string());
  auto r = http_call(server.port(), "GET", "/api/runtimes");
  EXPECT_EQ(r.header("Permissions-Policy"), "camera=(self), microphone=(self), geolocation=()");
}

TEST(base_secrets, hmac_sha1_and_base64_match_their_rfc_vectors) {
  // RFC 2202 test case 2 and RFC 4648 section 10.
  EXPECT_EQ(base::to_hex(base::hmac_sha1("Jefe", "what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(base::base64(""), "");
  EXPECT_EQ(base::base64("f"), "Zg==");
  EXPECT_EQ(base::base64("fo"), "Zm8=");
  EXPECT_EQ(base::base64("foobar"), "Zm9vYmFy");
}

TEST_F(ws_calls, ice_servers_hand_out_turn_rest_credentials) {
  {
    roomd_process plain((dir_.path() / "plain").string());
    auto r = http_call(plain.port(), "GET", "/api/ice-servers");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(body_of(r), (json{{"iceServers", json::array()}}));
  }
  roomd_process server((dir_.path() / "data").string(),
                       {"--turn-url", "stun:127.0.0.1:3478", "--turn-url",
                        "turn:127.0.0.1:3478?transport=udp", "--turn-secret", "s3cret"});
  auto no_session = http_call(server.port(), "GET", "/api/ice-servers");
  EXPECT_EQ(no_session.status, 400) << no_session.body;
  auto unknown = http_call(server.port(), "GET",
                           "/api/ice-servers?sessionId=00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(unknown.status, 404) << unknown.body;

  auto s = create_session(server);
  auto before = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto r = http_call(server.port(), "GET", "/api/ice-servers?sessionId=" + s.id);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = body_of(r);
  ASSERT_EQ(j["iceServers"].size(), 2u) << j;
  EXPECT_EQ(j["iceServers"][0], (json{{"urls", {"stun:127.0.0.1:3478"}}}));
  const auto& turn = j["iceServers"][1];
  EXPECT_EQ(turn["urls"], (json{"turn:127.0.0.1:3478?transport=udp"}));
  const std::string username = turn.value("username", "");
  auto colon = username.find(':');
  ASSERT_NE(colon, std::string::npos) << username;
  const auto expiry = std::stoll(username.substr(0, colon));
  EXPECT_GE(expiry, before + 3600);
  EXPECT_LE(expiry, before + 3600 + 60);
  EXPECT_EQ(j.value("expiresAt", std::int64_t{0}), expiry * 1000);
  EXPECT_EQ(turn.value("credential", ""), base::base64(base::hmac_sha1("s3cret", username)));
  EXPECT_EQ(r.body.find("s3cret"), std::string::npos) << "the secret never leaves roomd";
  auto again = body_of(http_call(server.port(), "GET", "/api/ice-servers?sessionId=" + s.id));
  EXPECT_NE(again["iceServers"][1].value("username", ""), username) << "fresh every time";
}

}  // namespace
}  // namespace rooms::gateway::test
