/// Black-box tests of the WebSocket errors, close codes and limits (PROTOCOL.md "WebSocket").

#include <thread>

#include "tests/gateway/helpers.hpp"
#include "tests/gateway/raw_socket.hpp"

namespace rooms::gateway::test {
namespace {

class ws_limits : public ::testing::Test {
 protected:
  temp_dir dir_;
};

/// The next `error` message; fails the test when none comes or it has another code.
void expect_error_code(ws_client& ws, const std::string& code, const json& ref = nullptr) {
  auto m = ws.next_of_type("error", 5s);
  ASSERT_TRUE(m) << "no error " << code;
  EXPECT_EQ(m->value("code", ""), code) << *m;
  EXPECT_TRUE((*m)["message"].is_string()) << *m;
  if (!ref.is_null()) {
    EXPECT_EQ((*m)["ref"], ref) << *m;
  }
}

/// A ping answered: the connection is open and the room still serves it.
void expect_alive(ws_client& ws) {
  ws.send({{"type", "ping"}, {"ref", "alive"}});
  auto pong = ws.next_of_type("pong", 5s);
  ASSERT_TRUE(pong) << "the connection should stay open";
  EXPECT_EQ(pong->value("ref", ""), "alive");
}

TEST_F(ws_limits, malformed_messages_answer_bad_json_and_unknown_type) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto ws = ws_client::join_path(server.port(), s.id);
  ws->send_text("this is not json");
  expect_error_code(*ws, "bad_json");
  ws->send_text("[1,2,3]");
  expect_error_code(*ws, "bad_json");
  ws->send_text("\"a string\"");
  expect_error_code(*ws, "bad_json");
  ws->send_binary(R"({"type":"ping"})");
  expect_error_code(*ws, "bad_json");
  ws->send({{"ref", 1}});
  expect_error_code(*ws, "unknown_type", 1);
  ws->send({{"type", 5}, {"ref", 2}});
  expect_error_code(*ws, "unknown_type", 2);
  ws->send({{"type", "dance"}, {"ref", "d"}});
  expect_error_code(*ws, "unknown_type", "d");
  // Before joining, room messages are not_joined; ping works.
  ws->send({{"type", "code_update"}, {"version", 0}, {"updates", json::array()}, {"ref", 3}});
  expect_error_code(*ws, "not_joined", 3);
  ws->send({{"type", "cursor_update"}, {"version", 0}, {"anchor", 0}, {"head", 0}});
  expect_error_code(*ws, "not_joined");
  expect_alive(*ws);
}

TEST_F(ws_limits, a_mistyped_join_field_is_an_error_and_the_room_lives) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  // A room that died would drop alice; one that lives keeps serving her and the stranger.
  auto stranger = ws_client::join_path(server.port(), s.id);
  for (const json& bad : {json{{"type", "join_session"}, {"name", "a"}, {"role", 5}, {"ref", 1}},
                          json{{"type", "join_session"}, {"name", 7}, {"ref", 1}},
                          json{{"type", "join_session"},
                               {"name", json::array({"a"})},
                               {"resumeToken", 3},
                               {"version", "x"},
                               {"ref", 1}}}) {
    stranger->send(bad);
    auto m = stranger->next_of_type("error", 5s);
    ASSERT_TRUE(m) << "no error for " << bad;
    EXPECT_EQ((*m)["ref"], 1) << *m;
  }
  expect_alive(*stranger);
  expect_alive(*alice.ws);
  alice.ws->send(
      {{"type", "code_update"},
       {"version", 0},
       {"updates",
        json::array({{{"clientID", "a"}, {"changes", json::array({json::array({0, "ok"})})}}})}});
  EXPECT_TRUE(alice.ws->next_of_type("code_changed", 5s)) << "the room stopped serving";
  EXPECT_EQ(server.log().find("unhandled exception"), std::string::npos) << server.log();
}

TEST_F(ws_limits, deep_nesting_is_bad_json_and_harmless) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  alice.ws->send_text(std::string(100'000, '['));
  expect_error_code(*alice.ws, "bad_json");
  alice.ws->send_text(std::string(100'000, '[') + std::string(100'000, ']'));
  expect_error_code(*alice.ws, "bad_json");
  std::string objects;
  for (int i = 0; i < 50'000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(50'000, '}');
  alice.ws->send_text(objects);
  expect_error_code(*alice.ws, "bad_json");
  // Deep "changes" inside a well-formed message, too.
  alice.ws->send_text(R"({"type":"code_update","version":0,"updates":[{"clientID":"c","changes":)" +
                      std::string(10'000, '[') + std::string(10'000, ']') + "}]}");
  expect_error_code(*alice.ws, "bad_json");
  expect_alive(*alice.ws);
  EXPECT_EQ(http_call(server.port(), "GET", "/health").status, 200);
}

TEST_F(ws_limits, invalid_changes_apply_nothing) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  ASSERT_TRUE(push(alice, insert_at(0, 0, "abc")));
  // Length does not fit the document (3).
  alice.ws->send(code_update(1, insert_at(5, 0, "x"), "c", "len"));
  expect_error_code(*alice.ws, "invalid_changes", "len");
  // Not a ChangeSet.
  alice.ws->send(code_update(1, json{{"insert", "x"}}, "c", "shape"));
  expect_error_code(*alice.ws, "invalid_changes", "shape");
  alice.ws->send(code_update(1, json::array({-1}), "c", "neg"));
  expect_error_code(*alice.ws, "invalid_changes", "neg");
  // A version ahead of the server's.
  alice.ws->send(code_update(9, insert_at(3, 0, "x"), "c", "ahead"));
  expect_error_code(*alice.ws, "invalid_changes", "ahead");
  // A batch whose second update does not fit: all or nothing.
  json batch = {{"type", "code_update"},
                {"version", 1},
                {"ref", "batch"},
                {"updates", json::array({{{"clientID", "c"}, {"changes", insert_at(3, 3, "d")}},
                                         {{"clientID", "c"}, {"changes", insert_at(3, 3, "e")}}})}};
  alice.ws->send(batch);
  expect_error_code(*alice.ws, "invalid_changes", "batch");
  // An older version is not an error: it is a rejection with the current version.
  alice.ws->send(code_update(0, insert_at(0, 0, "x"), "c", "old"));
  auto rejected = alice.ws->next_of_type("code_update_rejected");
  ASSERT_TRUE(rejected);
  EXPECT_EQ(*rejected, (json{{"type", "code_update_rejected"}, {"version", 1}, {"ref", "old"}}));
  json st = latest_state(server, s);
  EXPECT_EQ(st.value("doc", ""), "abc");
  EXPECT_EQ(st.value("version", 0), 1);
  EXPECT_EQ(events_of(all_events(server, s), "code_changed").size(), 1u);
  // A valid batch of two applies both.
  batch["updates"][1]["changes"] = insert_at(4, 4, "e");
  batch["ref"] = "ok";
  alice.ws->send(batch);
  auto changed = alice.ws->next_of_type("code_changed");
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->value("from", 0), 1);
  EXPECT_EQ((*changed)["updates"].size(), 2u);
  EXPECT_EQ(latest_state(server, s).value("doc", ""), "abcde");
  // pull: the updates after a version.
  alice.ws->send({{"type", "pull"}, {"version", 1}, {"ref", "pull"}});
  auto pulled = alice.ws->next_of_type("code_changed");
  ASSERT_TRUE(pulled);
  EXPECT_EQ(pulled->value("from", 0), 1);
  EXPECT_EQ((*pulled)["updates"], (*changed)["updates"]);
}

TEST_F(ws_limits, a_document_over_max_doc_is_too_large) {
  roomd_process server((dir_.path() / "data").string(), {"--max-doc", "10"});
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  ASSERT_TRUE(push(alice, insert_at(0, 0, "0123456789")));
  alice.ws->send(code_update(1, insert_at(10, 10, "x"), "c", "big"));
  expect_error_code(*alice.ws, "too_large", "big");
  EXPECT_EQ(latest_state(server, s).value("doc", ""), "0123456789");
  // Replacing within the limit is fine.
  ASSERT_TRUE(push(alice, replace_all(10, "short")));
}

TEST_F(ws_limits, flooding_is_rate_limited_then_closed_1008) {
  roomd_process server((dir_.path() / "data").string(),
                       {"--message-rate", "1", "--message-burst", "3"});
  auto s = create_session(server);
  auto ws = ws_client::join_path(server.port(), s.id);
  for (int i = 0; i < 5; ++i) ws->send({{"type", "ping"}, {"ref", i}});
  int pongs = 0, limited = 0;
  for (int i = 0; i < 5; ++i) {
    auto m = ws->next(5s);
    ASSERT_TRUE(m);
    if (m->value("type", "") == "pong") ++pongs;
    if (m->value("type", "") == "error" && m->value("code", "") == "rate_limited") ++limited;
  }
  EXPECT_GE(pongs, 3);
  EXPECT_GE(limited, 1);
  EXPECT_EQ(pongs + limited, 5);
  for (int i = 0; i < 20 && !ws->closed(); ++i) {
    try {
      ws->send({{"type", "ping"}});
    } catch (const std::exception&) {
      break;  // the server already closed
    }
  }
  EXPECT_EQ(ws->wait_closed(5s), 1008);
  EXPECT_GE(metric(server, "rooms_ws_rate_limited_total").value_or(0), 1);
}

TEST_F(ws_limits, join_errors_are_forbidden_and_a_bad_key_closes_4401) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto other = create_session(server);
  {
    auto ws = ws_client::join_path(server.port(), s.id);
    ws->send({{"type", "join_session"},
              {"name", "eve"},
              {"role", "interviewer"},
              {"key", other.key},
              {"ref", "k"}});
    expect_error_code(*ws, "forbidden", "k");
    EXPECT_EQ(ws->wait_closed(5s), 4401);
  }
  {
    auto ws = ws_client::join_path(server.port(), s.id);
    ws->send({{"type", "join_session"}, {"name", "eve"}, {"role", "interviewer"}});
    expect_error_code(*ws, "forbidden");
    EXPECT_EQ(ws->wait_closed(5s), 4401);
  }
  auto ws = ws_client::join_path(server.port(), s.id);
  ws->send({{"type", "join_session"}, {"name", "x"}, {"role", "admin"}});
  expect_error_code(*ws, "forbidden");
  ws->send({{"type", "join_session"}, {"name", std::string(65, 'n')}});
  expect_error_code(*ws, "forbidden");
  ws->send({{"type", "join_session"}, {"name", "ok"}});
  ASSERT_TRUE(ws->next_of_type("session_state"));
  ws->send({{"type", "join_session"}, {"name", "again"}, {"ref", "twice"}});
  expect_error_code(*ws, "forbidden", "twice");
  expect_alive(*ws);
  // Nobody but "ok" joined.
  EXPECT_EQ(events_of(all_events(server, s), "participant_joined").size(), 1u);
}

TEST_F(ws_limits, unknown_sessions_close_4404) {
  roomd_process server((dir_.path() / "data").string());
  auto unknown = ws_client::join_path(server.port(), "3f0e5a48-8a4c-4b43-9d7e-0f0c3c0b8a11");
  EXPECT_EQ(unknown->wait_closed(5s), 4404);
  auto malformed = ws_client::join_path(server.port(), "not-a-session");
  EXPECT_EQ(malformed->wait_closed(5s), 4404);
}

TEST_F(ws_limits, a_socket_that_does_not_join_is_closed_4408) {
  roomd_process server((dir_.path() / "data").string(), {"--join-timeout", "1s"});
  auto s = create_session(server);
  auto idle = ws_client::join_path(server.port(), s.id);
  auto alice = join(server, s.id, "alice");
  EXPECT_EQ(idle->wait_closed(5s), 4408);
  // The joined one started at the same time and stays.
  expect_alive(*alice.ws);
}

TEST_F(ws_limits, a_frame_over_max_message_bytes_closes_1009) {
  roomd_process server((dir_.path() / "data").string(), {"--max-message-bytes", "1024"});
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  alice.ws->send({{"type", "ping"}, {"pad", std::string(900, 'p')}});
  ASSERT_TRUE(alice.ws->next_of_type("pong")) << "a frame under the limit is fine";
  alice.ws->send({{"type", "ping"}, {"pad", std::string(2000, 'p')}});
  EXPECT_EQ(alice.ws->wait_closed(5s), 1009) << alice.ws->close_error();
}

/// What a browser (or Node's `ws`) sees when it sends one oversized frame: it writes the whole
/// frame at full speed, reads the server's close frame, answers it with its own and ends its
/// side (FIN). A TCP reset at any point is a 1006 to such a client, whatever the server sent
/// before: a failed write, or a reset that arrives before the client read the close frame,
/// and the reset's only cause is the server closing with bytes of ours unread.
/// Returns the close code seen, or 1006 (no close frame, or a reset).
int close_code_after_writing_whole_frame(int port, const std::string& session_id,
                                         std::size_t payload_size) {
  raw_socket sock(port);
  if (!sock.upgrade(port, "/ws/" + session_id)) return 0;
  const std::uint8_t mask[4] = {7, 7, 7, 7};
  std::string frame = raw_socket::frame_header(0x1, payload_size, mask);
  frame.append(payload_size, static_cast<char>(' ' ^ 7));
  if (!sock.write_all(frame)) return 1006;
  std::string bytes = sock.leftover;
  std::optional<int> code = raw_socket::close_code_in(bytes);
  bool answered = false;
  pollfd p{sock.fd(), POLLIN, 0};
  for (char buf[65536];;) {
    if (code && !answered) {
      const std::uint8_t close_mask[4] = {1, 2, 3, 4};
      std::string reply = raw_socket::frame_header(0x8, 2, close_mask);
      reply.push_back(static_cast<char>((1009 >> 8) ^ close_mask[0]));
      reply.push_back(static_cast<char>((1009 & 0xFF) ^ close_mask[1]));
      if (!sock.write_all(reply)) return 1006;
      ::shutdown(sock.fd(), SHUT_WR);
      answered = true;
    }
    if (::poll(&p, 1, 10'000) <= 0) return 1006;  // neither a close frame nor the server's FIN
    auto n = ::recv(sock.fd(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return 1006;  // ECONNRESET
    if (n == 0) return code.value_or(1006);
    bytes.append(buf, static_cast<std::size_t>(n));
    if (!code) code = raw_socket::close_code_in(bytes);
  }
}

TEST_F(ws_limits, a_whole_oversized_frame_written_at_full_speed_sees_1009) {
  roomd_process server((dir_.path() / "data").string());  // --max-message-bytes 1 MiB
  auto s = create_session(server);
  for (std::size_t size : {std::size_t{1'100'000}, std::size_t{20} << 20}) {
    int got_1009 = 0;
    for (int run = 0; run < 20; ++run) {
      int code = close_code_after_writing_whole_frame(server.port(), s.id, size);
      EXPECT_EQ(code, 1009) << "run " << run << ", " << size << " bytes";
      got_1009 += code == 1009;
    }
    RecordProperty("got_1009_of_20_at_" + std::to_string(size), got_1009);
  }
  EXPECT_EQ(http_call(server.port(), "GET", "/health").status, 200);
}

/// Streams an oversized frame (announcing 1 TiB) in `chunk`-byte writes `pause` apart until the
/// server stops taking it (or 60 s); returns the bytes written, how long the server took them,
/// and the close code read.
struct endless_sender_result {
  std::uint64_t streamed = 0;
  std::chrono::milliseconds held{0};
  int close_code = 0;
};
endless_sender_result send_endlessly(int port, const std::string& session_id,
                                     std::size_t chunk_size, std::chrono::milliseconds pause) {
  endless_sender_result r;
  raw_socket sock(port);
  if (!sock.upgrade(port, "/ws/" + session_id)) return r;
  const std::uint8_t mask[4] = {7, 7, 7, 7};
  if (!sock.write_all(raw_socket::frame_header(0x1, 1ull << 40, mask))) return r;
  const std::string chunk(chunk_size, static_cast<char>(' ' ^ 7));
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 60s && sock.write_all(chunk)) {
    r.streamed += chunk.size();
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
  }
  r.held = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
  std::string bytes = sock.leftover;
  while (!raw_socket::close_code_in(bytes) && sock.read_some(bytes, 1s) > 0) {
  }
  r.close_code = raw_socket::close_code_in(bytes).value_or(0);
  return r;
}

/// The drain after the close frame is bounded: a client that never stops sending is cut, by
/// the byte bound when it sends fast, by the time bound when it trickles.
TEST_F(ws_limits, a_client_that_never_stops_sending_is_cut_after_the_1009) {
  roomd_process server((dir_.path() / "data").string());
  auto s = create_session(server);
  auto fast = send_endlessly(server.port(), s.id, 64 << 10, 0ms);
  EXPECT_EQ(fast.close_code, 1009);
  EXPECT_LT(fast.held, 30s) << "the server kept reading " << fast.streamed << " bytes";
  EXPECT_LT(fast.streamed, 200ull << 20);
  auto slow = send_endlessly(server.port(), s.id, 1024, 10ms);
  EXPECT_EQ(slow.close_code, 1009);
  EXPECT_LT(slow.held, 30s) << "the server kept reading " << slow.streamed << " bytes";
  EXPECT_EQ(http_call(server.port(), "GET", "/health").status, 200);
  RecordProperty("fast_streamed_bytes", std::to_string(fast.streamed));
  RecordProperty("fast_held_ms", static_cast<int>(fast.held.count()));
  RecordProperty("slow_streamed_bytes", std::to_string(slow.streamed));
  RecordProperty("slow_held_ms", static_cast<int>(slow.held.count()));
}

TEST_F(ws_limits, foreign_origins_are_refused_unless_allowed) {
  roomd_process server((dir_.path() / "data").string(),
                       {"--allowed-origin", "https://rooms.example"});
  auto s = create_session(server);
  auto [status, body] = rooms::testing::upgrade_status(server.port(), "/ws/" + s.id,
                                                       with_origin("https://evil.example"));
  EXPECT_EQ(status, 403) << body;
  EXPECT_THROW(ws_client(server.port(), "/ws/" + s.id, with_origin("http://127.0.0.1:1")),
               rooms::testing::ws_refused);
  EXPECT_EQ(rooms::testing::upgrade_status(server.port(), "/ws/" + s.id,
                                           with_origin("https://rooms.example"))
                .first,
            101);
  EXPECT_EQ(metric(server, "rooms_ws_origin_rejected_total"), 2);
  // The server's own origin, an allowed one, and no Origin at all (not a browser) are accepted.
  for (const std::string& origin : {"http://127.0.0.1:" + std::to_string(server.port()),
                                    std::string("https://rooms.example"), std::string()}) {
    auto p = join(server, s.id, "p", "candidate", "", with_origin(origin));
    EXPECT_FALSE(p.id.empty()) << origin;
  }
}

TEST_F(ws_limits, a_slow_consumer_is_closed_1008_while_a_fast_one_keeps_receiving) {
  roomd_process server((dir_.path() / "data").string(), {"--max-send-queue", "8", "--message-rate",
                                                         "10000", "--message-burst", "10000"});
  auto s = create_session(server);
  auto fast = join(server, s.id, "fast");
  // The slow one joins, then never reads again: its socket buffers fill, then its queue.
  auto slow = join(server, s.id, "slow", "candidate", "", with_receive_buffer(4096));
  ASSERT_FALSE(slow.id.empty());
  const std::string big(64 << 10, 'x');
  std::size_t pushes = 0;
  bool closed_slow = false;
  for (; pushes < 400 && !closed_slow; ++pushes) {
    std::string text = big;
    text[0] = static_cast<char>('a' + pushes % 26);
    ASSERT_TRUE(push(fast, replace_all(fast.doc.size(), text)))
        << "push " << pushes << " was not acknowledged";
    closed_slow = metric(server, "rooms_ws_slow_consumers_closed_total").value_or(0) >= 1;
  }
  ASSERT_TRUE(closed_slow) << "the slow consumer was never closed after " << pushes << " pushes";
  // Reading again, the slow one finds what was in flight, then the close frame.
  EXPECT_EQ(slow.ws->wait_closed(10s), 1008);
  // The room goes on for the fast one.
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(push(fast, replace_all(fast.doc.size(), "after " + std::to_string(i))));
  EXPECT_EQ(latest_state(server, s).value("doc", ""), "after 2");
  RecordProperty("pushes_until_closed", static_cast<int>(pushes));
}

}  // namespace
}  // namespace rooms::gateway::test
