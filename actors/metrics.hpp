#pragma once
/// Process-wide counters shown on /metrics. Lock-free; any thread may bump them.

#include <array>
#include <atomic>
#include <cstdint>

namespace rooms::actors {

/// A fixed-bucket latency histogram (microseconds), Prometheus-style cumulative on output.
struct latency_histogram {
  /// Upper bounds in microseconds; the last bucket is +Inf.
  static constexpr std::array<std::uint64_t, 12> bounds_us = {
      100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000};
  std::array<std::atomic<std::uint64_t>, bounds_us.size() + 1> buckets{};
  std::atomic<std::uint64_t> sum_us{0};
  std::atomic<std::uint64_t> count{0};

  void record(std::uint64_t micros) {
    std::size_t i = 0;
    while (i < bounds_us.size() && micros > bounds_us[i]) ++i;
    buckets[i].fetch_add(1, std::memory_order_relaxed);
    sum_us.fetch_add(micros, std::memory_order_relaxed);
    count.fetch_add(1, std::memory_order_relaxed);
  }
};

struct metrics {
  std::atomic<std::int64_t> rooms_live{0};
  std::atomic<std::int64_t> participants_connected{0};
  std::atomic<std::uint64_t> events_appended{0};
  std::atomic<std::uint64_t> append_failures{0};
  std::atomic<std::uint64_t> messages_in{0};
  std::atomic<std::uint64_t> messages_out{0};
  std::atomic<std::uint64_t> updates_rejected{0};  ///< code_update_rejected answers
  std::atomic<std::uint64_t> errors_sent{0};       ///< `error` messages
  std::atomic<std::uint64_t> runs_started{0};
  std::atomic<std::uint64_t> runs_finished{0};
  std::atomic<std::uint64_t> snapshots_written{0};
  std::atomic<std::uint64_t> rooms_activated{0};
  std::atomic<std::uint64_t> rooms_passivated{0};
  latency_histogram append_latency;  ///< submit to durable, per append
};

}  // namespace rooms::actors
