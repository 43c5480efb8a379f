/// /metrics in Prometheus' text format: the rooms' counters, the gateway's and the log's.

#include <sstream>

#include "gateway/detail/http_util.hpp"

namespace rooms::gateway::detail {

namespace {

void counter(std::ostringstream& out, const char* name, const char* help, const char* type,
             double value) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
      << name << ' ' << value << '\n';
}

}  // namespace

response get_metrics(context& ctx, const request& req) {
  if (ctx.options.metrics_need_token)
    if (auto denied = check_admin(ctx, req)) return *denied;
  auto& m = *ctx.svc->stats;
  auto s = ctx.svc->store->stats();
  std::ostringstream out;
  counter(out, "rooms_live", "Live room actors.", "gauge", m.rooms_live.load());
  counter(out, "rooms_participants_connected", "Participants with an open socket.", "gauge",
          m.participants_connected.load());
  counter(out, "rooms_ws_connections", "Open WebSocket connections.", "gauge",
          ctx.ws_connections.load());
  counter(out, "rooms_http_connections", "Open HTTP connections.", "gauge",
          ctx.http_connections.load());
  counter(out, "rooms_http_requests_total", "HTTP requests.", "counter", ctx.http_requests.load());
  counter(out, "rooms_events_appended_total", "Events made durable by rooms.", "counter",
          m.events_appended.load());
  counter(out, "rooms_append_failures_total", "Appends the log refused.", "counter",
          m.append_failures.load());
  counter(out, "rooms_messages_in_total", "WebSocket messages received.", "counter",
          m.messages_in.load());
  counter(out, "rooms_messages_out_total", "WebSocket messages sent.", "counter",
          m.messages_out.load());
  counter(out, "rooms_code_updates_rejected_total", "code_update_rejected answers.", "counter",
          m.updates_rejected.load());
  counter(out, "rooms_errors_sent_total", "error messages sent to clients.", "counter",
          m.errors_sent.load());
  counter(out, "rooms_runs_started_total", "Code runs started.", "counter", m.runs_started.load());
  counter(out, "rooms_runs_finished_total", "Code runs finished.", "counter",
          m.runs_finished.load());
  counter(out, "rooms_snapshots_written_total", "Room snapshots written.", "counter",
          m.snapshots_written.load());
  counter(out, "rooms_activations_total", "Rooms activated from the log.", "counter",
          m.rooms_activated.load());
  counter(out, "rooms_passivations_total", "Idle rooms passivated.", "counter",
          m.rooms_passivated.load());
  counter(out, "rooms_ws_origin_rejected_total", "WebSockets refused for their Origin.", "counter",
          ctx.ws_rejected_origin.load());
  counter(out, "rooms_ws_slow_consumers_closed_total", "Sockets closed as slow consumers.",
          "counter", ctx.ws_closed_slow.load());
  counter(out, "rooms_ws_rate_limited_total", "Messages refused by the rate limit.", "counter",
          ctx.ws_rate_limited.load());
  counter(out, "rooms_logins_total", "Successful sign-ins.", "counter", ctx.logins.load());
  counter(out, "rooms_login_failures_total", "Sign-ins refused for a wrong login or password.",
          "counter", ctx.login_failures.load());
  counter(out, "rooms_login_lockouts_total", "Logins locked after repeated failed sign-ins.",
          "counter", ctx.login_lockouts.load());
  counter(out, "rooms_log_batches_total", "Group-commit writes of the log.", "counter", s.batches);
  counter(out, "rooms_log_bytes_total", "Encoded event bytes written.", "counter", s.bytes);
  counter(out, "rooms_log_healthy", "1 when the event log accepts writes.", "gauge",
          ctx.svc->store->healthy() ? 1 : 0);
  counter(out, "rooms_backups_total", "Backups written through POST /api/admin/backup.", "counter",
          ctx.backups.load());
  // Whole seconds as an integer: counter()'s default stream precision would round a unix time.
  out << "# HELP rooms_backup_last_success_timestamp_seconds Unix time the newest backup of this "
         "process began (0: none since start).\n"
         "# TYPE rooms_backup_last_success_timestamp_seconds gauge\n"
         "rooms_backup_last_success_timestamp_seconds "
      << ctx.last_backup_unix_ms.load() / 1000 << '\n';
  out << "# HELP rooms_append_latency_seconds Time from submitting an append to it being durable.\n"
         "# TYPE rooms_append_latency_seconds histogram\n";
  std::uint64_t cumulative = 0;
  const auto& h = m.append_latency;
  for (std::size_t i = 0; i < h.bounds_us.size(); ++i) {
    cumulative += h.buckets[i].load();
    out << "rooms_append_latency_seconds_bucket{le=\"" << h.bounds_us[i] / 1e6 << "\"} "
        << cumulative << '\n';
  }
  cumulative += h.buckets[h.bounds_us.size()].load();
  out << "rooms_append_latency_seconds_bucket{le=\"+Inf\"} " << cumulative << '\n'
      << "rooms_append_latency_seconds_sum " << h.sum_us.load() / 1e6 << '\n'
      << "rooms_append_latency_seconds_count " << h.count.load() << '\n';
  response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.keep_alive(req.keep_alive());
  res.body() = out.str();
  return res;
}

}  // namespace rooms::gateway::detail
