/// bench_replay: a 100k-event session shaped like a typing trace (single-character edits with
/// cursor moves), stored with the room's snapshot policy; measures "state at a random seq"
/// (snapshot + fold, warm), a full replay from the first event, and what snapshots cost the
/// append throughput. Prints one JSON line per case.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <random>

#include <CLI/CLI.hpp>

#include "actors/domain/changeset.hpp"
#include "actors/domain/room_state.hpp"
#include "actors/replay.hpp"
#include "eventlog/store.hpp"

namespace {

using namespace rooms;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

/// Events seq 2.. of a typing trace: every other event a one-character insert at a moving
/// spot, with a cursor move after it; a newline every 40 characters.
std::vector<eventlog::event> typing_trace(std::size_t count) {
  std::vector<eventlog::event> out;
  std::mt19937 rng(42);
  std::size_t length = 0, pos = 0;
  std::uint64_t version = 0;
  std::int64_t ts = 1'700'000'000'000;
  for (std::size_t i = 0; i < count; ++i) {
    eventlog::event e;
    e.seq = i + 2;
    e.ts = (ts += 150);
    e.participant_id = "p_1";
    if (i % 2 == 0) {
      if (rng() % 50 == 0) pos = length == 0 ? 0 : rng() % (length + 1);
      json changes = json::array();
      if (pos > 0) changes.push_back(pos);
      changes.push_back(
          i % 80 == 78 ? json::array({0, "", ""})
                       : json::array({0, std::string(1, static_cast<char>('a' + rng() % 26))}));
      if (length > pos) changes.push_back(length - pos);
      e.type = eventlog::event_type::code_changed;
      e.payload = {{"version", ++version}, {"clientID", "c1"}, {"changes", changes}};
      ++length;
      ++pos;
    } else {
      e.type = eventlog::event_type::cursor_moved;
      e.payload = {{"version", version}, {"anchor", pos}, {"head", pos}};
    }
    out.push_back(std::move(e));
  }
  return out;
}

/// Appends the trace in batches of `batch`, snapshotting every `snapshot_every` events as the
/// room does (0: never). Returns events/s.
double encode_s = 0, put_s = 0;
std::atomic<int> snapshot_failures{0};
std::size_t snapshot_bytes = 0;
/// CPU time of the whole process (every thread: the appender, the store's writer, RocksDB's
/// flushes), which I/O stalls of a shared disk do not inflate the way they do wall time.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
double last_load_cpu = 0;  ///< CPU seconds of the last load()

double load(eventlog::store& store, const eventlog::session_id& id,
            const std::vector<eventlog::event>& trace, std::size_t batch,
            std::uint64_t snapshot_every) {
  domain::room_state state;
  eventlog::event created;
  created.seq = 1;
  created.ts = 1'700'000'000'000;
  created.payload = {{"language", "python"}, {"title", "bench"}};
  (void)domain::apply(state, created);
  auto t0 = clock_type::now();
  double cpu0 = process_cpu_seconds();
  std::uint64_t last_snapshot = 0;
  for (std::size_t i = 0; i < trace.size(); i += batch) {
    std::vector<eventlog::event> part(
        trace.begin() + static_cast<std::ptrdiff_t>(i),
        trace.begin() + static_cast<std::ptrdiff_t>(std::min(trace.size(), i + batch)));
    for (const auto& e : part)
      if (auto err = domain::apply(state, e)) throw std::runtime_error(err->message);
    if (auto s = store.append(id, std::move(part)); !s.ok())
      throw std::runtime_error(s.to_string());
    if (snapshot_every && state.seq >= last_snapshot + snapshot_every) {
      auto e0 = clock_type::now();
      auto bytes = domain::encode_snapshot(state);
      auto e1 = clock_type::now();
      snapshot_bytes += bytes.size();
      // As the room does: queued behind the append, not waited for (a failure shows at the end).
      store.put_snapshot_async(id, state.seq, std::move(bytes), [](eventlog::status s) {
        if (!s.ok()) snapshot_failures.fetch_add(1);
      });
      encode_s += std::chrono::duration<double>(e1 - e0).count();
      put_s += seconds_since(e1);
      last_snapshot = state.seq;
    }
  }
  (void)store.last_seq(id);  // nothing queued is left unwritten when the clock stops
  last_load_cpu = process_cpu_seconds() - cpu0;
  return static_cast<double>(trace.size()) / seconds_since(t0);
}

eventlog::session_id create(eventlog::store& store) {
  eventlog::session_meta meta;
  meta.id = eventlog::session_id::random();
  meta.created_at = 1'700'000'000'000;
  meta.language = "python";
  eventlog::event created;
  created.seq = 1;
  created.ts = meta.created_at;
  created.payload = {{"language", "python"}, {"title", "bench"}};
  if (auto s = store.create_session(meta, created); !s.ok())
    throw std::runtime_error(s.to_string());
  return meta.id;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_replay: state at any moment of a 100k-event session"};
  app.set_version_flag("--version", std::string("bench_replay ") + ROOMS_VERSION);
  std::string dir = "/tmp/bench_replay";
  std::size_t events = 100'000;
  std::uint64_t snapshot_every = 5000;
  std::size_t samples = 200;
  app.add_option("--dir", dir, "scratch data directory (deleted first)")->capture_default_str();
  app.add_option("--events", events, "events in the session")->capture_default_str();
  app.add_option("--snapshot-every", snapshot_every, "the room's snapshot period")
      ->capture_default_str();
  app.add_option("--samples", samples, "random seqs to reconstruct")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    std::filesystem::remove_all(dir);
    eventlog::store_options so;
    so.path = dir;
    so.retention = std::chrono::hours(24 * 365 * 10);  // the trace's timestamps are in the past
    auto store = eventlog::store::open(so);
    if (!store.ok()) throw std::runtime_error(store.error().to_string());
    auto trace = typing_trace(events);

    // Snapshot cost, two ways. (1) Throughput: the same trace appended without and with the
    // room's snapshots, in batches of 8 events (what one group commit carries for a hot room),
    // in seven paired rounds; the cost is the median of the rounds' differences (the machine is
    // shared; one run varies by +-5%, more than the cost being measured). (2) Direct: the time the
    // appending thread spends on snapshots (encoding, queueing) over the with-snapshot run's time;
    // the room pays only this on its own thread, the store writes the bytes in its group commit.
    constexpr int rounds = 7;
    double plain = 0, snap = 0, snap_seconds = 0;
    std::vector<double> paired_cost;      // per round: 1 - with/without, in percent
    std::vector<double> paired_cpu_cost;  // per round: CPU with / CPU without - 1, in percent
    eventlog::session_id plain_id, id;
    for (int round = 0; round < rounds; ++round) {
      // The log grows with every run, and a later run is a little slower: alternate which goes
      // first (A B B A ...) so neither side always runs on the bigger log.
      double p = 0, q = 0, p_cpu = 0, q_cpu = 0;
      auto run_plain = [&] {
        plain_id = create(**store);
        p = load(**store, plain_id, trace, 8, 0);
        p_cpu = last_load_cpu;
      };
      auto run_snap = [&] {
        id = create(**store);
        q = load(**store, id, trace, 8, snapshot_every);
        q_cpu = last_load_cpu;
      };
      if (round % 2 == 0) {
        run_plain();
        run_snap();
      } else {
        run_snap();
        run_plain();
      }
      plain = std::max(plain, p);
      snap = std::max(snap, q);
      snap_seconds += static_cast<double>(events) / q;
      paired_cost.push_back(100.0 * (p - q) / p);
      paired_cpu_cost.push_back(100.0 * (q_cpu - p_cpu) / p_cpu);
    }
    std::sort(paired_cost.begin(), paired_cost.end());
    std::sort(paired_cpu_cost.begin(), paired_cpu_cost.end());
    if (snapshot_failures.load() != 0) throw std::runtime_error("a snapshot write failed");
    std::cout << json{{"case", "append_with_snapshots"},
                      {"events", events},
                      {"snapshotEvery", snapshot_every},
                      {"eventsPerSWithout", plain},
                      {"eventsPerSWith", snap},
                      // The median of the paired rounds: one noisy round moves it little.
                      {"costPct", paired_cost[paired_cost.size() / 2]},
                      {"costPctRange", {paired_cost.front(), paired_cost.back()}},
                      {"cpuCostPct", paired_cpu_cost[paired_cpu_cost.size() / 2]},
                      {"cpuCostPctRange", {paired_cpu_cost.front(), paired_cpu_cost.back()}},
                      {"directCostPct", 100.0 * (encode_s + put_s) / snap_seconds},
                      {"encodeMsPerRun", encode_s * 1000 / rounds},
                      {"queueMsPerRun", put_s * 1000 / rounds},
                      {"snapshotBytesPerRun", snapshot_bytes / rounds}}
                     .dump()
              << std::endl;

    // Warm: touch the data once.
    auto last = actors::state_at(**store, id, events + 1);
    if (!last.ok()) throw std::runtime_error(last.error().to_string());
    std::mt19937_64 rng(7);
    std::vector<double> ms;
    for (std::size_t i = 0; i < samples; ++i) {
      std::uint64_t seq = 1 + rng() % (events + 1);
      auto t0 = clock_type::now();
      auto s = actors::state_at(**store, id, seq);
      ms.push_back(seconds_since(t0) * 1000);
      if (!s.ok() || s->seq != seq) throw std::runtime_error("state_at returned the wrong seq");
    }
    std::sort(ms.begin(), ms.end());
    std::cout << json{{"case", "state_at_random_seq"},
                      {"events", events},
                      {"samples", samples},
                      {"p50Ms", ms[ms.size() / 2]},
                      {"p99Ms", ms[ms.size() * 99 / 100]},
                      {"maxMs", ms.back()}}
                     .dump()
              << std::endl;

    // Full replay from the first event: the session without snapshots folds all of it.
    auto t0 = clock_type::now();
    auto full = actors::state_at(**store, plain_id, events + 1);
    double full_ms = seconds_since(t0) * 1000;
    if (!full.ok() || full->doc != last->doc)
      throw std::runtime_error("full replay differs from the snapshot path");
    std::cout << json{{"case", "full_replay"},
                      {"events", events},
                      {"ms", full_ms},
                      {"docUnits", full->doc.size()}}
                     .dump()
              << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "bench_replay: " << e.what() << "\n";
    return 1;
  }
  std::filesystem::remove_all(dir);
  return 0;
}
