#include "gateway/roomd_options.hpp"

#include "base/duration.hpp"

namespace rooms::gateway {

void define_roomd_options(CLI::App& app, roomd_options& o) {
  auto& gw = o.gateway;
  auto& room = o.room;
  app.add_option("--listen", o.listen, "HOST:PORT to listen on; port 0 picks a free one")
      ->envname("ROOMD_LISTEN")
      ->capture_default_str();
  app.add_option("--data-dir", o.data_dir, "RocksDB data directory")
      ->envname("ROOMD_DATA_DIR")
      ->capture_default_str();
  app.add_option("--web-dir", gw.web_dir, "built web app to serve")
      ->envname("ROOMD_WEB_DIR")
      ->capture_default_str();
  app.add_option("--port-file", o.port_file, "write the bound port to this file once listening");
  app.add_option("--retention", o.retention, "keep a session this long after its last activity")
      ->envname("ROOMD_RETENTION")
      ->capture_default_str();
  app.add_flag("--fsync", o.fsync,
               "fsync every group commit: survive power loss, not only a crash (ROOMD_FSYNC=1)")
      ->envname("ROOMD_FSYNC");
  app.add_option("--snapshot-every", room.snapshot_every, "snapshot a room every N events")
      ->capture_default_str();
  app.add_option("--runner", o.runner, "code runner: local (bubblewrap sandbox), piston, none")
      ->envname("ROOMD_RUNNER")
      ->check(CLI::IsMember({"local", "piston", "none"}))
      ->capture_default_str();
  app.add_option("--piston-url", o.piston_url, "Piston v2 API base URL, with --runner piston")
      ->envname("ROOMD_PISTON_URL");
  app.add_option("--run-timeout", o.run_timeout, "wall-clock limit of a program run")
      ->capture_default_str();
  app.add_option("--run-workers", o.run_workers, "code runs at once")->capture_default_str();
  app.add_option("--run-queue", o.run_queue, "runs waiting for a worker; more are refused (busy)")
      ->capture_default_str();
  app.add_flag("--no-run-cgroups", o.no_run_cgroups,
               "local runner: no per-run cgroups (memory, pids), rlimits only");
  app.add_option("--log-level", o.log_level, "debug, info, warn, error, off")
      ->envname("ROOMD_LOG_LEVEL")
      ->capture_default_str();
  app.add_option("--allowed-origin", gw.allowed_origins,
                 "an extra Origin allowed to open WebSockets (repeatable)");
  app.add_option("--max-participants", room.max_participants, "participants per room")
      ->capture_default_str();
  app.add_option("--max-doc", room.max_doc_units, "document size limit in UTF-16 units")
      ->capture_default_str();
  app.add_option("--max-message-bytes", gw.max_message_bytes,
                 "largest WebSocket message; larger closes with 1009")
      ->capture_default_str();
  app.add_option("--message-rate", gw.message_rate, "messages per second per connection")
      ->capture_default_str();
  app.add_option("--message-burst", gw.message_burst, "burst of the per-connection rate limit")
      ->capture_default_str();
  app.add_option("--max-send-queue", gw.max_send_queue,
                 "queued outgoing frames before a slow consumer is closed (1008)")
      ->capture_default_str();
  app.add_option("--create-per-minute", gw.create_per_minute,
                 "sessions one address may create per minute")
      ->capture_default_str();
  app.add_option("--resume-grace", o.resume_grace, "how long a dropped participant may resume")
      ->capture_default_str();
  app.add_option("--idle-passivate", o.idle_passivate,
                 "stop a room nobody is connected to after this long")
      ->capture_default_str();
  app.add_option("--join-timeout", o.join_timeout,
                 "close a socket that has not joined after this long (4408)")
      ->capture_default_str();
  app.add_option("--header-timeout", o.header_timeout,
                 "close an HTTP connection that has not sent a request's headers after this long "
                 "(slowloris)")
      ->capture_default_str();
  app.add_option("--io-threads", gw.io_threads, "Asio I/O threads")->capture_default_str();
  app.add_flag("--metrics-need-token", gw.metrics_need_token,
               "require the admin token for /metrics");
  app.add_flag("--serve-piston", gw.serve_piston,
               "serve the Piston v2 API (/api/v2/...) from the local runner, to loopback clients");
  app.add_flag("--serve-piston-public", gw.serve_piston_public,
               "with --serve-piston: to every client, not only loopback");
  app.add_option("--cluster", o.cluster_file,
                 "cluster file: one node per line, \"<id> <caf-host:port> <http-host:port>\" "
                 "(docs/cluster.md)");
  app.add_option("--node-id", o.node_id, "this node's id in the cluster file");
  app.add_option("--turn-url", gw.turn_urls,
                 "a STUN or TURN server for calls, e.g. turn:turn.example.com:3478 (repeatable)")
      ->envname("ROOMD_TURN_URL");
  app.add_option("--turn-secret", gw.turn_secret,
                 "TURN REST shared secret (coturn use-auth-secret); prefer ROOMD_TURN_SECRET")
      ->envname("ROOMD_TURN_SECRET");
}

std::string resolve_roomd_options(roomd_options& o) {
  if (!log::parse_level(o.log_level, o.level))
    return "--log-level must be debug, info, warn, error or off";
  struct duration_flag {
    const char* name;
    const std::string& text;
    std::chrono::milliseconds& out;
  };
  const duration_flag durations[] = {
      {"--retention", o.retention, o.retention_ms},
      {"--run-timeout", o.run_timeout, o.run_timeout_ms},
      {"--resume-grace", o.resume_grace, o.room.resume_grace},
      {"--idle-passivate", o.idle_passivate, o.room.idle_passivate},
      {"--join-timeout", o.join_timeout, o.gateway.join_timeout},
      {"--header-timeout", o.header_timeout, o.gateway.header_timeout},
  };
  for (const auto& d : durations) {
    auto parsed = base::parse_duration(d.text);
    if (!parsed)
      return std::string("bad duration \"") + d.text + "\" for " + d.name +
             " (use e.g. 500ms, 30s, 10m, 24h, 7d)";
    d.out = *parsed;
  }
  if (o.gateway.header_timeout.count() == 0) return "--header-timeout must be more than 0";
  auto colon = o.listen.rfind(':');
  if (colon == std::string::npos) return "--listen takes HOST:PORT";
  o.gateway.host = o.listen.substr(0, colon);
  try {
    o.gateway.port = static_cast<std::uint16_t>(std::stoul(o.listen.substr(colon + 1)));
  } catch (...) {
    return "bad port in --listen " + o.listen;
  }
  if (o.cluster_file.empty() != o.node_id.empty()) return "--cluster and --node-id go together";
  if (o.runner == "piston" && o.piston_url.empty()) return "--runner piston needs --piston-url";
  return {};
}

}  // namespace rooms::gateway
