/// Floods against a real roomd (issue #11): a message flood in a busy room, thousands of sockets
/// that never join, a 100 MB frame, a session-creation flood, and slowloris HTTP clients.
/// Figures (RecordProperty, and docs/reliability.md "Floods") come from these tests.

#include <atomic>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <thread>

#include "tests/gateway/helpers.hpp"
#include "tests/gateway/raw_socket.hpp"

namespace rooms::gateway::test {
namespace {

class flood : public ::testing::Test {
 protected:
  std::string data() const { return (dir_.path() / "data").string(); }
  temp_dir dir_;
};

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

/// Polls until roomd's open descriptors drop to `at_most`; the last count seen.
int wait_fds_at_most(pid_t pid, int at_most, std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  int n = open_fds(pid);
  while (n > at_most && clock_type::now() < deadline) {
    std::this_thread::sleep_for(100ms);  // polling an observable, not timing the server
    n = open_fds(pid);
  }
  return n;
}

/// A fresh participant joins, types, and is echoed: the server serves normal clients.
void expect_normal_client_works(const roomd_process& server) {
  ASSERT_EQ(http_call(server.port(), "GET", "/health").status, 200);
  auto s = create_session(server);
  auto p = join(server, s.id, "after");
  ASSERT_FALSE(p.id.empty());
  EXPECT_TRUE(push(p, insert_at(0, 0, "still here")));
}

// a. One client floods at 10,000 messages/s and reads everything it is sent (so it is not a slow
// consumer); the others in its room keep editing, unaffected.
TEST_F(flood, a_flooding_client_is_rate_limited_and_closed_while_its_room_goes_on) {
  roomd_process server(data());  // default limits: 60 messages/s, burst 200
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  auto bob = join(server, s.id, "bob");

  raw_socket flooder(server.port());
  ASSERT_TRUE(flooder.upgrade(server.port(), "/ws/" + s.id));
  std::string received = flooder.leftover;
  ASSERT_TRUE(
      flooder.write_all(raw_socket::text_frame(R"({"type":"join_session","name":"flooder"})")));
  ASSERT_TRUE(flooder.read_until(received, "session_state", 10s));

  std::atomic<bool> flooding{true};
  long sent = 0;
  double flood_seconds = 0, closed_seconds = 0;
  bool write_failed = false;
  std::thread flood_thread([&] {
    const std::string frame = raw_socket::text_frame(
        json{{"type", "cursor_update"}, {"version", 0}, {"anchor", 0}, {"head", 0}}.dump());
    std::string batch;
    for (int i = 0; i < 100; ++i) batch += frame;
    auto t0 = clock_type::now();
    // 100 frames every 10 ms for up to 2 s, reading whatever the server sends in between.
    for (int tick = 0; tick < 200; ++tick) {
      if (!flooder.write_all(batch)) {
        write_failed = true;
        break;
      }
      sent += 100;
      auto next = t0 + std::chrono::milliseconds(10 * (tick + 1));
      while (clock_type::now() < next) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - clock_type::now());
        if (flooder.read_some(received, std::max(left, 1ms)) == 0) break;
      }
      if (raw_socket::close_code_in(
              received.substr(received.size() > 4096 ? received.size() - 4096 : 0)) ||
          received.find("message flood") != std::string::npos)
        break;
    }
    flood_seconds = seconds_since(t0);
    // Until the close frame (or the TCP close) arrives.
    auto deadline = clock_type::now() + 10s;
    while (!raw_socket::close_code_in(received) && clock_type::now() < deadline)
      if (flooder.read_some(received, 1s) == 0) break;
    closed_seconds = seconds_since(t0);
    flooder.close();
    flooding = false;
  });

  // Meanwhile alice and bob take turns, each typing 20 characters a second (well within their
  // own rate limit): each edit is acknowledged and reaches the other.
  int rounds = 0;
  bool ok = true;
  while (ok && (flooding || rounds < 10)) {
    std::this_thread::sleep_for(50ms);  // typing pace of the bystanders, not a timing assertion
    ok = push(alice, insert_at(alice.doc.size(), alice.doc.size(), "a")) && bob.follow(10s) &&
         push(bob, insert_at(bob.doc.size(), bob.doc.size(), "b")) && alice.follow(10s);
    if (ok) ++rounds;
  }
  flood_thread.join();
  ASSERT_TRUE(ok) << "an edit of alice or bob was lost after " << rounds << " rounds";
  EXPECT_FALSE(alice.ws->closed()) << alice.ws->close_error();
  EXPECT_FALSE(bob.ws->closed()) << bob.ws->close_error();
  EXPECT_EQ(alice.text(), bob.text());
  EXPECT_EQ(latest_state(server, s).value("doc", ""), alice.text());

  long limited = 0;
  for (std::size_t pos = 0; (pos = received.find("\"rate_limited\"", pos)) != std::string::npos;
       ++pos)
    ++limited;
  EXPECT_GE(sent, 200) << "the flood did not get going";
  EXPECT_GE(limited, 1) << "no rate_limited error before the close";
  EXPECT_EQ(raw_socket::close_code_in(received).value_or(0), 1008) << "the flooder was not closed";
  EXPECT_NE(received.find("message flood"), std::string::npos)
      << "closed as a flood, not as a slow consumer";
  EXPECT_LT(sent, 20'000) << "the flood went on for the whole 2 s";
  EXPECT_GE(metric(server, "rooms_ws_rate_limited_total").value_or(0),
            static_cast<double>(limited));
  // What was accepted from the flooder is bounded by the bucket (burst 200 + 60/s), not its rate.
  auto cursors = events_of(all_events(server, s), "cursor_moved");
  EXPECT_LE(cursors.size(), 200u + 60u * static_cast<std::size_t>(closed_seconds + 1));
  expect_normal_client_works(server);
  RecordProperty("flood_sent", static_cast<int>(sent));
  RecordProperty("flood_seconds", std::to_string(flood_seconds));
  RecordProperty("flood_closed_after_seconds", std::to_string(closed_seconds));
  RecordProperty("flood_write_failed", write_failed ? 1 : 0);
  RecordProperty("flood_rate_limited_errors", static_cast<int>(limited));
  RecordProperty("flood_accepted_cursor_moves", static_cast<int>(cursors.size()));
  RecordProperty("others_edit_rounds", rounds);
}

// b. 5,000 sockets that upgrade and never join are all reaped by the join timeout.
TEST_F(flood, five_thousand_sockets_that_never_join_are_reaped) {
  constexpr int sockets = 5000;
  ASSERT_GE(raise_fd_limit(sockets + 1000), sockets + 200) << "not enough descriptors for the test";
  roomd_process server(data(), {"--join-timeout", "2s"});  // roomd inherits the raised limit
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  const int baseline = open_fds(server.pid());

  std::vector<raw_socket> idle(sockets);
  auto t0 = clock_type::now();
  int upgraded = 0, peak = baseline;
  for (auto& sock : idle) {
    if (!sock.connect(server.port())) break;
    if (!sock.upgrade(server.port(), "/ws/" + s.id)) break;
    if (++upgraded % 250 == 0) peak = std::max(peak, open_fds(server.pid()));
  }
  const double open_seconds = seconds_since(t0);
  ASSERT_EQ(upgraded, sockets);
  // (Opening takes longer than the join timeout: the first ones are reaped while the last open.)
  // The room is unaffected by thousands of strangers.
  ASSERT_TRUE(push(alice, insert_at(0, 0, "x")));

  // Every one gets the 4408 close frame (or, at worst, the TCP close); we then hang up.
  int got_4408 = 0, other_close = 0, silent = 0;
  auto t_close = clock_type::now();
  for (auto& sock : idle) {
    std::string bytes = sock.leftover;
    auto deadline = clock_type::now() + 30s;
    std::optional<int> code = raw_socket::close_code_in(bytes);
    bool eof = false;
    while (!code && !eof && clock_type::now() < deadline) {
      auto n = sock.read_some(bytes, 1s);
      eof = n == 0;
      code = raw_socket::close_code_in(bytes);
    }
    if (code == 4408)
      ++got_4408;
    else if (code || eof)
      ++other_close;
    else
      ++silent;
    sock.close();
  }
  const double reaped_seconds = seconds_since(t_close);
  EXPECT_EQ(silent, 0) << "sockets still open well after the join timeout";
  EXPECT_EQ(got_4408 + other_close, sockets);
  EXPECT_GE(got_4408, sockets * 9 / 10) << "most should get the documented 4408";
  const int after = wait_fds_at_most(server.pid(), baseline + 20, 30s);
  EXPECT_LE(after, baseline + 20) << "roomd kept descriptors of closed sockets (baseline "
                                  << baseline << ")";
  // A closed socket's session ends once its close handshake drains (bounded at 2 s), so the last
  // ones may still be counted for a moment.
  auto connections = metric(server, "rooms_ws_connections").value_or(-1);
  for (auto until = clock_type::now() + 5s; connections != 1 && clock_type::now() < until;) {
    std::this_thread::sleep_for(50ms);
    connections = metric(server, "rooms_ws_connections").value_or(-1);
  }
  EXPECT_EQ(connections, 1) << "only alice is left";
  ASSERT_TRUE(push(alice, insert_at(1, 1, "y")));
  expect_normal_client_works(server);
  RecordProperty("open_seconds", std::to_string(open_seconds));
  RecordProperty("reaped_seconds_after_open", std::to_string(reaped_seconds));
  RecordProperty("fds_baseline", baseline);
  RecordProperty("fds_peak", peak);
  RecordProperty("fds_after", after);
  RecordProperty("closed_4408", got_4408);
}

// c. A frame announcing 100 MB is refused at its header: close 1009, nothing buffered.
TEST_F(flood, a_100_mb_frame_is_refused_with_1009_without_being_buffered) {
  roomd_process server(data());  // --max-message-bytes 1 MiB
  auto s = create_session(server);
  auto alice = join(server, s.id, "alice");
  raw_socket sock(server.port());
  ASSERT_TRUE(sock.upgrade(server.port(), "/ws/" + s.id));
  ASSERT_TRUE(sock.write_all(raw_socket::text_frame(R"({"type":"join_session","name":"big"})")));
  std::string bytes = sock.leftover;
  ASSERT_TRUE(sock.read_until(bytes, "session_state", 10s)) << "the big sender joins first";

  const long rss_before = proc_status_kib(server.pid(), "VmRSS");
  const long hwm_before = proc_status_kib(server.pid(), "VmHWM");
  const std::uint64_t announced = 100ull << 20;
  const std::uint8_t mask[4] = {1, 2, 3, 4};
  ASSERT_TRUE(sock.write_all(raw_socket::frame_header(0x1, announced, mask)));
  // Stream the payload (masked spaces) until the server stops taking it or all is sent.
  std::string chunk(64 << 10, ' ');
  for (std::size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>(' ' ^ mask[i % 4]);
  std::uint64_t streamed = 0;
  long rss_peak = rss_before;
  while (streamed < announced && sock.write_all(chunk)) {
    streamed += chunk.size();
    if ((streamed & ((4u << 20) - 1)) == 0)
      rss_peak = std::max(rss_peak, proc_status_kib(server.pid(), "VmRSS"));
  }
  bytes.clear();
  std::optional<int> code;
  auto deadline = clock_type::now() + 15s;
  while (!code && clock_type::now() < deadline) {
    if (sock.read_some(bytes, 1s) == 0) break;
    code = raw_socket::close_code_in(bytes);
  }
  code = code ? code : raw_socket::close_code_in(bytes);
  EXPECT_EQ(code.value_or(0), 1009) << "streamed " << streamed << " bytes";
  const long rss_after = proc_status_kib(server.pid(), "VmRSS");
  const long hwm_after = proc_status_kib(server.pid(), "VmHWM");
  rss_peak = std::max(rss_peak, rss_after);
  // Buffering the frame would cost 100 MB; refusing it at its header costs nothing of the kind.
  EXPECT_LT(rss_peak - rss_before, 20 * 1024)
      << "VmRSS " << rss_before << " -> peak " << rss_peak << " KiB";
  EXPECT_LT(hwm_after - hwm_before, 20 * 1024)
      << "VmHWM " << hwm_before << " -> " << hwm_after << " KiB";
  // The room and its other participant are fine.
  EXPECT_TRUE(push(alice, insert_at(0, 0, "fine")));
  expect_normal_client_works(server);
  RecordProperty("streamed_bytes", std::to_string(streamed));
  RecordProperty("rss_growth_kib", static_cast<int>(rss_peak - rss_before));
  RecordProperty("hwm_growth_kib", static_cast<int>(hwm_after - hwm_before));
}

// d. Session creation as fast as one address can: the bucket (30/min) holds; the admin bypasses.
TEST_F(flood, a_session_creation_flood_from_one_address_is_rate_limited) {
  roomd_process server(data());  // --create-per-minute 30
  constexpr int requests = 1000;
  std::atomic<int> created{0}, limited{0}, other{0};
  auto t0 = clock_type::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < requests / 4; ++i) {
        try {
          auto r = http_call(server.port(), "POST", "/api/sessions");
          if (r.status == 201)
            ++created;
          else if (r.status == 429)
            ++limited;
          else
            ++other;
        } catch (const std::exception&) {
          ++other;
        }
      }
    });
  for (auto& t : threads) t.join();
  const double seconds = seconds_since(t0);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(created + limited, requests);
  // A full bucket of 30, plus at most one token per 2 s of the run.
  EXPECT_GE(created.load(), 30);
  EXPECT_LE(created.load(), 30 + static_cast<int>(seconds / 2) + 1) << "in " << seconds << " s";
  EXPECT_GE(limited.load(), requests - 30 - static_cast<int>(seconds / 2) - 1);
  // The admin token bypasses the limit even now.
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(
        http_call(server.port(), "POST", "/api/sessions", "", bearer(server.admin_token())).status,
        201);
  // Exactly what was answered 201 exists.
  auto list = http_call(server.port(), "GET", "/api/admin/sessions?limit=1000", "",
                        bearer(server.admin_token()));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(body_of(list)["sessions"].size(), static_cast<std::size_t>(created + 20));
  EXPECT_EQ(http_call(server.port(), "GET", "/health").status, 200);
  RecordProperty("requests_per_s", static_cast<int>(requests / seconds));
  RecordProperty("created", created.load());
  RecordProperty("refused_429", limited.load());
}

// e. Slowloris: header bytes dribbled forever are cut by --header-timeout; 500 such
// connections at once do not stop a normal request.
TEST_F(flood, slowloris_clients_are_cut_by_the_header_timeout) {
  ASSERT_GE(raise_fd_limit(2000), 1000);
  roomd_process server(data(), {"--header-timeout", "1s"});
  const int baseline = open_fds(server.pid());
  {
    // One byte every 100 ms, never finishing: still cut, the deadline is per request, not per byte.
    raw_socket slow(server.port());
    const std::string partial =
        "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    auto t0 = clock_type::now();
    bool cut = false;
    std::string got;
    for (char c : partial) {
      if (!slow.write_all(&c, 1)) {
        cut = true;
        break;
      }
      if (slow.read_some(got, 100ms) == 0) {
        cut = true;
        break;
      }
    }
    if (!cut) cut = slow.read_until_eof(got, 10s);
    const double held = seconds_since(t0);
    EXPECT_TRUE(cut) << "a dribbling client was never disconnected";
    EXPECT_EQ(got.find("200 OK"), std::string::npos) << got;
    RecordProperty("dribbler_held_seconds", std::to_string(held));
  }
  // 500 connections that sent half a header each.
  constexpr int count = 500;
  std::vector<raw_socket> slow(count);
  for (auto& s : slow) {
    ASSERT_TRUE(s.connect(server.port()));
    ASSERT_TRUE(s.write_all("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a"));
  }
  // While they hang, a normal client is served.
  auto t_normal = clock_type::now();
  EXPECT_EQ(http_call(server.port(), "GET", "/health").status, 200);
  const double normal_seconds = seconds_since(t_normal);
  auto s = create_session(server);
  EXPECT_FALSE(s.id.empty());
  // Then every one of them is disconnected by the timeout.
  auto t0 = clock_type::now();
  int cut = 0;
  for (auto& sock : slow) {
    std::string got;
    if (sock.read_until_eof(got, 15s) && got.find("200 OK") == std::string::npos) ++cut;
    sock.close();
  }
  const double cut_seconds = seconds_since(t0);
  EXPECT_EQ(cut, count);
  EXPECT_LE(wait_fds_at_most(server.pid(), baseline + 10, 15s), baseline + 10);
  expect_normal_client_works(server);
  RecordProperty("normal_request_seconds_during", std::to_string(normal_seconds));
  RecordProperty("all_cut_within_seconds", std::to_string(cut_seconds));
}

// Descriptor exhaustion: roomd under a 256-descriptor limit (prlimit), 400 connections. Accepting
// fails with EMFILE; roomd must neither spin on it nor stay broken once descriptors are free.
TEST_F(flood, running_out_of_descriptors_neither_spins_nor_sticks) {
  auto server = std::make_unique<roomd_process>(data());
  // Lower the running roomd's limit (it took its hard limit at start): 256, soft and hard.
  rlimit low{256, 256};
  ASSERT_EQ(::prlimit(server->pid(), RLIMIT_NOFILE, &low, nullptr), 0) << std::strerror(errno);
  auto cpu_ticks = [&] {
    std::ifstream in("/proc/" + std::to_string(server->pid()) + "/stat");
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream fields(all.substr(all.rfind(')') + 2));
    std::string f;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> f; ++i) {
      if (i == 14) utime = std::stol(f);
      if (i == 15) stime = std::stol(f);
    }
    return utime + stime;
  };
  std::vector<raw_socket> conns(400);
  int connected = 0;
  for (auto& c : conns) connected += c.connect(server->port());
  ASSERT_EQ(connected, 400) << "the listen backlog takes them all";
  // Wait until roomd has taken every descriptor it can: then it is refusing accepts.
  auto deadline = clock_type::now() + 20s;
  while (open_fds(server->pid()) < 250 && clock_type::now() < deadline)
    std::this_thread::sleep_for(100ms);
  ASSERT_GE(open_fds(server->pid()), 250) << "roomd never ran out of descriptors";
  const long before = cpu_ticks();
  std::this_thread::sleep_for(2s);  // the window in which a spinning accept loop burns a core
                                    // (measured: 1.09 s of CPU; fixed: 0.01 s)
  const long used = cpu_ticks() - before;
  const long hz = ::sysconf(_SC_CLK_TCK);
  EXPECT_LT(used, hz / 4) << "roomd used " << used
                          << " ticks of CPU in 2 s while out of descriptors";
  for (auto& c : conns) c.close();
  EXPECT_LE(wait_fds_at_most(server->pid(), 40, 30s), 40);
  expect_normal_client_works(*server);
  EXPECT_NE(server->log().find("accept failed"), std::string::npos) << "the refusal is logged";
  RecordProperty("cpu_ticks_in_2s_while_exhausted", static_cast<int>(used));
}

}  // namespace
}  // namespace rooms::gateway::test
