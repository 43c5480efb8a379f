/// Crash recovery: a child process appends and reports every acknowledged seq; the parent
/// SIGKILLs it at a random moment and checks that every acknowledged event survived intact.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <random>

#include "eventlog/store.hpp"
#include "tests/eventlog/helpers.hpp"
#include "tests/testing/temp_dir.hpp"

namespace rooms::eventlog {
namespace {

constexpr int sessions = 4;
constexpr int window = 64;  // async appends in flight, so crashes land mid group commit

struct ack {
  std::uint32_t session;
  std::uint64_t seq;
};

/// The child: append to every session round robin until killed. Never returns.
[[noreturn]] void append_forever(const std::string& path, const std::vector<session_id>& ids,
                                 std::int64_t base_ts, int out_fd) {
  store_options o;
  o.path = path;
  auto opened = store::open(o);
  if (!opened) ::_exit(10);
  auto& db = *opened;
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0;
  for (std::uint64_t seq = 2;; ++seq) {
    for (std::uint32_t s = 0; s < sessions; ++s) {
      {
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return in_flight < window; });
        ++in_flight;
      }
      auto ts = base_ts + static_cast<std::int64_t>(seq);
      db->append_async(ids[s], {test::code_event(seq, ts, std::to_string(s))},
                       [&, s, seq](status st) {
                         if (!st.ok()) ::_exit(11);
                         ack a{s, seq};
                         // Reported only after the store acknowledged it.
                         if (::write(out_fd, &a, sizeof a) != sizeof a) ::_exit(12);
                         std::lock_guard lk(mu);
                         --in_flight;
                         cv.notify_one();
                       });
    }
  }
}

TEST(recovery, acknowledged_events_survive_sigkill) {
  std::mt19937 rng(std::random_device{}());
  std::int64_t base_ts = now_ms();
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    rooms::testing::temp_dir dir;
    std::string path = (dir.path() / "db").string();
    std::vector<session_id> ids;
    {
      store_options o;
      o.path = path;
      auto db = store::open(o);
      ROOMS_ASSERT_OK(db.error());
      for (int s = 0; s < sessions; ++s) {
        session_meta m;
        m.id = session_id::random();
        event first;
        first.seq = 1;
        first.ts = base_ts;
        first.type = event_type::session_created;
        first.payload = {{"language", "cpp"}, {"title", "crash"}};
        ROOMS_ASSERT_OK((*db)->create_session(m, first));
        ids.push_back(m.id);
      }
    }

    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      append_forever(path, ids, base_ts, fds[1]);
    }
    ::close(fds[1]);

    // Let it run for a random while after its first acknowledgement, then kill it mid-flight.
    std::map<std::uint32_t, std::uint64_t> acked;
    std::string pending;
    auto drain = [&](int timeout_ms) {
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, timeout_ms) <= 0) return false;
      char buf[4096];
      ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n <= 0) return false;
      pending.append(buf, static_cast<std::size_t>(n));
      std::size_t whole = pending.size() / sizeof(ack) * sizeof(ack);
      for (std::size_t off = 0; off < whole; off += sizeof(ack)) {
        ack a;
        std::memcpy(&a, pending.data() + off, sizeof a);
        auto& best = acked[a.session];
        EXPECT_GT(a.seq, best) << "acknowledged out of order";
        best = a.seq;
      }
      pending.erase(0, whole);
      return true;
    };
    auto started = std::chrono::steady_clock::now();
    while (acked.empty()) {
      ASSERT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20))
          << "child never acknowledged an append";
      drain(100);
    }
    auto run_for = std::chrono::milliseconds(std::uniform_int_distribution<int>(1, 40)(rng));
    auto until = std::chrono::steady_clock::now() + run_for;
    while (std::chrono::steady_clock::now() < until) drain(1);
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited early with " << WEXITSTATUS(wstatus);
    while (drain(0)) {
    }
    ::close(fds[0]);

    store_options o;
    o.path = path;
    auto db = store::open(o);
    ROOMS_ASSERT_OK(db.error());
    for (std::uint32_t s = 0; s < sessions; ++s) {
      auto last = (*db)->last_seq(ids[s]);
      ROOMS_ASSERT_OK(last.error());
      EXPECT_GE(*last, acked[s]) << "lost acknowledged events of session " << s;
      std::uint64_t expect_seq = 1;
      ROOMS_ASSERT_OK((*db)->scan(ids[s], 1, [&](const event& e) {
        EXPECT_EQ(e.seq, expect_seq) << "gap in session " << s;
        if (e.seq >= 2) {
          auto want = test::code_event(e.seq, base_ts + static_cast<std::int64_t>(e.seq),
                                       std::to_string(s));
          EXPECT_EQ(encode(e), encode(want)) << "seq " << e.seq << " is not byte-identical";
        }
        ++expect_seq;
        return true;
      }));
      EXPECT_EQ(expect_seq - 1, *last) << "meta and events disagree";
    }
  }
}

}  // namespace
}  // namespace rooms::eventlog
