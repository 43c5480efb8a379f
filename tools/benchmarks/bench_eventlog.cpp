/// bench_eventlog: group-commit append and full-read throughput of rooms::eventlog, each case
/// next to RocksDB's own db_bench on the same filesystem, value size and sync setting.
///
/// Usage: bench_eventlog [--quick] [--dir DIR] [--db-bench PATH]
/// Prints one JSON line per case: {"case", our figure, the db_bench figure, "ratio", "target"}.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "eventlog/store.hpp"

namespace {

namespace fs = std::filesystem;
using namespace rooms::eventlog;
using clock_type = std::chrono::steady_clock;

struct config {
  bool quick = false;
  fs::path dir;
  std::string db_bench = "/usr/bin/db_bench";
};

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

/// A code_changed event like a keystroke batch; ~150 bytes encoded.
event keystroke(std::uint64_t seq, std::int64_t ts, int session) {
  event e;
  e.seq = seq;
  e.ts = ts;
  e.type = event_type::code_changed;
  e.participant_id = "participant-" + std::to_string(session % 3);
  e.payload = {
      {"version", seq},
      {"clientID", "c0ffee-" + std::to_string(session)},
      {"changes", nlohmann::json::array({seq * 7 % 4000,
                                         nlohmann::json::array({0,
                                                                "    total += values[i] * weight;\n"
                                                                "    if (total > limit) break;"}),
                                         17})}};
  return e;
}

std::unique_ptr<store> open_or_die(store_options o) {
  auto opened = store::open(std::move(o));
  if (!opened) {
    std::cerr << "bench_eventlog: " << opened.error().to_string() << "\n";
    std::exit(1);
  }
  return std::move(opened.value());
}

/// Runs db_bench and returns ops/sec of `benchmark` (the last of `benchmarks`).
std::optional<double> run_db_bench(const config& cfg, const std::string& name,
                                   const std::string& benchmarks, const std::string& benchmark,
                                   std::uint64_t num, std::size_t value_size, bool sync) {
  fs::path db = cfg.dir / ("db_bench-" + name);
  std::string cmd = cfg.db_bench + " --benchmarks=" + benchmarks + " --num=" + std::to_string(num) +
                    " --value_size=" + std::to_string(value_size) +
                    " --key_size=24 --sync=" + (sync ? "1" : "0") +
                    " --compression_type=snappy --threads=1 --db=" + db.string() + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) output += buf;
  int rc = ::pclose(pipe);
  std::error_code ignored;
  fs::remove_all(db, ignored);
  // "fillseq      :       2.345 micros/op 426439 ops/sec ..." (std::regex is avoided: gcc 12
  // reports a false maybe-uninitialized inside it under the sanitizers, and warnings are errors)
  std::optional<double> ops;
  std::size_t at = 0;
  while (rc == 0 && !ops && (at = output.find(benchmark, at)) != std::string::npos) {
    bool line_start = at == 0 || output[at - 1] == '\n';
    std::size_t colon = output.find_first_not_of(' ', at + benchmark.size());
    std::size_t micros = output.find(" micros/op ", at);
    std::size_t eol = output.find('\n', at);
    if (line_start && colon != std::string::npos && output[colon] == ':' &&
        micros != std::string::npos && micros < eol) {
      ops = std::strtod(output.c_str() + micros + 11, nullptr);
    }
    at += benchmark.size();
  }
  if (!ops) {
    std::cerr << "bench_eventlog: db_bench failed (" << cmd << "):\n" << output << "\n";
  }
  return ops;
}

void print(nlohmann::json line, std::optional<double> ours, std::optional<double> theirs,
           double target) {
  if (ours && theirs && *theirs > 0) {
    double ratio = *ours / *theirs;
    line["ratio"] = std::round(ratio * 100) / 100;
    if (target > 0) {
      line["target_ratio"] = target;
      line["met"] = ratio >= target;
    }
  }
  std::cout << line.dump() << std::endl;
}

struct append_result {
  std::uint64_t events = 0;
  double seconds = 0;
  store_stats stats;
};

/// 1,000 sessions; 8 appender threads each own 125 and keep about one append per session in
/// flight (what 1,000 live rooms do), so the writer coalesces many sessions per WriteBatch.
append_result append_case(const config& cfg, const std::string& name, bool sync,
                          std::uint64_t total_events) {
  constexpr int sessions = 1000, threads = 8;
  fs::path path = cfg.dir / ("store-" + name);
  std::error_code ignored;
  fs::remove_all(path, ignored);
  std::int64_t ts0 = now_ms();
  std::vector<session_id> ids(sessions);
  {
    // Creating sessions is set-up, not the measured case: always without fsync.
    store_options o;
    o.path = path.string();
    auto db = open_or_die(o);
    std::vector<std::thread> creators;
    for (int t = 0; t < threads; ++t) {
      creators.emplace_back([&, t] {
        for (int s = t; s < sessions; s += threads) {
          session_meta m;
          m.id = session_id::random();
          m.language = "cpp";
          m.title = "bench " + std::to_string(s);
          event first;
          first.seq = 1;
          first.ts = ts0;
          first.payload = {{"language", "cpp"}, {"title", m.title}};
          if (auto st = db->create_session(m, first); !st.ok()) {
            std::cerr << "bench_eventlog: " << st.to_string() << "\n";
            std::exit(1);
          }
          ids[s] = m.id;
        }
      });
    }
    for (auto& c : creators) c.join();
  }

  store_options o;
  o.path = path.string();
  o.sync = sync;
  auto db = open_or_die(o);
  std::uint64_t rounds = total_events / sessions;
  std::atomic<std::uint64_t> failures{0};
  auto start = clock_type::now();
  std::vector<std::thread> appenders;
  for (int t = 0; t < threads; ++t) {
    appenders.emplace_back([&, t] {
      std::vector<int> mine;
      for (int s = t; s < sessions; s += threads) mine.push_back(s);
      const auto window = static_cast<std::int64_t>(mine.size());
      std::atomic<std::int64_t> in_flight{0};
      for (std::uint64_t r = 0; r < rounds; ++r) {
        for (int s : mine) {
          for (auto n = in_flight.load(); n >= window; n = in_flight.load()) in_flight.wait(n);
          in_flight.fetch_add(1);
          db->append_async(ids[s], {keystroke(r + 2, ts0 + static_cast<std::int64_t>(r), s)},
                           [&](status st) {
                             if (!st.ok()) failures.fetch_add(1);
                             in_flight.fetch_sub(1);
                             in_flight.notify_one();
                           });
        }
      }
      for (auto n = in_flight.load(); n > 0; n = in_flight.load()) in_flight.wait(n);
    });
  }
  for (auto& a : appenders) a.join();
  append_result out;
  out.seconds = seconds_since(start);
  out.events = rounds * sessions;
  out.stats = db->stats();
  if (failures.load() != 0) {
    std::cerr << "bench_eventlog: " << failures.load() << " appends failed\n";
    std::exit(1);
  }
  db.reset();
  fs::remove_all(path, ignored);
  return out;
}

/// One session of `count` events, compacted to SST files, then read in full (best of 3).
double read_case(const config& cfg, std::uint64_t count) {
  fs::path path = cfg.dir / "store-read";
  std::error_code ignored;
  fs::remove_all(path, ignored);
  store_options o;
  o.path = path.string();
  auto db = open_or_die(o);
  std::int64_t ts0 = now_ms();
  session_meta m;
  m.id = session_id::random();
  event first;
  first.seq = 1;
  first.ts = ts0;
  if (auto st = db->create_session(m, first); !st.ok()) std::exit(1);
  for (std::uint64_t seq = 2; seq <= count;) {
    std::vector<event> chunk;
    for (; seq <= count && chunk.size() < 1000; ++seq) chunk.push_back(keystroke(seq, ts0, 1));
    if (auto st = db->append(m.id, std::move(chunk)); !st.ok()) {
      std::cerr << "bench_eventlog: " << st.to_string() << "\n";
      std::exit(1);
    }
  }
  if (auto st = db->compact(); !st.ok()) std::exit(1);
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    std::uint64_t seen = 0;
    auto start = clock_type::now();
    auto st = db->scan(m.id, 1, [&](const event&) {
      ++seen;
      return true;
    });
    double s = seconds_since(start);
    if (!st.ok() || seen != count) {
      std::cerr << "bench_eventlog: read " << seen << " of " << count << ": " << st.to_string()
                << "\n";
      std::exit(1);
    }
    best = std::max(best, static_cast<double>(count) / s);
  }
  db.reset();
  fs::remove_all(path, ignored);
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  config cfg;
  std::optional<fs::path> dir;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quick") {
      cfg.quick = true;
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (arg == "--db-bench" && i + 1 < argc) {
      cfg.db_bench = argv[++i];
    } else {
      std::cerr << "usage: bench_eventlog [--quick] [--dir DIR] [--db-bench PATH]\n";
      return 2;
    }
  }
  std::error_code ec;
  cfg.dir = dir ? *dir : fs::temp_directory_path() / "bench_eventlog";
  fs::create_directories(cfg.dir, ec);
  if (ec) {
    std::cerr << "bench_eventlog: cannot create " << cfg.dir << ": " << ec.message() << "\n";
    return 1;
  }
  bool have_db_bench = fs::exists(cfg.db_bench);
  if (!have_db_bench) std::cerr << "bench_eventlog: no " << cfg.db_bench << " (rocksdb-tools)\n";

  const std::size_t value_size = encode(keystroke(500, now_ms(), 500)).size();
  const std::uint64_t wal_events = cfg.quick ? 20'000 : 300'000;
  const std::uint64_t fsync_events = cfg.quick ? 10'000 : 100'000;
  const std::uint64_t db_bench_sync_ops = cfg.quick ? 200 : 2'000;
  const std::uint64_t read_events = cfg.quick ? 10'000 : 100'000;

  auto report_append = [&](const std::string& name, bool sync, std::uint64_t events,
                           std::uint64_t db_bench_ops, double target) {
    auto r = append_case(cfg, name, sync, events);
    double ours = static_cast<double>(r.events) / r.seconds;
    nlohmann::json line = {
        {"case", name},
        {"sessions", 1000},
        {"threads", 8},
        {"sync", sync},
        {"value_bytes", value_size},
        {"events", r.events},
        {"seconds", r.seconds},
        {"events_per_s", std::round(ours)},
        {"batches", r.stats.batches},
        {"events_per_batch", r.stats.batches ? static_cast<double>(r.stats.events) /
                                                   static_cast<double>(r.stats.batches)
                                             : 0.0}};
    std::optional<double> theirs;
    if (have_db_bench) {
      theirs = run_db_bench(cfg, name, "fillseq", "fillseq", db_bench_ops, value_size, sync);
      if (theirs) {
        line["db_bench"] = {{"benchmark", "fillseq"},
                            {"sync", sync},
                            {"threads", 1},
                            {"num", db_bench_ops},
                            {"ops_per_s", std::round(*theirs)}};
      }
    }
    print(line, ours, theirs, target);
  };

  report_append("append_wal", false, wal_events, wal_events, 0.5);
  report_append("append_fsync", true, fsync_events, db_bench_sync_ops, 4.0);

  double ours = read_case(cfg, read_events);
  nlohmann::json line = {{"case", "read_full_session"},
                         {"value_bytes", value_size},
                         {"events", read_events},
                         {"events_per_s", std::round(ours)},
                         {"target_events_per_s", 1'000'000},
                         {"met_absolute", ours >= 1e6}};
  std::optional<double> theirs;
  if (have_db_bench) {
    theirs = run_db_bench(cfg, "read", "fillseq,compact,readseq", "readseq", read_events,
                          value_size, false);
    if (theirs) {
      line["db_bench"] = {
          {"benchmark", "readseq"}, {"num", read_events}, {"ops_per_s", std::round(*theirs)}};
    }
  }
  print(line, ours, theirs, 0.0);
  if (!dir) fs::remove_all(cfg.dir, ec);
  return 0;
}
